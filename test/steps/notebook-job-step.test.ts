import * as path from 'path';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  ContainerImage, InstanceType, MlPipeline, NotebookJobStepConstruct, PipelineParameter, ProcessingStepConstruct, RetryExceptionType,
} from '../../src';
import { actionsOn, definitionOf, newStack, stepOf } from '../util';

const DIR = path.join(__dirname, '..', 'fixtures', 'notebook');
const NOTEBOOK = path.join(DIR, 'report.ipynb');

function roleStatements(stack: Stack): any[] {
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('NotebookJobStepConstruct', () => {
  const stack = newStack();
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-12345678'] });
  const key = new kms.Key(stack, 'Key');
  const prep = new ProcessingStepConstruct(stack, 'Prep', {
    image: ContainerImage.sklearn('1.2-1'),
    outputs: [{ outputName: 'data', source: '/opt/ml/processing/data' }],
  });
  const instanceType = PipelineParameter.ofString('NotebookInstanceType', { defaultValue: 'ml.m5.xlarge' });
  const threshold = PipelineParameter.ofString('Threshold', { defaultValue: '0.7' });
  const notebook = new NotebookJobStepConstruct(stack, 'Report', {
    inputNotebook: NOTEBOOK,
    image: ContainerImage.sagemakerDistribution('3.2'),
    kernelName: 'python3',
    notebookJobName: 'churn_report',
    parameters: { threshold: threshold.valueAsString, data_uri: prep.outputS3Uri('data') },
    environment: { STAGE: 'prod' },
    initializationScript: path.join(DIR, 'init.sh'),
    additionalDependencies: [path.join(DIR, 'deps'), path.join(DIR, 'requirements.txt')],
    instanceType: InstanceType.of(instanceType.valueAsString),
    volumeSize: Size.gibibytes(50),
    volumeEncryptionKey: key,
    s3EncryptionKey: key,
    network: { vpc, subnets: { subnets: vpc.privateSubnets } },
    maxRetryAttempts: 3,
    maxRuntime: Duration.hours(4),
    tags: { team: 'ml' },
    retryPolicies: [{ exceptionTypes: [RetryExceptionType.SAGEMAKER_CAPACITY_ERROR], maxAttempts: 2 }],
    displayName: 'Churn report',
    description: 'Runs the churn report notebook',
  });
  const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, notebook] });
  const definition = definitionOf(pipeline);
  const step = stepOf(definition, 'Report');
  const template = Template.fromStack(stack);

  test('renders what the SDK\'s NotebookJobStep renders: a Training step with the scheduler entry point, the staged channel, the SM_* environment and tags', () => {
    // The key's ARN, as the definition writes a CloudFormation value (a placeholder the deployment fills in).
    const keyArn = `<<GetAtt:${stack.getLogicalId(key.node.defaultChild as any)}.Arn>>`;
    expect(step.Type).toBe('Training');
    expect(step.DisplayName).toBe('Churn report');
    expect(step.Description).toBe('Runs the churn report notebook');
    expect(step.RetryPolicies).toEqual([{ ExceptionType: ['SageMaker.CAPACITY_ERROR'], MaxAttempts: 2, IntervalSeconds: 1, BackoffRate: 2 }]);
    const args = step.Arguments;
    expect(args.TrainingJobName).toBe('churn-report');
    expect(args.RetryStrategy).toEqual({ MaximumRetryAttempts: 3 });
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 14400 });
    expect(args.EnableInterContainerTrafficEncryption).toBe(true);
    expect(args.AlgorithmSpecification).toEqual({
      TrainingImage: '885854791233.dkr.ecr.us-east-1.amazonaws.com/sagemaker-distribution-prod:3.2.0-cpu',
      TrainingInputMode: 'File',
      ContainerEntrypoint: ['amazon_sagemaker_scheduler'],
    });
    expect(args.InputDataConfig).toHaveLength(1);
    expect(args.InputDataConfig[0].ChannelName).toBe('sagemaker_headless_execution_pipelinestep');
    expect(args.InputDataConfig[0].DataSource.S3DataSource).toMatchObject({ S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated' });
    expect(JSON.stringify(args.InputDataConfig[0].DataSource.S3DataSource.S3Uri)).toMatch(/pipeline-code\/[0-9a-f]{32}\//);
    expect(args.OutputDataConfig.KmsKeyId).toEqual(keyArn);
    expect(args.ResourceConfig).toEqual({ VolumeSizeInGB: 50, InstanceCount: 1, InstanceType: { Get: 'Parameters.NotebookInstanceType' }, VolumeKmsKeyId: keyArn });
    expect(args.VpcConfig).toEqual({ SecurityGroupIds: [expect.anything()], Subnets: ['subnet-12345678'] });
    expect(args.Tags).toEqual([
      { Key: 'team', Value: 'ml' },
      { Key: 'sagemaker:name', Value: 'churn_report' },
      { Key: 'sagemaker:notebook-name', Value: 'report.ipynb' },
      { Key: 'sagemaker:notebook-job-origin', Value: 'PIPELINE_STEP' },
      { Key: 'sagemaker:is-studio-archived', Value: 'false' },
    ]);
    expect(args.Environment).toEqual({
      STAGE: 'prod',
      AWS_DEFAULT_REGION: 'us-east-1',
      SM_JOB_DEF_VERSION: '1.0',
      SM_ENV_NAME: 'sagemaker-default-env',
      SM_SKIP_EFS_SIMULATION: 'true',
      SM_EXECUTION_INPUT_PATH: '/opt/ml/input/data/sagemaker_headless_execution_pipelinestep',
      SM_KERNEL_NAME: 'python3',
      SM_INPUT_NOTEBOOK_NAME: 'report.ipynb',
      SM_OUTPUT_NOTEBOOK_NAME: 'churn-report.ipynb',
      SM_INIT_SCRIPT: 'init.sh',
    });
    // Notebook parameters may be pipeline values: a parameter, another step's output.
    expect(args.HyperParameters).toEqual({
      threshold: { Get: 'Parameters.Threshold' },
      data_uri: { Get: "Steps.Prep.ProcessingOutputConfig.Outputs['data'].S3Output.S3Uri" },
    });
    expect(definition.Parameters.map((p: any) => p.Name).sort()).toEqual(['NotebookInstanceType', 'Threshold']);
  });

  test('uploads the notebook, the script and the dependencies at deploy time; the pipeline waits for the upload', () => {
    const deployments = template.findResources('Custom::CDKBucketDeployment');
    const [[uploadId, upload]] = Object.entries<any>(deployments).filter(([id]) => id.startsWith('ReportNotebookUpload'));
    expect(upload.Properties.DestinationBucketKeyPrefix).toMatch(/^pipeline-code\/[0-9a-f]{32}\/$/);
    expect(JSON.stringify(step.Arguments.InputDataConfig[0].DataSource.S3DataSource.S3Uri)).toContain(upload.Properties.DestinationBucketKeyPrefix);
    const pipelineResource = Object.values<any>(template.findResources('AWS::SageMaker::Pipeline'))[0];
    expect(pipelineResource.DependsOn).toEqual(expect.arrayContaining([uploadId]));
  });

  test('its grants: the job by its name, the image, the staged input, the output, the key and the VPC', () => {
    const statements = roleStatements(stack);
    expect(actionsOn(statements, 'arn:aws:sagemaker:us-east-1:123456789012:training-job/churn-report*'))
      .toEqual(['sagemaker:AddTags', 'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob']);
    expect(actionsOn(statements, 'arn:aws:ecr:us-east-1:885854791233:repository/sagemaker-distribution-prod'))
      .toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
    expect(actionsOn(statements, stack.resolve(key.keyArn))).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']);
    expect(actionsOn(statements, stack.resolve(key.keyArn), { Bool: { 'kms:GrantIsForAWSResource': true } })).toEqual(['kms:CreateGrant']);
    expect(JSON.stringify(statements)).toContain('ec2:CreateNetworkInterface');
    expect(JSON.stringify(statements)).toContain('/pipeline-code/');
  });

  test('typed accessors: the output location and the job name', () => {
    const s2 = newStack();
    const nb = new NotebookJobStepConstruct(s2, 'Report', { inputNotebook: NOTEBOOK, image: ContainerImage.sagemakerDistribution(), kernelName: 'python3' });
    const after = new ProcessingStepConstruct(s2, 'After', {
      image: ContainerImage.sklearn('1.2-1'),
      inputs: [{ inputName: 'nb', source: nb.outputS3Uri, destination: '/opt/ml/processing/nb' }],
      environment: { JOB: nb.trainingJobName },
    });
    const def = definitionOf(new MlPipeline(s2, 'P', { steps: [nb, after] }));
    const args = stepOf(def, 'After').Arguments;
    expect(args.ProcessingInputs[0].S3Input.S3Uri).toEqual({ Get: 'Steps.Report.OutputDataConfig.S3OutputPath' });
    expect(args.Environment.JOB).toEqual({ Get: 'Steps.Report.TrainingJobName' });
    expect(nb.jobName).toBe('report');
    expect(notebook.outputNotebookName).toBe('churn-report.ipynb');
  });
});

describe('NotebookJobStepConstruct bad input', () => {
  const image = ContainerImage.sagemakerDistribution();
  test.each([
    [{ inputNotebook: path.join(DIR, 'init.sh') }, "TestStack/N: inputNotebook '.*init.sh' is not a notebook file; expected the path of an existing .ipynb file"],
    [{ inputNotebook: path.join(DIR, 'missing.ipynb') }, "TestStack/N: inputNotebook '.*missing.ipynb' is not a notebook file"],
    [{ kernelName: '' }, 'TestStack/N: kernelName is missing; give the Jupyter kernel that runs the notebook'],
    [{ initializationScript: path.join(DIR, 'nope.sh') }, "TestStack/N: initializationScript '.*nope.sh' is not a file"],
    [{ additionalDependencies: [path.join(DIR, 'nope')] }, "TestStack/N: additional dependency '.*nope' does not exist"],
    [{ notebookJobName: '1-report' }, "TestStack/N: notebookJobName '1-report' is not valid; expected a letter first"],
    [{ notebookJobName: `r${'x'.repeat(70)}` }, 'TestStack/N: the training job name .* has 71 characters; a training job name takes at most 63: shorten notebookJobName'],
    [{ parameters: { 'bad name': '1' } }, "TestStack/N: notebook parameter 'bad name' is not a name SageMaker takes"],
    [{ maxRetryAttempts: 31 }, 'TestStack/N: maxRetryAttempts is 31; expected a whole number from 1 to 30'],
  ])('fails on %j', (extra, message) => {
    const stack = newStack();
    expect(() => new NotebookJobStepConstruct(stack, 'N', { inputNotebook: NOTEBOOK, image, kernelName: 'python3', ...extra }))
      .toThrow(new RegExp(message.replace(/[()]/g, '\\$&')));
  });

  test('a region-agnostic stack looks the SageMaker Distribution registry up in a mapping', () => {
    const agnostic = new Stack(undefined, 'Agnostic');
    const s2 = new NotebookJobStepConstruct(agnostic, 'N', { inputNotebook: NOTEBOOK, image, kernelName: 'python3' });
    const def = definitionOf(new MlPipeline(agnostic, 'P', { steps: [s2] }));
    expect(stepOf(def, 'N').Arguments.AlgorithmSpecification.TrainingImage).toBe('<<FindInMap>>.dkr.ecr.<<Ref:AWS::Region>>.<<Ref:AWS::URLSuffix>>/sagemaker-distribution-prod:3.2.0-cpu');
  });
  test('an input already staged in S3: nothing uploaded, the job reads that prefix with the role; local paths refused', () => {
    const other = newStack();
    const staged = 's3://ml-artifacts-111122223333/notebook-jobs/report/input/';
    const step = new NotebookJobStepConstruct(other, 'Staged', {
      inputNotebook: 'report.ipynb',
      stagedInputS3Uri: staged,
      image: ContainerImage.sagemakerDistribution('3.2'),
      kernelName: 'python3',
      initializationScript: 'init.sh',
    });
    const args = stepOf(definitionOf(new MlPipeline(other, 'P', { pipelineName: 'P', steps: [step] })), 'Staged').Arguments;
    expect(args.InputDataConfig[0].DataSource.S3DataSource.S3Uri).toBe(staged);
    expect(args.Environment).toMatchObject({ SM_INPUT_NOTEBOOK_NAME: 'report.ipynb', SM_INIT_SCRIPT: 'init.sh' });
    expect(Template.fromStack(other).findResources('Custom::CDKBucketDeployment')).toEqual({});
    expect(actionsOn(roleStatements(other), 'arn:aws:s3:::ml-artifacts-111122223333/notebook-jobs/report/input/*')).toEqual(['s3:GetObject']);
    const bad = (id: string, extra: any) => () => new NotebookJobStepConstruct(other, id, {
      inputNotebook: 'report.ipynb', stagedInputS3Uri: staged, image: ContainerImage.sagemakerDistribution('3.2'), kernelName: 'python3', ...extra,
    });
    expect(bad('A', { inputNotebook: NOTEBOOK })).toThrow(/TestStack\/A: inputNotebook '.*report.ipynb' is not a file name; with stagedInputS3Uri it names a file of that prefix/);
    expect(bad('B', { inputNotebook: 'report.py' })).toThrow("TestStack/B: inputNotebook 'report.py' is not a notebook; expected the name of an .ipynb file of the staged input");
    expect(bad('C', { additionalDependencies: ['deps'] }))
      .toThrow('TestStack/C: additionalDependencies are uploaded by the step, but stagedInputS3Uri is given; put them in the staged input instead');
  });
});
