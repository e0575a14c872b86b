import { StepImportContext, TypedStep, duration } from './context';
import { importNotebookJob, isNotebookJob } from './notebook';
import { Expr, arr, lit, obj } from '../code';

/** A Training step as a TrainingStepConstruct. */
export function importTraining(ctx: StepImportContext, s: any, a: any, comments: string[]): TypedStep | undefined {
  if (isNotebookJob(a)) {
    return importNotebookJob(ctx, s, a, comments);
  }
  return { cls: 'TrainingStepConstruct', comments, props: trainingJob(ctx, a, a.HyperParameters, a.ResourceConfig, comments) };
}

/** A Tuning step as a TuningStepConstruct: the ranges, the objective and the training job definition. */
export function importTuning(ctx: StepImportContext, _s: any, a: any, comments: string[]): TypedStep | undefined {
  const config = a.HyperParameterTuningJobConfig ?? {};
  const job = a.TrainingJobDefinition ?? {};
  const ranges = config.ParameterRanges ?? {};
  const numericRanges = (list: any[] | undefined) => (list ? arr(list.map((r: any) => obj([
    ['name', lit(r.Name)],
    ['min', typeof r.MinValue === 'string' && r.MinValue.trim() !== '' && !isNaN(Number(r.MinValue)) ? lit(Number(r.MinValue)) : ctx.num(r.MinValue)],
    ['max', typeof r.MaxValue === 'string' && r.MaxValue.trim() !== '' && !isNaN(Number(r.MaxValue)) ? lit(Number(r.MaxValue)) : ctx.num(r.MaxValue)],
    ['scaling', r.ScalingType ? ctx.enumMember('ScalingType', r.ScalingType) : undefined],
  ]))) : undefined);
  return {
    cls: 'TuningStepConstruct',
    comments,
    props: [
      ['objectiveMetricName', ctx.str(config.HyperParameterTuningJobObjective?.MetricName)],
      ['objectiveType', config.HyperParameterTuningJobObjective?.Type ? ctx.enumMember('ObjectiveType', config.HyperParameterTuningJobObjective.Type) : undefined],
      ['strategy', config.Strategy ? ctx.enumMember('TuningStrategy', config.Strategy) : undefined],
      ['maxTrainingJobs', ctx.num(config.ResourceLimits?.MaxNumberOfTrainingJobs)],
      ['maxParallelTrainingJobs', ctx.num(config.ResourceLimits?.MaxParallelTrainingJobs)],
      ['earlyStopping', config.TrainingJobEarlyStoppingType !== undefined ? lit(config.TrainingJobEarlyStoppingType === 'Auto') : undefined],
      ['integerRanges', numericRanges(ranges.IntegerParameterRanges)],
      ['continuousRanges', numericRanges(ranges.ContinuousParameterRanges)],
      ['categoricalRanges', ranges.CategoricalParameterRanges ? arr(ranges.CategoricalParameterRanges.map((r: any) => obj([
        ['name', lit(r.Name)],
        ['values', ctx.value(r.Values, 'string')],
      ]))) : undefined],
      ...trainingJob(ctx, job, job.StaticHyperParameters, job.ResourceConfig ?? job.HyperParameterTuningResourceConfig, comments),
    ],
  };
}

/** The props of a training job (a Training step's arguments, or a tuning step's TrainingJobDefinition). */
export function trainingJob(
  ctx: StepImportContext, a: any, hyperparameters: any, resources: any, comments: string[],
): Array<[string, Expr | undefined]> {
  const algo = a.AlgorithmSpecification ?? {};
  const res = resources ?? {};
  return [
    ['image', ctx.image(algo.TrainingImage, comments)],
    ['inputMode', algo.TrainingInputMode ? ctx.enumMember('TrainingInputMode', algo.TrainingInputMode) : undefined],
    ['hyperparameters', ctx.strMap(hyperparameters)],
    ['channels', a.InputDataConfig ? arr(a.InputDataConfig.map((c: any) => obj([
      ['channelName', lit(c.ChannelName)],
      ['s3Uri', ctx.str(c.DataSource?.S3DataSource?.S3Uri)],
      ['contentType', ctx.str(c.ContentType)],
      ['compression', c.CompressionType ? ctx.enumMember('CompressionType', c.CompressionType) : undefined],
      ['s3DataType', c.DataSource?.S3DataSource?.S3DataType ? ctx.enumMember('S3DataType', c.DataSource.S3DataSource.S3DataType) : undefined],
      ['distribution', c.DataSource?.S3DataSource?.S3DataDistributionType
        ? ctx.enumMember('DataDistribution', c.DataSource.S3DataSource.S3DataDistributionType) : undefined],
      ['inputMode', c.InputMode ? ctx.enumMember('TrainingInputMode', c.InputMode) : undefined],
    ]))) : undefined],
    ['outputPath', ctx.str(a.OutputDataConfig?.S3OutputPath)],
    ...ctx.jobResources(res, a.StoppingCondition),
    ['useSpotInstances', a.EnableManagedSpotTraining !== undefined ? lit(a.EnableManagedSpotTraining === true) : undefined],
    ['maxWaitTime', a.StoppingCondition?.MaxWaitTimeInSeconds !== undefined ? duration(a.StoppingCondition.MaxWaitTimeInSeconds) : undefined],
    ['checkpointS3Uri', ctx.str(a.CheckpointConfig?.S3Uri)],
    ['checkpointLocalPath', ctx.str(a.CheckpointConfig?.LocalPath)],
    ['environment', ctx.strMap(a.Environment)],
    ['metricDefinitions', algo.MetricDefinitions ? arr(algo.MetricDefinitions.map((m: any) => obj([['name', ctx.str(m.Name)], ['regex', ctx.str(m.Regex)]]))) : undefined],
  ];
}
