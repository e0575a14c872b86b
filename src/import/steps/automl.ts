import { StepImportContext, TypedStep, duration } from './context';
import { THIS, call, cls, lit, obj } from '../code';

/** An AutoML step as an AutoMlStepConstruct. */
export function importAutoMl(ctx: StepImportContext, s: any, a: any, comments: string[]): TypedStep | undefined {
  const channels: any[] = a.InputDataConfig ?? [];
  const training = channels.find((c) => c.ChannelType === undefined || c.ChannelType === 'training');
  const validation = channels.find((c) => c.ChannelType === 'validation');
  if (!training || typeof a.RoleArn !== 'string') {
    return undefined;
  }
  const channel = (c: any) => obj([
    ['s3Uri', ctx.str(c.DataSource?.S3DataSource?.S3Uri)],
    ['s3DataType', c.DataSource?.S3DataSource?.S3DataType ? ctx.enumMember('S3DataType', c.DataSource.S3DataSource.S3DataType) : undefined],
    ['contentType', c.ContentType ? ctx.enumMember('AutoMlContentType', c.ContentType) : undefined],
    ['compression', c.CompressionType ? ctx.enumMember('CompressionType', c.CompressionType) : undefined],
  ]);
  const config = a.AutoMLJobConfig ?? {};
  const criteria = config.CompletionCriteria ?? {};
  comments.push('Autopilot runs as this role: it needs the permissions AWS documents for CreateAutoMLJob\'s execution role.');
  return {
    cls: 'AutoMlStepConstruct',
    comments,
    props: [
      ['role', call(cls('iam', 'Role'), 'fromRoleArn', THIS, lit(`${s.Name}Role`), lit(a.RoleArn), obj([['mutable', lit(false)]]))],
      ['trainingData', channel(training)],
      ['validationData', validation ? channel(validation) : undefined],
      ['targetAttributeName', ctx.str(training.TargetAttributeName)],
      ['sampleWeightAttributeName', ctx.str(training.SampleWeightAttributeName)],
      ['problemType', a.ProblemType ? ctx.enumMember('AutoMlProblemType', a.ProblemType) : undefined],
      ['objectiveMetric', a.AutoMLJobObjective?.MetricName ? ctx.enumMember('AutoMlObjectiveMetric', a.AutoMLJobObjective.MetricName) : undefined],
      ['outputPath', ctx.str(a.OutputDataConfig?.S3OutputPath)],
      ['maxCandidates', ctx.num(criteria.MaxCandidates)],
      ['maxRuntimePerTrainingJob', criteria.MaxRuntimePerTrainingJobInSeconds !== undefined ? duration(criteria.MaxRuntimePerTrainingJobInSeconds) : undefined],
      ['maxAutoMlJobRuntime', criteria.MaxAutoMLJobRuntimeInSeconds !== undefined ? duration(criteria.MaxAutoMLJobRuntimeInSeconds) : undefined],
      ['validationFraction', ctx.num(config.DataSplitConfig?.ValidationFraction)],
      ['featureSpecificationS3Uri', ctx.str(config.CandidateGenerationConfig?.FeatureSpecificationS3Uri)],
    ],
  };
}
