// Integration test: a 1,000-step pipeline (processing chains, a training step every 10th, a condition with a Fail
// branch every 50th), whose definition is too large to be inline: it is uploaded to S3 and the pipeline reads it from
// there (PipelineDefinitionS3Location).
// Snapshot: `npx projen integ:large-pipeline:snapshot`; asserted by `npm test` (`integ:large-pipeline:assert`).
// Deploy-run in an AWS account: `npx projen integ:large-pipeline:deploy` (README, "Integration tests").
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import { MlPipeline } from '../../src';
import { chainSteps } from '../fixtures/chain';

// No stack traces in the metadata: they hold this clone's absolute paths, and the snapshot is compared on other machines.
const app = new App({ stackTraces: false, context: { 'aws:cdk:disable-creation-stack-traces': true } });
const stack = new Stack(app, 'IntegLargePipeline');
const pipeline = new MlPipeline(stack, 'Pipeline', { steps: chainSteps(stack, 1000) });

const integ = new IntegTest(app, 'LargePipelineInteg', { testCases: [stack] });
integ.assertions.awsApiCall('SageMaker', 'describePipeline', { PipelineName: pipeline.pipelineName })
  .expect(ExpectedResult.objectLike({ PipelineStatus: 'Active' }));

// The point of this app: the definition is read from S3, not inline.
const template = app.synth().getStackByName(stack.stackName).template;
const cfnPipeline = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::SageMaker::Pipeline');
if (!cfnPipeline?.Properties.PipelineDefinition.PipelineDefinitionS3Location) {
  throw new Error(`the definition of ${pipeline.node.path} was expected in S3 (PipelineDefinitionS3Location)`);
}
