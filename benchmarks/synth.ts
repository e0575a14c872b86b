/**
 * How long synthesizing a pipeline takes as it grows, beside the floor for any CDK library. Run: `npx projen bench`.
 *
 * The pipeline is the chain of test/fixtures/chain.ts: processing steps with a training step every 10th and a
 * condition (with a Fail branch) every 50th. The floor is the same definition written as plain objects into a bare CfnPipeline through
 * Stack.toJsonString, with the same role and bucket. Both are built from scratch and synthesized (`app.synth()`)
 * REPEAT times per size in this one process after a warm-up; the median is reported. aws-cdk-lib's template
 * validation is off (CDK_VALIDATION=false, set by the task) so that the figures are about building and rendering.
 * Figures depend on the machine: compare the ratio, or runs on one machine.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { MlPipeline } from '../src';
import { CHAIN_IMAGE_URI, chainSteps } from '../test/fixtures/chain';

const SIZES = (process.env.BENCH_SIZES ?? '200,1000,2000').split(',').map(Number);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const XGBOOST_URI = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const ENV = { account: '123456789012', region: 'us-east-1' };

function newApp(): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')) });
}

/** The library's pipeline of `size` top-level steps. */
function library(size: number): App {
  const app = newApp();
  const stack = new Stack(app, 'Bench', { env: ENV });
  new MlPipeline(stack, 'Pipeline', { pipelineName: 'Bench', steps: chainSteps(stack, size) });
  return app;
}

/** The same definition as plain objects in a bare CfnPipeline: the floor. */
function floor(size: number): App {
  const app = newApp();
  const stack = new Stack(app, 'Bench', { env: ENV });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  const bucket = new s3.Bucket(stack, 'Bucket');
  const out = (step: string) => ({ 'Std:Join': { On: '/', Values: ['s3:/', bucket.bucketName, 'Bench', { Get: 'Execution.PipelineExecutionId' }, step, 'out'] } });
  const outOf = (step: string) => ({ Get: `Steps.${step}.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri` });
  const resources = { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 } };
  const steps: any[] = [];
  let previous: string | undefined;
  for (let i = 0; steps.length < size; i++) {
    if (i % 10 === 9) {
      steps.push({
        Name: `Train${i}`,
        Type: 'Training',
        Arguments: {
          AlgorithmSpecification: { TrainingImage: XGBOOST_URI, TrainingInputMode: 'File' },
          HyperParameters: { num_round: '50' },
          InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: outOf(previous!), S3DataDistributionType: 'FullyReplicated' } } }],
          OutputDataConfig: { S3OutputPath: out(`Train${i}`) },
          ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
          RoleArn: role.roleArn,
          StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        },
      });
      continue;
    }
    const name = `Prep${i}`;
    steps.push({
      Name: name,
      Type: 'Processing',
      Arguments: {
        AppSpecification: { ImageUri: CHAIN_IMAGE_URI },
        ProcessingInputs: previous ? [{
          InputName: 'in',
          AppManaged: false,
          S3Input: { S3Uri: outOf(previous), LocalPath: '/opt/ml/processing/in', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' },
        }] : undefined,
        ProcessingOutputConfig: { Outputs: [{ OutputName: 'out', AppManaged: false, S3Output: { S3Uri: out(name), LocalPath: '/opt/ml/processing/out', S3UploadMode: 'EndOfJob' } }] },
        ProcessingResources: resources,
        RoleArn: role.roleArn,
        StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      },
      PropertyFiles: [{ PropertyFileName: `Report${i}`, OutputName: 'out', FilePath: 'report.json' }],
    });
    previous = name;
    if (i % 50 === 48) {
      steps.push({
        Name: `Check${i}`,
        Type: 'Condition',
        Arguments: {
          Conditions: [{ Type: 'GreaterThanOrEqualTo', LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: `Steps.${name}.PropertyFiles.Report${i}` }, Path: 'accuracy' } }, RightValue: { Get: 'Parameters.Threshold' } }],
          IfSteps: [],
          ElseSteps: [{ Name: `Fail${i}`, Type: 'Fail', Arguments: { ErrorMessage: 'too low' } }],
        },
      });
    }
  }
  const definition = { Version: '2020-12-01', Metadata: {}, Parameters: [{ Name: 'Threshold', Type: 'Float', DefaultValue: 0.8 }], PipelineExperimentConfig: null, Steps: steps };
  new sagemaker.CfnPipeline(stack, 'Pipeline', {
    pipelineName: 'Bench',
    roleArn: role.roleArn,
    pipelineDefinition: { PipelineDefinitionBody: stack.toJsonString(definition) },
  });
  return app;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(build: () => App): number {
  const start = process.hrtime.bigint();
  const app = build();
  app.synth();
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(app.outdir, { recursive: true, force: true });
  return elapsed;
}

// Warm-up: the JIT and aws-cdk-lib's lazily loaded modules.
for (let w = 0; w < 2; w++) {
  time(() => library(200));
  time(() => floor(200));
}

const rows = ['| steps | floor (ms) | library (ms) | library / floor |', '|---|---|---|---|'];
const results: Record<number, { floor: number; library: number }> = {};
for (const size of SIZES) {
  const f: number[] = [];
  const l: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    f.push(time(() => floor(size)));
    l.push(time(() => library(size)));
  }
  results[size] = { floor: median(f), library: median(l) };
  rows.push(`| ${size} | ${median(f).toFixed(0)} | ${median(l).toFixed(0)} | ${(median(l) / median(f)).toFixed(2)} |`);
}
console.log(`node ${process.version}, ${os.cpus().length} cores, CDK_VALIDATION=${process.env.CDK_VALIDATION ?? '(unset)'}, median of ${REPEAT} runs`);
console.log(rows.join('\n'));
if (results[1000] && results[2000]) {
  console.log(`growth, library: N=2000 / N=1000 = ${(results[2000].library / results[1000].library).toFixed(2)}`);
}
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
