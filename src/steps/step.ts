import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct, IDependable } from 'constructs';
import { resolvePropertyPath } from '../shared/property-path';
import { PipelineValue, ValueKind } from '../values/pipeline-value';
import type { EvaluationContext, RenderContext } from '../values/private/context';

/**
 * The step types of a SageMaker pipeline definition.
 */
export enum StepType {
  /** A processing job. */
  PROCESSING = 'Processing',
  /** A training job. */
  TRAINING = 'Training',
  /** A SageMaker model. */
  MODEL = 'Model',
  /** A model package in a model package group. */
  REGISTER_MODEL = 'RegisterModel',
  /** A condition with if and else branches. */
  CONDITION = 'Condition',
  /** A step that stops the execution as Failed. */
  FAIL = 'Fail',
  /** A batch transform job. */
  TRANSFORM = 'Transform',
  /** A hyperparameter tuning job. */
  TUNING = 'Tuning',
  /** A Lambda function invocation. */
  LAMBDA = 'Lambda',
  /** A message to an SQS queue, answered by a callback. */
  CALLBACK = 'Callback',
  /** A data or model quality check (Model Monitor's analyzer). */
  QUALITY_CHECK = 'QualityCheck',
  /** A bias or explainability check (SageMaker Clarify). */
  CLARIFY_CHECK = 'ClarifyCheck',
  /** A step of an Amazon EMR cluster. */
  EMR = 'EMR',
  /** A SageMaker Autopilot (AutoML) job. */
  AUTO_ML = 'AutoML',
}

/**
 * Exception types that a retry policy retries.
 */
export enum RetryExceptionType {
  /** The step failed with a service fault. */
  STEP_SERVICE_FAULT = 'Step.SERVICE_FAULT',
  /** The step was throttled. */
  STEP_THROTTLING = 'Step.THROTTLING',
  /** The SageMaker job failed with an internal error (job steps only). */
  SAGEMAKER_JOB_INTERNAL_ERROR = 'SageMaker.JOB_INTERNAL_ERROR',
  /** SageMaker had no capacity for the job (job steps only). */
  SAGEMAKER_CAPACITY_ERROR = 'SageMaker.CAPACITY_ERROR',
  /** A SageMaker resource limit was hit (job steps only). */
  SAGEMAKER_RESOURCE_LIMIT = 'SageMaker.RESOURCE_LIMIT',
}

/**
 * How a step is retried when it fails with one of the given exception types.
 */
export interface RetryPolicy {
  /** The exception types to retry. */
  readonly exceptionTypes: RetryExceptionType[];
  /**
   * How long to wait before the first retry.
   * @default Duration.seconds(1)
   */
  readonly interval?: Duration;
  /**
   * The multiplier of the interval between retries.
   * @default 2
   */
  readonly backoffRate?: number;
  /**
   * The number of attempts at most (1 to 20). Give this or `expireAfter`, not both.
   * @default 5 when `expireAfter` is not given
   */
  readonly maxAttempts?: number;
  /**
   * How long retries may go on (at most 14400 minutes). Give this or `maxAttempts`, not both.
   * @default - limited by maxAttempts
   */
  readonly expireAfter?: Duration;
}

/**
 * Step caching: a step whose arguments did not change reuses a previous successful run.
 */
export interface CacheConfig {
  /**
   * Whether caching is on.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * How long a cached run can be reused.
   * @default - SageMaker's default (no expiry)
   */
  readonly expireAfter?: Duration;
}

/**
 * Options every step has.
 */
export interface StepOptions {
  /**
   * The step's name in the definition (1 to 64 of A-Z, a-z, 0-9, '-', '_'), unique in the pipeline.
   * @default - the construct id
   */
  readonly stepName?: string;
  /**
   * The name shown in SageMaker Studio.
   * @default - the step name
   */
  readonly displayName?: string;
  /**
   * A description of the step.
   * @default - none
   */
  readonly description?: string;
  /**
   * Steps that must finish before this one starts, besides those whose properties this step uses (which are
   * dependencies without being listed).
   * @default - only the data dependencies
   */
  readonly dependsOn?: PipelineStep[];
}

/**
 * Options of the steps that can be retried (jobs, models, model registration).
 */
export interface RetryableStepOptions extends StepOptions {
  /**
   * Retry policies.
   * @default - no retry
   */
  readonly retryPolicies?: RetryPolicy[];
}

/**
 * Options of the steps that run SageMaker jobs (cacheable and retryable).
 */
export interface JobStepOptions extends RetryableStepOptions {
  /**
   * Step caching.
   * @default - no caching
   */
  readonly cacheConfig?: CacheConfig;
}

const STEP_NAME = /^[A-Za-z0-9\-_]{1,64}$/;

/**
 * What a step needs of the pipeline it joins. `MlPipeline` implements it; a step never sees more of the pipeline.
 *
 * The pipeline is the grantee of the step's permissions (`grantPrincipal` is the pipeline's role, through a
 * recorder that remembers every statement, so the pipeline can list them and report those a role it cannot
 * change did not take).
 */
export interface IPipelineHost extends IConstruct, iam.IGrantable {
  /** The role the pipeline runs as, and passes to the jobs it creates. */
  readonly role: iam.IRole;

  /** The bucket of the pipeline's artifacts: step outputs, and the code its steps upload. */
  readonly artifactBucket: s3.IBucket;

  /**
   * Where a step's output goes when the step is not told: a string token of a location under the pipeline's
   * artifact bucket that is unique per execution (`s3://<bucket>/<pipeline>/<execution id>/<step>/<output>`).
   */
  defaultOutputUri(stepName: string, outputName: string): string;

  /**
   * Makes the pipeline's CloudFormation resource wait for a construct of a step at deploy time (code the step
   * uploads), so that no execution can start before it is in place.
   */
  addResourceDependency(dependency: IDependable): void;
}

/**
 * Where a step renders itself: a value render context that can also render the steps nested in a step (a
 * condition's branches). Implemented by the engine that renders the pipeline.
 */
export interface StepRenderContext extends RenderContext {
  /** The definition of a step nested in the one being rendered. */
  renderNested(step: PipelineStep): any;
}

/**
 * A step of a SageMaker pipeline. Each kind of step is a construct of its own (`ProcessingStepConstruct`, ...).
 */
export abstract class PipelineStep extends Construct {
  /** Whether a construct is a pipeline step. */
  public static isPipelineStep(x: any): x is PipelineStep {
    return x !== null && typeof x === 'object' && STEP_SYMBOL in x;
  }

  /** The step's name in the definition. */
  public readonly stepName: string;
  /** The step's type. */
  public readonly stepType: StepType;
  /** The name shown in SageMaker Studio, if set. */
  public readonly displayName?: string;
  /** The step's description, if set. */
  public readonly description?: string;

  private readonly explicitDependencies: PipelineStep[] = [];
  private readonly retryPolicies: RetryPolicy[];
  private readonly cacheConfig?: CacheConfig;
  private boundPipeline?: IPipelineHost;
  private nestedIn?: PipelineStep;
  private readonly overrides: Array<{ path: string[]; value: any; remove: boolean }> = [];

  protected constructor(scope: Construct, id: string, type: StepType, options: JobStepOptions) {
    super(scope, id);
    Object.defineProperty(this, STEP_SYMBOL, { value: true });
    this.stepType = type;
    this.stepName = options.stepName ?? id;
    if (!Token.isUnresolved(this.stepName) && !STEP_NAME.test(this.stepName)) {
      throw new Error(`${this.node.path}: invalid step name '${this.stepName}': expected 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_' (set stepName to a valid name)`);
    }
    if (options.displayName !== undefined && options.displayName.length > 256) {
      throw new Error(`${this.node.path}: displayName is ${options.displayName.length} characters long; at most 256 are allowed`);
    }
    if (options.description !== undefined && !Token.isUnresolved(options.description) && options.description.length > 3072) {
      throw new Error(`${this.node.path}: description is ${options.description.length} characters long; SageMaker takes at most 3072`);
    }
    const expireAfter = options.cacheConfig?.expireAfter;
    if (expireAfter !== undefined && !expireAfter.isUnresolved() && expireAfter.toMilliseconds() <= 0) {
      throw new Error(`${this.node.path}: cacheConfig.expireAfter is ${expireAfter.toHumanString()}, so a cached run could never be reused; `
        + 'give a positive duration, or leave it out for no expiry');
    }
    this.displayName = options.displayName;
    this.description = options.description;
    this.retryPolicies = options.retryPolicies ?? [];
    this.cacheConfig = options.cacheConfig;
    for (const policy of this.retryPolicies) {
      this.validateRetryPolicy(policy);
    }
    if (options.dependsOn) {
      this.addDependency(...options.dependsOn);
    }
    this.node.addValidation({
      validate: () => {
        if (!this.boundPipeline && !this.nestedIn) {
          Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:step-not-in-pipeline',
            `step '${this.stepName}' is not part of any pipeline, so it never runs: add it to an MlPipeline (steps, or addStep), `
            + 'or to the branch of a condition step');
        }
        return [];
      },
    });
  }

  /**
   * The escape hatch: sets a field of the step's definition that the construct does not model, or replaces one it
   * renders, as aws-cdk-lib's `addOverride` does for a CloudFormation resource. `path` names the field from the step's
   * top level, its parts joined by '.', a list element by its index: `Arguments.ProcessingResources.ClusterConfig.VolumeSizeInGB`,
   * `Arguments.AppSpecification.ContainerArguments.0`. The value is written as given (pipeline values render as `Get`).
   * The pipeline still checks the step's `Arguments` against the API's request shapes; no permission is derived
   * from an override.
   */
  public addOverride(path: string, value: any): void {
    this.overrides.push({ path: this.overridePath(path), value, remove: false });
  }

  /** Removes a field from the step's definition (see `addOverride`). */
  public addDeletionOverride(path: string): void {
    this.overrides.push({ path: this.overridePath(path), value: undefined, remove: true });
  }

  /**
   * Makes this step wait for other steps, besides those whose properties it uses.
   */
  public addDependency(...steps: PipelineStep[]): void {
    for (const step of steps) {
      if (step === this) {
        throw new Error(`${this.node.path}: a step cannot depend on itself`);
      }
      if (!this.explicitDependencies.includes(step)) {
        this.explicitDependencies.push(step);
      }
    }
  }

  /**
   * Marks the step as nested in another one (a condition's branch): the pipeline it joins is that step's.
   * @internal
   */
  public _nestIn(parent: PipelineStep): void {
    this.nestedIn = parent;
  }

  /** The steps this step was told to wait for. */
  public get dependencies(): PipelineStep[] {
    return [...this.explicitDependencies];
  }

  /** The pipeline this step is part of, once added to one. */
  public get pipeline(): IPipelineHost | undefined {
    return this.boundPipeline;
  }

  /**
   * A property of the step's result, by its path in the SageMaker API's describe response
   * (`ModelArtifacts.S3ModelArtifacts`), as a string token: `{"Get": "Steps.<Name>.<path>"}`.
   * The path is checked against the API's response shapes (a typo is an error, with the nearest names).
   * Prefer the typed accessors of each step kind.
   */
  public propertyAsString(path: string): string {
    return this.checkedProperty(path, 'propertyAsString').valueAsString;
  }

  /**
   * A property of the step's result as a number token (see `propertyAsString`); the property must be a number.
   */
  public propertyAsNumber(path: string): number {
    return this.checkedProperty(path, 'propertyAsNumber').valueAsNumber;
  }

  /**
   * Binds the step to a pipeline: done by `MlPipeline` when the step is added.
   * @internal
   */
  public _bind(pipeline: IPipelineHost): void {
    if (this.boundPipeline === pipeline) {
      return;
    }
    if (this.boundPipeline) {
      throw new Error(`${this.node.path}: step '${this.stepName}' is already part of pipeline ${this.boundPipeline.node.path}; a step belongs to one pipeline: create another step for ${pipeline.node.path}`);
    }
    this.boundPipeline = pipeline;
    this.bind(pipeline);
  }

  /**
   * Renders the step for the pipeline definition.
   * @internal
   */
  public _renderStep(ctx: StepRenderContext): any {
    const args = ctx.render(this.renderArguments());
    const step: Record<string, any> = {
      Name: this.stepName,
      Type: this.stepType,
    };
    if (this.explicitDependencies.length > 0) {
      step.DependsOn = this.explicitDependencies.map((s) => s.stepName);
    }
    if (this.displayName !== undefined) {
      step.DisplayName = this.displayName;
    }
    if (this.description !== undefined) {
      step.Description = this.description;
    }
    if (this.cacheConfig) {
      step.CacheConfig = {
        Enabled: this.cacheConfig.enabled ?? true,
        ...(this.cacheConfig.expireAfter ? { ExpireAfter: this.cacheConfig.expireAfter.toIsoString() } : {}),
      };
    }
    if (this.retryPolicies.length > 0) {
      step.RetryPolicies = this.retryPolicies.map(renderRetryPolicy);
    }
    step.Arguments = args;
    const extra = this.renderExtraFields();
    Object.assign(step, ctx.render(extra));
    // A field the SDK writes as null when unset (the check steps' baselines) stays in the definition as null.
    for (const [key, value] of Object.entries(extra)) {
      if (value === null) {
        step[key] = null;
      }
    }
    for (const o of this.overrides) {
      applyOverride(step, o.path, o.remove ? undefined : ctx.render(o.value), o.remove);
    }
    return step;
  }

  /**
   * The steps nested in this one (the branches of a condition).
   * @internal
   */
  public _nestedSteps(): PipelineStep[][] {
    return [];
  }

  /** The step's `Arguments`. */
  protected abstract renderArguments(): any;

  /** Step-level fields other than the common ones (`PropertyFiles`, ...). */
  protected renderExtraFields(): Record<string, any> {
    return {};
  }

  /**
   * Grants the pipeline's role what the step needs (job creation, data access, image pull, ...): grant to
   * `pipeline` itself (it is the grantee), and read what else the step needs of it (its role, default output
   * locations).
   */
  protected bind(_pipeline: IPipelineHost): void {
    // nothing by default
  }

  /** Whether the step runs a SageMaker job (and so may retry SageMaker.* exceptions). */
  protected get runsJob(): boolean {
    return false;
  }

  private overridePath(path: string): string[] {
    const parts = path.split('.');
    if (path.length === 0 || parts.some((p) => p.length === 0)) {
      throw new Error(`${this.node.path}: override path '${path}' is not a path; expected field names joined by '.', such as Arguments.ProcessingResources.ClusterConfig.VolumeSizeInGB`);
    }
    if (['Name', 'Type'].includes(parts[0])) {
      throw new Error(`${this.node.path}: override path '${path}' changes the step's ${parts[0]}; set stepName, or use another step construct`);
    }
    return parts;
  }

  private checkedProperty(path: string, accessor: string): StepProperty {
    const resolved = resolvePropertyPath(this.stepType, path);
    const where = `${this.node.path}: ${accessor}('${path}')`;
    if (resolved.problem) {
      throw new Error(`${where}: a ${this.stepType} step has no such property: ${resolved.problem}`);
    }
    if (resolved.container) {
      throw new Error(`${where}: the property is a ${resolved.container}, not a single value: continue the path to a member`);
    }
    const kind = resolved.kind!;
    if (accessor === 'propertyAsNumber' && (kind === ValueKind.STRING || kind === ValueKind.BOOLEAN)) {
      throw new Error(`${where}: the property is a ${kind}, not a number: use propertyAsString`);
    }
    return new StepProperty(this, path, kind);
  }

  private validateRetryPolicy(policy: RetryPolicy): void {
    if (policy.exceptionTypes.length === 0) {
      throw new Error(`${this.node.path}: a retry policy has no exceptionTypes; expected at least one`);
    }
    const sageMakerTypes = policy.exceptionTypes.filter((t) => t.startsWith('SageMaker.'));
    if (sageMakerTypes.length > 0 && !this.runsJob) {
      throw new Error(`${this.node.path}: retry exception types ${sageMakerTypes.join(', ')} apply only to steps that run SageMaker jobs (Processing, Training, Transform, Tuning); a ${this.stepType} step can retry Step.SERVICE_FAULT and Step.THROTTLING`);
    }
    if (policy.maxAttempts !== undefined && policy.expireAfter !== undefined) {
      throw new Error(`${this.node.path}: a retry policy has both maxAttempts and expireAfter; give one of them`);
    }
    const attempts = policy.maxAttempts;
    if (attempts !== undefined && !Token.isUnresolved(attempts) && (!Number.isInteger(attempts) || attempts < 1 || attempts > 20)) {
      throw new Error(`${this.node.path}: retry maxAttempts is ${policy.maxAttempts}; expected an integer from 1 to 20`);
    }
    if (policy.expireAfter !== undefined && (policy.expireAfter.toMinutes() < 1 || policy.expireAfter.toMinutes() > 14400)) {
      throw new Error(`${this.node.path}: retry expireAfter is ${policy.expireAfter.toHumanString()}; expected from 1 minute to 14400 minutes (10 days)`);
    }
    if (policy.backoffRate !== undefined && policy.backoffRate < 1) {
      throw new Error(`${this.node.path}: retry backoffRate is ${policy.backoffRate}; expected a number >= 1`);
    }
  }
}

const STEP_SYMBOL = Symbol.for('cdk-sagemaker-pipelines.PipelineStep');

function renderRetryPolicy(policy: RetryPolicy): any {
  return {
    ExceptionType: policy.exceptionTypes,
    IntervalSeconds: (policy.interval ?? Duration.seconds(1)).toSeconds(),
    BackoffRate: policy.backoffRate ?? 2,
    ...(policy.expireAfter ? { ExpireAfterMin: policy.expireAfter.toMinutes() } : { MaxAttempts: policy.maxAttempts ?? 5 }),
  };
}

/**
 * A property of a step's result: `{"Get": "Steps.<Name>.<path>"}`.
 */
export class StepProperty extends PipelineValue {
  constructor(public readonly step: PipelineStep, public readonly path: string, kind: ValueKind) {
    super(kind);
  }

  public describe(): string {
    return `Steps.${this.step.stepName}.${this.path}`;
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    ctx.useStep(this.step);
    const get = `Steps.${this.step.stepName}.${this.path}`;
    ctx.noteReference(get, { kind: this.kind, description: `${get} (${this.kind === ValueKind.ANY ? 'a property' : `a ${this.kind} property`})` });
    return { Get: get };
  }

  /** @internal */
  public _evaluate(ctx: EvaluationContext): any {
    return ctx.stepProperty(this.step, this.path);
  }
}

/** Sets (or removes) the value at a path of a rendered step, creating objects on the way (lists by index). */
function applyOverride(root: any, path: string[], value: any, remove: boolean): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') {
      if (remove) {
        return;
      }
      node[key] = /^\d+$/.test(path[i + 1]) ? [] : {};
    }
    node = node[key];
  }
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(node) && /^\d+$/.test(last)) {
      node.splice(Number(last), 1);
    } else {
      delete node[last];
    }
  } else {
    node[last] = value;
  }
}
