#!/usr/bin/env node
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SeedPipelineStack } from './seed-pipeline/seed-pipeline-stack';

const app = new App();
new SeedPipelineStack(app, 'SeedPipelineStack', {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    // The framework image URIs are plain strings when the region is known; us-east-1 unless one is configured.
    region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
  },
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
app.synth();
