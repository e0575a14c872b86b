import { ComparisonCondition, Condition, ConditionOperands, InCondition } from '../condition';
import { PipelineParameter } from '../parameter';
import { PipelineValue, ValueKind, literalOf } from '../pipeline-value';
import { JsonGet } from '../property-file';

const NUMERIC = [ValueKind.INTEGER, ValueKind.FLOAT];
const ORDERING = ['GreaterThan', 'GreaterThanOrEqualTo', 'LessThan', 'LessThanOrEqualTo'];

function kindName(v: PipelineValue): string {
  const lit = literalOf(v);
  if (lit.isLiteral) {
    return `the literal ${v.describe()}`;
  }
  const where = v instanceof JsonGet ? ' in its sample document' : '';
  return `${v.describe()} (${v.kind === ValueKind.ANY ? 'known at run time' : `a ${v.kind}${where}`})`;
}

/** Whether two kinds can be compared at all (ANY, known only at run time, goes with anything). */
function compatible(a: ValueKind, b: ValueKind): boolean {
  if (a === ValueKind.ANY || b === ValueKind.ANY) {
    return true;
  }
  if (NUMERIC.includes(a) && NUMERIC.includes(b)) {
    return true;
  }
  return a === b;
}

/**
 * What is wrong with a condition that SageMaker would only find out when it runs: operands of kinds that cannot be
 * compared, a condition that can never branch (constant, or a value compared with one its parameter can never
 * take). Returns the problems; [] when there is none.
 */
export function checkCondition(condition: Condition): string[] {
  const problems: string[] = [];
  if (condition instanceof ComparisonCondition) {
    const { left, right, type } = condition;
    if (ORDERING.includes(type)) {
      for (const v of [left, right]) {
        if (v.kind === ValueKind.BOOLEAN) {
          problems.push(`'${condition.describe()}' orders ${kindName(v)}; ${type} compares numbers`);
        }
      }
      if (problems.length === 0 && !compatible(left.kind, right.kind)) {
        problems.push(`'${condition.describe()}' compares ${kindName(left)} with ${kindName(right)}; ${type} compares numbers: `
          + 'use a number literal or a numeric parameter (PipelineParameter.ofFloat/ofInteger) with Condition.number*');
      }
    } else if (!compatible(left.kind, right.kind)) {
      problems.push(`'${condition.describe()}' compares ${kindName(left)} with ${kindName(right)}: values of different types are never equal`);
    }
    if (problems.length === 0) {
      problems.push(...operandTypeProblems(condition.describe(), condition.operandType, [left, right]));
    }
    if (left === right || (literalOf(left).isLiteral && literalOf(right).isLiteral)) {
      problems.push(`'${condition.describe()}' compares constants, so it always takes the same branch: compare a parameter, a step property or a JsonGet`);
    }
    if (type === 'Equals') {
      problems.push(...enumProblems(condition.describe(), left, [right]), ...enumProblems(condition.describe(), right, [left]));
    }
  } else if (condition instanceof InCondition) {
    for (const v of condition.values) {
      if (!compatible(condition.value.kind, v.kind)) {
        problems.push(`'${condition.describe()}' looks for ${kindName(condition.value)} among values that include ${kindName(v)}: values of different types are never equal`);
      }
    }
    if (problems.length === 0) {
      problems.push(...operandTypeProblems(condition.describe(), condition.operandType, [condition.value, ...condition.values]));
    }
    if (literalOf(condition.value).isLiteral && condition.values.every((v) => literalOf(v).isLiteral)) {
      problems.push(`'${condition.describe()}' tests constants, so it always takes the same branch: test a parameter, a step property or a JsonGet`);
    }
    problems.push(...enumProblems(condition.describe(), condition.value, condition.values));
  }
  for (const child of condition._children) {
    problems.push(...checkCondition(child));
  }
  return problems;
}

const KINDS_OF: Record<ConditionOperands, ValueKind[]> = {
  [ConditionOperands.NUMBER]: NUMERIC,
  [ConditionOperands.STRING]: [ValueKind.STRING],
  [ConditionOperands.BOOLEAN]: [ValueKind.BOOLEAN],
};

/** Operands whose type is known and is not what the condition's factory compares (a String parameter in a number condition). */
function operandTypeProblems(description: string, type: ConditionOperands, operands: PipelineValue[]): string[] {
  return operands
    .filter((v) => v.kind !== ValueKind.ANY && !KINDS_OF[type].includes(v.kind))
    .map((v) => `'${description}' compares ${type}s, but ${kindName(v)} is not a ${type}: use the Condition factory for its type `
      + `(Condition.${v.kind === ValueKind.STRING ? 'string' : v.kind === ValueKind.BOOLEAN ? 'boolean' : 'number'}...)`);
}

/** A parameter with enum values compared with literals it can never take. */
function enumProblems(description: string, value: PipelineValue, others: PipelineValue[]): string[] {
  if (!(value instanceof PipelineParameter) || !value.enumValues) {
    return [];
  }
  const literals = others.map((o) => literalOf(o)).filter((l) => l.isLiteral).map((l) => l.value);
  if (literals.length === 0 || literals.length !== others.length) {
    return [];
  }
  if (literals.some((l) => value.enumValues!.includes(l as string))) {
    return [];
  }
  return [`'${description}' can never be true: parameter '${value.name}' takes only ${value.enumValues.join(', ')}`];
}
