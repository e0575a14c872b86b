/**
 * How long building, checking and synthesizing a pipeline takes as it grows. Run: `npx projen bench`.
 * Each size is built from scratch REPEAT times; the median is reported. Figures depend on the machine: compare
 * runs on one machine, not across machines.
 */
import { App, Stack } from 'aws-cdk-lib';
import {
  Condition, ConditionStepConstruct, ContainerImage, FailStepConstruct, MlPipeline, PipelineParameter,
  ProcessingStepConstruct, PropertyFile, TrainingStepConstruct,
} from '../src';

const SIZES = [10, 50, 200, 500, 1000];
const REPEAT = 5;
const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/bench:1');

/** A pipeline of `size` steps: chains of prep -> train -> evaluate -> condition(fail) of four steps each. */
function build(size: number): { stack: Stack; pipeline: MlPipeline } {
  const app = new App();
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
  const threshold = PipelineParameter.float('Threshold', { defaultValue: 0.8 });
  const steps = [];
  for (let i = 0; steps.length < size; i++) {
    const prep = new ProcessingStepConstruct(stack, `Prep${i}`, {
      image: IMAGE,
      outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }],
    });
    const train = new TrainingStepConstruct(stack, `Train${i}`, {
      image: ContainerImage.xgboost('1.7-1'),
      hyperparameters: { num_round: 50, eta: 0.2 },
      channels: [{ channelName: 'train', s3Uri: prep.outputS3Uri('train'), contentType: 'text/csv' }],
    });
    const report = new PropertyFile({ name: `Report${i}`, outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = new ProcessingStepConstruct(stack, `Evaluate${i}`, {
      image: IMAGE,
      inputs: [{ inputName: 'model', source: train.modelArtifactsS3Uri, destination: '/opt/ml/processing/model' }],
      outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
      propertyFiles: [report],
    });
    const check = new ConditionStepConstruct(stack, `Check${i}`, {
      conditions: [Condition.numberGreaterThanOrEqualTo(report.jsonGet('metrics.accuracy.value').valueAsNumber, threshold.valueAsNumber)],
      elseSteps: [new FailStepConstruct(stack, `Fail${i}`, { errorMessage: 'too low' })],
    });
    steps.push(prep, train, evaluate, check);
  }
  const pipeline = new MlPipeline(stack, 'Pipeline', { pipelineName: 'Bench', steps });
  return { stack, pipeline };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Warm the JIT up so that the first size is not charged for it.
for (let w = 0; w < 3; w++) {
  const { stack, pipeline } = build(50);
  pipeline.renderDefinition();
  (stack.node.root as App).synth();
}

const rows: string[] = ['| steps | build (ms) | check + render (ms) | dry run (ms) | full synth (ms) | definition (chars) |', '|---|---|---|---|---|---|'];
for (const size of SIZES) {
  const times = { build: [] as number[], render: [] as number[], dry: [] as number[], synth: [] as number[] };
  let length = 0;
  for (let r = 0; r < REPEAT; r++) {
    let t = process.hrtime.bigint();
    const { stack, pipeline } = build(size);
    times.build.push(ms(t));
    t = process.hrtime.bigint();
    pipeline.renderDefinition();
    times.render.push(ms(t));
    t = process.hrtime.bigint();
    const docs: Record<string, any> = {};
    for (let i = 0; i * 4 < size; i++) {
      docs[`Report${i}`] = { metrics: { accuracy: { value: 0.9 } } };
    }
    pipeline.dryRun({ propertyFiles: docs, parameters: { Threshold: 0.8 } });
    times.dry.push(ms(t));
    t = process.hrtime.bigint();
    (stack.node.root as App).synth();
    times.synth.push(ms(t));
    length = pipeline.definitionLength();
  }
  rows.push(`| ${size} | ${median(times.build).toFixed(0)} | ${median(times.render).toFixed(0)} | ${median(times.dry).toFixed(0)} | ${median(times.synth).toFixed(0)} | ${length} |`);
}
console.log(`node ${process.version}, median of ${REPEAT} runs`);
console.log(rows.join('\n'));
