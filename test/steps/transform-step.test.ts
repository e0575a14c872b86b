import { Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  AssemblyType, BatchStrategy, CompressionType, ConditionalRegistration, ContainerImage, CreateModelStepConstruct, InstanceType, JoinSource,
  MlPipeline,
  ProcessingStepConstruct, PropertyFile, RegistrationModel, S3DataType, SplitType, TrainingStepConstruct,
  TransformStepConstruct,
} from '../../src';
import { RenderContext } from '../../src/private/render-context';
import { definitionOf, newStack, stepOf } from '../util';

describe('TransformStepConstruct', () => {
  test('renders the model, input, output, resources and data processing', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    const model = new CreateModelStepConstruct(stack, 'Model', { containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri }] });
    const transform = new TransformStepConstruct(stack, 'Score', {
      modelName: model.modelName,
      input: { s3Uri: 's3://data/batch/', s3DataType: S3DataType.S3_PREFIX, contentType: 'text/csv', compression: CompressionType.GZIP, splitType: SplitType.LINE },
      outputPath: 's3://results/scores',
      accept: 'text/csv',
      assembleWith: AssemblyType.LINE,
      outputEncryptionKey: key,
      instanceType: InstanceType.of('ml.m5.large'),
      instanceCount: 2,
      volumeEncryptionKey: key,
      maxConcurrentTransforms: 4,
      maxPayload: Size.mebibytes(6),
      batchStrategy: BatchStrategy.MULTI_RECORD,
      environment: { MODE: 'batch' },
      inputFilter: '$[1:]',
      outputFilter: '$[0,-1]',
      joinSource: JoinSource.INPUT,
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train, model, transform] }));
    expect(stepOf(def, 'Score').Arguments).toEqual({
      ModelName: { Get: 'Steps.Model.ModelName' },
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/batch/' } },
        ContentType: 'text/csv',
        CompressionType: 'Gzip',
        SplitType: 'Line',
      },
      TransformOutput: { S3OutputPath: 's3://results/scores', Accept: 'text/csv', AssembleWith: 'Line', KmsKeyId: expect.stringMatching(/^<<GetAtt:Key/) },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 2, VolumeKmsKeyId: expect.stringMatching(/^<<GetAtt:Key/) },
      MaxConcurrentTransforms: 4,
      MaxPayloadInMB: 6,
      BatchStrategy: 'MultiRecord',
      Environment: { MODE: 'batch' },
      DataProcessing: { InputFilter: '$[1:]', OutputFilter: '$[0,-1]', JoinSource: 'Input' },
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['sagemaker:AddTags', 'sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob'],
          Resource: 'arn:aws:sagemaker:us-east-1:123456789012:transform-job/pipelines-*',
        })]),
      },
    });
    const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':s3:::data/batch/*');
    expect(policies).toContain(':s3:::results/scores*');
  });

  test('defaults: S3Prefix, ml.m5.xlarge, one instance, output in the artifact bucket; outputS3Uri renders its property', () => {
    const stack = newStack();
    const prep = new ProcessingStepConstruct(stack, 'Prep', {
      image: ContainerImage.sklearn('1.2-1'),
      outputs: [{ outputName: 'test', source: '/opt/ml/processing/test' }],
    });
    const transform = new TransformStepConstruct(stack, 'Score', { modelName: 'my-model', input: { s3Uri: prep.outputS3Uri('test') } });
    const args = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, transform] })), 'Score').Arguments;
    expect(args.TransformInput).toEqual({ DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: { Get: "Steps.Prep.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri" } } } });
    expect(args.TransformResources).toEqual({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1 });
    expect(args.TransformOutput.S3OutputPath['Std:Join'].Values.slice(2)).toEqual(['P', { Get: 'Execution.PipelineExecutionId' }, 'Score', 'output']);
    expect(new RenderContext().render(transform.outputS3Uri)).toEqual({ Get: 'Steps.Score.TransformOutput.S3OutputPath' });
  });

  test('runs in the passing branch of a ConditionalRegistration', () => {
    const stack = newStack();
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    const report = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = new ProcessingStepConstruct(stack, 'Evaluate', {
      image: ContainerImage.sklearn('1.2-1'),
      outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
      propertyFiles: [report],
    });
    const model = new CreateModelStepConstruct(stack, 'Model', { containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri }] });
    const score = new TransformStepConstruct(stack, 'Score', { modelName: model.modelName, input: { s3Uri: 's3://data/batch/' } });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train, evaluate] });
    ConditionalRegistration.addToPipeline(pipeline, 'Gate', {
      evaluationStep: evaluate,
      propertyFile: report,
      metricPath: 'accuracy',
      threshold: 0.8,
      model: RegistrationModel.fromTrainingStep(train),
      passingSteps: [model, score],
    });
    const check = stepOf(definitionOf(pipeline), 'Gate-Check');
    expect(check.Arguments.IfSteps.map((s: any) => [s.Name, s.Type])).toEqual([['Gate-Register', 'RegisterModel'], ['Model', 'Model'], ['Score', 'Transform']]);
  });

  test.each([
    [{ input: { s3Uri: 'data/batch' } }, /TestStack\/Score: input s3Uri is 'data\/batch'; expected an S3 URI/],
    [{ outputPath: '/tmp/out' }, /outputPath is '\/tmp\/out'; expected an S3 URI/],
    [{ instanceCount: 0 }, /instanceCount is 0; expected an integer from 1 to 10000/],
    [{ maxPayload: Size.mebibytes(200) }, /maxPayload \(MB\) is 200; expected an integer from 0 to 100/],
    [{ environment: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`V${i}`, 'x'])) }, /17 environment variables; a transform job takes at most 16/],
  ])('fails on bad input %#', (extra, message) => {
    const stack = newStack();
    expect(() => new TransformStepConstruct(stack, 'Score', { modelName: 'm', input: { s3Uri: 's3://data/batch/' }, ...(extra as any) })).toThrow(message);
  });
});
