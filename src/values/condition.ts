import { PipelineValue } from './pipeline-value';
import type { RenderContext } from '../private/render-context';

/**
 * A condition of a `ConditionStepConstruct`.
 *
 * The conditions of one step are ANDed; combine them with `Condition.or` and `Condition.not`.
 *
 * @example
 * Condition.greaterThanOrEqualTo(report.jsonGet('metrics.accuracy.value'), threshold)
 */
export abstract class Condition {
  /** `left == right` (named `equalTo` because jsii reserves `equals`). */
  public static equalTo(left: PipelineValue, right: PipelineValue): Condition {
    return new ComparisonCondition('Equals', left, right);
  }

  /** `left > right`. */
  public static greaterThan(left: PipelineValue, right: PipelineValue): Condition {
    return new ComparisonCondition('GreaterThan', left, right);
  }

  /** `left >= right`. */
  public static greaterThanOrEqualTo(left: PipelineValue, right: PipelineValue): Condition {
    return new ComparisonCondition('GreaterThanOrEqualTo', left, right);
  }

  /** `left < right`. */
  public static lessThan(left: PipelineValue, right: PipelineValue): Condition {
    return new ComparisonCondition('LessThan', left, right);
  }

  /** `left <= right`. */
  public static lessThanOrEqualTo(left: PipelineValue, right: PipelineValue): Condition {
    return new ComparisonCondition('LessThanOrEqualTo', left, right);
  }

  /** `value` is one of `values`. */
  public static in(value: PipelineValue, values: PipelineValue[]): Condition {
    if (values.length === 0) {
      throw new Error(`Condition.in(${value.describe()}, []): the list of values is empty, so the condition could never be true; give at least one value`);
    }
    return new InCondition(value, values);
  }

  /** The negation of a condition. */
  public static not(condition: Condition): Condition {
    return new NotCondition(condition);
  }

  /** True when any of the conditions is true. */
  public static or(...conditions: Condition[]): Condition {
    if (conditions.length === 0) {
      throw new Error('Condition.or(): no conditions given; expected at least one');
    }
    return new OrCondition(conditions);
  }

  /** The condition's type as the definition names it (`GreaterThanOrEqualTo`, `In`, `Not`, `Or`, ...). */
  public abstract readonly type: string;

  /** A human-readable form of the condition (`JsonGet(EvaluationReport, a.b) >= Parameters.Threshold`). */
  public abstract describe(): string;

  /** The values the condition compares (for graph checks and diagrams). */
  public abstract get operands(): PipelineValue[];

  /** @internal */
  public abstract _render(ctx: RenderContext): any;

  /** The nested conditions, if any. @internal */
  public get _children(): Condition[] {
    return [];
  }
}

const SYMBOL: Record<string, string> = {
  Equals: '==',
  GreaterThan: '>',
  GreaterThanOrEqualTo: '>=',
  LessThan: '<',
  LessThanOrEqualTo: '<=',
};

/** @internal */
export class ComparisonCondition extends Condition {
  constructor(public readonly type: string, public readonly left: PipelineValue, public readonly right: PipelineValue) {
    super();
  }

  public describe(): string {
    return `${this.left.describe()} ${SYMBOL[this.type]} ${this.right.describe()}`;
  }

  public get operands(): PipelineValue[] {
    return [this.left, this.right];
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    return { Type: this.type, LeftValue: this.left._render(ctx), RightValue: this.right._render(ctx) };
  }
}

/** @internal */
export class InCondition extends Condition {
  public readonly type = 'In';

  constructor(public readonly value: PipelineValue, public readonly values: PipelineValue[]) {
    super();
  }

  public describe(): string {
    return `${this.value.describe()} in [${this.values.map((v) => v.describe()).join(', ')}]`;
  }

  public get operands(): PipelineValue[] {
    return [this.value, ...this.values];
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    return { Type: 'In', QueryValue: this.value._render(ctx), Values: this.values.map((v) => v._render(ctx)) };
  }
}

/** @internal */
export class NotCondition extends Condition {
  public readonly type = 'Not';

  constructor(public readonly condition: Condition) {
    super();
  }

  public describe(): string {
    return `not (${this.condition.describe()})`;
  }

  public get operands(): PipelineValue[] {
    return this.condition.operands;
  }

  /** @internal */
  public get _children(): Condition[] {
    return [this.condition];
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    return { Type: 'Not', Condition: this.condition._render(ctx) };
  }
}

/** @internal */
export class OrCondition extends Condition {
  public readonly type = 'Or';

  constructor(public readonly conditions: Condition[]) {
    super();
  }

  public describe(): string {
    return this.conditions.map((c) => `(${c.describe()})`).join(' or ');
  }

  public get operands(): PipelineValue[] {
    return this.conditions.flatMap((c) => c.operands);
  }

  /** @internal */
  public get _children(): Condition[] {
    return this.conditions;
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    return { Type: 'Or', Conditions: this.conditions.map((c) => c._render(ctx)) };
  }
}
