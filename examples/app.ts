#!/usr/bin/env node
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SeedPipelineStack } from './seed-pipeline/seed-pipeline-stack';

// aws-cdk-lib's own check of the template against CloudFormation's resource schemas takes about 3 s to start (a
// WebAssembly engine) on every synth. The test suite runs it on this very stack (test/seed-pipeline.test.ts), so the
// README's main command leaves it out; set CDK_VALIDATION=true to run it here as well.
const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION === 'true' });
new SeedPipelineStack(app, 'SeedPipelineStack', {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    // The framework image URIs are plain strings when the region is known; us-east-1 unless one is configured.
    region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
  },
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
app.synth();
