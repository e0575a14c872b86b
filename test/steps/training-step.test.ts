import { Duration, Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  CompressionType, ContainerImage, DataDistribution, InstanceType, MlPipeline, PipelineParameter, PipelineValue,
  ProcessingStepConstruct, RecordWrapperType, S3DataType, TrainingInputMode, TrainingStepConstruct,
} from '../../src';
import { RenderContext } from '../../src/private/render-context';
import { definitionOf, newStack } from '../util';

describe('TrainingStepConstruct', () => {
  test('renders the algorithm, hyperparameters as strings, channels, output, resources and stopping condition', () => {
    const stack = newStack();
    const rounds = PipelineParameter.ofInteger('Rounds', { defaultValue: 50 });
    const objective = PipelineParameter.ofString('Objective', { defaultValue: 'binary:logistic' });
    const key = new kms.Key(stack, 'Key');
    const prep = new ProcessingStepConstruct(stack, 'Prep', {
      image: ContainerImage.sklearn('1.2-1'),
      outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }],
    });
    const train = new TrainingStepConstruct(stack, 'Train', {
      image: ContainerImage.xgboost('1.7-1'),
      inputMode: TrainingInputMode.FAST_FILE,
      hyperparameters: { objective: objective.valueAsString, num_round: rounds.valueAsNumber, max_depth: 5, eta: 0.2, verbose: true },
      channels: [
        { channelName: 'train', s3Uri: prep.outputS3Uri('train'), contentType: 'text/csv' },
        {
          channelName: 'extra',
          s3Uri: 's3://data/extra',
          compression: CompressionType.GZIP,
          s3DataType: S3DataType.MANIFEST_FILE,
          distribution: DataDistribution.SHARDED_BY_S3_KEY,
          inputMode: TrainingInputMode.PIPE,
          recordWrapperType: RecordWrapperType.RECORD_IO,
          shuffleSeed: 7,
        },
      ],
      outputPath: 's3://models/out',
      outputEncryptionKey: key,
      instanceType: InstanceType.of('ml.m5.2xlarge'),
      instanceCount: 2,
      volumeSize: Size.gibibytes(100),
      volumeEncryptionKey: key,
      maxRuntime: Duration.hours(3),
      useSpotInstances: true,
      maxWaitTime: Duration.hours(6),
      checkpointS3Uri: 's3://models/checkpoints',
      checkpointLocalPath: '/opt/ml/checkpoints',
      environment: { LOG_LEVEL: 'debug' },
      metricDefinitions: [{ name: 'validation:auc', regex: 'validation-auc:([0-9.]+)' }],
      network: { enableNetworkIsolation: true, encryptInterContainerTraffic: true },
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train, prep] }));
    // Prep comes first: Train uses its output.
    expect(def.Steps.map((s: any) => s.Name)).toEqual(['Prep', 'Train']);
    const args = def.Steps[1].Arguments;
    expect(args.AlgorithmSpecification).toEqual({
      TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
      TrainingInputMode: 'FastFile',
      MetricDefinitions: [{ Name: 'validation:auc', Regex: 'validation-auc:([0-9.]+)' }],
    });
    expect(args.HyperParameters).toEqual({
      objective: { Get: 'Parameters.Objective' },
      num_round: { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.Rounds' }] } },
      max_depth: '5',
      eta: '0.2',
      verbose: 'true',
    });
    expect(args.InputDataConfig).toEqual([
      {
        ChannelName: 'train',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: { Get: "Steps.Prep.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri" }, S3DataDistributionType: 'FullyReplicated' } },
        ContentType: 'text/csv',
      },
      {
        ChannelName: 'extra',
        DataSource: { S3DataSource: { S3DataType: 'ManifestFile', S3Uri: 's3://data/extra', S3DataDistributionType: 'ShardedByS3Key' } },
        CompressionType: 'Gzip',
        RecordWrapperType: 'RecordIO',
        InputMode: 'Pipe',
        ShuffleConfig: { Seed: 7 },
      },
    ]);
    expect(args.OutputDataConfig).toEqual({ S3OutputPath: 's3://models/out', KmsKeyId: expect.stringMatching(/^<<GetAtt:Key/) });
    expect(args.ResourceConfig).toEqual({ InstanceType: 'ml.m5.2xlarge', InstanceCount: 2, VolumeSizeInGB: 100, VolumeKmsKeyId: expect.stringMatching(/^<<GetAtt:Key/) });
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 10800, MaxWaitTimeInSeconds: 21600 });
    expect(args.EnableManagedSpotTraining).toBe(true);
    expect(args.CheckpointConfig).toEqual({ S3Uri: 's3://models/checkpoints', LocalPath: '/opt/ml/checkpoints' });
    expect(args.Environment).toEqual({ LOG_LEVEL: 'debug' });
    expect(args.EnableNetworkIsolation).toBe(true);
    expect(args.EnableInterContainerTrafficEncryption).toBe(true);

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['sagemaker:AddTags', 'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob'],
            Resource: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/pipelines-*',
          }),
        ]),
      },
    });
    // A statement whose only resource is "*" goes to a policy of its own (a cdk-nag suppression can name exactly it).
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^PWildcardResourcePolicy'),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'cloudwatch:PutMetricData', Condition: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } } }),
        ]),
      },
    });
  });

  test('defaults: File mode, ml.m5.xlarge, one instance, 30 GB, one day, output in the artifact bucket', () => {
    const stack = newStack();
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    const args = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train] })).Steps[0].Arguments;
    expect(args.AlgorithmSpecification.TrainingInputMode).toBe('File');
    expect(args.ResourceConfig).toEqual({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 });
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 86400 });
    expect(args.OutputDataConfig.S3OutputPath['Std:Join'].Values.slice(2)).toEqual(['P', { Get: 'Execution.PipelineExecutionId' }, 'Train', 'output']);
  });

  test('typed properties render their SageMaker paths', () => {
    const stack = newStack();
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    const r = (v: any) => stack.resolve(new RenderContext().render(v));
    expect(r(train.modelArtifactsS3Uri)).toEqual({ Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' });
    expect(r(train.trainingJobName)).toEqual({ Get: 'Steps.Train.TrainingJobName' });
    expect(r(train.finalMetricValue('validation:auc'))).toEqual({ Get: "Steps.Train.FinalMetricDataList['validation:auc'].Value" });
    expect(r(PipelineValue.fromString(train.trainingJobArn))).toEqual({ Get: 'Steps.Train.TrainingJobArn' });
  });

  test.each([
    [{ channels: [{ channelName: 'bad name', s3Uri: 's3://b/k' }] }, /invalid channel name 'bad name'/],
    [{ channels: [{ channelName: 'a', s3Uri: 's3://b/k' }, { channelName: 'a', s3Uri: 's3://b/k' }] }, /two channels are named 'a'/],
    [{ channels: [{ channelName: 'a', s3Uri: '/local/path' }] }, /channel 'a' s3Uri is '\/local\/path'; expected an S3 URI/],
    [{ hyperparameters: { a: { nested: true } } }, /hyperparameter 'a' is \{"nested":true\}; expected a string, number, boolean or pipeline value/],
    [{ maxWaitTime: Duration.hours(2) }, /maxWaitTime applies only to Spot training/],
    [{ useSpotInstances: true, maxRuntime: Duration.hours(3), maxWaitTime: Duration.hours(1) }, /maxWaitTime \(3600 s\) is shorter than maxRuntime \(10800 s\)/],
  ])('fails on bad input %#', (extra, message) => {
    const stack = newStack();
    expect(() => new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1'), ...(extra as any) })).toThrow(message);
  });
});
