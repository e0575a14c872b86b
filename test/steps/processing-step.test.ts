import * as path from 'path';
import { Duration, Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ContainerImage, DataDistribution, InputMode, InstanceType, MlPipeline, PipelineParameter, ProcessingCode,
  CompressionType, ProcessingS3DataType, ProcessingStepConstruct, PropertyFile, RetryExceptionType, S3UploadMode,
} from '../../src';
import { RenderContext } from '../../src/private/render-context';
import { actionsOn, definitionOf, newStack } from '../util';

const SCRIPT = path.join(__dirname, '..', 'fixtures', 'script.py');
const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1');

describe('ProcessingStepConstruct', () => {
  test('renders every argument a user sets', () => {
    const stack = newStack();
    const count = PipelineParameter.ofInteger('Count', { defaultValue: 2 });
    const key = new kms.Key(stack, 'Key');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const step = new ProcessingStepConstruct(stack, 'Prep', {
      image: IMAGE,
      entrypoint: ['python3', '-u', '/opt/program/run.py'],
      arguments: ['--rows', '100', `--count=${count.valueAsString}`],
      environment: { MODE: 'full', COUNT: count.valueAsString },
      inputs: [{
        inputName: 'raw',
        source: 's3://raw-bucket/data/',
        destination: '/opt/ml/processing/input',
        s3DataType: ProcessingS3DataType.MANIFEST_FILE,
        inputMode: InputMode.PIPE,
        distribution: DataDistribution.SHARDED_BY_S3_KEY,
        compression: CompressionType.GZIP,
      }],
      outputs: [{ outputName: 'out', source: '/opt/ml/processing/out', destination: 's3://out-bucket/prefix', uploadMode: S3UploadMode.CONTINUOUS }],
      instanceType: InstanceType.ML_C5_XLARGE,
      instanceCount: count.valueAsNumber,
      volumeSize: Size.gibibytes(50),
      volumeEncryptionKey: key,
      outputEncryptionKey: key,
      maxRuntime: Duration.hours(2),
      network: { vpc, enableNetworkIsolation: true, encryptInterContainerTraffic: true },
      displayName: 'Prepare the data',
      description: 'Turns raw data into features',
      cacheConfig: { enabled: true, expireAfter: Duration.days(30) },
      retryPolicies: [{
        exceptionTypes: [RetryExceptionType.SAGEMAKER_CAPACITY_ERROR],
        interval: Duration.seconds(30),
        backoffRate: 1.5,
        maxAttempts: 3,
      }],
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    const def = definitionOf(pipeline);
    const s = def.Steps[0];
    expect(s).toMatchObject({
      Name: 'Prep',
      Type: 'Processing',
      DisplayName: 'Prepare the data',
      Description: 'Turns raw data into features',
      CacheConfig: { Enabled: true, ExpireAfter: 'P30D' },
      RetryPolicies: [{ ExceptionType: ['SageMaker.CAPACITY_ERROR'], IntervalSeconds: 30, BackoffRate: 1.5, MaxAttempts: 3 }],
    });
    expect(s.Arguments.ProcessingResources).toEqual({
      ClusterConfig: {
        InstanceType: 'ml.c5.xlarge',
        InstanceCount: { Get: 'Parameters.Count' },
        VolumeSizeInGB: 50,
        VolumeKmsKeyId: expect.stringMatching(/^<<GetAtt:Key[0-9A-F]+\.Arn>>$/),
      },
    });
    expect(s.Arguments.AppSpecification).toEqual({
      ImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1',
      ContainerEntrypoint: ['python3', '-u', '/opt/program/run.py'],
      ContainerArguments: ['--rows', '100', { 'Std:Join': { On: '', Values: ['--count=', { Get: 'Parameters.Count' }] } }],
    });
    // An integer parameter in a string member is converted to a string.
    expect(s.Arguments.Environment).toEqual({ MODE: 'full', COUNT: { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.Count' }] } } });
    expect(s.Arguments.ProcessingInputs).toEqual([{
      InputName: 'raw',
      AppManaged: false,
      S3Input: {
        S3Uri: 's3://raw-bucket/data/',
        LocalPath: '/opt/ml/processing/input',
        S3DataType: 'ManifestFile',
        S3InputMode: 'Pipe',
        S3DataDistributionType: 'ShardedByS3Key',
        S3CompressionType: 'Gzip',
      },
    }]);
    expect(s.Arguments.ProcessingOutputConfig).toEqual({
      Outputs: [{ OutputName: 'out', AppManaged: false, S3Output: { S3Uri: 's3://out-bucket/prefix', LocalPath: '/opt/ml/processing/out', S3UploadMode: 'Continuous' } }],
      KmsKeyId: expect.stringMatching(/^<<GetAtt:Key/),
    });
    expect(s.Arguments.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200 });
    expect(s.Arguments.NetworkConfig).toEqual({
      EnableInterContainerTrafficEncryption: true,
      EnableNetworkIsolation: true,
      VpcConfig: { SecurityGroupIds: [expect.stringMatching(/^<<GetAtt:PrepSecurityGroup/)], Subnets: [expect.stringMatching(/^<<Ref:Vpc/), expect.stringMatching(/^<<Ref:Vpc/)] },
    });
    expect(s.Arguments.RoleArn).toMatch(/^<<GetAtt:PRole[0-9A-F]+\.Arn>>$/);

    // IAM: the input is readable, the output writable, the key usable, network interfaces manageable.
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policy).toContain('"arn:aws:s3:::raw-bucket/data/*"');
    expect(policy).toContain(':s3:::out-bucket/prefix*');
    expect(policy).toContain('ec2:CreateNetworkInterface');
    expect(policy).toContain('kms:Decrypt');
  });

  test('a script in a bucket is read from there', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Code', 'code-bucket');
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, code: ProcessingCode.fromBucket(bucket, 'scripts/run.sh') });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] }));
    expect(def.Steps[0].Arguments.AppSpecification.ContainerEntrypoint).toEqual(['bash', '/opt/ml/processing/input/code/run.sh']);
    expect(def.Steps[0].Arguments.ProcessingInputs[0].S3Input.S3Uri).toBe('s3://code-bucket/scripts/run.sh');
  });

  test('a script by S3 URI: run under its name, the role may read exactly that object; the bucket may be a CloudFormation value', () => {
    const stack = newStack();
    const scripts = new s3.Bucket(stack, 'Scripts');
    const literal = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, code: ProcessingCode.fromS3Uri('s3://code-bucket/scripts/prep.py') });
    const token = new ProcessingStepConstruct(stack, 'Eval', { image: IMAGE, code: ProcessingCode.fromS3Uri(`s3://${scripts.bucketName}/eval/evaluate.py`) });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [literal, token] }));
    expect(def.Steps[0].Arguments.AppSpecification.ContainerEntrypoint).toEqual(['python3', '/opt/ml/processing/input/code/prep.py']);
    expect(def.Steps[0].Arguments.ProcessingInputs[0].S3Input.S3Uri).toBe('s3://code-bucket/scripts/prep.py');
    expect(def.Steps[1].Arguments.ProcessingInputs[0].S3Input.S3Uri).toMatch(/^s3:\/\/<<Ref:Scripts[0-9A-F]+>>\/eval\/evaluate\.py$/);
    const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(actionsOn(statements, 'arn:aws:s3:::code-bucket/scripts/prep.py')).toEqual(['s3:GetObject']);
    expect(actionsOn(statements, 'arn:aws:s3:::code-bucket', { StringLike: { 's3:prefix': ['scripts/prep.py'] } })).toEqual(['s3:ListBucket']);
    expect(actionsOn(statements, { 'Fn::Join': ['', ['arn:aws:s3:::', stack.resolve(scripts.bucketName), '/eval/evaluate.py']] })).toEqual(['s3:GetObject']);
  });

  test.each([
    ['s3://code-bucket/scripts/'], ['s3://code-bucket'], ['https://code-bucket/prep.py'], ['code-bucket/prep.py'],
  ])('ProcessingCode.fromS3Uri(%s) fails, saying what is expected', (uri) => {
    expect(() => ProcessingCode.fromS3Uri(uri)).toThrow(`ProcessingCode.fromS3Uri: '${uri}' is not the URI of a script; expected s3://<bucket>/<key> with the key written out`);
  });

  test('outputs without a destination go to the artifact bucket under a per-execution prefix', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }] });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'MyPipeline', steps: [step] }));
    expect(def.Steps[0].Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri).toEqual({
      'Std:Join': { On: '/', Values: ['s3:/', expect.stringMatching(/^<<Ref:PArtifactBucket/), 'MyPipeline', { Get: 'Execution.PipelineExecutionId' }, 'Prep', 'train'] },
    });
  });

  test('outputS3Uri renders the output property path', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }] });
    expect(stack.resolve(new RenderContext().render(step.outputS3Uri('train'))))
      .toEqual({ Get: "Steps.Prep.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri" });
  });

  test('fails when asked for an output it does not have', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }] });
    expect(() => step.outputS3Uri('tests')).toThrow("TestStack/Prep: step 'Prep' has no output named 'tests'; its outputs are: train");
  });

  test('fails when a property file names an output the step does not have', () => {
    const stack = newStack();
    const file = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
    expect(() => new ProcessingStepConstruct(stack, 'Eval', {
      image: IMAGE,
      outputs: [{ outputName: 'metrics', source: '/opt/ml/processing/metrics' }],
      propertyFiles: [file],
    })).toThrow(/TestStack\/Eval: property file 'Report' is written to output 'evaluation', which step 'Eval' does not have; its outputs are: metrics/);
  });

  test('fails when a property file is attached to two steps', () => {
    const stack = newStack();
    const file = new PropertyFile({ name: 'Report', outputName: 'o', path: 'r.json' });
    const outputs = [{ outputName: 'o', source: '/opt/ml/processing/o' }];
    new ProcessingStepConstruct(stack, 'A', { image: IMAGE, outputs, propertyFiles: [file] });
    expect(() => new ProcessingStepConstruct(stack, 'B', { image: IMAGE, outputs, propertyFiles: [file] }))
      .toThrow(/TestStack\/B: property file 'Report' is already attached to step TestStack\/A/);
  });

  test.each([
    [{ inputs: [{ inputName: 'a', source: 's3://b/k', destination: '/tmp/in' }] }, /input 'a' destination is '\/tmp\/in'; expected a path under \/opt\/ml\/processing\//],
    [{ inputs: [{ inputName: 'a', source: 'bucket/key', destination: '/opt/ml/processing/a' }] }, /input 'a' source is 'bucket\/key'; expected an S3 URI/],
    [{ inputs: [{ inputName: 'a', source: 's3://b/k', destination: '/opt/ml/processing/a' }, { inputName: 'a', source: 's3://b/k', destination: '/opt/ml/processing/b' }] }, /two inputs are named 'a'/],
    [{ code: ProcessingCode.fromAsset(SCRIPT), inputs: [{ inputName: 'code', source: 's3://b/k', destination: '/opt/ml/processing/a' }] }, /two inputs are named 'code' \('code' is the input of the step's code\)/],
    [{ outputs: [{ outputName: 'o', source: '/opt/ml/processing/o' }, { outputName: 'o', source: '/opt/ml/processing/p' }] }, /two outputs are named 'o'/],
    [{ instanceCount: 0 }, /instanceCount is 0; expected an integer from 1 to 100/],
    [{ volumeSize: Size.gibibytes(20000) }, /volumeSize \(GiB\) is 20000; expected an integer from 1 to 16384/],
    [{ maxRuntime: Duration.days(10) }, /maxRuntime \(seconds\) is 864000; expected an integer from 1 to 777600/],
    [{ stepName: 'has space' }, /invalid step name 'has space': expected 1 to 64 characters/],
    [{ retryPolicies: [{ exceptionTypes: [RetryExceptionType.STEP_THROTTLING], maxAttempts: 3, expireAfter: Duration.hours(1) }] }, /has both maxAttempts and expireAfter/],
    [{ retryPolicies: [{ exceptionTypes: [RetryExceptionType.STEP_THROTTLING], maxAttempts: 50 }] }, /retry maxAttempts is 50; expected an integer from 1 to 20/],
  ])('fails on bad input %#', (extra, message) => {
    const stack = newStack();
    expect(() => new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, ...(extra as any) })).toThrow(message);
  });

  test('an ECR image grants pull access to the role', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Repo');
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: ContainerImage.fromEcrRepository(repo, 'v1') });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ecr:BatchGetImage']) })]) },
    });
  });
});
