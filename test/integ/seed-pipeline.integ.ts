// Integration test: the seed pipeline (processing → training → evaluation → conditional registration, failure alerts)
// and a one-step smoke pipeline that runs in a few minutes without input data.
// Snapshot: `npx projen integ:seed-pipeline:snapshot`; asserted by `npm test` (`integ:seed-pipeline:assert`).
// Deploy-run in an AWS account: `npx projen integ:seed-pipeline:deploy` (README, "Integration tests").
import * as path from 'path';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { SeedPipelineStack } from '../../examples/seed-pipeline/seed-pipeline-stack';
import { ContainerImage, InstanceType, MlPipeline, ProcessingCode, ProcessingStepConstruct } from '../../src';

// No stack traces in the metadata: they hold this clone's absolute paths, and the snapshot is compared on other machines.
const app = new App({ stackTraces: false, context: { 'aws:cdk:disable-creation-stack-traces': true } });
const seed = new SeedPipelineStack(app, 'IntegSeedPipeline');

const smokeStack = new Stack(app, 'IntegSmokePipeline');
const smoke = new ProcessingStepConstruct(smokeStack, 'Smoke', {
  image: ContainerImage.sklearn('1.2-1'),
  code: ProcessingCode.fromAsset(path.join(__dirname, 'assets', 'smoke', 'smoke.py')),
  outputs: [{ outputName: 'report', source: '/opt/ml/processing/report' }],
  instanceType: InstanceType.ML_T3_MEDIUM,
  maxRuntime: Duration.minutes(20),
});
const smokePipeline = new MlPipeline(smokeStack, 'Pipeline', { steps: [smoke] });

const integ = new IntegTest(app, 'SeedPipelineInteg', { testCases: [seed, smokeStack] });

// The pipeline and its model package group exist and are usable.
integ.assertions.awsApiCall('SageMaker', 'describePipeline', { PipelineName: seed.pipeline.pipelineName })
  .expect(ExpectedResult.objectLike({ PipelineStatus: 'Active' }));
integ.assertions.awsApiCall('SageMaker', 'describeModelPackageGroup', {
  ModelPackageGroupName: seed.modelPackageGroup.modelPackageGroupName,
}).expect(ExpectedResult.objectLike({ ModelPackageGroupStatus: 'Completed' }));

// An execution of the smoke pipeline succeeds: the role, the uploaded code and the image are what SageMaker needs.
const execution = integ.assertions.awsApiCall('SageMaker', 'startPipelineExecution', {
  PipelineName: smokePipeline.pipelineName,
  ClientRequestToken: 'integ-seed-pipeline-smoke-execution-0001',
});
integ.assertions.awsApiCall('SageMaker', 'describePipelineExecution', {
  PipelineExecutionArn: execution.getAttString('PipelineExecutionArn'),
}).expect(ExpectedResult.objectLike({ PipelineExecutionStatus: 'Succeeded' }))
  .waitForAssertions({ totalTimeout: Duration.minutes(45), interval: Duration.minutes(1) });

app.synth();
