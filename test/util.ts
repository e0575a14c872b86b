import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { App, Stack, StackProps, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MlPipeline } from '../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { extractFromTemplate } = require('../scripts/extract-definitions');

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'schemas', 'pipeline-definition.patched.schema.json'), 'utf-8'));
const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(schema);
ajv.addSchema(schema, 'pipeline');

const STEP_DEFINITIONS: Record<string, string> = {
  Processing: 'ProcessingStep',
  Training: 'TrainingStep',
  Model: 'CreateModelStep',
  RegisterModel: 'RegisterModelStep',
  Condition: 'ConditionStep',
  Fail: 'FailStep',
  Transform: 'TransformStep',
  Tuning: 'TuningStep',
  Lambda: 'LambdaStep',
  Callback: 'CallbackStep',
};

/** The schema errors of each step against its own step type's definition (oneOf errors are unreadable). */
function stepErrors(steps: any[]): string[] {
  const out: string[] = [];
  for (const step of steps ?? []) {
    const validate = ajv.getSchema(`pipeline#/definitions/${STEP_DEFINITIONS[step.Type] ?? 'unknown'}`);
    if (validate && !validate(step)) {
      for (const e of validate.errors ?? []) {
        if (!e.schemaPath.includes('oneOf')) {
          out.push(`step ${step.Name}${e.instancePath}: ${e.message} ${JSON.stringify(e.params)}`);
        }
      }
    }
    if (step.Type === 'Condition') {
      out.push(...stepErrors(step.Arguments?.IfSteps), ...stepErrors(step.Arguments?.ElseSteps));
    }
  }
  return out;
}

/** Where tests write the definitions they render, for CI's check of every step's Arguments against the API. */
export const DEFINITIONS_DIR = path.join(__dirname, '__definitions__');

/** A stack in a known environment (so framework image URIs are plain strings). */
export function newStack(props: StackProps = {}): Stack {
  const app = new App();
  return new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'us-east-1' }, ...props });
}

/** Validates a definition against the patched schema; throws with ajv's errors when it does not validate. */
export function expectValidDefinition(definition: any): void {
  if (!validateSchema(definition)) {
    const detail = stepErrors(definition.Steps);
    const errors = detail.length > 0 ? detail.join('\n') : JSON.stringify(validateSchema.errors, null, 2);
    throw new Error(`the definition does not validate against the patched schema:\n${errors}\n${JSON.stringify(definition, null, 2)}`);
  }
}

let counter = 0;

/**
 * The pipeline definitions of a stack's template, as CloudFormation deploys them (intrinsics as placeholders),
 * each validated against the schema and written to test/__definitions__ for CI's API-shape check.
 */
export function definitionsOf(stack: Stack): any[] {
  const template = Template.fromStack(stack).toJSON();
  const out: any[] = [];
  // A definition stored in S3 is read from its upload in the cloud assembly.
  const file = path.join(Stage.of(stack)!.outdir, stack.templateFile);
  for (const entry of extractFromTemplate(file, template)) {
    const { logicalId, definition } = entry;
    if (definition === undefined) {
      throw new Error(`pipeline ${logicalId}: ${entry.note}`);
    }
    expectValidDefinition(definition);
    fs.mkdirSync(DEFINITIONS_DIR, { recursive: true });
    const testName = (expect.getState().currentTestName ?? 'definition').replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80);
    fs.writeFileSync(path.join(DEFINITIONS_DIR, `${testName}-${logicalId}-${process.pid}-${counter++}.json`), JSON.stringify(definition, null, 2));
    out.push(definition);
  }
  return out;
}

/** The one pipeline definition of a stack. */
export function definitionOf(pipeline: MlPipeline): any {
  const defs = definitionsOf(Stack.of(pipeline));
  if (defs.length !== 1) {
    throw new Error(`expected one pipeline in the stack, found ${defs.length}`);
  }
  return defs[0];
}

/** A step of a definition by name, top level or in a condition's branches. */
export function stepOf(definition: any, name: string): any {
  const search = (steps: any[]): any => {
    for (const s of steps ?? []) {
      if (s.Name === name) {
        return s;
      }
      if (s.Type === 'Condition') {
        const found = search(s.Arguments.IfSteps) ?? search(s.Arguments.ElseSteps);
        if (found) {
          return found;
        }
      }
    }
    return undefined;
  };
  const step = search(definition.Steps);
  if (!step) {
    throw new Error(`no step named ${name} in the definition`);
  }
  return step;
}

/**
 * The actions that Allow statements grant on exactly `resource` (a resolved ARN: a string or a CloudFormation
 * intrinsic), under exactly `condition` (none when not given), sorted. It reads statements the way IAM does, so a test
 * does not depend on how aws-cdk-lib groups them (the @aws-cdk/aws-iam:minimizePolicies flag merges statements that
 * share a resource or an action list).
 */
export function actionsOn(statements: any[], resource: any, condition?: any): string[] {
  const key = JSON.stringify(resource);
  const wantCondition = JSON.stringify(condition ?? null);
  const out = new Set<string>();
  for (const st of statements) {
    if (st.Effect !== 'Allow' || JSON.stringify(st.Condition ?? null) !== wantCondition) {
      continue;
    }
    const resources = Array.isArray(st.Resource) ? st.Resource : [st.Resource];
    if (resources.some((r: any) => JSON.stringify(r) === key)) {
      for (const a of Array.isArray(st.Action) ? st.Action : [st.Action]) {
        out.add(a);
      }
    }
  }
  return [...out].sort();
}
