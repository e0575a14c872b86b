import { PipelineValue } from './pipeline-value';
import type { EvaluationContext, RenderContext } from './private/context';
import { StepFailure } from './private/evaluation';

/**
 * A condition of a `ConditionStepConstruct`.
 *
 * The factories are typed by what they compare, and take plain values: literals (`0.8`, `'Approved'`, `true`)
 * or the tokens of pipeline values (`param.valueAsNumber`, `report.jsonGet('a.b').valueAsNumber`,
 * `step.outputAsString('x')`). The conditions of one step are ANDed; combine them with `Condition.anyOf` and
 * `Condition.negate`.
 *
 * @example
 * Condition.numberGreaterThanOrEqualTo(report.jsonGet('metrics.accuracy.value').valueAsNumber, threshold.valueAsNumber)
 */
export abstract class Condition {
  /** `left == right`, for numbers. */
  public static numberEquals(left: number, right: number): Condition {
    return comparison('numberEquals', 'Equals', ConditionOperands.NUMBER, left, right);
  }

  /** `left > right`, for numbers. */
  public static numberGreaterThan(left: number, right: number): Condition {
    return comparison('numberGreaterThan', 'GreaterThan', ConditionOperands.NUMBER, left, right);
  }

  /** `left >= right`, for numbers. */
  public static numberGreaterThanOrEqualTo(left: number, right: number): Condition {
    return comparison('numberGreaterThanOrEqualTo', 'GreaterThanOrEqualTo', ConditionOperands.NUMBER, left, right);
  }

  /** `left < right`, for numbers. */
  public static numberLessThan(left: number, right: number): Condition {
    return comparison('numberLessThan', 'LessThan', ConditionOperands.NUMBER, left, right);
  }

  /** `left <= right`, for numbers. */
  public static numberLessThanOrEqualTo(left: number, right: number): Condition {
    return comparison('numberLessThanOrEqualTo', 'LessThanOrEqualTo', ConditionOperands.NUMBER, left, right);
  }

  /** `value` is one of `values`, for numbers. */
  public static numberIn(value: number, values: number[]): Condition {
    return membership('numberIn', ConditionOperands.NUMBER, value, values);
  }

  /** `left == right`, for strings. */
  public static stringEquals(left: string, right: string): Condition {
    return comparison('stringEquals', 'Equals', ConditionOperands.STRING, left, right);
  }

  /** `left > right`, for strings (lexicographic: ISO dates and times order correctly). */
  public static stringGreaterThan(left: string, right: string): Condition {
    return comparison('stringGreaterThan', 'GreaterThan', ConditionOperands.STRING, left, right);
  }

  /** `left >= right`, for strings (lexicographic). */
  public static stringGreaterThanOrEqualTo(left: string, right: string): Condition {
    return comparison('stringGreaterThanOrEqualTo', 'GreaterThanOrEqualTo', ConditionOperands.STRING, left, right);
  }

  /** `left < right`, for strings (lexicographic). */
  public static stringLessThan(left: string, right: string): Condition {
    return comparison('stringLessThan', 'LessThan', ConditionOperands.STRING, left, right);
  }

  /** `left <= right`, for strings (lexicographic). */
  public static stringLessThanOrEqualTo(left: string, right: string): Condition {
    return comparison('stringLessThanOrEqualTo', 'LessThanOrEqualTo', ConditionOperands.STRING, left, right);
  }

  /** `value` is one of `values`, for strings. */
  public static stringIn(value: string, values: string[]): Condition {
    return membership('stringIn', ConditionOperands.STRING, value, values);
  }

  /**
   * `value == expected`, for booleans: `value` is the string token of a boolean pipeline value (a Boolean
   * parameter's `valueAsString`, a condition step's `outcome`, a Boolean output of a Lambda or Callback step).
   */
  public static booleanEquals(value: string, expected: boolean): Condition {
    if (typeof expected !== 'boolean') {
      throw new Error(`Condition.booleanEquals: expected is ${describeInput(expected)}; expected true or false`);
    }
    return new ComparisonCondition('Equals', operand('booleanEquals', ConditionOperands.BOOLEAN, value), PipelineValue.fromBoolean(expected), ConditionOperands.BOOLEAN);
  }

  /** The negation of a condition (SageMaker's `Not`). */
  public static negate(condition: Condition): Condition {
    checkCondition('negate', condition);
    return new NotCondition(condition);
  }

  /** True when any of the conditions is true (SageMaker's `Or`). */
  public static anyOf(...conditions: Condition[]): Condition {
    if (conditions.length === 0) {
      throw new Error('Condition.anyOf(): no conditions given; expected at least one');
    }
    conditions.forEach((c) => checkCondition('anyOf', c));
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

/**
 * What a condition compares, as its factory says: the type every operand must have.
 * @internal
 */
export enum ConditionOperands {
  NUMBER = 'number',
  STRING = 'string',
  BOOLEAN = 'boolean',
}

function describeInput(x: any): string {
  if (x instanceof PipelineValue) {
    return `the pipeline value ${x.describe()} (an object)`;
  }
  if (x === undefined || x === null) {
    return String(x);
  }
  return typeof x === 'object' ? `an object (${x.constructor?.name ?? 'Object'})` : `${JSON.stringify(x)} (a ${typeof x})`;
}

/** One operand of a typed factory, checked at run time too (JavaScript callers have no type checker). */
function operand(factory: string, type: ConditionOperands, x: any): PipelineValue {
  if (type === ConditionOperands.NUMBER) {
    if (typeof x !== 'number') {
      throw new Error(`Condition.${factory}: an operand is ${describeInput(x)}; expected a number: a literal, or a pipeline value's `
        + 'valueAsNumber (a parameter, a JsonGet, a step property)');
    }
    return PipelineValue.fromNumber(x);
  }
  if (typeof x !== 'string') {
    throw new Error(`Condition.${factory}: an operand is ${describeInput(x)}; expected a string: a literal, or a pipeline value's `
      + `valueAsString${type === ConditionOperands.BOOLEAN ? ' (a Boolean parameter, a condition step\'s outcome)' : ''}`);
  }
  return PipelineValue.fromString(x);
}

function comparison(factory: string, type: string, operands: ConditionOperands, left: any, right: any): Condition {
  return new ComparisonCondition(type, operand(factory, operands, left), operand(factory, operands, right), operands);
}

function membership(factory: string, operands: ConditionOperands, value: any, values: any[]): Condition {
  const query = operand(factory, operands, value);
  if (!Array.isArray(values)) {
    throw new Error(`Condition.${factory}(${query.describe()}, ...): values is ${describeInput(values)}; expected a list`);
  }
  if (values.length === 0) {
    throw new Error(`Condition.${factory}(${query.describe()}, []): the list of values is empty, so the condition could never be true; give at least one value`);
  }
  return new InCondition(query, values.map((v) => operand(factory, operands, v)), operands);
}

function checkCondition(factory: string, x: any): void {
  if (!(x instanceof Condition)) {
    throw new Error(`Condition.${factory}: ${describeInput(x)} is not a Condition; build one with a Condition factory (Condition.numberGreaterThan, ...)`);
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
  constructor(
    public readonly type: string,
    public readonly left: PipelineValue,
    public readonly right: PipelineValue,
    public readonly operandType: ConditionOperands,
  ) {
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

  constructor(public readonly value: PipelineValue, public readonly values: PipelineValue[], public readonly operandType: ConditionOperands) {
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
