import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { definitionOf, stepOf } from './util';
import { SeedPipelineStack } from '../examples/seed-pipeline/seed-pipeline-stack';

/** The context of the project's cdk.json: the recommended feature flags that `npx cdk synth` runs the example under. */
const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf-8')).context;

describe('the seed pipeline example', () => {
  let stack: SeedPipelineStack;
  let template: Template;
  let definition: any;

  beforeAll(() => {
    // Synthesized as `npx cdk synth` does: under cdk.json's feature flags.
    const app = new App({ context: CDK_JSON_CONTEXT });
    stack = new SeedPipelineStack(app, 'SeedPipelineStack', { env: { account: '123456789012', region: 'us-east-1' } });
    Aspects.of(app).add(new AwsSolutionsChecks());
    template = Template.fromStack(stack);
    definition = definitionOf(stack.pipeline);
  });

  test('has the six parameters with their types and defaults', () => {
    expect(definition.Parameters).toEqual([
      { Name: 'ProcessingInstanceType', Type: 'String', DefaultValue: 'ml.m5.xlarge' },
      { Name: 'ProcessingInstanceCount', Type: 'Integer', DefaultValue: 1 },
      { Name: 'TrainingInstanceType', Type: 'String', DefaultValue: 'ml.m5.xlarge' },
      { Name: 'ModelApprovalStatus', Type: 'String', DefaultValue: 'PendingManualApproval', EnumValues: ['PendingManualApproval', 'Approved', 'Rejected'] },
      { Name: 'InputData', Type: 'String', DefaultValue: expect.stringMatching(/^s3:\/\/.+\.csv$/), Description: expect.any(String) },
      { Name: 'AccuracyThreshold', Type: 'Float', DefaultValue: 0.8 },
    ]);
  });

  test('runs Preprocess, the data quality baseline, Train, Evaluate, CreateModel, then CheckAccuracy with its branches', () => {
    expect(definition.Steps.map((s: any) => [s.Name, s.Type])).toEqual([
      ['Preprocess', 'Processing'],
      ['DataQualityBaseline', 'QualityCheck'],
      ['Train', 'Training'],
      ['Evaluate', 'Processing'],
      ['CreateModel', 'Model'],
      ['CheckAccuracy', 'Condition'],
    ]);
    const check = stepOf(definition, 'CheckAccuracy');
    expect(check.Arguments.IfSteps.map((s: any) => s.Name)).toEqual(['RegisterModel']);
    expect(check.Arguments.ElseSteps.map((s: any) => s.Name)).toEqual(['AccuracyTooLow']);
  });

  test('Preprocess: scikit-learn 1.2-1, preprocess.py, InputData in, train/validation/test out, parameterized cluster', () => {
    const args = stepOf(definition, 'Preprocess').Arguments;
    expect(args.AppSpecification.ImageUri).toBe('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3');
    // The script runs under its own name, as the SageMaker Python SDK runs it.
    expect(args.AppSpecification.ContainerEntrypoint).toEqual(['python3', '/opt/ml/processing/input/code/preprocess.py']);
    expect(args.ProcessingInputs.find((i: any) => i.InputName === 'code').S3Input.S3Uri)
      .toMatch(/^s3:\/\/<<Ref:SeedPipelineArtifactBucket[0-9A-F]+>>\/pipeline-code\/[0-9a-f]{32}\/preprocess\.py$/);
    expect(args.ProcessingInputs[0]).toMatchObject({ InputName: 'input', S3Input: { S3Uri: { Get: 'Parameters.InputData' }, LocalPath: '/opt/ml/processing/input' } });
    expect(args.ProcessingOutputConfig.Outputs.map((o: any) => [o.OutputName, o.S3Output.LocalPath])).toEqual([
      ['train', '/opt/ml/processing/train'], ['validation', '/opt/ml/processing/validation'], ['test', '/opt/ml/processing/test'],
      ['baseline', '/opt/ml/processing/baseline'],
    ]);
    expect(args.ProcessingResources.ClusterConfig).toEqual({
      InstanceType: { Get: 'Parameters.ProcessingInstanceType' },
      InstanceCount: { Get: 'Parameters.ProcessingInstanceCount' },
      VolumeSizeInGB: 30,
    });
  });

  test('Train: XGBoost 1.7-1 in File mode with the seed hyperparameters and channels from Preprocess', () => {
    const args = stepOf(definition, 'Train').Arguments;
    expect(args.AlgorithmSpecification).toEqual({ TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' });
    expect(args.HyperParameters).toEqual({ objective: 'binary:logistic', num_round: '50', max_depth: '5', eta: '0.2' });
    expect(args.InputDataConfig.map((c: any) => [c.ChannelName, c.DataSource.S3DataSource.S3Uri, c.ContentType])).toEqual([
      ['train', { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri" }, 'text/csv'],
      ['validation', { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri" }, 'text/csv'],
    ]);
    expect(args.ResourceConfig).toEqual({ InstanceType: { Get: 'Parameters.TrainingInstanceType' }, InstanceCount: 1, VolumeSizeInGB: 30 });
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 86400 });
  });

  test('Evaluate: XGBoost image, model and test inputs, evaluation output, EvaluationReport property file', () => {
    const step = stepOf(definition, 'Evaluate');
    expect(step.Arguments.AppSpecification.ImageUri).toBe('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1');
    expect(step.Arguments.AppSpecification.ContainerEntrypoint).toEqual(['python3', '/opt/ml/processing/input/code/evaluate.py']);
    expect(step.Arguments.ProcessingInputs.slice(0, 2).map((i: any) => [i.InputName, i.S3Input.S3Uri, i.S3Input.LocalPath])).toEqual([
      ['model', { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' }, '/opt/ml/processing/model'],
      ['test', { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri" }, '/opt/ml/processing/test'],
    ]);
    expect(step.Arguments.ProcessingOutputConfig.Outputs.map((o: any) => o.OutputName)).toEqual(['evaluation']);
    expect(step.PropertyFiles).toEqual([{ PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' }]);
    expect(step.Arguments.ProcessingResources.ClusterConfig).toMatchObject({ InstanceType: { Get: 'Parameters.ProcessingInstanceType' }, InstanceCount: 1 });
  });

  test('CheckAccuracy compares the JsonGet of the report with AccuracyThreshold; RegisterModel and AccuracyTooLow as specified', () => {
    const check = stepOf(definition, 'CheckAccuracy');
    expect(check.Arguments.Conditions).toEqual([{
      Type: 'GreaterThanOrEqualTo',
      LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' }, Path: 'binary_classification_metrics.accuracy.value' } },
      RightValue: { Get: 'Parameters.AccuracyThreshold' },
    }]);
    expect(stepOf(definition, 'RegisterModel').Arguments).toEqual({
      ModelPackageGroupName: 'SeedModelGroup',
      InferenceSpecification: {
        Containers: [{ Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
        SupportedRealtimeInferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.large'],
        SupportedTransformInstanceTypes: ['ml.m5.large'],
      },
      ModelApprovalStatus: { Get: 'Parameters.ModelApprovalStatus' },
      ModelMetrics: {
        ModelQuality: {
          Statistics: {
            S3Uri: { 'Std:Join': { On: '/', Values: [{ Get: "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri" }, 'evaluation.json'] } },
            ContentType: 'application/json',
          },
        },
      },
      // The data quality baseline of this run's features, which the endpoint's monitor reads from the approved version.
      DriftCheckBaselines: {
        ModelDataQuality: {
          Statistics: { S3Uri: { Get: 'Steps.DataQualityBaseline.BaselineUsedForDriftCheckStatistics' }, ContentType: 'application/json' },
          Constraints: { S3Uri: { Get: 'Steps.DataQualityBaseline.BaselineUsedForDriftCheckConstraints' }, ContentType: 'application/json' },
        },
      },
    });
    expect(stepOf(definition, 'DataQualityBaseline')).toMatchObject({
      Arguments: { ProcessingInputs: [{ S3Input: { S3Uri: { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri" } } }] },
      CheckType: 'DATA_QUALITY',
      SkipCheck: true,
      RegisterNewBaseline: true,
    });
    expect(stepOf(definition, 'AccuracyTooLow').Arguments).toEqual({
      ErrorMessage: { 'Std:Join': { On: ' ', Values: ['Accuracy below', { Get: 'Parameters.AccuracyThreshold' }] } },
    });
    expect(stepOf(definition, 'CreateModel').Arguments.PrimaryContainer.ModelDataUrl).toEqual({ Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' });
  });

  test('creates SeedModelGroup, retained', () => {
    template.hasResource('AWS::SageMaker::ModelPackageGroup', {
      Properties: { ModelPackageGroupName: 'SeedModelGroup' },
      DeletionPolicy: 'Retain',
    });
  });

  test('passes cdk-nag AwsSolutions with no unexplained suppression', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${e.entry.data}`)).toEqual([]);
    expect(warnings.map((e) => `${e.id}: ${e.entry.data}`)).toEqual([]);
    // Every suppression carries a reason of substance.
    const suppressions = Object.values<any>(template.toJSON().Resources)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) {
      expect(s.reason.length).toBeGreaterThan(40);
    }
  });

  test('matches the snapshot', () => {
    const json = template.toJSON();
    // Asset hashes change with the scripts; the template structure is what the snapshot guards.
    expect(JSON.parse(JSON.stringify(json).replace(/[0-9a-f]{64}/g, '<asset-hash>'))).toMatchSnapshot();
  });
});

describe('the seed pipeline without a configured region', () => {
  test('synthesizes with image registries looked up in mappings', () => {
    const stack = new SeedPipelineStack(new App({ context: CDK_JSON_CONTEXT }), 'Agnostic');
    const template = Template.fromStack(stack).toJSON();
    expect(Object.keys(template.Mappings ?? {})).toEqual(expect.arrayContaining(['SageMakerImagesxgboosttraining171', 'SageMakerImagessklearntraining121']));
    expect(Stack.of(stack).region).toMatch(/Token/);
  });
});
