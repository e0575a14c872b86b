import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { asStringArgument, grantJob } from './private/jobs';
import { JobStepOptions, PipelineStep, IPipelineHost, StepProperty, StepType } from './step';
import { BoundTrainingJob, TrainingJobProps, bindTrainingJob, renderTrainingJob, validateTrainingJob } from './training-step';
import { Join } from '../values/join';
import { PipelineValue, ValueKind } from '../values/pipeline-value';
import type { EvaluationContext, RenderContext } from '../values/private/context';

/** Whether the objective metric is maximized or minimized. */
export enum ObjectiveType {
  /** Larger is better (accuracy, AUC). */
  MAXIMIZE = 'Maximize',
  /** Smaller is better (loss, RMSE). */
  MINIMIZE = 'Minimize',
}

/** How the tuning job searches (the strategies the pipeline definition schema admits). */
export enum TuningStrategy {
  /** Bayesian optimization. */
  BAYESIAN = 'Bayesian',
  /** Random search. */
  RANDOM = 'Random',
}

/** How a range is searched. */
export enum ScalingType {
  /** SageMaker chooses. */
  AUTO = 'Auto',
  /** Linear scale. */
  LINEAR = 'Linear',
  /** Logarithmic scale (values > 0). */
  LOGARITHMIC = 'Logarithmic',
  /** Reverse logarithmic scale (values in [0, 1)). */
  REVERSE_LOGARITHMIC = 'ReverseLogarithmic',
}

/** A range of integer or continuous values of a hyperparameter. */
export interface NumericRange {
  /** The hyperparameter. */
  readonly name: string;
  /** The smallest value (a number, or a parameter's `valueAsNumber`). */
  readonly min: number;
  /** The largest value. */
  readonly max: number;
  /**
   * How the range is searched.
   * @default ScalingType.AUTO
   */
  readonly scaling?: ScalingType;
}

/** The values a categorical hyperparameter may take. */
export interface CategoricalRange {
  /** The hyperparameter. */
  readonly name: string;
  /** Its values. */
  readonly values: string[];
}

/** Properties of a `TuningStepConstruct`. */
export interface TuningStepConstructProps extends JobStepOptions, TrainingJobProps {
  /** The metric the tuning job optimizes: a metric the training jobs publish. */
  readonly objectiveMetricName: string;
  /**
   * Whether the metric is maximized or minimized.
   * @default ObjectiveType.MAXIMIZE
   */
  readonly objectiveType?: ObjectiveType;
  /**
   * Integer ranges.
   * @default - none
   */
  readonly integerRanges?: NumericRange[];
  /**
   * Continuous ranges.
   * @default - none
   */
  readonly continuousRanges?: NumericRange[];
  /**
   * Categorical ranges.
   * @default - none
   */
  readonly categoricalRanges?: CategoricalRange[];
  /**
   * The search strategy.
   * @default TuningStrategy.BAYESIAN
   */
  readonly strategy?: TuningStrategy;
  /** The most training jobs the tuning job starts. */
  readonly maxTrainingJobs: number;
  /**
   * The most training jobs that run at once.
   * @default 1
   */
  readonly maxParallelTrainingJobs?: number;
  /**
   * Stop training jobs early when they are unlikely to beat the best so far (`TrainingJobEarlyStoppingType` Auto, or
   * Off when false).
   * @default - not written: SageMaker's default, Off
   */
  readonly earlyStopping?: boolean;
}

/**
 * A step that runs a hyperparameter tuning job: training jobs over ranges of hyperparameters, keeping the best.
 * `hyperparameters` are the static ones; the ranges are searched.
 */
export class TuningStepConstruct extends PipelineStep {
  private readonly props: TuningStepConstructProps;
  private bound?: BoundTrainingJob;

  constructor(scope: Construct, id: string, props: TuningStepConstructProps) {
    super(scope, id, StepType.TUNING, props);
    validateTrainingJob(this, props);
    const where = this.node.path;
    const ranges = [...(props.integerRanges ?? []), ...(props.continuousRanges ?? []), ...(props.categoricalRanges ?? [])];
    if (ranges.length === 0) {
      throw new Error(`${where}: no hyperparameter ranges given; a tuning job searches at least one (integerRanges, continuousRanges or categoricalRanges)`);
    }
    const seen = new Set<string>();
    for (const r of ranges) {
      if (seen.has(r.name)) {
        throw new Error(`${where}: hyperparameter '${r.name}' has two ranges; give one range per hyperparameter`);
      }
      if (props.hyperparameters && r.name in props.hyperparameters) {
        throw new Error(`${where}: hyperparameter '${r.name}' is both static and searched; remove it from hyperparameters or from the ranges`);
      }
      seen.add(r.name);
    }
    for (const r of [...(props.integerRanges ?? []), ...(props.continuousRanges ?? [])]) {
      if (!Token.isUnresolved(r.min) && !Token.isUnresolved(r.max) && r.min > r.max) {
        throw new Error(`${where}: range of '${r.name}' has min ${r.min} above max ${r.max}`);
      }
      // SageMaker's rules for scaling types (Developer Guide, "Define hyperparameter ranges"): logarithmic scaling
      // works only for ranges of values greater than 0; reverse logarithmic only for continuous ranges within 0 <= x < 1.
      if (r.scaling === ScalingType.LOGARITHMIC && !Token.isUnresolved(r.min) && r.min <= 0) {
        throw new Error(`${where}: range of '${r.name}' is searched on a logarithmic scale but its min is ${r.min}; logarithmic scaling `
          + 'takes only values greater than 0: raise min, or use ScalingType.LINEAR');
      }
    }
    for (const r of props.continuousRanges ?? []) {
      const outside = [r.min, r.max].some((v) => !Token.isUnresolved(v) && (v < 0 || v >= 1));
      if (r.scaling === ScalingType.REVERSE_LOGARITHMIC && outside) {
        throw new Error(`${where}: range of '${r.name}' (${r.min} to ${r.max}) is searched on a reverse logarithmic scale, which takes only `
          + 'values from 0 up to (not including) 1: narrow the range, or use another scaling');
      }
    }
    for (const r of props.integerRanges ?? []) {
      if (r.scaling === ScalingType.REVERSE_LOGARITHMIC) {
        throw new Error(`${where}: integer range of '${r.name}' uses reverse logarithmic scaling, which SageMaker allows only for continuous ranges`);
      }
    }
    for (const r of props.integerRanges ?? []) {
      for (const v of [r.min, r.max]) {
        if (!Token.isUnresolved(v) && !Number.isInteger(v)) {
          throw new Error(`${where}: integer range of '${r.name}' has the bound ${v}, which is not an integer; use continuousRanges for fractional values`);
        }
      }
    }
    for (const r of props.categoricalRanges ?? []) {
      if (r.values.length === 0) {
        throw new Error(`${where}: categorical range of '${r.name}' has no values`);
      }
    }
    if (props.maxParallelTrainingJobs !== undefined && props.maxParallelTrainingJobs > props.maxTrainingJobs) {
      throw new Error(`${where}: maxParallelTrainingJobs (${props.maxParallelTrainingJobs}) is above maxTrainingJobs (${props.maxTrainingJobs})`);
    }
    if (!props.metricDefinitions?.some((m) => m.name === props.objectiveMetricName) && props.metricDefinitions !== undefined) {
      throw new Error(`${where}: objective metric '${props.objectiveMetricName}' is not among the metricDefinitions (${props.metricDefinitions.map((m) => m.name).join(', ')}); a custom image must publish it`);
    }
    this.props = props;
  }

  /** The name of the best training job, once the step has run. */
  public get bestTrainingJobName(): string {
    return new StepProperty(this, 'BestTrainingJob.TrainingJobName', ValueKind.STRING).valueAsString;
  }

  /** The ARN of the best training job, once the step has run. */
  public get bestTrainingJobArn(): string {
    return new StepProperty(this, 'BestTrainingJob.TrainingJobArn', ValueKind.STRING).valueAsString;
  }

  /**
   * The objective metric's final value of the best training job, once the step has run, as a number token
   * (`BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value`): for `Condition.number*`.
   */
  public get bestObjectiveValue(): number {
    return new StepProperty(this, 'BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value', ValueKind.FLOAT).valueAsNumber;
  }

  /**
   * The S3 URI of the model of the k-th best training job (0 is the best), once the step has run:
   * `<output path>/<training job name>/output/model.tar.gz`.
   */
  public topModelS3Uri(rank: number = 0): string {
    if (!Number.isInteger(rank) || rank < 0) {
      throw new Error(`${this.node.path}: rank ${rank} is not a non-negative integer`);
    }
    return new TopModelUri(this, this.props.outputPath, rank).valueAsString;
  }

  protected get runsJob(): boolean {
    return true;
  }

  protected bind(pipeline: IPipelineHost): void {
    grantJob(this, pipeline, 'hyper-parameter-tuning-job', 'HyperParameterTuningJob');
    this.bound = bindTrainingJob(this, this.props, pipeline);
  }

  protected renderArguments(): any {
    const props = this.props;
    const job = renderTrainingJob(this, props, this.bound!);
    // A list given empty renders empty (as the SDK writes the kinds of range it has none of); one not given is left out.
    const numeric = (ranges: NumericRange[] | undefined) => (ranges
      ? ranges.map((r) => ({
        Name: r.name,
        MinValue: asStringArgument(r.min),
        MaxValue: asStringArgument(r.max),
        ScalingType: r.scaling ?? ScalingType.AUTO,
      }))
      : undefined);
    return {
      HyperParameterTuningJobConfig: {
        Strategy: props.strategy ?? TuningStrategy.BAYESIAN,
        HyperParameterTuningJobObjective: { Type: props.objectiveType ?? ObjectiveType.MAXIMIZE, MetricName: props.objectiveMetricName },
        ResourceLimits: { MaxNumberOfTrainingJobs: props.maxTrainingJobs, MaxParallelTrainingJobs: props.maxParallelTrainingJobs ?? 1 },
        ParameterRanges: {
          IntegerParameterRanges: numeric(props.integerRanges),
          ContinuousParameterRanges: numeric(props.continuousRanges),
          CategoricalParameterRanges: props.categoricalRanges
            // Script mode: the values are JSON-encoded like the static hyperparameters (the SDK's tuner does the same for
            // framework estimators), so the toolkit decodes every hyperparameter alike.
            ? props.categoricalRanges.map((r) => ({ Name: r.name, Values: this.bound!.code ? r.values.map((v) => JSON.stringify(v)) : r.values }))
            : undefined,
        },
        // Left out unless given: SageMaker's default is Off (CreateHyperParameterTuningJob), and the SDK leaves it out.
        TrainingJobEarlyStoppingType: props.earlyStopping === undefined ? undefined : props.earlyStopping ? 'Auto' : 'Off',
      },
      TrainingJobDefinition: {
        StaticHyperParameters: job.HyperParameters,
        Environment: job.Environment,
        AlgorithmSpecification: job.AlgorithmSpecification,
        RoleArn: job.RoleArn,
        InputDataConfig: job.InputDataConfig,
        OutputDataConfig: job.OutputDataConfig,
        ResourceConfig: job.ResourceConfig,
        StoppingCondition: job.StoppingCondition,
        EnableManagedSpotTraining: job.EnableManagedSpotTraining,
        CheckpointConfig: job.CheckpointConfig,
        VpcConfig: job.VpcConfig,
        EnableNetworkIsolation: job.EnableNetworkIsolation,
        EnableInterContainerTrafficEncryption: job.EnableInterContainerTrafficEncryption,
      },
    };
  }
}

/** The model of the k-th best training job of a tuning step; its output path is known once the step is bound. */
class TopModelUri extends PipelineValue {
  constructor(private readonly step: TuningStepConstruct, private readonly outputPath: string | undefined, private readonly rank: number) {
    super(ValueKind.STRING);
  }

  public describe(): string {
    return `TopModel(${this.step.stepName}, ${this.rank})`;
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    return this.join()._render(ctx);
  }

  /** @internal */
  public _evaluate(ctx: EvaluationContext): any {
    return this.join()._evaluate(ctx);
  }

  private join(): Join {
    const pipeline = this.step.pipeline;
    if (!pipeline && this.outputPath === undefined) {
      throw new Error(`${this.step.node.path}: step '${this.step.stepName}' is not part of a pipeline; add it before synthesizing`);
    }
    const output = this.outputPath ?? pipeline!.defaultOutputUri(this.step.stepName, 'output');
    const job = new StepProperty(this.step, `TrainingJobSummaries[${this.rank}].TrainingJobName`, ValueKind.STRING);
    return Join.of('/', [output, job.valueAsString, 'output/model.tar.gz']);
  }
}
