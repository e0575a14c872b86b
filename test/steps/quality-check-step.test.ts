import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  ConditionalRegistration, ContainerImage, DatasetFormat, MetricComparison, MlPipeline, ModelPackageGroup, ModelProblemType,
  PipelineParameter, PipelineValue, ProcessingStepConstruct, PropertyFile, QualityCheckStepConstruct, QualityCheckType,
  RegisterModelStepConstruct, RegistrationModel, TrainingStepConstruct,
} from '../../src';
import { actionsOn, definitionOf, newStack, stepOf } from '../util';

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1');
const ANALYZER = '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest';

function prepIn(stack: Stack) {
  return new ProcessingStepConstruct(stack, 'Prep', {
    image: IMAGE,
    outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }, { outputName: 'predictions', source: '/opt/ml/processing/predictions' }],
  });
}

describe('QualityCheckStepConstruct', () => {
  test('a data quality check renders as the SDK\'s QualityCheckStep: the analyzer\'s processing job and the step\'s switches', () => {
    const stack = newStack();
    const prep = prepIn(stack);
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
    const skip = PipelineParameter.ofBoolean('SkipDataQualityCheck', { defaultValue: false });
    const check = new QualityCheckStepConstruct(stack, 'DataQuality', {
      checkType: QualityCheckType.DATA_QUALITY,
      baselineDataset: prep.outputS3Uri('train'),
      datasetFormat: DatasetFormat.csv({ header: false }),
      modelPackageGroup: group,
      skipCheck: skip,
      registerNewBaseline: PipelineValue.fromBoolean(true),
      maxRuntime: Duration.hours(1),
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, check] });
    const step = stepOf(definitionOf(pipeline), 'DataQuality');
    expect(step.Type).toBe('QualityCheck');
    expect(step).toMatchObject({
      CheckType: 'DATA_QUALITY',
      ModelPackageGroupName: 'churn',
      SkipCheck: { Get: 'Parameters.SkipDataQualityCheck' },
      FailOnViolation: true,
      RegisterNewBaseline: true,
      SuppliedBaselineStatistics: null,
      SuppliedBaselineConstraints: null,
    });
    const args = step.Arguments;
    expect(args.AppSpecification).toEqual({ ImageUri: ANALYZER });
    expect(args.ProcessingInputs).toEqual([{
      InputName: 'baseline_dataset_input',
      AppManaged: false,
      S3Input: {
        S3Uri: { Get: "Steps.Prep.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri" },
        LocalPath: '/opt/ml/processing/input/baseline_dataset_input',
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
        S3DataDistributionType: 'FullyReplicated',
      },
    }]);
    expect(args.ProcessingOutputConfig.Outputs).toEqual([{
      OutputName: 'quality_check_output',
      AppManaged: false,
      S3Output: {
        S3Uri: expect.objectContaining({ 'Std:Join': expect.anything() }),
        LocalPath: '/opt/ml/processing/output',
        S3UploadMode: 'EndOfJob',
      },
    }]);
    expect(args.Environment).toEqual({
      dataset_format: '{"csv":{"header":false,"output_columns_position":"START"}}',
      dataset_source: '/opt/ml/processing/input/baseline_dataset_input',
      output_path: '/opt/ml/processing/output',
      publish_cloudwatch_metrics: 'Disabled',
    });
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600 });
    expect(args.ProcessingResources.ClusterConfig).toEqual({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 });
  });

  test('grants: the analyzer image, the processing job, the dataset, and reading the group\'s baselines', () => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
    const check = new QualityCheckStepConstruct(stack, 'DataQuality', {
      checkType: QualityCheckType.DATA_QUALITY,
      baselineDataset: 's3://data-bucket/train/',
      datasetFormat: DatasetFormat.parquet(),
      modelPackageGroup: group,
    });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [check] });
    const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(actionsOn(statements, 'arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer')).toEqual(expect.arrayContaining(['ecr:BatchGetImage']));
    expect(actionsOn(statements, 'arn:aws:sagemaker:us-east-1:123456789012:processing-job/pipelines-*')).toEqual(expect.arrayContaining(['sagemaker:CreateProcessingJob']));
    expect(actionsOn(statements, 'arn:aws:s3:::data-bucket/train/*')).toContain('s3:GetObject');
    expect(actionsOn(statements, 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/*')).toEqual(expect.arrayContaining(['sagemaker:DescribeModelPackage']));
  });

  test('a model quality check: the analysis settings in the environment, supplied baselines at step level', () => {
    const stack = newStack();
    const prep = prepIn(stack);
    const check = new QualityCheckStepConstruct(stack, 'ModelQuality', {
      checkType: QualityCheckType.MODEL_QUALITY,
      baselineDataset: prep.outputS3Uri('predictions'),
      datasetFormat: DatasetFormat.json(true),
      problemType: ModelProblemType.BINARY_CLASSIFICATION,
      inferenceAttribute: 'prediction',
      probabilityAttribute: 'probability',
      groundTruthAttribute: 'label',
      probabilityThresholdAttribute: 0.5,
      suppliedBaselineStatistics: 's3://baselines/model/statistics.json',
      suppliedBaselineConstraints: 's3://baselines/model/constraints.json',
      failOnViolation: PipelineValue.fromBoolean(false),
    });
    const step = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, check] })), 'ModelQuality');
    expect(step.Arguments.Environment).toEqual({
      dataset_format: '{"json":{"lines":true}}',
      dataset_source: '/opt/ml/processing/input/baseline_dataset_input',
      output_path: '/opt/ml/processing/output',
      publish_cloudwatch_metrics: 'Disabled',
      analysis_type: 'MODEL_QUALITY',
      problem_type: 'BinaryClassification',
      inference_attribute: 'prediction',
      probability_attribute: 'probability',
      ground_truth_attribute: 'label',
      probability_threshold_attribute: '0.5',
    });
    expect(step).toMatchObject({
      CheckType: 'MODEL_QUALITY',
      ModelPackageGroupName: null,
      SkipCheck: false,
      FailOnViolation: false,
      SuppliedBaselineStatistics: 's3://baselines/model/statistics.json',
      SuppliedBaselineConstraints: 's3://baselines/model/constraints.json',
    });
  });

  test('its properties are the SDK\'s, and feed the register step\'s drift-check baselines and metrics', () => {
    const stack = newStack();
    const prep = prepIn(stack);
    const dataQuality = new QualityCheckStepConstruct(stack, 'DataQuality', {
      checkType: QualityCheckType.DATA_QUALITY, baselineDataset: prep.outputS3Uri('train'), datasetFormat: DatasetFormat.csv(),
    });
    const modelQuality = new QualityCheckStepConstruct(stack, 'ModelQuality', {
      checkType: QualityCheckType.MODEL_QUALITY,
      baselineDataset: prep.outputS3Uri('predictions'),
      datasetFormat: DatasetFormat.csv(),
      problemType: ModelProblemType.REGRESSION,
      inferenceAttribute: '0',
      groundTruthAttribute: '1',
    });
    const train = new TrainingStepConstruct(stack, 'Train', { image: IMAGE });
    const report = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = new ProcessingStepConstruct(stack, 'Evaluate', {
      image: IMAGE, outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }], propertyFiles: [report],
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, dataQuality, modelQuality, train, evaluate] });
    const json = (s3Uri: string) => ({ s3Uri, contentType: 'application/json' });
    ConditionalRegistration.addToPipeline(pipeline, 'Gate', {
      evaluationStep: evaluate,
      propertyFile: report,
      metricPath: 'mse',
      comparison: MetricComparison.LESS_THAN_OR_EQUAL_TO,
      threshold: 6,
      model: RegistrationModel.fromTrainingStep(train),
      modelPackageGroup: new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' }),
      modelMetrics: {
        modelDataQualityStatistics: json(dataQuality.calculatedBaselineStatistics),
        modelDataQualityConstraints: json(dataQuality.calculatedBaselineConstraints),
        modelQualityStatistics: json(modelQuality.calculatedBaselineStatistics),
      },
      driftCheckBaselines: {
        modelDataQualityStatistics: json(dataQuality.baselineUsedForDriftCheckStatistics),
        modelDataQualityConstraints: json(dataQuality.baselineUsedForDriftCheckConstraints),
        modelQualityStatistics: json(modelQuality.baselineUsedForDriftCheckStatistics),
        modelQualityConstraints: json(modelQuality.baselineUsedForDriftCheckConstraints),
      },
    });
    const args = stepOf(definitionOf(pipeline), 'Gate-Register').Arguments;
    const get = (name: string, property: string) => ({ S3Uri: { Get: `Steps.${name}.${property}` }, ContentType: 'application/json' });
    expect(args.DriftCheckBaselines).toEqual({
      ModelQuality: { Statistics: get('ModelQuality', 'BaselineUsedForDriftCheckStatistics'), Constraints: get('ModelQuality', 'BaselineUsedForDriftCheckConstraints') },
      ModelDataQuality: { Statistics: get('DataQuality', 'BaselineUsedForDriftCheckStatistics'), Constraints: get('DataQuality', 'BaselineUsedForDriftCheckConstraints') },
    });
    expect(args.ModelMetrics).toEqual({
      ModelQuality: { Statistics: get('ModelQuality', 'CalculatedBaselineStatistics') },
      ModelDataQuality: { Statistics: get('DataQuality', 'CalculatedBaselineStatistics'), Constraints: get('DataQuality', 'CalculatedBaselineConstraints') },
    });
  });

  test('fails on a baseline from a check of the wrong type, a model quality check without ground truth, and a baseline that is never checked', () => {
    const stack = newStack();
    const prep = prepIn(stack);
    const dataQuality = new QualityCheckStepConstruct(stack, 'DataQuality', {
      checkType: QualityCheckType.DATA_QUALITY, baselineDataset: prep.outputS3Uri('train'), datasetFormat: DatasetFormat.csv(),
    });
    expect(() => new RegisterModelStepConstruct(stack, 'Register', {
      modelPackageGroup: ModelPackageGroup.fromModelPackageGroupName(stack, 'G', 'churn'),
      containers: [{ image: IMAGE, modelDataUrl: 's3://b/model.tar.gz' }],
      driftCheckBaselines: { modelQualityStatistics: { s3Uri: dataQuality.baselineUsedForDriftCheckStatistics, contentType: 'application/json' } },
    })).toThrow(/TestStack\/Register: driftCheckBaselines\.modelQualityStatistics is a property of TestStack\/DataQuality, a DATA_QUALITY check; it takes the baseline of a MODEL_QUALITY check/);

    const s = new Stack(new App(), 'S');
    const base = { baselineDataset: 's3://b/data/', datasetFormat: DatasetFormat.csv() };
    expect(() => new QualityCheckStepConstruct(s, 'A', { ...base, checkType: QualityCheckType.MODEL_QUALITY, problemType: ModelProblemType.REGRESSION, inferenceAttribute: 'p' }))
      .toThrow(/S\/A: a MODEL_QUALITY check needs groundTruthAttribute, the column of the true labels/);
    expect(() => new QualityCheckStepConstruct(s, 'B', { ...base, checkType: QualityCheckType.MODEL_QUALITY, groundTruthAttribute: 'y', inferenceAttribute: 'p' }))
      .toThrow(/S\/B: a MODEL_QUALITY check needs problemType/);
    expect(() => new QualityCheckStepConstruct(s, 'C', { ...base, checkType: QualityCheckType.DATA_QUALITY, groundTruthAttribute: 'y' }))
      .toThrow(/S\/C: groundTruthAttribute apply to a MODEL_QUALITY check; this is a DATA_QUALITY check/);
    expect(() => new QualityCheckStepConstruct(s, 'D', {
      ...base, checkType: QualityCheckType.DATA_QUALITY, skipCheck: PipelineValue.fromBoolean(true), suppliedBaselineConstraints: 's3://b/constraints.json',
    })).toThrow(/S\/D: a supplied baseline is given, but skipCheck is true, so no check would ever use it/);
    expect(() => new QualityCheckStepConstruct(s, 'E', { ...base, checkType: QualityCheckType.DATA_QUALITY, skipCheck: PipelineParameter.ofString('Skip') }))
      .toThrow(/S\/E: skipCheck is Parameters\.Skip, a String; expected a Boolean/);
    expect(() => DatasetFormat.csv({ outputColumnsPosition: 'MIDDLE' })).toThrow(/outputColumnsPosition is 'MIDDLE'; expected START or END/);
  });
});
