#!/usr/bin/env node
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ChampionChallengerStack } from './endpoint/champion-challenger-stack';
import { SeedPipelineStack } from './seed-pipeline/seed-pipeline-stack';

// aws-cdk-lib's own check of the template against CloudFormation's resource schemas takes about 3 s to start (a
// WebAssembly engine) on every synth. The test suite runs it on this very stack (test/seed-pipeline.test.ts), so the
// README's main command leaves it out; set CDK_VALIDATION=true to run it here as well.
const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION === 'true' });
const env = {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  // The framework image URIs are plain strings when the region is known; us-east-1 unless one is configured.
  region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
};
const seed = new SeedPipelineStack(app, 'SeedPipelineStack', { env });
// Deploys the seed group's latest approved version (and a challenger: -c challengerModelPackageArn=... -c challengerWeight=20).
const challengerWeight = app.node.tryGetContext('challengerWeight');
new ChampionChallengerStack(app, 'SeedEndpointStack', {
  env,
  modelPackageGroup: seed.modelPackageGroup,
  artifactBucket: seed.pipeline.artifactBucket,
  challengerModelPackageArn: app.node.tryGetContext('challengerModelPackageArn'),
  challengerWeight: challengerWeight === undefined ? undefined : Number(challengerWeight),
  refreshToken: app.node.tryGetContext('modelRefresh'),
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
app.synth();
