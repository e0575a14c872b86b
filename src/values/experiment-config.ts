import { Token } from 'aws-cdk-lib';
import { ExecutionVariable } from './execution-variable';
import { PipelineValue, ValueKind, splitString } from './pipeline-value';
import type { EvaluationContext, RenderContext } from './private/context';

/** Properties of a `PipelineExperimentConfig`. */
export interface PipelineExperimentConfigProps {
  /**
   * The SageMaker experiment the executions are tracked in: a literal name or a pipeline value
   * (`Join.of('-', ['churn', ExecutionVariable.PIPELINE_NAME.valueAsString]).valueAsString`).
   * @default - the pipeline's name (`{"Get": "Execution.PipelineName"}`)
   */
  readonly experimentName?: string;
  /**
   * The trial (the run group) an execution's jobs are tracked in.
   * @default - the execution's ID (`{"Get": "Execution.PipelineExecutionId"}`): one run group per execution
   */
  readonly trialName?: string;
}

/** A value of the pipeline's experiment config, read when the execution runs. */
class ExperimentConfigValue extends PipelineValue {
  constructor(private readonly member: string) {
    super(ValueKind.STRING);
  }

  public describe(): string {
    return `PipelineExperimentConfig.${this.member}`;
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    ctx.noteReference(this.describe(), { kind: ValueKind.STRING, description: `${this.describe()} (a string)` });
    return { Get: this.describe() };
  }

  /** @internal */
  public _evaluate(ctx: EvaluationContext): any {
    return ctx.execution(this.describe());
  }
}

/** A literal experiment or trial name, as SageMaker Experiments takes it. */
const EXPERIMENT_ENTITY_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}$/;

/**
 * How the executions of a pipeline are tracked in SageMaker Experiments: the pipeline definition's
 * `PipelineExperimentConfig`. Without one, executions are not tracked as experiment runs. `MlPipeline` uses
 * `PipelineExperimentConfig.of()` (experiment = pipeline name, trial = execution ID, as the SageMaker Python SDK
 * writes by default) unless told otherwise.
 */
export class PipelineExperimentConfig {
  /**
   * The experiment name of the running execution, as a value for step arguments:
   * `{"Get": "PipelineExperimentConfig.ExperimentName"}` (use its `valueAsString`).
   */
  public static readonly EXPERIMENT_NAME: PipelineValue = new ExperimentConfigValue('ExperimentName');
  /** The trial name of the running execution: `{"Get": "PipelineExperimentConfig.TrialName"}`. */
  public static readonly TRIAL_NAME: PipelineValue = new ExperimentConfigValue('TrialName');

  /**
   * Tracks executions in an experiment and trial: by default the pipeline's name and the execution's ID.
   */
  public static of(props: PipelineExperimentConfigProps = {}): PipelineExperimentConfig {
    return new PipelineExperimentConfig(
      checkName('experimentName', props.experimentName) ?? ExecutionVariable.PIPELINE_NAME.valueAsString,
      checkName('trialName', props.trialName) ?? ExecutionVariable.PIPELINE_EXECUTION_ID.valueAsString,
    );
  }

  /**
   * No tracking: the definition's `PipelineExperimentConfig` is `null`, as the SDK writes it with
   * `pipeline_experiment_config=None`.
   */
  public static none(): PipelineExperimentConfig {
    return new PipelineExperimentConfig(undefined, undefined);
  }

  /** The experiment name, if executions are tracked. */
  public readonly experimentName?: string;
  /** The trial name, if executions are tracked. */
  public readonly trialName?: string;

  private constructor(experimentName: string | undefined, trialName: string | undefined) {
    this.experimentName = experimentName;
    this.trialName = trialName;
  }

  /** The definition's `PipelineExperimentConfig` (null when tracking is off). @internal */
  public _render(ctx: RenderContext): any {
    if (this.experimentName === undefined) {
      return null;
    }
    return { ExperimentName: ctx.render(this.experimentName), TrialName: ctx.render(this.trialName) };
  }
}

function checkName(what: string, value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Token.isUnresolved(value)) {
    if (!EXPERIMENT_ENTITY_NAME.test(value)) {
      throw new Error(`PipelineExperimentConfig: ${what} '${value}' is not a name SageMaker Experiments takes; expected 1 to 120 letters, `
        + 'digits and hyphens, starting and ending with a letter or digit');
    }
    return value;
  }
  const parts = splitString(value);
  const v = parts.length === 1 && parts[0] instanceof PipelineValue ? parts[0] : undefined;
  if (v && v.kind !== ValueKind.STRING && v.kind !== ValueKind.ANY) {
    throw new Error(`PipelineExperimentConfig: ${what} is ${v.describe()}, a ${v.kind}; expected a string: a String parameter, a Join or an execution variable`);
  }
  return value;
}
