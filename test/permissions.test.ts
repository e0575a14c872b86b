import { App, CfnParameter, Duration, Fn, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ContainerImage, CreateModelStepConstruct, ExecutionVariable, Join, MlPipeline, ModelPackageGroup, PipelineParameter, ProcessingStepConstruct,
  RegisterModelStepConstruct, TrainingStepConstruct, TransformStepConstruct,
} from '../src';
import { actionsOn, definitionOf, newStack, stepOf } from './util';

/** Every statement of the policies attached to the pipeline's role, whichever policy holds it. */
function roleStatements(stack: Stack): any[] {
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes('PRole'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const ecrRepo = (account: string, region: string, repo: string) => `arn:aws:ecr:${region}:${account}:repository/${repo}`;
const PULL = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

describe('images', () => {
  test('a framework image grants pull on exactly its repository, and the token on * (in its own policy)', () => {
    const stack = newStack();
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [new ProcessingStepConstruct(stack, 'Prep', { image: ContainerImage.sklearn('1.2-1') })] });
    const statements = roleStatements(stack);
    expect(statements).toContainEqual({ Action: PULL, Effect: 'Allow', Resource: ecrRepo('683313688378', 'us-east-1', 'sagemaker-scikit-learn') });
    const wildcard = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { PolicyName: Match.stringLikeRegexp('^PWildcardResourcePolicy') },
    }))[0].Properties.PolicyDocument.Statement;
    expect(wildcard).toEqual([{ Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' }]);
  });

  test('in a stack of unknown region, the registry account comes from the same mapping as the image URI', () => {
    const stack = new Stack(new App(), 'Agnostic');
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') })] });
    const pull = roleStatements(stack).find((st) => JSON.stringify(st.Action) === JSON.stringify(PULL));
    expect(pull.Resource).toEqual({
      'Fn::Join': ['', [
        'arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':',
        { 'Fn::FindInMap': [expect.stringMatching(/^SageMakerImagesxgboosttraining/), { Ref: 'AWS::Region' }, 'account'] },
        ':repository/sagemaker-xgboost',
      ]],
    });
  });

  test('an ECR image URI grants pull on its repository; another registry grants nothing', () => {
    const stack = newStack();
    const ecrStep = new ProcessingStepConstruct(stack, 'A', { image: ContainerImage.fromUri('444455556666.dkr.ecr.eu-west-1.amazonaws.com/team/prep:1.0') });
    const other = new ProcessingStepConstruct(stack, 'B', { image: ContainerImage.fromUri('docker.io/library/python:3.12') });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [ecrStep, other] });
    const pulls = roleStatements(stack).filter((st) => JSON.stringify(st.Action) === JSON.stringify(PULL));
    expect(pulls).toEqual([{ Action: PULL, Effect: 'Allow', Resource: ecrRepo('444455556666', 'eu-west-1', 'team/prep') }]);
  });
});

describe('jobs', () => {
  test('a volume key gets CreateGrant (for AWS resources only) and DescribeKey besides encrypt/decrypt', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'VolumeKey');
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [new ProcessingStepConstruct(stack, 'Prep', { image: ContainerImage.sklearn('1.2-1'), volumeEncryptionKey: key })] });
    const keyArn = stack.resolve(key.keyArn);
    const statements = roleStatements(stack);
    expect(actionsOn(statements, keyArn)).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']);
    expect(actionsOn(statements, keyArn, { Bool: { 'kms:GrantIsForAWSResource': true } })).toEqual(['kms:CreateGrant']);
  });

  test('the security group the library creates lets the job\'s instances talk to each other', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    new MlPipeline(stack, 'P', {
      pipelineName: 'P',
      steps: [new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1'), instanceCount: 2, network: { vpc } })],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: '-1',
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainSecurityGroup'), 'GroupId'] },
    });
  });

  test('a statement granted by many steps is recorded and written once', () => {
    const stack = newStack();
    const steps = [1, 2, 3].map((i) => new ProcessingStepConstruct(stack, `Prep${i}`, { image: ContainerImage.sklearn('1.2-1') }));
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps });
    const jobs = roleStatements(stack).filter((st) => JSON.stringify(st.Action).includes('sagemaker:CreateProcessingJob'));
    expect(jobs).toHaveLength(1);
    expect(pipeline.requiredPolicyStatements().filter((st) => st.actions.includes('sagemaker:CreateProcessingJob'))).toHaveLength(1);
  });
});

describe('buckets and stacks', () => {
  test('the artifact bucket expires noncurrent versions and aborts incomplete uploads, configurable or off', () => {
    const stack = newStack();
    new MlPipeline(stack, 'A', { pipelineName: 'A' });
    new MlPipeline(stack, 'B', { pipelineName: 'B', artifactNoncurrentVersionExpiration: Duration.days(90) });
    new MlPipeline(stack, 'C', { pipelineName: 'C', artifactBucketLifecycleRules: false });
    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    const rules = (prefix: string) => Object.entries<any>(buckets).find(([id]) => id.startsWith(`${prefix}ArtifactBucket`))![1].Properties.LifecycleConfiguration;
    expect(rules('A')).toEqual({
      Rules: [{
        Id: 'ExpireNoncurrentVersionsAndAbortIncompleteUploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        Status: 'Enabled',
      }],
    });
    expect(rules('B').Rules[0].NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 90 });
    expect(rules('C')).toBeUndefined();
  });

  test('a role and a bucket from a platform stack: the pipeline stack holds the role\'s statements, no dependency cycle', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'us-east-1' };
    const platform = new Stack(app, 'Platform', { env });
    const role = new iam.Role(platform, 'PipelineRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const bucket = new s3.Bucket(platform, 'Artifacts');
    const stack = new Stack(app, 'Pipelines', { env });
    // One pipeline with an artifact bucket of its own stack (the role's default policy would name it: a cycle), one
    // with the platform's bucket.
    new MlPipeline(stack, 'P', {
      pipelineName: 'P',
      role,
      steps: [new ProcessingStepConstruct(stack, 'Prep', { image: ContainerImage.sklearn('1.2-1') })],
    });
    new MlPipeline(stack, 'Q', {
      pipelineName: 'Q',
      role,
      artifactBucket: bucket,
      steps: [new ProcessingStepConstruct(stack, 'Prep2', { image: ContainerImage.sklearn('1.2-1') })],
    });
    expect(() => app.synth()).not.toThrow();
    expect(stack.dependencies.map((s) => s.stackName)).toEqual(['Platform']);
    expect(platform.dependencies).toEqual([]);
    Template.fromStack(platform).resourceCountIs('AWS::IAM::Policy', 0);
    const policy = Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^PRolePolicy') } });
    const statements = Object.values<any>(policy)[0].Properties.PolicyDocument.Statement;
    expect(statements.map((st: any) => st.Action)).toContainEqual(['sagemaker:AddTags', 'sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob']);
    Template.fromStack(stack).hasResource('AWS::SageMaker::Pipeline', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('^PRolePolicy')]) });
  });
});

describe('accounts', () => {
  test('a group imported by ARN from another account: registered by ARN, granted in the owner\'s account', () => {
    const stack = newStack();
    const group = ModelPackageGroup.fromModelPackageGroupArn(stack, 'Shared', 'arn:aws:sagemaker:us-east-1:444455556666:model-package-group/SharedModels');
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    const register = new RegisterModelStepConstruct(stack, 'Register', {
      modelPackageGroup: group, containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri }],
    });
    const local = new RegisterModelStepConstruct(stack, 'Local', {
      modelPackageGroup: ModelPackageGroup.fromModelPackageGroupName(stack, 'Mine', 'MyModels'),
      containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri }],
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train, register, local] }));
    expect(stepOf(def, 'Register').Arguments.ModelPackageGroupName).toBe('arn:aws:sagemaker:us-east-1:444455556666:model-package-group/SharedModels');
    expect(stepOf(def, 'Local').Arguments.ModelPackageGroupName).toBe('MyModels');
    const statements = roleStatements(stack);
    for (const versions of ['SharedModels/*', 'sharedmodels/*']) {
      expect(actionsOn(statements, `arn:aws:sagemaker:us-east-1:444455556666:model-package/${versions}`))
        .toEqual(['sagemaker:AddTags', 'sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage']);
      expect(actionsOn(statements, `arn:aws:sagemaker:us-east-1:123456789012:model-package/${versions}`)).toEqual([]);
    }
  });
});

describe('S3 locations in every form', () => {
  const objects = (bucketRef: any, key: string) => ({ 'Fn::Join': ['', ['arn:aws:s3:::', bucketRef, `/${key}`]] });

  test('Fn.join, Lazy, text with a pipeline value, an output with one, a channel, transform input and model data bound to parameters', () => {
    const stack = newStack();
    const data = new s3.Bucket(stack, 'Data');
    const ref = { Ref: expect.stringMatching(/^Data/) };
    const dataParam = PipelineParameter.ofString('TrainData', { defaultValue: 's3://train-bucket/train/' });
    const modelParam = PipelineParameter.ofString('ModelData', { defaultValue: 's3://models/model.tar.gz' });
    const prep = new ProcessingStepConstruct(stack, 'Prep', {
      image: ContainerImage.sklearn('1.2-1'),
      inputs: [
        { inputName: 'joined', source: Fn.join('', ['s3://', data.bucketName, '/joined/']), destination: '/opt/ml/processing/a' },
        { inputName: 'lazy', source: Lazy.string({ produce: () => 's3://lazy-bucket/in' }), destination: '/opt/ml/processing/b' },
        { inputName: 'mixed', source: `s3://${data.bucketName}/runs/${ExecutionVariable.PIPELINE_EXECUTION_ID.valueAsString}/in`, destination: '/opt/ml/processing/c' },
      ],
      outputs: [{ outputName: 'out', source: '/opt/ml/processing/out', destination: `s3://${data.bucketName}/out/${ExecutionVariable.PIPELINE_EXECUTION_ID.valueAsString}` }],
    });
    const train = new TrainingStepConstruct(stack, 'Train', {
      image: ContainerImage.xgboost('1.7-1'),
      channels: [{ channelName: 'train', s3Uri: dataParam.valueAsString }],
    });
    const transform = new TransformStepConstruct(stack, 'Score', {
      modelName: 'm', input: { s3Uri: dataParam.valueAsString }, outputPath: `s3://${data.bucketName}/scores`,
    });
    const model = new CreateModelStepConstruct(stack, 'Model', { containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: modelParam.valueAsString }] });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, train, transform, model] });
    const statements = roleStatements(stack);
    const resources = (action: string) => statements.filter((st) => JSON.stringify(st.Action).includes(`"${action}"`) || st.Action === action).flatMap((st) => st.Resource);
    const reads = resources('s3:GetObject');
    expect(reads).toContainEqual(objects(ref, 'joined/*'));
    expect(reads).toContainEqual('arn:aws:s3:::lazy-bucket/in*');
    expect(reads).toContainEqual(objects(ref, 'runs/*'));
    const writes = resources('s3:PutObject');
    expect(writes).toContainEqual(objects(ref, 'out/*'));
    expect(writes).toContainEqual(objects(ref, 'scores*'));
    expect(JSON.stringify(reads)).toContain(':s3:::train-bucket/train/*');
    expect(JSON.stringify(reads)).toContain(':s3:::models/model.tar.gz*');
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('s3-location-unknown'))).toEqual([]);
  });

  test('a location known only at run time gets a warning naming it and the fix', () => {
    const stack = newStack();
    const noDefault = PipelineParameter.ofString('Where');
    const cfn = new CfnParameter(stack, 'DataUri');
    const train = new TrainingStepConstruct(stack, 'Train', {
      image: ContainerImage.xgboost('1.7-1'),
      channels: [{ channelName: 'train', s3Uri: noDefault.valueAsString }, { channelName: 'extra', s3Uri: cfn.valueAsString }],
    });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train] });
    const warnings = Annotations.fromStack(stack).findWarning('/TestStack/Train', Match.stringLikeRegexp('S3 bucket is known only when the pipeline runs'));
    expect(warnings.map((w) => w.entry.data)).toEqual([
      "channel 'train' is parameter 'Where', which has no default,: its S3 bucket is known only when the pipeline runs (it depends on "
      + "parameter 'Where' (no default)), so the pipeline's role was granted no read access to it: grant it yourself, for example "
      + 'bucket.grantRead(pipeline), or give the parameter a default location [ack: cdk-sagemaker-pipelines:s3-location-unknown]',
      expect.stringMatching(/^channel 'extra' is a value known only at deploy time: its S3 bucket is known only when the pipeline runs \(it depends on a value known only at deploy time\), .* or write the bucket as a literal or a CloudFormation value \[ack: cdk-sagemaker-pipelines:s3-location-unknown\]$/),
    ]);
  });

  describe('Join (the SDK\'s default locations), concatenations and parameter defaults: the literal bucket and key prefix up to the first run-time part', () => {
    const stack = newStack();
    const data = new s3.Bucket(stack, 'Data');
    const ref = stack.resolve(data.bucketName);
    const exec = ExecutionVariable.PIPELINE_EXECUTION_ID.valueAsString;
    const where = PipelineParameter.ofString('Where', { defaultValue: 's3://param-bucket/in' });
    const prep = new ProcessingStepConstruct(stack, 'Prep', {
      image: ContainerImage.sklearn('1.2-1'),
      inputs: [
        // A parameter with a default inside a Join: its default is the head.
        { inputName: 'param', source: Join.of('/', [where.valueAsString, 'part']).valueAsString, destination: '/opt/ml/processing/a' },
        // A CloudFormation value in a Join.
        { inputName: 'cfn', source: Join.of('/', ['s3:/', data.bucketName, 'raw', exec]).valueAsString, destination: '/opt/ml/processing/b' },
      ],
      outputs: [
        // The SDK's form: Join("/", ["s3:/", bucket, pipeline, Execution.PipelineExecutionId, step, output]).
        { outputName: 'sdk', source: '/opt/ml/processing/sdk', destination: Join.of('/', ['s3:/', 'sagemaker-us-east-1-111122223333', 'P', exec, 'Prep', 'sdk']).valueAsString },
        // Unknowable: the bucket itself ends in a run-time part, or comes after one.
        { outputName: 'partial', source: '/opt/ml/processing/partial', destination: Join.of('', ['s3://data-', exec, '/x']).valueAsString },
        { outputName: 'late', source: '/opt/ml/processing/late', destination: Join.of('/', [exec, 'x']).valueAsString },
      ],
    });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep] });
    const statements = roleStatements(stack);

    test('grants the literal bucket and key prefix', () => {
      expect(actionsOn(statements, 'arn:aws:s3:::sagemaker-us-east-1-111122223333/P/*')).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject']);
      expect(actionsOn(statements, 'arn:aws:s3:::sagemaker-us-east-1-111122223333', { StringLike: { 's3:prefix': ['P/*'] } })).toEqual(['s3:ListBucket']);
      expect(actionsOn(statements, 'arn:aws:s3:::param-bucket/in/part*')).toEqual(['s3:GetObject']);
      expect(actionsOn(statements, { 'Fn::Join': ['', ['arn:aws:s3:::', ref, '/raw/*']] })).toEqual(['s3:GetObject']);
      // Nothing on a guessed bucket.
      expect(JSON.stringify(statements)).not.toContain('s3:::data-');
    });

    test('warns only where the bucket itself is unknowable, saying on what it depends', () => {
      const warnings = Annotations.fromStack(stack).findWarning('/TestStack/Prep', Match.stringLikeRegexp('s3-location-unknown|known only when the pipeline runs'));
      expect(warnings.map((w) => w.entry.data)).toEqual([
        "output 'partial' is Join(\"\", [\"s3://data-\", Execution.PipelineExecutionId, \"/x\"]): its S3 bucket is known only when the pipeline runs "
        + "(it depends on Execution.PipelineExecutionId), so the pipeline's role was granted no write access to it: grant it yourself, for example "
        + 'bucket.grantReadWrite(pipeline), or write the bucket as a literal or a CloudFormation value [ack: cdk-sagemaker-pipelines:s3-location-unknown]',
        "output 'late' is Join(\"/\", [Execution.PipelineExecutionId, \"x\"]): its S3 bucket is known only when the pipeline runs "
        + "(it depends on Execution.PipelineExecutionId), so the pipeline's role was granted no write access to it: grant it yourself, for example "
        + 'bucket.grantReadWrite(pipeline), or write the bucket as a literal or a CloudFormation value [ack: cdk-sagemaker-pipelines:s3-location-unknown]',
      ]);
    });
  });
});

test('a KMS-encrypted bucket of the app: its key is granted with the objects (decrypt to read, encrypt to write)', () => {
  const stack = newStack();
  const key = new kms.Key(stack, 'DataKey');
  const data = new s3.Bucket(stack, 'Data', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
  const prep = new ProcessingStepConstruct(stack, 'Prep', {
    image: ContainerImage.sklearn('1.2-1'),
    inputs: [{ inputName: 'in', source: data.s3UrlForObject('raw/'), destination: '/opt/ml/processing/in' }],
    outputs: [{ outputName: 'out', source: '/opt/ml/processing/out', destination: data.s3UrlForObject('clean/') }],
  });
  new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep] });
  expect(actionsOn(roleStatements(stack), stack.resolve(key.keyArn))).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']);
});
