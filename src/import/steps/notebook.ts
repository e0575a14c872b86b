import { StepImportContext, TypedStep } from './context';
import { NOTEBOOK_JOB } from '../../shared/sdk-forms';
import { obj } from '../code';

const { entrypoint: SCHEDULER_ENTRYPOINT, stagedChannel: STAGED_CHANNEL, tagPrefix: SDK_TAGS } = NOTEBOOK_JOB;
/** Environment variables the notebook job writes itself (the construct renders them from its props). */
const SCHEDULER_ENVIRONMENT = new Set(NOTEBOOK_JOB.schedulerEnvironment);

/** Whether a Training step is the SDK's NotebookJobStep (the scheduler's entry point and the staged input channel). */
export function isNotebookJob(a: any): boolean {
  const entry = a.AlgorithmSpecification?.ContainerEntrypoint;
  return Array.isArray(entry) && entry.length === 1 && entry[0] === SCHEDULER_ENTRYPOINT
    && (a.InputDataConfig ?? []).some((c: any) => c.ChannelName === STAGED_CHANNEL);
}

/**
 * A NotebookJob step (a Training step in the SDK's NotebookJobStep form) as a NotebookJobStepConstruct that reads the
 * input the SDK staged (`stagedInputS3Uri`): the notebook, kernel and script from the scheduler's environment, the
 * name from its `sagemaker:name` tag, the user's environment and tags without the scheduler's.
 */
export function importNotebookJob(ctx: StepImportContext, _s: any, a: any, comments: string[]): TypedStep | undefined {
  const env: Record<string, any> = a.Environment ?? {};
  const tags: any[] = a.Tags ?? [];
  const staged = (a.InputDataConfig ?? []).find((c: any) => c.ChannelName === STAGED_CHANNEL)?.DataSource?.S3DataSource?.S3Uri;
  const name = tags.find((t) => t.Key === `${SDK_TAGS}name`)?.Value;
  if (typeof env.SM_INPUT_NOTEBOOK_NAME !== 'string' || typeof env.SM_KERNEL_NAME !== 'string' || staged === undefined || typeof name !== 'string') {
    return undefined;
  }
  comments.push('The notebook job reads the input the SDK staged in S3 (stagedInputS3Uri); give inputNotebook a local path instead to ship it with the stack.');
  const userEnv = Object.entries(env).filter(([k]) => !SCHEDULER_ENVIRONMENT.has(k));
  const userTags = tags.filter((t) => typeof t.Key === 'string' && !t.Key.startsWith(SDK_TAGS));
  const resources = a.ResourceConfig ?? {};
  return {
    cls: 'NotebookJobStepConstruct',
    comments,
    props: [
      ['inputNotebook', ctx.str(env.SM_INPUT_NOTEBOOK_NAME)],
      ['stagedInputS3Uri', ctx.value(staged)],
      ['image', ctx.image(a.AlgorithmSpecification?.TrainingImage, comments)],
      ['kernelName', ctx.str(env.SM_KERNEL_NAME)],
      ['notebookJobName', ctx.str(name)],
      ['initializationScript', ctx.str(env.SM_INIT_SCRIPT)],
      ['parameters', ctx.strMap(a.HyperParameters)],
      ['environment', userEnv.length > 0 ? obj(userEnv.map(([k, x]) => [k, ctx.value(x, 'string')])) : undefined],
      // Instance type, volume and runtime (a notebook job runs on one instance).
      ...ctx.jobResources(resources, a.StoppingCondition).filter(([prop]) => prop !== 'instanceCount'),
      ['outputPath', ctx.str(a.OutputDataConfig?.S3OutputPath)],
      ['encryptInterContainerTraffic', a.EnableInterContainerTrafficEncryption === false ? ctx.value(false, 'any') : undefined],
      ['maxRetryAttempts', ctx.num(a.RetryStrategy?.MaximumRetryAttempts)],
      ['tags', userTags.length > 0 ? obj(userTags.map((t) => [t.Key, ctx.value(t.Value, 'string')])) : undefined],
    ],
  };
}
