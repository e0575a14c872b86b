import { StepImportContext, TypedStep } from './context';
import { CLARIFY_JOB } from '../../shared/sdk-forms';
import { Expr, THIS, call, cls, lit, obj, v } from '../code';

/**
 * A ClarifyCheck step as the SDK writes it: the analysis configuration is a file the definition names (its
 * analysis_config input), which the step reads as it is (`analysisConfigS3Uri`).
 */
export function importClarifyCheck(ctx: StepImportContext, s: any, a: any, comments: string[]): TypedStep | undefined {
  const input = (name: string) => (a.ProcessingInputs ?? []).find((i: any) => i.InputName === name)?.S3Input;
  const output = (a.ProcessingOutputConfig?.Outputs ?? []).find((o: any) => o.OutputName === CLARIFY_JOB.output)?.S3Output;
  const config = input(CLARIFY_JOB.configInput);
  const dataset = input(CLARIFY_JOB.dataInput);
  if (!config || !dataset || !output || !['DATA_BIAS', 'MODEL_BIAS', 'MODEL_EXPLAINABILITY'].includes(s.CheckType)) {
    return undefined;
  }
  comments.push('The analysis configuration is the file the definition names (analysis_config.json): the step reads it as it is.');
  return {
    cls: 'ClarifyCheckStepConstruct',
    comments,
    props: [
      ['checkType', ctx.enumMember('ClarifyCheckType', s.CheckType)],
      ['data', obj([
        ['s3Uri', ctx.value(dataset.S3Uri)],
        // Clarify uploads image analyses as they are written: the only dataset type the definition shows.
        ['datasetType', output.S3UploadMode === 'Continuous' ? ctx.enumMember('ClarifyDatasetType', 'application/x-image') : undefined],
        ['outputS3Uri', ctx.value(output.S3Uri)],
        ['compressionType', dataset.S3CompressionType && dataset.S3CompressionType !== 'None'
          ? ctx.enumMember('CompressionType', dataset.S3CompressionType) : undefined],
      ])],
      ['analysisConfigS3Uri', ctx.value(config.S3Uri)],
      ['model', s.ModelName !== undefined ? obj([['modelName', ctx.value(s.ModelName)]]) : undefined],
      ...checkStepFields(ctx, s),
      ...ctx.jobResources(a.ProcessingResources?.ClusterConfig ?? {}, a.StoppingCondition),
    ],
  };
}

/**
 * The step-level fields every check step has (the SDK's check steps write them alike; `renderCheckSwitches` renders
 * them): the three switches, the model package group and the supplied constraints.
 */
function checkStepFields(ctx: StepImportContext, s: any): Array<[string, Expr | undefined]> {
  const group = s.ModelPackageGroupName;
  return [
    ['skipCheck', checkSwitch(ctx, s.SkipCheck)],
    ['registerNewBaseline', checkSwitch(ctx, s.RegisterNewBaseline)],
    ['failOnViolation', checkSwitch(ctx, s.FailOnViolation)],
    ['modelPackageGroup', typeof group === 'string'
      ? call(cls('lib', 'ModelPackageGroup'), 'fromModelPackageGroupName', THIS, lit(`${s.Name}Group`), lit(group)) : undefined],
    ['suppliedBaselineConstraints', ctx.str(s.SuppliedBaselineConstraints)],
  ];
}

/** A check step's switch: a Boolean, or a Boolean parameter. */
function checkSwitch(ctx: StepImportContext, x: any): Expr | undefined {
  if (x === undefined || x === null) {
    return undefined;
  }
  if (typeof x === 'boolean') {
    return call(cls('lib', 'PipelineValue'), 'fromBoolean', lit(x));
  }
  const m = typeof x.Get === 'string' ? /^Parameters\.(.+)$/.exec(x.Get) : null;
  return m && ctx.parameterVar(m[1]) !== undefined ? v(ctx.parameterVar(m[1])!) : undefined;
}

/** A QualityCheck step's props, read back from its processing request and its step-level fields. */
export function importQualityCheck(ctx: StepImportContext, s: any, a: any, comments: string[]): TypedStep | undefined {
  const env = a.Environment ?? {};
  const inputOf = (name: string) => (a.ProcessingInputs ?? []).find((i: any) => i.InputName === name)?.S3Input?.S3Uri;
  const output = (a.ProcessingOutputConfig?.Outputs ?? []).find((o: any) => o.OutputName === 'quality_check_output');
  let format: any;
  try {
    format = typeof env.dataset_format === 'string' ? JSON.parse(env.dataset_format) : undefined;
  } catch {
    format = undefined;
  }
  const DF = cls('lib', 'DatasetFormat');
  const datasetFormat = format?.csv !== undefined ? call(DF, 'csv', obj([
    ['header', format.csv.header !== undefined ? lit(format.csv.header) : undefined],
    ['outputColumnsPosition', format.csv.output_columns_position !== undefined ? lit(format.csv.output_columns_position) : undefined],
  ])) : format?.json !== undefined ? call(DF, 'json', lit(format.json.lines ?? true))
    : format?.parquet !== undefined ? call(DF, 'parquet') : undefined;
  if (!datasetFormat || inputOf('baseline_dataset_input') === undefined || !['DATA_QUALITY', 'MODEL_QUALITY'].includes(s.CheckType)) {
    return undefined;
  }
  const cluster = a.ProcessingResources?.ClusterConfig ?? {};
  return {
    cls: 'QualityCheckStepConstruct',
    comments,
    props: [
      ['checkType', ctx.enumMember('QualityCheckType', s.CheckType)],
      ['baselineDataset', ctx.str(inputOf('baseline_dataset_input'))],
      ['datasetFormat', datasetFormat],
      ['outputS3Uri', ctx.str(output?.S3Output?.S3Uri)],
      ['problemType', env.problem_type !== undefined ? ctx.enumMember('ModelProblemType', env.problem_type) : undefined],
      ['inferenceAttribute', ctx.str(env.inference_attribute)],
      ['probabilityAttribute', ctx.str(env.probability_attribute)],
      ['groundTruthAttribute', ctx.str(env.ground_truth_attribute)],
      ['probabilityThresholdAttribute', typeof env.probability_threshold_attribute === 'string' && !isNaN(Number(env.probability_threshold_attribute))
        ? lit(Number(env.probability_threshold_attribute)) : undefined],
      ['recordPreprocessorScript', ctx.str(inputOf('record_preprocessor_script_input'))],
      ['postAnalyticsProcessorScript', ctx.str(inputOf('post_analytics_processor_script_input'))],
      ['suppliedBaselineStatistics', ctx.str(s.SuppliedBaselineStatistics)],
      ...checkStepFields(ctx, s),
      ...ctx.jobResources(cluster, a.StoppingCondition),
    ],
  };
}
