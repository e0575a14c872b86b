import { App, Aspects, CfnParameter, Duration, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  Condition, ConditionalRegistration, ConditionStepConstruct, ContainerImage, FailStepConstruct, InstanceType, MlPipeline,
  ModelPackageGroup, PipelineParameter, ProcessingStepConstruct, PropertyFile, RegisterModelStepConstruct, RegistrationModel,
  ScalingType, TrainingStepConstruct, TuningStepConstruct,
} from '../src';
import { definitionOf, newStack } from './util';
import { resolvePropertyPath } from '../src/shared/property-path';

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1');

/** The errors `cdk synth` reports for an app, one per line (or '' when it synthesizes). */
function synthErrors(app: App): string {
  try {
    app.synth();
    return '';
  } catch (e: any) {
    return e.message;
  }
}

function appStack(id = 'S'): { app: App; stack: Stack } {
  const app = new App();
  return { app, stack: new Stack(app, id, { env: { account: '123456789012', region: 'us-east-1' } }) };
}

describe('how errors arrive', () => {
  test('every pipeline problem of an app is a validation error with its construct path, none a resolution error', () => {
    const { app, stack } = appStack();
    // cdk-nag resolves the template in the aspect phase, before validation: that is where a throw became a
    // "Resolution error".
    Aspects.of(app).add(new AwsSolutionsChecks());
    const a = new ProcessingStepConstruct(stack, 'A', { image: IMAGE, stepName: 'Same' });
    const b = new ProcessingStepConstruct(stack, 'B', { image: IMAGE, stepName: 'Same' });
    new MlPipeline(stack, 'P1', { pipelineName: 'P1', steps: [a, b] });
    const x = new ProcessingStepConstruct(stack, 'X', { image: IMAGE });
    const y = new ProcessingStepConstruct(stack, 'Y', { image: IMAGE, dependsOn: [x] });
    x.addDependency(y);
    new MlPipeline(stack, 'P2', { pipelineName: 'P2', steps: [x, y] });
    const message = synthErrors(app);
    expect(message).not.toMatch(/Resolution error/);
    expect(message).toContain("[S/P1] S/B: step name 'Same' is already used by S/A in pipeline S/P1");
    expect(message).toContain('[S/P2] S/X: pipeline S/P2 has a dependency cycle: X -> Y -> X');
  });

  test('the template always reflects the final tree: a dependency added after toMermaid() and dryRun() is rendered', () => {
    const stack = newStack();
    const a = new ProcessingStepConstruct(stack, 'A', { image: IMAGE });
    const b = new ProcessingStepConstruct(stack, 'B', { image: IMAGE });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [a, b] });
    pipeline.toMermaid();
    pipeline.dryRun();
    pipeline.definitionSize();
    b.addDependency(a);
    expect(definitionOf(pipeline).Steps[1]).toMatchObject({ Name: 'B', DependsOn: ['A'] });
  });
});

describe('holes closed', () => {
  test('1. a JsonGet typed by the sample document: a number compared with a string literal fails', () => {
    const stack = newStack();
    const report = new PropertyFile({ name: 'R', outputName: 'o', path: 'r.json', sampleDocument: { auc: 0.9, label: 'good' } });
    const check = (id: string, c: Condition) => new ConditionStepConstruct(stack, id, { conditions: [c], elseSteps: [new FailStepConstruct(stack, `${id}F`)] });
    expect(() => check('C1', Condition.stringEquals(report.jsonGet('auc').valueAsString, '0.8')))
      .toThrow("S/C1: condition 'JsonGet(R, auc) == \"0.8\"' compares JsonGet(R, auc) (a Float in its sample document) with the literal \"0.8\": values of different types are never equal".replace('S/', 'TestStack/'));
    expect(() => check('C2', Condition.numberGreaterThan(report.jsonGet('label').valueAsNumber, 1))).toThrow(/JsonGet\(R, label\) \(a String in its sample document\)/);
    expect(() => check('C3', Condition.numberGreaterThan(report.jsonGet('auc').valueAsNumber, 0.8))).not.toThrow();
  });

  test('2. a cache that expires at once fails', () => {
    const stack = newStack();
    expect(() => new ProcessingStepConstruct(stack, 'P', { image: IMAGE, cacheConfig: { expireAfter: Duration.seconds(0) } }))
      .toThrow('TestStack/P: cacheConfig.expireAfter is 0 seconds, so a cached run could never be reused; give a positive duration, or leave it out for no expiry');
  });

  test('3. two parameters of one name and different types used by one step: the name is defined twice, no type error is blamed', () => {
    const stack = newStack();
    const asString = PipelineParameter.ofString('Count', { defaultValue: '1' });
    const asInteger = PipelineParameter.ofInteger('Count', { defaultValue: 1 });
    const step = new ProcessingStepConstruct(stack, 'P', {
      image: IMAGE, instanceCount: asInteger.valueAsNumber, environment: { COUNT: asString.valueAsString },
    });
    const pipeline = new MlPipeline(stack, 'Pipe', { pipelineName: 'Pipe', steps: [step] });
    let message = '';
    try {
      pipeline.renderDefinition();
    } catch (e: any) {
      message = e.message;
    }
    expect(message).toMatch(/TestStack\/P: parameter 'Count' is defined twice with different definitions/);
    expect(message).not.toMatch(/stands where SageMaker expects/);
  });

  test('4. a step description over 3072 characters and a pipeline display name over 256 fail', () => {
    const stack = newStack();
    expect(() => new FailStepConstruct(stack, 'F', { description: 'x'.repeat(3073) }))
      .toThrow('TestStack/F: description is 3073 characters long; SageMaker takes at most 3072');
    expect(() => new MlPipeline(stack, 'P', { displayName: 'a-'.repeat(128) + 'b' })).toThrow(/TestStack\/P: invalid displayName/);
    expect(() => new MlPipeline(stack, 'Q', { pipelineName: 'a-'.repeat(128) + 'b' })).toThrow(/TestStack\/Q: invalid pipeline name/);
  });

  test('5. a number or boolean parameter where SageMaker wants one of its strings fails; so does a default outside them', () => {
    const stack = newStack();
    const group = ModelPackageGroup.fromModelPackageGroupName(stack, 'G', 'g');
    const props = { modelPackageGroup: group, containers: [{ image: IMAGE, modelDataUrl: 's3://b/m.tar.gz' }] };
    expect(() => new RegisterModelStepConstruct(stack, 'R1', { ...props, approvalStatus: PipelineParameter.ofInteger('Status').valueAsString }))
      .toThrow('TestStack/R1: approvalStatus is Parameters.Status, a Integer; SageMaker expects one of the strings Approved, Rejected, PendingManualApproval: '
        + 'use a String parameter (PipelineParameter.ofString with enumValues)');
    expect(() => new RegisterModelStepConstruct(stack, 'R2', { ...props, approvalStatus: PipelineParameter.ofString('S2', { defaultValue: 'Aproved' }).valueAsString }))
      .toThrow("TestStack/R2: approvalStatus is Parameters.S2, which may take 'Aproved'; expected one of: Approved, Rejected, PendingManualApproval");
  });

  test('6. the API\'s patterns apply: an environment variable named my-var fails', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'P', { image: IMAGE, environment: { 'my-var': '1' } });
    expect(() => new MlPipeline(stack, 'Pipe', { pipelineName: 'Pipe', steps: [step] }).renderDefinition())
      .toThrow('TestStack/P: step \'P\' Arguments.Environment["my-var"] (key): \'my-var\' does not match the pattern of ProcessingEnvironmentKey: '
        + 'expected letters, digits and underscores, not starting with a digit, e.g. MY_VAR ([a-zA-Z_][a-zA-Z0-9_]*)');
  });

  test('7. a parameter\'s default and enum values are checked where it is used, like literals', () => {
    const stack = newStack();
    const type = PipelineParameter.ofString('InstanceType', { defaultValue: 'ml.m5.xlarg' });
    const step = new ProcessingStepConstruct(stack, 'P', { image: IMAGE, instanceType: InstanceType.of(type.valueAsString) });
    expect(() => new MlPipeline(stack, 'Pipe', { pipelineName: 'Pipe', steps: [step] }).renderDefinition())
      .toThrow("TestStack/P: step 'P' Arguments.ProcessingResources.ClusterConfig.InstanceType: the default value of parameter 'InstanceType': "
        + "'ml.m5.xlarg' is not a valid ProcessingInstanceType; did you mean 'ml.m5.xlarge'?");
    const s2 = newStack();
    const choice = PipelineParameter.ofString('Type', { defaultValue: 'ml.m5.xlarge', enumValues: ['ml.m5.xlarge', 'ml.c5.huge'] });
    const p2 = new ProcessingStepConstruct(s2, 'P', { image: IMAGE, instanceType: InstanceType.of(choice.valueAsString) });
    expect(() => new MlPipeline(s2, 'Pipe', { pipelineName: 'Pipe', steps: [p2] }).renderDefinition())
      .toThrow(/an enum value of parameter 'Type': 'ml.c5.huge' is not a valid ProcessingInstanceType/);
  });

  test('8. depending on a Fail step fails', () => {
    const stack = newStack();
    const fail = new FailStepConstruct(stack, 'Stop');
    const after = new ProcessingStepConstruct(stack, 'After', { image: IMAGE, dependsOn: [fail] });
    expect(() => new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [fail, after] }).renderDefinition())
      .toThrow("TestStack/After: step 'After' lists Fail step 'Stop' in dependsOn; a Fail step ends the execution, so this step could never run");
  });

  test('9. two pipelines of one name in one account and region fail; in other regions they do not', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'us-east-1' };
    const a = new Stack(app, 'A', { env });
    const b = new Stack(app, 'B', { env });
    const c = new Stack(app, 'C', { env: { ...env, region: 'eu-west-1' } });
    for (const stack of [a, b, c]) {
      new MlPipeline(stack, 'P', { pipelineName: 'Churn', steps: [new FailStepConstruct(stack, 'F')] });
    }
    const message = synthErrors(app);
    expect(message).toContain("[A/P] A/P: pipeline name 'Churn' is also used by B/P in the same account and region");
    expect(message).toContain("[B/P] B/P: pipeline name 'Churn' is also used by A/P");
    expect(message).not.toContain('C/P');
  });

  test('10. a logarithmic range with a minimum of 0 or less fails; reverse logarithmic outside [0, 1) too', () => {
    const stack = newStack();
    const base = { image: ContainerImage.xgboost('1.7-1'), objectiveMetricName: 'validation:auc', maxTrainingJobs: 4 };
    expect(() => new TuningStepConstruct(stack, 'T1', { ...base, continuousRanges: [{ name: 'eta', min: 0, max: 1, scaling: ScalingType.LOGARITHMIC }] }))
      .toThrow("TestStack/T1: range of 'eta' is searched on a logarithmic scale but its min is 0; logarithmic scaling takes only values greater than 0");
    expect(() => new TuningStepConstruct(stack, 'T2', { ...base, continuousRanges: [{ name: 'm', min: 0.5, max: 1, scaling: ScalingType.REVERSE_LOGARITHMIC }] }))
      .toThrow(/TestStack\/T2: range of 'm' \(0.5 to 1\) is searched on a reverse logarithmic scale/);
    expect(() => new TuningStepConstruct(stack, 'T3', { ...base, integerRanges: [{ name: 'd', min: 1, max: 9, scaling: ScalingType.REVERSE_LOGARITHMIC }] }))
      .toThrow(/integer range of 'd' uses reverse logarithmic scaling/);
    expect(() => new TuningStepConstruct(stack, 'T4', { ...base, continuousRanges: [{ name: 'eta', min: 0.01, max: 1, scaling: ScalingType.LOGARITHMIC }] })).not.toThrow();
  });

  test('11. a step or a ConditionalRegistration that no pipeline has gets a warning naming it', () => {
    const stack = newStack();
    new ProcessingStepConstruct(stack, 'Orphan', { image: IMAGE });
    const evaluate = new ProcessingStepConstruct(stack, 'Evaluate', {
      image: IMAGE,
      outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
      propertyFiles: [new PropertyFile({ name: 'R', outputName: 'evaluation', path: 'e.json' })],
    });
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [evaluate, train] });
    new ConditionalRegistration(stack, 'Gate', {
      evaluationStep: evaluate, propertyFile: evaluate.propertyFiles[0], metricPath: 'a', threshold: 0.5, model: RegistrationModel.fromTrainingStep(train),
    });
    const warnings = Annotations.fromStack(stack);
    warnings.hasWarning('/TestStack/Orphan', Match.stringLikeRegexp("step 'Orphan' is not part of any pipeline, so it never runs"));
    warnings.hasWarning('/TestStack/Gate', Match.stringLikeRegexp('this ConditionalRegistration is not part of any pipeline'));
    warnings.hasWarning('/TestStack/Gate/Check', Match.stringLikeRegexp("step 'Gate-Check' is not part of any pipeline"));
    // Steps in a branch are part of the condition step: only the condition step is named.
    warnings.hasNoWarning('/TestStack/Gate/Register', Match.anyValue());
    warnings.hasNoWarning('/TestStack/Evaluate', Match.anyValue());
  });
});

describe('property paths, checked against the response shapes', () => {
  test('fails on a typo with the nearest names', () => {
    const stack = newStack();
    const tuning = new TuningStepConstruct(stack, 'Tune', {
      image: ContainerImage.xgboost('1.7-1'),
      objectiveMetricName: 'validation:auc',
      maxTrainingJobs: 2,
      continuousRanges: [{ name: 'eta', min: 0.1, max: 0.5 }],
    });
    expect(() => tuning.propertyAsNumber('BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetrc.Value'))
      .toThrow("TestStack/Tune: propertyAsNumber('BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetrc.Value'): a Tuning step has no such property: "
        + 'BestTrainingJob has no member FinalHyperParameterTuningJobObjectiveMetrc; did you mean FinalHyperParameterTuningJobObjectiveMetric?');
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    expect(() => train.propertyAsString('ModelArtifacts')).toThrow(/the property is a structure, not a single value/);
    expect(() => train.propertyAsNumber('TrainingJobName')).toThrow(/the property is a String, not a number: use propertyAsString/);
    expect(() => train.propertyAsString('FinalMetricDataList.Value')).toThrow(/FinalMetricDataList is a list: select an element before .Value \(FinalMetricDataList\['...'\].Value\)/);
    expect(() => train.propertyAsString('HyperParameters[0]')).toThrow(/HyperParameters is a map: select an entry by key/);
    expect(train.propertyAsString("FinalMetricDataList['validation:auc'].MetricName")).toBeDefined();
  });

  test('every typed accessor names a property that exists (the resolver agrees with the definitions it reads)', () => {
    const stack = newStack();
    const prep = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }] });
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    const tune = new TuningStepConstruct(stack, 'Tune', {
      image: ContainerImage.xgboost('1.7-1'),
      objectiveMetricName: 'validation:auc',
      maxTrainingJobs: 2,
      continuousRanges: [{ name: 'eta', min: 0.1, max: 0.5 }],
    });
    const values = [
      prep.outputS3Uri('train'), prep.processingJobName, prep.processingJobArn, train.modelArtifactsS3Uri, train.trainingJobName,
      train.trainingJobArn, tune.bestTrainingJobName, tune.bestTrainingJobArn, tune.topModelS3Uri(1),
    ];
    const numbers = [train.finalMetricValue('validation:auc'), tune.bestObjectiveValue];
    const gate = new ConditionStepConstruct(stack, 'Gate', {
      conditions: numbers.map((n) => Condition.numberGreaterThan(n, 0.5)),
      ifSteps: [new ProcessingStepConstruct(stack, 'Use', { image: IMAGE, environment: Object.fromEntries(values.map((v, i) => [`V${i}`, v])) })],
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, train, tune, gate] }));
    const types = Object.fromEntries(def.Steps.map((s: any) => [s.Name, s.Type]));
    const gets: string[] = [];
    JSON.stringify(def, (_k, v) => {
      if (v && typeof v.Get === 'string' && v.Get.startsWith('Steps.')) {
        gets.push(v.Get);
      }
      return v;
    });
    expect(gets.length).toBeGreaterThanOrEqual(11);
    for (const get of gets) {
      const [, name, ...rest] = get.split('.');
      expect({ get, result: resolvePropertyPath(types[name], rest.join('.')) }).toEqual({ get, result: expect.not.objectContaining({ problem: expect.anything() }) });
    }
    expect(resolvePropertyPath('Tuning', 'BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value')).toEqual({ kind: 'Float' });
  });
});

describe('tokens in strings', () => {
  test('a number token written into a string renders as the value it stands for; a CloudFormation number as a string', () => {
    const stack = newStack();
    const n = PipelineParameter.ofInteger('Epochs', { defaultValue: 3 });
    const cfn = new CfnParameter(stack, 'Depth', { type: 'Number' });
    const train = new TrainingStepConstruct(stack, 'Train', {
      image: ContainerImage.xgboost('1.7-1'),
      hyperparameters: { epochs: String(n.valueAsNumber), flag: `--n=${n.valueAsNumber}`, max_depth: cfn.valueAsNumber },
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train] }));
    const hp = def.Steps[0].Arguments.HyperParameters;
    expect(hp.epochs).toEqual({ 'Std:Join': { On: '', Values: [{ Get: 'Parameters.Epochs' }] } });
    expect(hp.flag).toEqual({ 'Std:Join': { On: '', Values: ['--n=', { Get: 'Parameters.Epochs' }] } });
    expect(hp.max_depth).toEqual(expect.stringMatching(/^<<Ref:Depth/));
  });

  test('a pipeline value inside Fn.join fails with what to use instead', () => {
    const { app, stack } = appStack();
    const p = PipelineParameter.ofString('Prefix', { defaultValue: 'x' });
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, environment: { PREFIX: Fn.join('-', ['a', p.valueAsString]) } });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    expect(synthErrors(app)).toMatch(/\[S\/P\] S\/P: Parameters.Prefix is a SageMaker pipeline value: .*nor inside Fn.join or Lazy .*: join pipeline values with Join.of/);
  });
});
