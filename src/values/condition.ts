import { PipelineValue } from './pipeline-value';
import { EvaluationContext, StepFailure } from '../private/evaluation';
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

  /**
   * Evaluates the condition during a dry run, recording each operand's expression and value.
   * @internal
   */
  public abstract _evaluate(ctx: EvaluationContext, operands: Array<{ expression: string; value: any }>): boolean;

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

  /** @internal */
  public _evaluate(ctx: EvaluationContext, operands: Array<{ expression: string; value: any }>): boolean {
    const left = this.left._evaluate(ctx);
    const right = this.right._evaluate(ctx);
    operands.push({ expression: this.left.describe(), value: left }, { expression: this.right.describe(), value: right });
    return compareValues(this.type, left, right, this.describe());
  }
}

/**
 * SageMaker's comparison as the dry run models it: numbers compare as numbers; strings with strings (Equals exactly,
 * ordering lexicographically); booleans only for Equals; a number and a numeric string compare as numbers; any other
 * mix is never Equal, and cannot be ordered (the condition step fails).
 */
function compareValues(type: string, a: any, b: any, description: string): boolean {
  const asNumber = (v: any) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)) ? Number(v) : undefined);
  const na = asNumber(a);
  const nb = asNumber(b);
  const bothNumeric = na !== undefined && nb !== undefined && (typeof a === 'number' || typeof b === 'number');
  if (type === 'Equals') {
    if (bothNumeric) {
      return na === nb;
    }
    return typeof a === typeof b && a === b;
  }
  let x: any; let y: any;
  if (bothNumeric) {
    x = na; y = nb;
  } else if (typeof a === 'string' && typeof b === 'string') {
    x = a; y = b;
  } else {
    throw new StepFailure(`cannot order ${JSON.stringify(a)} and ${JSON.stringify(b)} in '${description}'`);
  }
  switch (type) {
    case 'GreaterThan': return x > y;
    case 'GreaterThanOrEqualTo': return x >= y;
    case 'LessThan': return x < y;
    default: return x <= y;
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

  /** @internal */
  public _evaluate(ctx: EvaluationContext, operands: Array<{ expression: string; value: any }>): boolean {
    const query = this.value._evaluate(ctx);
    operands.push({ expression: this.value.describe(), value: query });
    let found = false;
    for (const v of this.values) {
      const value = v._evaluate(ctx);
      operands.push({ expression: v.describe(), value });
      found = found || compareValues('Equals', query, value, this.describe());
    }
    return found;
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

  /** @internal */
  public _evaluate(ctx: EvaluationContext, operands: Array<{ expression: string; value: any }>): boolean {
    return !this.condition._evaluate(ctx, operands);
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

  /** @internal */
  public _evaluate(ctx: EvaluationContext, operands: Array<{ expression: string; value: any }>): boolean {
    // Every member is evaluated (so every operand is reported); the result is their disjunction.
    return this.conditions.map((c) => c._evaluate(ctx, operands)).some((r) => r);
  }
}
