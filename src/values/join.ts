import { PipelineValue, ValueKind, evaluateToString } from './pipeline-value';
import type { EvaluationContext, RenderContext } from './private/context';

/** Properties of a `Join`. */
export interface JoinProps {
  /**
   * The separator put between the values.
   * @default ''
   */
  readonly on?: string;

  /**
   * The values to join: literal strings, or tokens of pipeline values (`param.valueAsString`,
   * `step.outputS3Uri('x')`, `String(param.valueAsNumber)` is not needed: use `valueAsString`).
   */
  readonly values: string[];
}

/**
 * Joins values with a separator when the pipeline runs: `{"Std:Join": {"On": ..., "Values": [...]}}`.
 *
 * @example
 * const reportUri = new Join({ on: '/', values: [evaluate.outputS3Uri('evaluation'), 'evaluation.json'] });
 */
export class Join extends PipelineValue {
  /** Joins values with a separator. */
  public static of(on: string, values: string[]): Join {
    return new Join({ on, values });
  }

  /** The separator. */
  public readonly on: string;
  private readonly values: PipelineValue[];

  constructor(props: JoinProps) {
    super(ValueKind.STRING);
    if (props.values.length === 0) {
      throw new Error('Join: values is empty; expected at least one value to join');
    }
    this.on = props.on ?? '';
    this.values = props.values.map((v) => PipelineValue.fromString(v));
  }

  public describe(): string {
    return `Join(${JSON.stringify(this.on)}, [${this.values.map((v) => v.describe()).join(', ')}])`;
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    return { 'Std:Join': { On: this.on, Values: this.values.map((v) => v._render(ctx)) } };
  }

  /** @internal */
  public _evaluate(ctx: EvaluationContext): any {
    return this.values.map((v) => evaluateToString(v, ctx)).join(this.on);
  }

  /** The joined values. @internal */
  public get _values(): PipelineValue[] {
    return this.values;
  }
}
