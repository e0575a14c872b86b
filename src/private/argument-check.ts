import * as fs from 'fs';
import * as path from 'path';
import { Token } from 'aws-cdk-lib';
import { PATTERN_WORDS } from './pattern-words';
import { ValueKind } from '../values/pipeline-value';
import type { ReferenceInfo } from '../values/private/context';
import { editDistance } from '../values/private/edit-distance';

export type { ReferenceInfo };

/**
 * Synth-time check of a step's Arguments against the request shape of the SageMaker API call the step makes
 * (data/sagemaker-api-shapes.json: botocore's published model). It reports what SageMaker would refuse only when
 * the pipeline is created or run: a reference of the wrong type ("Cannot assign property reference
 * [Parameters.x] to argument of type [String]"), a value outside an enum (an instance type with a typo), a number
 * outside its range, a string too long or too short.
 */

interface Shape {
  readonly type: string;
  readonly members?: Record<string, string>;
  readonly required?: string[];
  readonly member?: string;
  readonly key?: string;
  readonly value?: string;
  readonly enum?: string[];
  readonly min?: number;
  readonly max?: number;
  /** A Java regular expression that the whole value must match. */
  readonly pattern?: string;
}

const REQUESTS: Record<string, { shape: string; generated: string[] }> = {
  Processing: { shape: 'CreateProcessingJobRequest', generated: ['ProcessingJobName'] },
  QualityCheck: { shape: 'CreateProcessingJobRequest', generated: ['ProcessingJobName'] },
  ClarifyCheck: { shape: 'CreateProcessingJobRequest', generated: ['ProcessingJobName'] },
  Training: { shape: 'CreateTrainingJobRequest', generated: ['TrainingJobName'] },
  Transform: { shape: 'CreateTransformJobRequest', generated: ['TransformJobName'] },
  Model: { shape: 'CreateModelInput', generated: ['ModelName'] },
  RegisterModel: { shape: 'CreateModelPackageInput', generated: ['ModelPackageName'] },
  Tuning: { shape: 'CreateHyperParameterTuningJobRequest', generated: ['HyperParameterTuningJobName'] },
};

const compiledPatterns = new Map<string, RegExp | null>();

/**
 * A shape's pattern as a JavaScript regular expression matching the whole value. The data carries Java regexes:
 * with the `u` flag JavaScript reads their `\p{L}`-style classes, lookarounds and surrogate ranges the same way;
 * `\p{Alnum}` (Java's ASCII letters and digits) is spelled out, and a quantified end anchor (`$` + `{1,128}`, which
 * Java allows and ignores) becomes a plain `$`. A pattern that still does not compile is not applied (null).
 */
export function patternOf(pattern: string): RegExp | null {
  let re = compiledPatterns.get(pattern);
  if (re === undefined) {
    const js = pattern.replace(/\\p\{Alnum\}/g, 'a-zA-Z0-9').replace(/\$\{\d+,\d+\}/g, '$');
    try {
      re = new RegExp(`^(?:${js})$`, 'u');
    } catch {
      re = null;
    }
    compiledPatterns.set(pattern, re);
  }
  return re;
}

let shapes: Record<string, Shape> | undefined;
function loadShapes(): Record<string, Shape> {
  if (!shapes) {
    shapes = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'sagemaker-api-shapes.json'), 'utf-8')).shapes;
  }
  return shapes!;
}

const FUNCTIONS = ['Get', 'Std:Join', 'Std:JsonGet'];
const isObject = (v: any) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isFunction = (v: any) => isObject(v) && Object.keys(v).length === 1 && FUNCTIONS.includes(Object.keys(v)[0]);

/** One problem found in a step's Arguments. */
export interface ArgumentProblem {
  readonly path: string;
  readonly message: string;
}

const EXPECTED: Record<string, { kinds: ValueKind[]; noun: string; api: string }> = {
  string: { kinds: [ValueKind.STRING], noun: 'a string', api: 'String' },
  blob: { kinds: [ValueKind.STRING], noun: 'a string', api: 'String' },
  integer: { kinds: [ValueKind.INTEGER], noun: 'an integer', api: 'Integer' },
  long: { kinds: [ValueKind.INTEGER], noun: 'an integer', api: 'Integer' },
  float: { kinds: [ValueKind.INTEGER, ValueKind.FLOAT], noun: 'a number', api: 'Float' },
  double: { kinds: [ValueKind.INTEGER, ValueKind.FLOAT], noun: 'a number', api: 'Float' },
  boolean: { kinds: [ValueKind.BOOLEAN], noun: 'a boolean', api: 'Boolean' },
};

const FIX: Record<string, string> = {
  string: 'use a String parameter (or wrap the value in a Join to make it a string)',
  blob: 'use a String parameter',
  integer: 'use PipelineParameter.ofInteger',
  long: 'use PipelineParameter.ofInteger',
  float: 'use PipelineParameter.ofFloat or PipelineParameter.ofInteger',
  double: 'use PipelineParameter.ofFloat or PipelineParameter.ofInteger',
  boolean: 'use PipelineParameter.ofBoolean',
};

/**
 * The problems of a step's Arguments; [] when SageMaker would take them (or when the step type is not an API
 * request). `describeReference` tells what a `{"Get": ...}` refers to.
 */
export function checkArguments(stepType: string, args: any, describeReference: (get: string) => ReferenceInfo | undefined): ArgumentProblem[] {
  const request = REQUESTS[stepType];
  if (!request || args === undefined) {
    return [];
  }
  const problems: ArgumentProblem[] = [];
  checkValue(args, request.shape, 'Arguments', problems, describeReference, request.generated);
  return problems;
}

function checkValue(value: any, shapeName: string, at: string, problems: ArgumentProblem[],
  describe: (get: string) => ReferenceInfo | undefined, notRequired: string[] = []): void {
  const shape = loadShapes()[shapeName];
  if (!shape || value === undefined) {
    return;
  }
  const add = (message: string) => problems.push({ path: at, message });
  if (typeof value === 'string' && Token.isUnresolved(value)) {
    return; // a CloudFormation value, known at deploy time
  }
  if (typeof value === 'number' && Token.isUnresolved(value)) {
    return;
  }
  if (isFunction(value)) {
    const expected = EXPECTED[shape.type];
    if (!expected) {
      add(`a pipeline function stands where SageMaker expects ${shape.type === 'list' ? 'a list' : 'an object'} (${shapeName}); a function can stand only for a string, number or boolean`);
      return;
    }
    const fn = Object.keys(value)[0];
    let info: ReferenceInfo | undefined;
    if (fn === 'Get') {
      info = describe(value.Get);
    } else if (fn === 'Std:Join') {
      info = { kind: ValueKind.STRING, description: 'a Join (a string)' };
    }
    if (info && info.kind !== ValueKind.ANY && !expected.kinds.includes(info.kind)) {
      add(`${info.description} stands where SageMaker expects ${expected.noun} (${shapeName}); SageMaker would refuse it `
        + `("Cannot assign property reference [${fn === 'Get' ? value.Get : fn}] to argument of type [${expected.api}]"): ${FIX[shape.type]}`);
      return;
    }
    // A parameter's default and enum values go where the parameter goes: check them as the literals they are.
    for (const literal of info?.literals ?? []) {
      const found: ArgumentProblem[] = [];
      checkValue(literal.value, shapeName, at, found, describe);
      found.forEach((p) => add(`${literal.label}: ${p.message}`));
    }
    return;
  }
  switch (shape.type) {
    case 'structure': {
      if (!isObject(value)) {
        add(`expected an object (${shapeName}), got ${JSON.stringify(value)}`);
        return;
      }
      const members = shape.members ?? {};
      for (const [k, v] of Object.entries(value)) {
        if (!(k in members)) {
          problems.push({ path: `${at}.${k}`, message: `"${k}" is not a member of ${shapeName}` });
          continue;
        }
        checkValue(v, members[k], `${at}.${k}`, problems, describe);
      }
      for (const r of shape.required ?? []) {
        if (!(r in value) && !notRequired.includes(r)) {
          add(`the required member "${r}" of ${shapeName} is missing`);
        }
      }
      return;
    }
    case 'list':
      if (!Array.isArray(value)) {
        add(`expected a list (${shapeName})`);
        return;
      }
      if (shape.min !== undefined && value.length < shape.min) {
        add(`${value.length} item(s) where ${shapeName} needs at least ${shape.min}`);
      }
      if (shape.max !== undefined && value.length > shape.max) {
        add(`${value.length} item(s) where ${shapeName} allows at most ${shape.max}`);
      }
      value.forEach((v, i) => checkValue(v, shape.member!, `${at}[${i}]`, problems, describe));
      return;
    case 'map': {
      if (!isObject(value)) {
        add(`expected a map (${shapeName})`);
        return;
      }
      const keys = Object.keys(value);
      if (shape.max !== undefined && keys.length > shape.max) {
        add(`${keys.length} entries where ${shapeName} allows at most ${shape.max}`);
      }
      for (const k of keys) {
        checkValue(k, shape.key!, `${at}[${JSON.stringify(k)}] (key)`, problems, describe);
        checkValue(value[k], shape.value!, `${at}[${JSON.stringify(k)}]`, problems, describe);
      }
      return;
    }
    case 'string':
    case 'blob':
      if (typeof value !== 'string') {
        add(`expected a string (${shapeName}), got ${JSON.stringify(value)}`);
        return;
      }
      if (shape.enum && !shape.enum.includes(value)) {
        const near = closest(value, shape.enum);
        add(`'${value}' is not a valid ${shapeName}${near ? `; did you mean '${near}'?` : shape.enum.length <= 12 ? `; expected one of: ${shape.enum.join(', ')}` : ''}`);
        return;
      }
      if (shape.min !== undefined && value.length < shape.min) {
        add(`'${value}' is shorter than ${shape.min} characters (${shapeName})`);
      }
      if (shape.max !== undefined && value.length > shape.max) {
        add(`a string of ${value.length} characters is longer than the ${shape.max} that ${shapeName} allows`);
      }
      if (shape.pattern !== undefined && patternOf(shape.pattern)?.test(value) === false) {
        const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
        const form = PATTERN_WORDS[shape.pattern];
        add(`'${shown}' does not match the pattern of ${shapeName}: expected ${form ? `${form.words}, e.g. ${form.example}` : 'the form'} (${shape.pattern})`);
      }
      return;
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      if (typeof value !== 'number' || ((shape.type === 'integer' || shape.type === 'long') && !Number.isInteger(value))) {
        add(`expected ${EXPECTED[shape.type].noun} (${shapeName}), got ${JSON.stringify(value)}`);
        return;
      }
      if (shape.min !== undefined && value < shape.min) {
        add(`${value} is below the minimum ${shape.min} of ${shapeName}`);
      }
      if (shape.max !== undefined && value > shape.max) {
        add(`${value} is above the maximum ${shape.max} of ${shapeName}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') {
        add(`expected a boolean (${shapeName}), got ${JSON.stringify(value)}`);
      }
      return;
    default:
  }
}

/** The candidate nearest to a word, when it is near enough to be a typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 5)) ? best : undefined;
}
