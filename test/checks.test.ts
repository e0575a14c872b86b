import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import {
  Condition, ConditionStepConstruct, ContainerImage, CreateModelStepConstruct, FailStepConstruct, InstanceType, MlPipeline,
  PipelineParameter, ProcessingStepConstruct, PropertyFile, TrainingStepConstruct, MAX_DEFINITION_LENGTH, DefinitionStorage,
} from '../src';
import { definitionOf, newStack } from './util';

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1');

function render(stack: Stack, steps: any[]) {
  return new MlPipeline(stack, 'P', { pipelineName: 'P', steps }).renderDefinition();
}

describe('reference types against the SageMaker API', () => {
  test('fails when a String parameter stands where an integer is required', () => {
    const stack = newStack();
    const count = PipelineParameter.ofString('Count', { defaultValue: '2' });
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, instanceCount: count.valueAsNumber });
    expect(() => render(stack, [step])).toThrow(
      "TestStack/Prep: step 'Prep' Arguments.ProcessingResources.ClusterConfig.InstanceCount: Parameters.Count, a String parameter, stands where SageMaker "
      + 'expects an integer (ProcessingInstanceCount); SageMaker would refuse it ("Cannot assign property reference [Parameters.Count] to argument of type '
      + '[Integer]"): use PipelineParameter.ofInteger');
  });

  test('fails when a Float parameter stands for an integer volume size or run time', () => {
    const stack = newStack();
    const size = PipelineParameter.ofFloat('Size', { defaultValue: 30 });
    const runtime = PipelineParameter.ofString('Runtime', { defaultValue: '3600' });
    const train = new TrainingStepConstruct(stack, 'Train', {
      image: ContainerImage.xgboost('1.7-1'),
      volumeSize: Size.gibibytes(size.valueAsNumber),
      maxRuntime: Duration.seconds(runtime.valueAsNumber),
    });
    let message = '';
    try {
      render(stack, [train]);
    } catch (e: any) {
      message = e.message;
    }
    // Every problem is reported at once, one per line.
    expect(message.split('\n')).toEqual([
      expect.stringMatching(/^TestStack\/Train: step 'Train' Arguments.ResourceConfig.VolumeSizeInGB: Parameters.Size, a Float parameter, stands where SageMaker expects an integer/),
      expect.stringMatching(/^TestStack\/Train: step 'Train' Arguments.StoppingCondition.MaxRuntimeInSeconds: Parameters.Runtime, a String parameter, stands where SageMaker expects an integer/),
    ]);
  });

  test('fails when a number stands where a string is required, and a Join fixes it', () => {
    const stack = newStack();
    const type = PipelineParameter.ofInteger('Type', { defaultValue: 1 });
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, instanceType: InstanceType.of(type.valueAsString) });
    expect(() => render(stack, [step])).toThrow(/InstanceType: Parameters.Type, an Integer parameter, stands where SageMaker expects a string \(ProcessingInstanceType\)/);
  });

  test('fails on a literal outside an enum, with a suggestion, or out of range', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, instanceType: InstanceType.of('ml.m5.xlarg') });
    expect(() => render(stack, [step])).toThrow(/InstanceType: 'ml.m5.xlarg' is not a valid ProcessingInstanceType; did you mean 'ml.m5.xlarge'\?/);
    const other = newStack();
    const environment: Record<string, string> = {};
    for (let i = 0; i < 101; i++) {
      environment[`V${i}`] = 'x';
    }
    const big = new ProcessingStepConstruct(other, 'Big', { image: IMAGE, environment });
    expect(() => render(other, [big])).toThrow("TestStack/Big: step 'Big' Arguments.Environment: 101 entries where ProcessingEnvironmentMap allows at most 100");
  });

  test('a numeric parameter in a string member is converted and passes', () => {
    const stack = newStack();
    const rounds = PipelineParameter.ofInteger('Rounds', { defaultValue: 10 });
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1'), hyperparameters: { num_round: rounds.valueAsNumber } });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train] }));
    expect(def.Steps[0].Arguments.HyperParameters.num_round).toEqual({ 'Std:Join': { On: '', Values: [{ Get: 'Parameters.Rounds' }] } });
  });
});

describe('conditions', () => {
  const cond = (stack: Stack, c: Condition) => new ConditionStepConstruct(stack, 'Check', { conditions: [c], elseSteps: [new FailStepConstruct(stack, 'F')] });

  test('fails when a number is ordered against a string', () => {
    const stack = newStack();
    const threshold = PipelineParameter.ofString('Threshold', { defaultValue: '0.8' });
    const report = new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json' });
    expect(() => cond(stack, Condition.numberGreaterThan(1, threshold.valueAsNumber)))
      .toThrow("TestStack/Check: condition '1 > Parameters.Threshold' compares the literal 1 with Parameters.Threshold (a String); GreaterThan compares numbers: "
        + 'use a number literal or a numeric parameter (PipelineParameter.ofFloat/ofInteger) with Condition.number*');
    // A JsonGet is known only at run time: it may be compared with anything.
    expect(() => cond(newStack(), Condition.numberLessThan(report.jsonGet('a').valueAsNumber, 3))).not.toThrow();
  });

  test('fails when a boolean is ordered, or values of different types are tested for equality', () => {
    const flag = PipelineParameter.ofBoolean('Flag', { defaultValue: true });
    const n = PipelineParameter.ofInteger('N', { defaultValue: 1 });
    expect(() => cond(newStack(), Condition.numberLessThanOrEqualTo(flag.valueAsNumber, n.valueAsNumber))).toThrow(/orders Parameters.Flag \(a Boolean\); LessThanOrEqualTo compares numbers/);
    expect(() => cond(newStack(), Condition.stringEquals(n.valueAsString, '1'))).toThrow(/compares Parameters.N \(a Integer\) with the literal "1": values of different types are never equal/);
    expect(() => cond(newStack(), Condition.numberIn(n.valueAsNumber, [1, PipelineParameter.ofString('Two').valueAsNumber]))).toThrow(/values of different types are never equal/);
    expect(() => cond(newStack(), Condition.negate(Condition.numberEquals(flag.valueAsNumber, 0)))).toThrow(/compares Parameters.Flag \(a Boolean\) with the literal 0/);
  });

  test('fails when a condition can never branch', () => {
    const n = PipelineParameter.ofInteger('N', { defaultValue: 1 });
    const status = PipelineParameter.ofString('Status', { defaultValue: 'A', enumValues: ['A', 'B'] });
    expect(() => cond(newStack(), Condition.numberGreaterThan(2, 1))).toThrow(/compares constants, so it always takes the same branch/);
    expect(() => cond(newStack(), Condition.numberEquals(n.valueAsNumber, n.valueAsNumber))).toThrow(/compares constants/);
    expect(() => cond(newStack(), Condition.stringEquals(status.valueAsString, 'C'))).toThrow("TestStack/Check: condition 'Parameters.Status == \"C\"' can never be true: parameter 'Status' takes only A, B");
    expect(() => cond(newStack(), Condition.anyOf(Condition.stringIn(status.valueAsString, ['X', 'Y']))))
      .toThrow(/can never be true: parameter 'Status' takes only A, B/);
    expect(() => cond(newStack(), Condition.stringIn('a', ['a']))).toThrow(/tests constants/);
    expect(() => cond(newStack(), Condition.stringEquals(status.valueAsString, 'B'))).not.toThrow();
  });
});

describe('JsonGet against the property file', () => {
  function evaluation(stack: Stack, file: PropertyFile) {
    return new ProcessingStepConstruct(stack, 'Evaluate', {
      image: IMAGE,
      outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
      propertyFiles: [file],
    });
  }

  test('fails when the path is not among the declared paths', () => {
    const stack = newStack();
    const file = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'e.json', expectedPaths: ['metrics.accuracy.value', 'metrics.auc.value'] });
    const evaluate = evaluation(stack, file);
    const check = new ConditionStepConstruct(stack, 'Check', {
      conditions: [Condition.numberGreaterThan(file.jsonGet('metrics.acuracy.value').valueAsNumber, 0.5)],
      elseSteps: [new FailStepConstruct(stack, 'F')],
    });
    expect(() => render(stack, [evaluate, check])).toThrow(
      "TestStack/Check: step 'Check' reads 'metrics.acuracy.value' from property file 'Report', which declares only the paths metrics.accuracy.value, "
      + 'metrics.auc.value; fix the path or add it to expectedPaths');
  });

  test('fails when the path is not in the sample document, and passes when it is', () => {
    const stack = newStack();
    const file = new PropertyFile({
      name: 'Report',
      outputName: 'evaluation',
      path: 'e.json',
      sampleDocument: { binary_classification_metrics: { accuracy: { value: 0.9 } }, folds: [{ auc: 0.8 }] },
    });
    const evaluate = evaluation(stack, file);
    const fail = new FailStepConstruct(stack, 'F', { errorMessage: file.jsonGet('binary_classification_metrics.acc.value').valueAsString });
    expect(() => render(stack, [evaluate, fail])).toThrow(
      "TestStack/F: step 'F' reads 'binary_classification_metrics.acc.value' from property file 'Report', whose sample document has no such path "
      + '(binary_classification_metrics.acc does not exist; there: accuracy); fix the path or the sample');
    const ok = newStack();
    const file2 = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'e.json', sampleDocument: { folds: [{ auc: 0.8 }] } });
    const evaluate2 = evaluation(ok, file2);
    const check = new ConditionStepConstruct(ok, 'Check', {
      conditions: [Condition.numberGreaterThan(file2.jsonGet("folds[0]['auc']").valueAsNumber, 0.5)],
      elseSteps: [new FailStepConstruct(ok, 'F')],
    });
    expect(definitionOf(new MlPipeline(ok, 'P', { pipelineName: 'P', steps: [evaluate2, check] })).Steps).toHaveLength(2);
  });

  test('fails when the property file belongs to a step outside the pipeline', () => {
    const stack = newStack();
    const file = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'e.json' });
    evaluation(stack, file);
    const check = new ConditionStepConstruct(stack, 'Check', {
      conditions: [Condition.numberGreaterThan(file.jsonGet('a').valueAsNumber, 0.5)],
      elseSteps: [new FailStepConstruct(stack, 'F')],
    });
    expect(() => render(stack, [check])).toThrow(/step 'Check' uses a property of step 'Evaluate' \(TestStack\/Evaluate\), which is not part of pipeline TestStack\/P/);
  });

  test('fails when a declared path is not a JSON path', () => {
    expect(() => new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json', expectedPaths: ['a..b'] })).toThrow(/expected path 'a..b' is not a JSON path/);
  });
});

describe('branches', () => {
  function branches(stack: Stack) {
    const n = PipelineParameter.ofInteger('N', { defaultValue: 1 });
    const train = new TrainingStepConstruct(stack, 'TrainA', { image: ContainerImage.xgboost('1.7-1') });
    const other = new TrainingStepConstruct(stack, 'TrainB', { image: ContainerImage.xgboost('1.7-1') });
    const check = new ConditionStepConstruct(stack, 'Check', {
      conditions: [Condition.numberGreaterThan(n.valueAsNumber, 0)],
      ifSteps: [train],
      elseSteps: [other],
    });
    return { train, other, check };
  }

  test('fails when a step depends on a condition step', () => {
    const stack = newStack();
    const { check } = branches(stack);
    const after = new FailStepConstruct(stack, 'After', { dependsOn: [check] });
    expect(() => render(stack, [check, after])).toThrow(/TestStack\/After: step 'After' lists condition step 'Check' in dependsOn; SageMaker refuses a dependency on a condition step/);
  });

  test('fails when a step uses steps of both branches, or of the other branch', () => {
    const stack = newStack();
    const { train, other, check } = branches(stack);
    const model = new CreateModelStepConstruct(stack, 'Model', {
      containers: [
        { image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri, containerHostname: 'a' },
        { image: ContainerImage.xgboost('1.7-1'), modelDataUrl: other.modelArtifactsS3Uri, containerHostname: 'b' },
      ],
    });
    expect(() => render(stack, [check, model])).toThrow(/TestStack\/Model: step 'Model' uses steps of both branches of condition step 'Check'; only one branch runs, so it could never run/);

    const s2 = newStack();
    const n = PipelineParameter.ofInteger('N', { defaultValue: 1 });
    const a = new TrainingStepConstruct(s2, 'A', { image: ContainerImage.xgboost('1.7-1') });
    const b = new CreateModelStepConstruct(s2, 'B', { containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: a.modelArtifactsS3Uri }] });
    const check2 = new ConditionStepConstruct(s2, 'Check', { conditions: [Condition.numberGreaterThan(n.valueAsNumber, 0)], ifSteps: [a], elseSteps: [b] });
    expect(() => render(s2, [check2])).toThrow("TestStack/B: step 'B' is in the else-branch of condition step 'Check' and uses step 'A' of its if-branch; only one branch runs, so it could never run: move one of them");
  });

  test('warns when a step outside uses a step of one branch', () => {
    const stack = newStack();
    const { train, check } = branches(stack);
    const model = new CreateModelStepConstruct(stack, 'Model', { containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri }] });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [check, model] });
    Annotations.fromStack(stack).hasWarning('/TestStack/Model', Match.stringLikeRegexp("step 'Model' uses a step of the if-branch of condition step 'Check': it runs only in executions where 'Check' takes that branch"));
  });

  test('fails on a cycle through data references', () => {
    const stack = newStack();
    const a = new ProcessingStepConstruct(stack, 'A', { image: IMAGE, outputs: [{ outputName: 'o', source: '/opt/ml/processing/o' }] });
    const b = new TrainingStepConstruct(stack, 'B', { image: ContainerImage.xgboost('1.7-1'), channels: [{ channelName: 'train', s3Uri: a.outputS3Uri('o') }] });
    a.addDependency(b);
    expect(() => render(stack, [a, b])).toThrow(/has a dependency cycle: A -> B -> A/);
  });
});

describe('definition size', () => {
  test('fails at synth when the definition is longer than SageMaker takes', () => {
    const stack = newStack();
    const environment: Record<string, string> = {};
    for (let i = 0; i < 100; i++) {
      environment[`VAR_${i}`] = 'v'.repeat(250);
    }
    const steps = Array.from({ length: 45 }, (_, i) => new ProcessingStepConstruct(stack, `Step${i}`, { image: IMAGE, environment }));
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps, definitionStorage: DefinitionStorage.INLINE });
    expect(pipeline.definitionSize().minLength).toBeGreaterThan(MAX_DEFINITION_LENGTH);
    expect(() => (stack.node.root as any).synth()).toThrow(
      /TestStack\/P: the pipeline definition is \d+ to \d+ characters long \(depending on the length of its deploy-time values\); SageMaker takes at most 1048576 inline: store it in S3/);
  });
});
