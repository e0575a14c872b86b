import {
  Condition, ConditionStepConstruct, ContainerImage, FailStepConstruct, Join, MlPipeline, PipelineParameter,
  ProcessingStepConstruct, PropertyFile, TrainingStepConstruct,
} from '../../src';
import { RenderContext } from '../../src/private/render-context';
import { definitionOf, newStack } from '../util';

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1');

describe('ConditionStepConstruct', () => {
  test('branch steps appear only inside IfSteps / ElseSteps, in full', () => {
    const stack = newStack();
    const threshold = PipelineParameter.ofFloat('Threshold', { defaultValue: 0.8 });
    const report = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = new ProcessingStepConstruct(stack, 'Evaluate', {
      image: IMAGE,
      outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
      propertyFiles: [report],
    });
    const train = new TrainingStepConstruct(stack, 'Retrain', { image: ContainerImage.xgboost('1.7-1') });
    const fail = new FailStepConstruct(stack, 'TooLow', { errorMessage: Join.of(' ', ['below', threshold.valueAsString]).valueAsString });
    const check = new ConditionStepConstruct(stack, 'Check', {
      conditions: [
        Condition.numberGreaterThanOrEqualTo(report.jsonGet('metrics.accuracy.value').valueAsNumber, threshold.valueAsNumber),
        Condition.negate(Condition.numberEquals(threshold.valueAsNumber, 0)),
      ],
      ifSteps: [train],
      elseSteps: [fail],
      displayName: 'Is it good enough',
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [evaluate, check] }));
    expect(def.Steps.map((s: any) => s.Name)).toEqual(['Evaluate', 'Check']);
    expect(def.Steps[1]).toEqual({
      Name: 'Check',
      Type: 'Condition',
      DisplayName: 'Is it good enough',
      Arguments: {
        Conditions: [
          {
            Type: 'GreaterThanOrEqualTo',
            LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.Report' }, Path: 'metrics.accuracy.value' } },
            RightValue: { Get: 'Parameters.Threshold' },
          },
          { Type: 'Not', Condition: { Type: 'Equals', LeftValue: { Get: 'Parameters.Threshold' }, RightValue: 0 } },
        ],
        IfSteps: [expect.objectContaining({ Name: 'Retrain', Type: 'Training' })],
        ElseSteps: [{ Name: 'TooLow', Type: 'Fail', Arguments: { ErrorMessage: { 'Std:Join': { On: ' ', Values: ['below', { Get: 'Parameters.Threshold' }] } } } }],
      },
    });
  });

  test('the outcome property renders Steps.<Name>.Outcome', () => {
    const stack = newStack();
    const check = new ConditionStepConstruct(stack, 'Check', {
      conditions: [Condition.numberEquals(PipelineParameter.ofInteger('N', { defaultValue: 1 }).valueAsNumber, 1)],
      elseSteps: [new FailStepConstruct(stack, 'F')],
    });
    expect(new RenderContext().render(check.outcome)).toEqual({ Get: 'Steps.Check.Outcome' });
  });

  test('fails without conditions or without branches', () => {
    const stack = newStack();
    const c = Condition.numberEquals(PipelineParameter.ofInteger('N', { defaultValue: 1 }).valueAsNumber, 1);
    expect(() => new ConditionStepConstruct(stack, 'A', { conditions: [], ifSteps: [new FailStepConstruct(stack, 'F1')] })).toThrow(/TestStack\/A: no conditions given/);
    expect(() => new ConditionStepConstruct(stack, 'B', { conditions: [c] })).toThrow(/TestStack\/B: both branches are empty/);
  });
});

describe('FailStepConstruct', () => {
  test('renders the error message, or none', () => {
    const stack = newStack();
    const withMessage = new FailStepConstruct(stack, 'WithMessage', { errorMessage: 'stop', description: 'why' });
    const without = new FailStepConstruct(stack, 'Without');
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [withMessage, without] }));
    expect(def.Steps).toEqual([
      { Name: 'WithMessage', Type: 'Fail', Description: 'why', Arguments: { ErrorMessage: 'stop' } },
      { Name: 'Without', Type: 'Fail', Arguments: {} },
    ]);
  });
});
