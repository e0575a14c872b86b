import { App, Stack } from 'aws-cdk-lib';
import { SeedPipelineStack } from '../examples/seed-pipeline/seed-pipeline-stack';
import {
  Condition, ConditionStepConstruct, ContainerImage, CreateModelStepConstruct, FailStepConstruct, Join, MlPipeline, PipelineParameter,
  ProcessingStepConstruct, PropertyFile, TrainingStepConstruct,
} from '../src';
import { newStack } from './util';

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1');
const report = (accuracy: any) => ({ binary_classification_metrics: { accuracy: { value: accuracy } } });

describe('dry run of the seed pipeline', () => {
  let stack: SeedPipelineStack;
  beforeAll(() => {
    stack = new SeedPipelineStack(new App(), 'Seed', { env: { account: '123456789012', region: 'us-east-1' } });
  });

  test('accuracy 0.73 < 0.8: the else-branch fails the execution with the message', () => {
    const result = stack.pipeline.dryRun({ propertyFiles: { EvaluationReport: report(0.73) } });
    expect(result.status).toBe('Failed');
    expect(result.executedSteps).toEqual(['Preprocess', 'DataQualityBaseline', 'Train', 'Evaluate', 'CreateModel', 'CheckAccuracy', 'AccuracyTooLow']);
    expect(result.skippedSteps).toEqual(['RegisterModel']);
    expect(result.failedStep).toBe('AccuracyTooLow');
    expect(result.failureReason).toBe('Accuracy below 0.8');
    expect(result.conditionSteps).toEqual([{
      stepName: 'CheckAccuracy',
      outcome: false,
      branch: 'else',
      conditions: [{
        description: 'JsonGet(EvaluationReport, binary_classification_metrics.accuracy.value) >= Parameters.AccuracyThreshold',
        result: false,
        operands: [
          { expression: 'JsonGet(EvaluationReport, binary_classification_metrics.accuracy.value)', value: 0.73 },
          { expression: 'Parameters.AccuracyThreshold', value: 0.8 },
        ],
      }],
    }]);
    expect(result.parameterValues).toMatchObject({ AccuracyThreshold: 0.8, ProcessingInstanceCount: 1, ModelApprovalStatus: 'PendingManualApproval' });
  });

  test('accuracy 0.91 >= 0.8: the model is registered and the execution succeeds', () => {
    const result = stack.pipeline.dryRun({ propertyFiles: { EvaluationReport: report(0.91) } });
    expect(result.status).toBe('Succeeded');
    expect(result.executedSteps).toEqual(['Preprocess', 'DataQualityBaseline', 'Train', 'Evaluate', 'CreateModel', 'CheckAccuracy', 'RegisterModel']);
    expect(result.skippedSteps).toEqual(['AccuracyTooLow']);
    expect(result.conditionSteps[0].branch).toBe('if');
    expect(result.failureReason).toBeUndefined();
  });

  test('a parameter value overrides the default (exactly at the threshold passes >=)', () => {
    const result = stack.pipeline.dryRun({ parameters: { AccuracyThreshold: 0.91 }, propertyFiles: { EvaluationReport: report(0.91) } });
    expect(result.conditionSteps[0]).toMatchObject({ outcome: true, branch: 'if' });
    const stricter = stack.pipeline.dryRun({ parameters: { AccuracyThreshold: 0.95 }, propertyFiles: { EvaluationReport: report(0.91) } });
    expect(stricter.failureReason).toBe('Accuracy below 0.95');
  });

  test('a JsonGet path missing from the report fails the condition step, as SageMaker would', () => {
    const result = stack.pipeline.dryRun({ propertyFiles: { EvaluationReport: { metrics: { accuracy: 0.9 } } } });
    expect(result.status).toBe('Failed');
    expect(result.failedStep).toBe('CheckAccuracy');
    expect(result.failureReason).toBe("JsonGet: path 'binary_classification_metrics.accuracy.value' is not in property file 'EvaluationReport' "
      + '(binary_classification_metrics does not exist; there: metrics)');
    expect(result.notStartedSteps.sort()).toEqual(['AccuracyTooLow', 'RegisterModel']);
  });

  test('fails on bad input: unknown parameter, wrong type, value outside the enum, missing document, unknown file', () => {
    const p = stack.pipeline;
    const doc = { EvaluationReport: report(0.9) };
    expect(() => p.dryRun({ parameters: { Threshold: 1 }, propertyFiles: doc })).toThrow(/dry run: the pipeline has no parameter 'Threshold'; its parameters are: ProcessingInstanceType, /);
    expect(() => p.dryRun({ parameters: { ProcessingInstanceCount: 1.5 }, propertyFiles: doc })).toThrow(/parameter 'ProcessingInstanceCount' is Integer but is given 1.5/);
    expect(() => p.dryRun({ parameters: { ModelApprovalStatus: 'Maybe' }, propertyFiles: doc })).toThrow(/parameter 'ModelApprovalStatus' takes only PendingManualApproval, Approved, Rejected/);
    expect(() => p.dryRun()).toThrow(/property file 'EvaluationReport' is read \(path 'binary_classification_metrics.accuracy.value'\); give its document in propertyFiles.EvaluationReport/);
    expect(() => p.dryRun({ propertyFiles: { Evaluation: {} } })).toThrow(/no step reads a property file named 'Evaluation'; the pipeline reads: EvaluationReport/);
  });
});

describe('dry run semantics', () => {
  function pipelineWith(stack: Stack, conditions: Condition[], extra: { report?: PropertyFile; evaluate?: ProcessingStepConstruct } = {}) {
    const ifStep = new FailStepConstruct(stack, 'IfFail', { errorMessage: 'if' });
    const elseStep = new FailStepConstruct(stack, 'ElseFail', { errorMessage: 'else' });
    const check = new ConditionStepConstruct(stack, 'Check', { conditions, ifSteps: [ifStep], elseSteps: [elseStep] });
    return new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [...(extra.evaluate ? [extra.evaluate] : []), check] });
  }
  const branch = (conditions: (p: Record<string, PipelineParameter>) => Condition[], parameters: Record<string, any> = {}) => {
    const stack = newStack();
    const params = {
      i: PipelineParameter.ofInteger('I', { defaultValue: 5 }),
      f: PipelineParameter.ofFloat('F', { defaultValue: 0.5 }),
      s: PipelineParameter.ofString('S', { defaultValue: 'abc' }),
      b: PipelineParameter.ofBoolean('B', { defaultValue: true }),
    };
    return pipelineWith(stack, conditions(params)).dryRun({ parameters }).conditionSteps[0].branch;
  };

  test.each([
    ['equalTo (number)', (p: any) => [Condition.numberEquals(p.i.valueAsNumber, 5)], 'if'],
    ['equalTo (string)', (p: any) => [Condition.stringEquals(p.s.valueAsString, 'abd')], 'else'],
    ['equalTo (boolean)', (p: any) => [Condition.booleanEquals(p.b.valueAsString, true)], 'if'],
    ['equalTo integer and float', (p: any) => [Condition.numberEquals(p.i.valueAsNumber, 5.0)], 'if'],
    ['greaterThan', (p: any) => [Condition.numberGreaterThan(p.i.valueAsNumber, 5)], 'else'],
    ['greaterThanOrEqualTo', (p: any) => [Condition.numberGreaterThanOrEqualTo(p.i.valueAsNumber, 5)], 'if'],
    ['lessThan', (p: any) => [Condition.numberLessThan(p.f.valueAsNumber, 0.6)], 'if'],
    ['lessThanOrEqualTo', (p: any) => [Condition.numberLessThanOrEqualTo(p.f.valueAsNumber, 0.4)], 'else'],
    ['lessThan on strings (lexicographic)', (p: any) => [Condition.stringLessThan(p.s.valueAsString, 'abd')], 'if'],
    ['in (found)', (p: any) => [Condition.stringIn(p.s.valueAsString, ['x', 'abc'])], 'if'],
    ['in (not found)', (p: any) => [Condition.numberIn(p.i.valueAsNumber, [1, 2])], 'else'],
    ['not', (p: any) => [Condition.negate(Condition.numberEquals(p.i.valueAsNumber, 5))], 'else'],
    ['or (one holds)', (p: any) => [Condition.anyOf(Condition.numberEquals(p.i.valueAsNumber, 1), Condition.numberGreaterThan(p.f.valueAsNumber, 0.1))], 'if'],
    ['or (none holds)', (p: any) => [Condition.anyOf(Condition.numberEquals(p.i.valueAsNumber, 1), Condition.numberGreaterThan(p.f.valueAsNumber, 0.9))], 'else'],
    ['conditions are ANDed (one fails)', (p: any) => [Condition.numberEquals(p.i.valueAsNumber, 5), Condition.numberGreaterThan(p.f.valueAsNumber, 0.9)], 'else'],
    ['conditions are ANDed (all hold)', (p: any) => [Condition.numberEquals(p.i.valueAsNumber, 5), Condition.numberGreaterThan(p.f.valueAsNumber, 0.1)], 'if'],
  ])('%s', (_name, conditions, expected) => {
    expect(branch(conditions as any)).toBe(expected);
  });

  test('parameter values given override defaults', () => {
    expect(branch((p) => [Condition.numberEquals(p.i.valueAsNumber, 5)], { I: 6 })).toBe('else');
  });

  test('a number read from a file compares with a numeric string as a number; ordering a number with a word fails the step', () => {
    const stack = newStack();
    const file = new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json' });
    const evaluate = new ProcessingStepConstruct(stack, 'Eval', { image: IMAGE, outputs: [{ outputName: 'o', source: '/opt/ml/processing/o' }], propertyFiles: [file] });
    const p = pipelineWith(stack, [Condition.numberGreaterThan(file.jsonGet('v').valueAsNumber, 1)], { evaluate });
    expect(p.dryRun({ propertyFiles: { R: { v: '2.5' } } }).conditionSteps[0].branch).toBe('if');
    const failed = p.dryRun({ propertyFiles: { R: { v: 'high' } } });
    expect(failed.failedStep).toBe('Check');
    expect(failed.failureReason).toBe("cannot order \"high\" and 1 in 'JsonGet(R, v) > 1'");
  });

  test('steps that wait for a skipped branch are skipped too; a sample document stands in for a missing one', () => {
    const stack = newStack();
    const file = new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json', sampleDocument: { auc: 0.7 } });
    const evaluate = new ProcessingStepConstruct(stack, 'Eval', { image: IMAGE, outputs: [{ outputName: 'o', source: '/opt/ml/processing/o' }], propertyFiles: [file] });
    const train = new TrainingStepConstruct(stack, 'Retrain', { image: ContainerImage.xgboost('1.7-1') });
    const check = new ConditionStepConstruct(stack, 'Check', {
      conditions: [Condition.numberLessThan(file.jsonGet('auc').valueAsNumber, 0.75)],
      ifSteps: [train],
      elseSteps: [new FailStepConstruct(stack, 'Done', { errorMessage: Join.of(' ', ['auc was', file.jsonGet('auc').valueAsString]).valueAsString })],
    });
    const model = new CreateModelStepConstruct(stack, 'Model', { containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri }] });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [evaluate, check, model] });
    const low = pipeline.dryRun();
    expect(low).toMatchObject({ status: 'Succeeded', executedSteps: ['Eval', 'Check', 'Retrain', 'Model'], skippedSteps: ['Done'] });
    const high = pipeline.dryRun({ propertyFiles: { R: { auc: 0.9 } } });
    expect(high).toMatchObject({ status: 'Failed', failedStep: 'Done', failureReason: 'auc was 0.9', skippedSteps: ['Retrain', 'Model'] });
  });

  test('a step property read by a condition must be given', () => {
    const stack = newStack();
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    const check = new ConditionStepConstruct(stack, 'Check', {
      conditions: [Condition.numberGreaterThan(train.finalMetricValue('validation:auc'), 0.8)],
      elseSteps: [new FailStepConstruct(stack, 'F')],
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train, check] });
    expect(() => pipeline.dryRun()).toThrow("TestStack/P: dry run: the value of Steps.Train.FinalMetricDataList['validation:auc'].Value is needed; give it in stepProperties");
    expect(pipeline.dryRun({ stepProperties: { "Steps.Train.FinalMetricDataList['validation:auc'].Value": 0.85 } }).conditionSteps[0].branch).toBe('if');
  });
});
