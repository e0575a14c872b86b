import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { SeedPipelineStack } from '../examples/seed-pipeline/seed-pipeline-stack';
import {
  Condition, ConditionStepConstruct, ContainerImage, FailStepConstruct, MlPipeline, PipelineParameter, ProcessingStepConstruct,
} from '../src';
import { newStack } from './util';

describe('the Mermaid diagram', () => {
  test('has a node per step shaped by type, data edges, dependsOn edges and labelled branches', () => {
    const stack = newStack();
    const n = PipelineParameter.ofInteger('N', { defaultValue: 1 });
    const prep = new ProcessingStepConstruct(stack, 'Prep', {
      image: ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1'),
      outputs: [{ outputName: 'o', source: '/opt/ml/processing/o' }],
    });
    const second = new ProcessingStepConstruct(stack, 'Second', {
      image: ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1'),
      inputs: [{ inputName: 'i', source: prep.outputS3Uri('o'), destination: '/opt/ml/processing/i' }],
    });
    const after = new FailStepConstruct(stack, 'After', { dependsOn: [second], errorMessage: 'x' });
    const check = new ConditionStepConstruct(stack, 'Check', {
      conditions: [Condition.numberGreaterThan(n.valueAsNumber, 0)],
      ifSteps: [after],
      elseSteps: [new FailStepConstruct(stack, 'Other')],
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, second, check] });
    expect(pipeline.toMermaid()).toBe([
      'flowchart TD',
      '  %% SageMaker pipeline P',
      '  s0["Prep<br/><i>Processing</i>"]',
      '  s1["Second<br/><i>Processing</i>"]',
      '  s2{"Check<br/>Parameters.N #gt; 0"}',
      '  s3>"After<br/><i>Fail</i>"]',
      '  s4>"Other<br/><i>Fail</i>"]',
      '  s0 --> s1',
      '  s2 -- if --> s3',
      '  s2 -- else --> s4',
      '  s1 -. dependsOn .-> s3',
      '',
    ].join('\n'));
  });

  test('is written to the cloud assembly next to the template', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'assembly-'));
    const app = new App({ outdir });
    const stack = new SeedPipelineStack(app, 'SeedPipelineStack', { env: { account: '123456789012', region: 'us-east-1' } });
    app.synth();
    const file = path.join(outdir, 'SeedPipelineStack.SeedPipeline.pipeline.mmd');
    expect(fs.readFileSync(file, 'utf-8')).toBe(stack.pipeline.toMermaid());
    expect(fs.existsSync(path.join(outdir, 'SeedPipelineStack.template.json'))).toBe(true);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('the README shows the seed pipeline as it is', () => {
    const stack = new SeedPipelineStack(new App(), 'SeedPipelineStack', { env: { account: '123456789012', region: 'us-east-1' } });
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
    const block = /```mermaid\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    expect(block![1]).toBe(stack.pipeline.toMermaid());
  });
});
