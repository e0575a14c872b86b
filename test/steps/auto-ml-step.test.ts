import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  AutoMlContentType, AutoMlObjectiveMetric, AutoMlProblemType, AutoMlStepConstruct, Condition, ConditionStepConstruct,
  CreateModelStepConstruct, FailStepConstruct, Join, MlPipeline, PipelineParameter,
} from '../../src';
import { actionsOn, definitionOf, newStack, stepOf } from '../util';

function statementsOf(stack: Stack): any[] {
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function autopilotRole(stack: Stack): iam.Role {
  return new iam.Role(stack, 'Autopilot', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
}

function policyOf(stack: Stack, role: iam.Role): any[] {
  const id = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: id }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('AutoMlStepConstruct', () => {
  test('renders the SDK\'s AutoMLStep request: ENSEMBLING mode, no job name, the role to run as', () => {
    const stack = newStack();
    const data = PipelineParameter.ofString('TrainData', { defaultValue: 's3://data/train/' });
    const step = new AutoMlStepConstruct(stack, 'AutoMl', {
      role: autopilotRole(stack),
      trainingData: { s3Uri: data.valueAsString, contentType: AutoMlContentType.CSV },
      targetAttributeName: 'churn',
      problemType: AutoMlProblemType.BINARY_CLASSIFICATION,
      objectiveMetric: AutoMlObjectiveMetric.F1,
      maxCandidates: 20,
      maxRuntimePerTrainingJob: Duration.minutes(30),
      maxAutoMlJobRuntime: Duration.hours(4),
      validationFraction: 0.25,
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', parameters: [data], steps: [step] }));
    const rendered = stepOf(def, 'AutoMl');
    expect(rendered.Type).toBe('AutoML');
    expect(rendered.Arguments).toEqual({
      InputDataConfig: [{
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: { Get: 'Parameters.TrainData' } } },
        TargetAttributeName: 'churn',
        ContentType: 'text/csv;header=present',
      }],
      OutputDataConfig: { S3OutputPath: expect.anything() },
      ProblemType: 'BinaryClassification',
      AutoMLJobObjective: { MetricName: 'F1' },
      AutoMLJobConfig: {
        CompletionCriteria: { MaxCandidates: 20, MaxRuntimePerTrainingJobInSeconds: 1800, MaxAutoMLJobRuntimeInSeconds: 14400 },
        DataSplitConfig: { ValidationFraction: 0.25 },
        Mode: 'ENSEMBLING',
      },
      RoleArn: expect.anything(),
    });
    expect(rendered.Arguments).not.toHaveProperty('AutoMLJobName');
    expect(rendered.Arguments.OutputDataConfig.S3OutputPath['Std:Join'].Values.slice(-2)).toEqual(['AutoMl', 'output']);
  });

  test('validation data, a feature specification, encryption and a VPC go where the API takes them', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const key = new kms.Key(stack, 'Key');
    const role = autopilotRole(stack);
    const step = new AutoMlStepConstruct(stack, 'AutoMl', {
      role,
      trainingData: { s3Uri: 's3://data/train/', contentType: AutoMlContentType.PARQUET },
      validationData: { s3Uri: 's3://data/validation/' },
      targetAttributeName: 'price',
      sampleWeightAttributeName: 'weight',
      featureSpecificationS3Uri: 's3://data/features.json',
      outputPath: 's3://results/automl',
      outputEncryptionKey: key,
      volumeEncryptionKey: key,
      network: { vpc, encryptInterContainerTraffic: true },
    });
    const args = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] })), 'AutoMl').Arguments;
    expect(args.InputDataConfig.map((c: any) => [c.ChannelType, c.DataSource.S3DataSource.S3Uri, c.SampleWeightAttributeName]))
      .toEqual([['training', 's3://data/train/', 'weight'], ['validation', 's3://data/validation/', 'weight']]);
    expect(args.InputDataConfig[0].ContentType).toBe('x-application/vnd.amazon+parquet');
    expect(args.OutputDataConfig.S3OutputPath).toBe('s3://results/automl');
    expect(args.AutoMLJobConfig.CandidateGenerationConfig).toEqual({ FeatureSpecificationS3Uri: 's3://data/features.json' });
    expect(args.AutoMLJobConfig.SecurityConfig.EnableInterContainerTrafficEncryption).toBe(true);
    expect(args.AutoMLJobConfig.SecurityConfig.VpcConfig.Subnets).toHaveLength(vpc.privateSubnets.length);
    expect(args.AutoMLJobConfig.SecurityConfig.VolumeKmsKeyId).toBeDefined();
    expect(args).not.toHaveProperty('ProblemType');
    expect(args).not.toHaveProperty('AutoMLJobObjective');

    // The Autopilot role reads the data and writes the results; it creates the network interfaces of its jobs.
    const statements = policyOf(stack, role);
    expect(actionsOn(statements, 'arn:aws:s3:::data/train/*')).toContain('s3:GetObject');
    expect(actionsOn(statements, 'arn:aws:s3:::data/validation/*')).toContain('s3:GetObject');
    expect(actionsOn(statements, 'arn:aws:s3:::data/features.json*')).toContain('s3:GetObject');
    expect(actionsOn(statements, 'arn:aws:s3:::results/automl*')).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject']));
    expect(actionsOn(statements, '*')).toContain('ec2:CreateNetworkInterface');
  });

  test('grants: the pipeline creates, describes and stops the job and passes the Autopilot role, nothing more', () => {
    const stack = newStack();
    const role = autopilotRole(stack);
    const step = new AutoMlStepConstruct(stack, 'AutoMl', { role, trainingData: { s3Uri: 's3://data/train/' }, targetAttributeName: 'y' });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    definitionOf(pipeline);
    const statements = statementsOf(stack);
    expect(actionsOn(statements, 'arn:aws:sagemaker:us-east-1:123456789012:automl-job/*'))
      .toEqual(['sagemaker:AddTags', 'sagemaker:CreateAutoMLJob', 'sagemaker:DescribeAutoMLJob', 'sagemaker:StopAutoMLJob']);
    const roleArn = stack.resolve(role.roleArn);
    expect(actionsOn(statements, roleArn, { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } })).toEqual(['iam:PassRole']);
    // The default output is in the pipeline's artifact bucket: the Autopilot role may write there.
    const bucketObjects = { 'Fn::Join': ['', [stack.resolve(pipeline.artifactBucket.bucketArn), '/*']] };
    expect(actionsOn(policyOf(stack, role), bucketObjects)).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:PutObject']));
  });

  test('the best candidate becomes a model; its metric drives a condition; the dry run reads it', () => {
    const stack = newStack();
    const autoMl = new AutoMlStepConstruct(stack, 'AutoMl', {
      role: autopilotRole(stack),
      trainingData: { s3Uri: 's3://data/train/' },
      targetAttributeName: 'y',
      problemType: AutoMlProblemType.REGRESSION,
      objectiveMetric: AutoMlObjectiveMetric.MSE,
    });
    const model = new CreateModelStepConstruct(stack, 'BestModel', { containers: [autoMl.bestCandidateContainer()] });
    const check = new ConditionStepConstruct(stack, 'GoodEnough', {
      conditions: [Condition.numberLessThanOrEqualTo(autoMl.bestCandidateObjectiveValue, 0.5)],
      ifSteps: [model],
      elseSteps: [new FailStepConstruct(stack, 'TooPoor', { errorMessage: 'the best candidate is not good enough' })],
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [autoMl, check] });
    const def = definitionOf(pipeline);
    const container = stepOf(def, 'BestModel').Arguments.PrimaryContainer ?? stepOf(def, 'BestModel').Arguments.Containers[0];
    expect(container.Image).toEqual({ Get: 'Steps.AutoMl.BestCandidate.InferenceContainers[0].Image' });
    expect(container.ModelDataUrl).toEqual({ Get: 'Steps.AutoMl.BestCandidate.InferenceContainers[0].ModelDataUrl' });
    expect(Object.keys(container.Environment).sort()).toEqual([
      'MODEL_NAME', 'SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT', 'SAGEMAKER_INFERENCE_OUTPUT', 'SAGEMAKER_INFERENCE_SUPPORTED',
      'SAGEMAKER_PROGRAM', 'SAGEMAKER_SUBMIT_DIRECTORY',
    ]);
    expect(container.Environment.SAGEMAKER_PROGRAM).toEqual({ Get: "Steps.AutoMl.BestCandidate.InferenceContainers[0].Environment['SAGEMAKER_PROGRAM']" });
    expect(stepOf(def, 'GoodEnough').Arguments.Conditions[0].LeftValue).toEqual({ Get: 'Steps.AutoMl.BestCandidate.FinalAutoMLJobObjectiveMetric.Value' });

    const reference = 'Steps.AutoMl.BestCandidate.FinalAutoMLJobObjectiveMetric.Value';
    expect(pipeline.dryRun({ stepProperties: { [reference]: 0.3 } }).executedSteps).toContain('BestModel');
    expect(pipeline.dryRun({ stepProperties: { [reference]: 0.9 } }).failedStep).toBe('TooPoor');
  });

  test('typed accessors render the SDK\'s property paths', () => {
    const stack = newStack();
    const autoMl = new AutoMlStepConstruct(stack, 'AutoMl', { role: autopilotRole(stack), trainingData: { s3Uri: 's3://d/t/' }, targetAttributeName: 'y' });
    const values = [autoMl.autoMlJobName, autoMl.bestCandidateName, autoMl.modelInsightsJsonReportPath, autoMl.explainabilityJsonReportPath];
    const fail = new FailStepConstruct(stack, 'Report', { errorMessage: Join.of(' ', values).valueAsString });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [autoMl, fail] }));
    expect(stepOf(def, 'Report').Arguments.ErrorMessage['Std:Join'].Values).toEqual([
      { Get: 'Steps.AutoMl.AutoMLJobName' },
      { Get: 'Steps.AutoMl.BestCandidate.CandidateName' },
      { Get: 'Steps.AutoMl.BestCandidateProperties.ModelInsightsJsonReportPath' },
      { Get: 'Steps.AutoMl.BestCandidateProperties.ExplainabilityJsonReportPath' },
    ]);
    expect(() => autoMl.propertyAsString('BestCandidate.InferenceContainer[0].Image')).toThrow(/no such property.*InferenceContainers/);
  });

  test('bad input is a synth-time error naming the construct and what is expected', () => {
    const stack = newStack();
    const role = autopilotRole(stack);
    const base = { role, trainingData: { s3Uri: 's3://d/t/' }, targetAttributeName: 'y' };
    expect(() => new AutoMlStepConstruct(stack, 'A', { ...base, problemType: AutoMlProblemType.REGRESSION }))
      .toThrow(/TestStack\/A: problemType Regression given alone; Autopilot takes problemType and objectiveMetric together/);
    expect(() => new AutoMlStepConstruct(stack, 'B', { ...base, problemType: AutoMlProblemType.REGRESSION, objectiveMetric: AutoMlObjectiveMetric.AUC }))
      .toThrow(/TestStack\/B: objectiveMetric AUC does not measure a Regression problem; expected one of MSE/);
    expect(() => new AutoMlStepConstruct(stack, 'C', { ...base, trainingData: { s3Uri: 'data/train' } }))
      .toThrow(/TestStack\/C: trainingData s3Uri is 'data\/train'; expected an S3 URI/);
    expect(() => new AutoMlStepConstruct(stack, 'D', { ...base, maxCandidates: 1000 })).toThrow(/TestStack\/D: maxCandidates/);
    expect(() => new AutoMlStepConstruct(stack, 'E', { ...base, validationFraction: 1 })).toThrow(/TestStack\/E: validationFraction is 1; expected a number between 0 and 1/);
    expect(() => new AutoMlStepConstruct(stack, 'F', { ...base, validationFraction: 0.2, validationData: { s3Uri: 's3://d/v/' } }))
      .toThrow(/TestStack\/F: validationFraction and validationData both given/);
    expect(() => new AutoMlStepConstruct(stack, 'G', { ...base, network: { enableNetworkIsolation: true } }))
      .toThrow(/TestStack\/G: network.enableNetworkIsolation is set; an AutoML job does not take it/);
    expect(() => new AutoMlStepConstruct(stack, 'H', { ...base, sampleWeightAttributeName: 'row weight' }))
      .toThrow(/TestStack\/H: sampleWeightAttributeName is 'row weight'/);
    expect(() => new AutoMlStepConstruct(stack, 'I', { ...base, maxAutoMlJobRuntime: Duration.millis(10) }))
      .toThrow(/TestStack\/I: maxAutoMlJobRuntime is 10 millis; expected a whole number of seconds, at least 1/);
  });
});
