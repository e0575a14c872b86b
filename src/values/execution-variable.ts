import { PipelineValue, ValueKind } from './pipeline-value';
import type { EvaluationContext, RenderContext } from './private/context';

/**
 * A variable of the running pipeline execution, rendered as `{"Get": "Execution.<Name>"}`.
 */
export class ExecutionVariable extends PipelineValue {
  /** The ID of the running execution. */
  public static readonly PIPELINE_EXECUTION_ID = new ExecutionVariable('PipelineExecutionId');
  /** The ARN of the running execution. */
  public static readonly PIPELINE_EXECUTION_ARN = new ExecutionVariable('PipelineExecutionArn');
  /** The name of the pipeline. */
  public static readonly PIPELINE_NAME = new ExecutionVariable('PipelineName');
  /** The ARN of the pipeline. */
  public static readonly PIPELINE_ARN = new ExecutionVariable('PipelineArn');
  /** When the execution started. */
  public static readonly START_DATE_TIME = new ExecutionVariable('StartDateTime');
  /** The time at which the variable is evaluated. */
  public static readonly CURRENT_DATE_TIME = new ExecutionVariable('CurrentDateTime');

  /** The variable's name (`PipelineExecutionId`, ...). */
  public readonly name: string;

  private constructor(name: string) {
    super(ValueKind.STRING);
    this.name = name;
  }

  public describe(): string {
    return `Execution.${this.name}`;
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    ctx.noteReference(`Execution.${this.name}`, { kind: ValueKind.STRING, description: `Execution.${this.name} (a string)` });
    return { Get: `Execution.${this.name}` };
  }

  /** @internal */
  public _evaluate(ctx: EvaluationContext): any {
    return ctx.execution(this.name);
  }
}
