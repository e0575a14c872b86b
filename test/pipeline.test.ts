import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  Condition, ConditionStepConstruct, PipelineParameter, ContainerImage, FailStepConstruct, MlPipeline, ProcessingStepConstruct,
  PipelineValue, Processor, TrainingStepConstruct,
} from '../src';
import { definitionOf, expectValidDefinition, newStack } from './util';

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1');

function twoSteps(stack: Stack) {
  const prep = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }] });
  const train = new TrainingStepConstruct(stack, 'Train', {
    image: ContainerImage.xgboost('1.7-1'),
    channels: [{ channelName: 'train', s3Uri: prep.outputS3Uri('train') }],
  });
  return { prep, train };
}

describe('MlPipeline resources', () => {
  let stack: Stack;
  let template: Template;
  let pipeline: MlPipeline;
  beforeAll(() => {
    stack = newStack();
    const { prep, train } = twoSteps(stack);
    pipeline = new MlPipeline(stack, 'Pipeline', {
      pipelineName: 'my-pipeline',
      displayName: 'My-Pipeline',
      description: 'trains a model',
      steps: [prep, train],
      maxParallelExecutionSteps: 4,
      tags: { team: 'ml' },
    });
    template = Template.fromStack(stack);
  });

  test('the pipeline resource has its name, display name, description, role, parallelism, tags and definition', () => {
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineName: 'my-pipeline',
      PipelineDisplayName: 'My-Pipeline',
      PipelineDescription: 'trains a model',
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineRole'), 'Arn'] },
      ParallelismConfiguration: { MaxParallelExecutionSteps: 4 },
      Tags: [{ Key: 'team', Value: 'ml' }],
      PipelineDefinition: { PipelineDefinitionBody: Match.anyValue() },
    });
    const def = definitionOf(pipeline);
    expect(def.Version).toBe('2020-12-01');
    expect(def.Steps.map((s: any) => s.Name)).toEqual(['Prep', 'Train']);
  });

  test('the role is trusted by SageMaker and may pass itself to SageMaker only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' } }] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'iam:PassRole',
            Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineRole'), 'Arn'] },
          }),
          Match.objectLike({
            Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
            Resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/*',
          }),
          Match.objectLike({
            Action: ['sagemaker:AddTags', 'sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob'],
            Resource: 'arn:aws:sagemaker:us-east-1:123456789012:processing-job/pipelines-*',
          }),
        ]),
      },
    });
  });

  test('the role gets only the job permissions of the step kinds used', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('sagemaker:CreateTrainingJob');
    expect(policies).not.toContain('sagemaker:CreateModel"');
    expect(policies).not.toContain('sagemaker:CreateModelPackage');
    expect(policies).not.toMatch(/"Action":"\*"|sagemaker:\*/);
  });

  test('the artifact bucket is encrypted, versioned, SSL-only, private, logged and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^PipelineAccessLogsBucket') }, LogFilePrefix: 'artifact-bucket/' },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^PipelineArtifactBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('pipelineArn uses the lower-case name; grantStartPipelineExecution allows exactly that', () => {
    const s = newStack();
    const p = new MlPipeline(s, 'Pipeline', { pipelineName: 'My-Pipeline', steps: [new FailStepConstruct(s, 'F')] });
    const user = new iam.User(s, 'User');
    p.grantStartPipelineExecution(user);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      Users: [{ Ref: Match.stringLikeRegexp('^User') }],
      PolicyDocument: {
        Statement: [{
          Action: 'sagemaker:StartPipelineExecution',
          Effect: 'Allow',
          Resource: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/my-pipeline',
        }],
      },
    });
  });

  test('synthesizing twice gives the same template', () => {
    const build = () => {
      const s = newStack();
      const { prep, train } = twoSteps(s);
      new MlPipeline(s, 'Pipeline', { pipelineName: 'my-pipeline', steps: [train, prep] });
      return JSON.stringify(Template.fromStack(s).toJSON());
    };
    expect(build()).toEqual(build());
  });
});

describe('MlPipeline options', () => {
  test('uses a given role and bucket, and can destroy the bucket it creates', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const bucket = new s3.Bucket(stack, 'MyBucket');
    const fail = new FailStepConstruct(stack, 'F');
    new MlPipeline(stack, 'P', { role, artifactBucket: bucket, steps: [fail] });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Role', 1);
    t.resourceCountIs('AWS::S3::Bucket', 1);
    t.hasResourceProperties('AWS::SageMaker::Pipeline', { RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Mine'), 'Arn'] } });

    const other = newStack();
    new MlPipeline(other, 'P', { steps: [new FailStepConstruct(other, 'F')], artifactBucketRemovalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(other).hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
  });

  test('encrypts the created bucket with a given KMS key, and lets the role use the key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    new MlPipeline(stack, 'P', { steps: [new FailStepConstruct(stack, 'F')], artifactBucketEncryptionKey: key });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
        }],
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^PRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey*']) })]) },
    });
  });

  test('fails when options of the created bucket are given with a bucket of the user', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Mine');
    expect(() => new MlPipeline(stack, 'P', { artifactBucket: bucket, artifactBucketRemovalPolicy: RemovalPolicy.DESTROY }))
      .toThrow(/TestStack\/P: artifactBucketEncryptionKey, artifactBucketRemovalPolicy, serverAccessLogsBucket, artifactBucketLifecycleRules and artifactNoncurrentVersionExpiration apply to the bucket the pipeline creates/);
  });

  test('lists the statements its role needs, and warns when a given role cannot take them', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Managed', 'arn:aws:iam::123456789012:role/platform-sagemaker', { mutable: false });
    const { prep, train } = twoSteps(stack);
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', role, steps: [prep, train] });
    const actions = pipeline.requiredPolicyStatements().flatMap((st) => st.actions);
    expect(actions).toEqual(expect.arrayContaining([
      'iam:PassRole', 'logs:PutLogEvents', 's3:PutObject', 'sagemaker:CreateProcessingJob', 'sagemaker:CreateTrainingJob',
    ]));
    Annotations.fromStack(stack).hasWarning('/TestStack/P', Match.stringLikeRegexp(
      "the pipeline's role cannot be changed by this stack, so it must already allow what the steps need, or executions fail with AccessDenied:[\\s\\S]*sagemaker:CreateTrainingJob"));
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);

    // A role the stack can change takes them, and there is no warning.
    const other = newStack();
    const steps = twoSteps(other);
    new MlPipeline(other, 'P', { pipelineName: 'P', steps: [steps.prep, steps.train] });
    expect(Annotations.fromStack(other).findWarning('*', Match.stringLikeRegexp('cannot be changed by this stack'))).toEqual([]);
  });

  test('generates a valid pipeline name from the construct path', () => {
    const stack = newStack();
    const p = new MlPipeline(stack, 'My_Pipeline', { steps: [new FailStepConstruct(stack, 'F')] });
    expect(p.physicalPipelineName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/);
  });

  test('fromPipelineName imports a pipeline', () => {
    const stack = newStack();
    const imported = MlPipeline.fromPipelineName(stack, 'Imported', 'Other-Pipeline');
    expect(imported.pipelineName).toBe('Other-Pipeline');
    expect(stack.resolve(imported.pipelineArn)).toEqual('arn:aws:sagemaker:us-east-1:123456789012:pipeline/other-pipeline');
  });
});

describe('MlPipeline failures', () => {
  test('fails when two steps have the same name', () => {
    const stack = newStack();
    const a = new FailStepConstruct(stack, 'A', { stepName: 'Same' });
    const b = new FailStepConstruct(stack, 'B', { stepName: 'Same' });
    const p = new MlPipeline(stack, 'P', { steps: [a, b] });
    expect(() => p.renderDefinition()).toThrow("TestStack/B: step name 'Same' is already used by TestStack/A in pipeline TestStack/P; step names must be unique in a pipeline, condition branches included (set stepName)");
  });

  test('fails when a branch step has the name of a top-level step', () => {
    const stack = newStack();
    const top = new FailStepConstruct(stack, 'Top', { stepName: 'Dup' });
    const nested = new FailStepConstruct(stack, 'Nested', { stepName: 'Dup' });
    const check = new ConditionStepConstruct(stack, 'Check', { conditions: [Condition.numberEquals(PipelineParameter.ofInteger('N', { defaultValue: 1 }).valueAsNumber, 1)], ifSteps: [nested] });
    const p = new MlPipeline(stack, 'P', { steps: [top, check] });
    expect(() => Template.fromStack(stack)).toThrow(/step name 'Dup' is already used by TestStack\/Top/);
    expect(() => p.renderDefinition()).toThrow(/condition branches included/);
  });

  test('fails on an invalid step name or pipeline name', () => {
    const stack = newStack();
    expect(() => new FailStepConstruct(stack, 'A', { stepName: 'x'.repeat(65) })).toThrow(/TestStack\/A: invalid step name 'x{65}': expected 1 to 64 characters/);
    expect(() => new MlPipeline(stack, 'P', { pipelineName: 'bad_name' })).toThrow("TestStack/P: invalid pipeline name 'bad_name': expected 1 to 256 letters, digits and hyphens, starting and ending with a letter or digit");
    expect(() => new MlPipeline(stack, 'Q', { pipelineName: '-x' })).toThrow(/invalid pipeline name '-x'/);
    expect(() => new MlPipeline(stack, 'R', { displayName: 'has spaces' })).toThrow(/invalid displayName 'has spaces'/);
    expect(() => new MlPipeline(stack, 'S', { maxParallelExecutionSteps: 0 })).toThrow(/maxParallelExecutionSteps is 0; expected a positive integer/);
  });

  test('fails when a step is used in two pipelines', () => {
    const stack = newStack();
    const fail = new FailStepConstruct(stack, 'F');
    new MlPipeline(stack, 'One', { steps: [fail] });
    expect(() => new MlPipeline(stack, 'Two', { steps: [fail] }))
      .toThrow("TestStack/F: step 'F' is already part of pipeline TestStack/One; a step belongs to one pipeline: create another step for TestStack/Two");
  });

  test('fails when a step is both at the top level and in a branch', () => {
    const stack = newStack();
    const fail = new FailStepConstruct(stack, 'F');
    const check = new ConditionStepConstruct(stack, 'Check', { conditions: [Condition.numberEquals(PipelineParameter.ofInteger('N', { defaultValue: 1 }).valueAsNumber, 1)], elseSteps: [fail] });
    const p = new MlPipeline(stack, 'P', { steps: [check, fail] });
    expect(() => p.renderDefinition()).toThrow("TestStack/F: step 'F' is placed twice in pipeline TestStack/P: at the else-branch of condition step 'Check' and at the top level; a step runs once: list it in one place only");
  });

  test('fails when a step uses a step that is not in the pipeline', () => {
    const stack = newStack();
    const { train } = twoSteps(stack);
    const p = new MlPipeline(stack, 'P', { steps: [train] });
    expect(() => p.renderDefinition()).toThrow("TestStack/Train: step 'Train' uses a property of step 'Prep' (TestStack/Prep), which is not part of pipeline TestStack/P; add that step to the pipeline's steps");
  });

  test('fails on a dependency cycle, printing it', () => {
    const stack = newStack();
    const a = new FailStepConstruct(stack, 'A');
    const b = new FailStepConstruct(stack, 'B', { dependsOn: [a] });
    const c = new FailStepConstruct(stack, 'C', { dependsOn: [b] });
    a.addDependency(c);
    const p = new MlPipeline(stack, 'P', { steps: [a, b, c] });
    expect(() => p.renderDefinition()).toThrow(/pipeline TestStack\/P has a dependency cycle: A -> C -> B -> A/);
  });

  test('fails when an explicit dependency is not in the pipeline', () => {
    const stack = newStack();
    const outside = new FailStepConstruct(stack, 'Outside');
    const inside = new FailStepConstruct(stack, 'Inside', { dependsOn: [outside] });
    const p = new MlPipeline(stack, 'P', { steps: [inside] });
    expect(() => p.renderDefinition()).toThrow(/step 'Inside' depends on step 'Outside' \(TestStack\/Outside\), which is not part of pipeline/);
  });

  test('the schema check itself rejects a broken definition', () => {
    expect(() => expectValidDefinition({ Version: '2020-12-01', Steps: [{ Name: 'x y', Type: 'Fail', Arguments: {} }] })).toThrow(/does not validate/);
    expect(() => expectValidDefinition({ Version: '2020-12-01', Steps: [{ Name: 'T', Type: 'Training', Arguments: { Bogus: 1 } }] })).toThrow(/additionalProperty/);
  });
});

describe('ContainerImage', () => {
  test('framework images are plain strings when the region is known', () => {
    const stack = newStack({ env: { region: 'eu-west-1' } });
    const p = new ProcessingStepConstruct(stack, 'A', { image: ContainerImage.pytorch('2.6', { processor: Processor.GPU }) });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [p] }));
    expect(def.Steps[0].Arguments.AppSpecification.ImageUri).toBe('763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.6.0-gpu-py312');
  });

  test('framework images use a mapping when the region is known only at deploy time', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const p = new ProcessingStepConstruct(stack, 'A', { image: ContainerImage.xgboost('1.7-1') });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [p] });
    const template = Template.fromStack(stack).toJSON();
    const mapping = template.Mappings.SageMakerImagesxgboosttraining171;
    expect(mapping['us-east-1']).toEqual({ account: '683313688378' });
    expect(mapping['eu-west-1']).toBeDefined();
    const body = JSON.stringify(template.Resources.P59C7D18D?.Properties ?? Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::SageMaker::Pipeline').Properties);
    expect(body).toContain('"Fn::FindInMap":["SageMakerImagesxgboosttraining171",{"Ref":"AWS::Region"},"account"]');
    expect(body).toContain('.dkr.ecr.');
    expect(body).toContain('/sagemaker-xgboost:1.7-1');
  });

  test('fails on an unknown version or a region without the image', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'A', { image: ContainerImage.xgboost('9.9-9') });
    expect(() => new MlPipeline(stack, 'P', { steps: [step] })).toThrow(/TestStack\/A: there is no SageMaker xgboost training image of version '9.9-9'; known versions: .*1.7-1/);
    const far = newStack({ env: { region: 'xx-nowhere-1' } });
    const step2 = new ProcessingStepConstruct(far, 'B', { image: ContainerImage.sklearn('1.2-1') });
    expect(() => new MlPipeline(far, 'P', { steps: [step2] })).toThrow(/the SageMaker sklearn 1.2-1 image is not published in region xx-nowhere-1; it is in: af-south-1/);
  });
});

describe('the pipeline as a grantee and as the host of its steps', () => {
  test('bucket.grantRead(pipeline) grants the pipeline role, and the statement is recorded', () => {
    const stack = newStack();
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P' });
    const data = new s3.Bucket(stack, 'Data');
    data.grantRead(pipeline);
    const policy = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policy).flatMap((p: any) => p.Properties.Statement ?? p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
      Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^Data/), 'Arn'] }, expect.anything()],
    }));
    expect(Object.values(policy).map((p: any) => p.Properties.Roles)).toEqual([[{ Ref: expect.stringMatching(/^PRole/) }]]);
    expect(pipeline.requiredPolicyStatements().flatMap((st) => st.actions)).toContain('s3:GetObject*');
  });

  test('a step joins through the host interface: default outputs under the artifact bucket, its role passed to the job', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'Prep', {
      image: ContainerImage.sklearn('1.2-1'),
      outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }],
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    expect(step.pipeline).toBe(pipeline);
    expect(definitionOf(pipeline).Steps[0].Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri).toEqual({
      'Std:Join': { On: '/', Values: ['s3:/', expect.stringMatching(/^<<Ref:PArtifactBucket/), 'P', { Get: 'Execution.PipelineExecutionId' }, 'Prep', 'train'] },
    });
    expect(PipelineValue.isPipelineToken(pipeline.defaultOutputUri('X', 'y'))).toBe(true);
  });
});
