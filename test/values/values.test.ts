import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  Condition, ConditionStepConstruct, ContainerImage, ExecutionVariable, FailStepConstruct, Join, JsonGet, MlPipeline, ParameterType,
  PipelineParameter, PipelineValue, ProcessingStepConstruct, PropertyFile, ValueKind,
} from '../../src';
import { RenderContext } from '../../src/private/render-context';
import { definitionOf, newStack } from '../util';

function render(value: any, stack: Stack = newStack()) {
  const ctx = new RenderContext();
  return { rendered: stack.resolve(ctx.render(value)), ctx };
}

describe('PipelineParameter', () => {
  test('each kind renders its definition and a Get reference', () => {
    const s = PipelineParameter.ofString('InputData', { defaultValue: 's3://b/k', description: 'raw data' });
    const i = PipelineParameter.ofInteger('Count', { defaultValue: 1 });
    const f = PipelineParameter.ofFloat('Threshold', { defaultValue: 0.8 });
    const b = PipelineParameter.ofBoolean('Flag', { defaultValue: true });
    const e = PipelineParameter.ofString('Status', { defaultValue: 'A', enumValues: ['A', 'B'] });
    expect(s._renderDefinition()).toEqual({ Name: 'InputData', Type: 'String', DefaultValue: 's3://b/k', Description: 'raw data' });
    expect(i._renderDefinition()).toEqual({ Name: 'Count', Type: 'Integer', DefaultValue: 1 });
    expect(f._renderDefinition()).toEqual({ Name: 'Threshold', Type: 'Float', DefaultValue: 0.8 });
    expect(b._renderDefinition()).toEqual({ Name: 'Flag', Type: 'Boolean', DefaultValue: true });
    expect(e._renderDefinition()).toEqual({ Name: 'Status', Type: 'String', DefaultValue: 'A', EnumValues: ['A', 'B'] });
    expect([s.type, i.type, f.type, b.type]).toEqual([ParameterType.STRING, ParameterType.INTEGER, ParameterType.FLOAT, ParameterType.BOOLEAN]);
    expect([s.kind, i.kind, f.kind, b.kind]).toEqual([ValueKind.STRING, ValueKind.INTEGER, ValueKind.FLOAT, ValueKind.BOOLEAN]);
    expect(render(s.valueAsString).rendered).toEqual({ Get: 'Parameters.InputData' });
    expect(render(i.valueAsNumber).rendered).toEqual({ Get: 'Parameters.Count' });
    expect(render(f).rendered).toEqual({ Get: 'Parameters.Threshold' });
  });

  test('the deprecated factories (string, integer, float, boolean: reserved words in C#, Go and Java) make the same parameters', () => {
    const pairs: Array<[PipelineParameter, PipelineParameter]> = [
      [PipelineParameter.string('S', { defaultValue: 'a', enumValues: ['a', 'b'] }), PipelineParameter.ofString('S', { defaultValue: 'a', enumValues: ['a', 'b'] })],
      [PipelineParameter.integer('I', { defaultValue: 3 }), PipelineParameter.ofInteger('I', { defaultValue: 3 })],
      [PipelineParameter.float('F', { defaultValue: 0.5 }), PipelineParameter.ofFloat('F', { defaultValue: 0.5 })],
      [PipelineParameter.boolean('B', { defaultValue: true }), PipelineParameter.ofBoolean('B', { defaultValue: true })],
    ];
    for (const [old, renamed] of pairs) {
      expect(old._renderDefinition()).toEqual(renamed._renderDefinition());
      expect(old.sameDefinitionAs(renamed)).toBe(true);
    }
    expect(() => PipelineParameter.integer('N', { defaultValue: 1.5 })).toThrow('use PipelineParameter.ofFloat for fractional values');
  });

  test('a token records the parameter it stands for', () => {
    const p = PipelineParameter.ofString('X');
    const { ctx } = render({ a: [p.valueAsString] });
    expect([...ctx.parameters]).toEqual([p]);
  });

  test('fails when a name breaks the rules', () => {
    expect(() => PipelineParameter.ofString('bad name')).toThrow(/Invalid parameter name 'bad name': expected 1 to 64 characters/);
    expect(() => PipelineParameter.ofString('x'.repeat(65))).toThrow(/Invalid parameter name/);
  });

  test('fails when an integer default is fractional', () => {
    expect(() => PipelineParameter.ofInteger('N', { defaultValue: 1.5 })).toThrow(/default value 1.5 of an Integer parameter is not an integer/);
  });

  test('fails when a default is not one of the enum values', () => {
    expect(() => PipelineParameter.ofString('S', { defaultValue: 'C', enumValues: ['A', 'B'] })).toThrow(/'C' is not one of its enumValues \(A, B\)/);
    expect(() => PipelineParameter.ofString('S', { enumValues: [] })).toThrow(/enumValues is empty/);
  });

  test('a parameter used in a step is part of the pipeline without being listed', () => {
    const stack = newStack();
    const reason = PipelineParameter.ofString('Reason', { defaultValue: 'because' });
    const unused = PipelineParameter.ofInteger('Unused', { defaultValue: 3 });
    const fail = new FailStepConstruct(stack, 'Fail', { errorMessage: reason.valueAsString });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [fail], parameters: [unused] });
    const def = definitionOf(pipeline);
    expect(def.Parameters).toEqual([
      { Name: 'Unused', Type: 'Integer', DefaultValue: 3 },
      { Name: 'Reason', Type: 'String', DefaultValue: 'because' },
    ]);
    expect(def.Steps[0].Arguments).toEqual({ ErrorMessage: { Get: 'Parameters.Reason' } });
  });

  test('fails when two parameters share a name with different definitions', () => {
    const stack = newStack();
    const a = PipelineParameter.ofString('Same', { defaultValue: 'a' });
    const b = PipelineParameter.ofString('Same', { defaultValue: 'b' });
    const fail = new FailStepConstruct(stack, 'Fail', { errorMessage: Join.of(' ', [a.valueAsString, b.valueAsString]).valueAsString });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [fail] });
    expect(() => pipeline.renderDefinition()).toThrow(/parameter 'Same' is defined twice with different definitions/);
  });
});

describe('ExecutionVariable', () => {
  test.each([
    [ExecutionVariable.PIPELINE_EXECUTION_ID, 'PipelineExecutionId'],
    [ExecutionVariable.PIPELINE_EXECUTION_ARN, 'PipelineExecutionArn'],
    [ExecutionVariable.PIPELINE_NAME, 'PipelineName'],
    [ExecutionVariable.PIPELINE_ARN, 'PipelineArn'],
    [ExecutionVariable.START_DATE_TIME, 'StartDateTime'],
    [ExecutionVariable.CURRENT_DATE_TIME, 'CurrentDateTime'],
  ])('%s renders Execution.%s', (variable, name) => {
    expect(render(variable.valueAsString).rendered).toEqual({ Get: `Execution.${name}` });
  });
});

describe('Join', () => {
  test('renders Std:Join with literal and token values', () => {
    const p = PipelineParameter.ofFloat('T', { defaultValue: 0.5 });
    const join = new Join({ on: ' ', values: ['Accuracy below', p.valueAsString] });
    expect(render(join).rendered).toEqual({ 'Std:Join': { On: ' ', Values: ['Accuracy below', { Get: 'Parameters.T' }] } });
  });

  test('keeps CloudFormation tokens for CloudFormation to resolve', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'B');
    const join = Join.of('/', ['s3:/', bucket.bucketName, ExecutionVariable.PIPELINE_EXECUTION_ID.valueAsString]);
    expect(render(join, stack).rendered).toEqual({
      'Std:Join': { On: '/', Values: ['s3:/', { Ref: 'B08E7C7AF' }, { Get: 'Execution.PipelineExecutionId' }] },
    });
  });

  test('fails when given no values', () => {
    expect(() => Join.of('/', [])).toThrow(/Join: values is empty/);
  });
});

describe('tokens in strings', () => {
  test('text mixed with a pipeline token becomes a Join', () => {
    const p = PipelineParameter.ofString('Bucket');
    expect(render(`s3://${p.valueAsString}/data`).rendered).toEqual({
      'Std:Join': { On: '', Values: ['s3://', { Get: 'Parameters.Bucket' }, '/data'] },
    });
  });

  test('PipelineValue.fromString and fromNumber give the value behind a token, or a literal', () => {
    const p = PipelineParameter.ofInteger('N');
    expect(PipelineValue.fromNumber(p.valueAsNumber)).toBe(p);
    expect(PipelineValue.fromString(p.valueAsString)).toBe(p);
    expect(render(PipelineValue.fromNumber(3)).rendered).toBe(3);
    expect(PipelineValue.fromNumber(3).kind).toBe(ValueKind.INTEGER);
    expect(PipelineValue.fromNumber(0.3).kind).toBe(ValueKind.FLOAT);
    expect(render(PipelineValue.fromString('x')).rendered).toBe('x');
    expect(render(PipelineValue.fromBoolean(false)).rendered).toBe(false);
  });

  test('fails when a pipeline value is used outside a pipeline', () => {
    const stack = newStack();
    const p = PipelineParameter.ofString('Name');
    new s3.CfnBucket(stack, 'Bucket', { bucketName: p.valueAsString });
    expect(() => Template.fromStack(stack)).toThrow(/Parameters.Name is a SageMaker pipeline value: it can be used only in the properties of a pipeline step/);
  });
});

describe('PropertyFile and JsonGet', () => {
  test('JsonGet renders the property file reference and the path', () => {
    const stack = newStack();
    const file = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
    new ProcessingStepConstruct(stack, 'Evaluate', {
      image: ContainerImage.fromUri('123.dkr.ecr.us-east-1.amazonaws.com/x:1'),
      outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
      propertyFiles: [file],
    });
    const { rendered, ctx } = render(new JsonGet({ propertyFile: file, path: 'metrics.accuracy.value' }), stack);
    expect(rendered).toEqual({
      'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' }, Path: 'metrics.accuracy.value' },
    });
    expect([...ctx.propertyFiles]).toEqual([file]);
    expect([...ctx.steps].map((s) => s.stepName)).toEqual(['Evaluate']);
    expect(file._renderDefinition()).toEqual({ PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' });
  });

  test.each([
    ['', /it is empty/],
    ['$.a.b', /starts with '\$'/],
    ['a..b', /empty key/],
    ['a.', /ends with a dot/],
    ['a[x]', /neither an index nor a quoted key/],
    ['a[0', /never closed/],
    ['a b', /white space/],
  ])('fails when the path %p is not a JSON path', (path, message) => {
    const file = new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json' });
    expect(() => file.jsonGet(path)).toThrow(message);
  });

  test('accepts indexes and quoted keys', () => {
    const file = new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json' });
    expect(file.jsonGet("a[0]['b c'].d").path).toBe("a[0]['b c'].d");
  });

  test('fails when the file is not attached to a step', () => {
    const file = new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json' });
    expect(() => render(file.jsonGet('a'))).toThrow(/Property file 'R' is not attached to any processing step/);
  });
});

describe('Condition', () => {
  const l = PipelineParameter.ofFloat('L');
  const r = PipelineParameter.ofFloat('R');
  test.each([
    ['numberEquals', 'Equals'],
    ['numberGreaterThan', 'GreaterThan'],
    ['numberGreaterThanOrEqualTo', 'GreaterThanOrEqualTo'],
    ['numberLessThan', 'LessThan'],
    ['numberLessThanOrEqualTo', 'LessThanOrEqualTo'],
  ])('%s renders %s', (factory, type) => {
    const c = (Condition as any)[factory](l.valueAsNumber, r.valueAsNumber) as Condition;
    expect(c.type).toBe(type);
    expect(render(c).rendered).toEqual({ Type: type, LeftValue: { Get: 'Parameters.L' }, RightValue: { Get: 'Parameters.R' } });
  });

  test('in, not and or render their nested forms', () => {
    const s = PipelineParameter.ofString('S');
    const c = Condition.anyOf(
      Condition.stringIn(s.valueAsString, ['a', 'b']),
      Condition.negate(Condition.numberLessThan(l.valueAsNumber, 1)),
    );
    expect(render(c).rendered).toEqual({
      Type: 'Or',
      Conditions: [
        { Type: 'In', QueryValue: { Get: 'Parameters.S' }, Values: ['a', 'b'] },
        { Type: 'Not', Condition: { Type: 'LessThan', LeftValue: { Get: 'Parameters.L' }, RightValue: 1 } },
      ],
    });
    expect(c.describe()).toBe('(Parameters.S in ["a", "b"]) or (not (Parameters.L < 1))');
  });

  test('fails when in has no values or or has no conditions', () => {
    expect(() => Condition.numberIn(l.valueAsNumber, [])).toThrow(/the list of values is empty, so the condition could never be true/);
    expect(() => Condition.anyOf()).toThrow(/no conditions given/);
  });

  test('string factories take plain strings: literals and the tokens of pipeline values', () => {
    const s = PipelineParameter.ofString('S');
    const when = ExecutionVariable.START_DATE_TIME;
    expect(render(Condition.stringEquals(s.valueAsString, 'a')).rendered).toEqual({ Type: 'Equals', LeftValue: { Get: 'Parameters.S' }, RightValue: 'a' });
    expect(render(Condition.stringGreaterThanOrEqualTo(when.valueAsString, '2026-01-01')).rendered)
      .toEqual({ Type: 'GreaterThanOrEqualTo', LeftValue: { Get: 'Execution.StartDateTime' }, RightValue: '2026-01-01' });
    expect(render(Condition.stringLessThan(s.valueAsString, 'm')).rendered.Type).toBe('LessThan');
    expect(render(Condition.stringLessThanOrEqualTo(s.valueAsString, 'm')).rendered.Type).toBe('LessThanOrEqualTo');
    expect(render(Condition.stringGreaterThan(s.valueAsString, 'm')).rendered.Type).toBe('GreaterThan');
    // Text mixed with a token is a Std:Join.
    expect(render(Condition.stringEquals(`run-${s.valueAsString}`, 'run-a')).rendered.LeftValue)
      .toEqual({ 'Std:Join': { On: '', Values: ['run-', { Get: 'Parameters.S' }] } });
  });

  test('booleanEquals compares the token of a boolean value with a boolean literal', () => {
    const b = PipelineParameter.ofBoolean('B', { defaultValue: false });
    expect(render(Condition.booleanEquals(b.valueAsString, true)).rendered).toEqual({ Type: 'Equals', LeftValue: { Get: 'Parameters.B' }, RightValue: true });
  });

  test('fails when an operand is not of the type the factory compares', () => {
    const stack = newStack();
    const a = PipelineParameter.ofString('A');
    const b = PipelineParameter.ofString('B');
    const flag = PipelineParameter.ofBoolean('Flag');
    const check = (c: Condition, id: string) => new ConditionStepConstruct(stack, id, { conditions: [c], elseSteps: [new FailStepConstruct(stack, `${id}F`)] });
    expect(() => check(Condition.numberEquals(a.valueAsNumber, b.valueAsNumber), 'C1'))
      .toThrow("TestStack/C1: condition 'Parameters.A == Parameters.B' compares numbers, but Parameters.A (a String) is not a number: use the Condition factory for its type (Condition.string...)");
    expect(() => check(Condition.stringEquals(flag.valueAsString, flag.valueAsString), 'C2')).toThrow(/Parameters.Flag \(a Boolean\) is not a string: use the Condition factory for its type \(Condition.boolean...\)/);
    expect(() => check(Condition.booleanEquals(a.valueAsString, true), 'C3')).toThrow(/compares Parameters.A \(a String\) with the literal true: values of different types are never equal/);
    // A JsonGet's type is known only at run time: any factory takes it.
    const report = new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json' });
    expect(() => check(Condition.stringEquals(report.jsonGet('a').valueAsString, 'x'), 'C4')).not.toThrow();
  });

  test('fails with a clear message when JavaScript passes a value object, or a value of the wrong type', () => {
    const report = new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json' });
    const c = Condition as any;
    expect(() => c.numberGreaterThan(report.jsonGet('a'), 0.8))
      .toThrow("Condition.numberGreaterThan: an operand is the pipeline value JsonGet(R, a) (an object); expected a number: a literal, or a pipeline value's valueAsNumber (a parameter, a JsonGet, a step property)");
    expect(() => c.stringEquals('a', 1)).toThrow(/Condition.stringEquals: an operand is 1 \(a number\); expected a string/);
    expect(() => c.booleanEquals('x', 'true')).toThrow('Condition.booleanEquals: expected is "true" (a string); expected true or false');
    expect(() => c.stringIn('a', 'a')).toThrow(/Condition.stringIn\("a", ...\): values is "a" \(a string\); expected a list/);
    expect(() => c.negate('x')).toThrow(/Condition.negate: "x" \(a string\) is not a Condition/);
    expect(() => c.anyOf(undefined)).toThrow(/Condition.anyOf: undefined is not a Condition/);
  });
});
