#!/usr/bin/env node
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { ChampionChallengerStack } from './endpoint/champion-challenger-stack';
import { ModelPromotionStack } from './multi-account/multi-account-stacks';
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
// `-c regulated=true`: the same stacks in the regulated configuration (NIST 800-53 R5, HIPAA; README "Regulated
// accounts"), checked by cdk-nag's NIST80053R5Checks and HIPAASecurityChecks packs too.
const regulated = app.node.tryGetContext('regulated') === 'true' || app.node.tryGetContext('regulated') === true;
const seed = new SeedPipelineStack(app, 'SeedPipelineStack', { env, regulated: regulated ? {} : undefined });
// Deploys the seed group's latest approved version (and a challenger: -c challengerModelPackageArn=... -c challengerWeight=20).
const challengerWeight = app.node.tryGetContext('challengerWeight');
new ChampionChallengerStack(app, 'SeedEndpointStack', {
  env,
  modelPackageGroup: seed.modelPackageGroup,
  artifactBucket: seed.pipeline.artifactBucket,
  challengerModelPackageArn: app.node.tryGetContext('challengerModelPackageArn'),
  challengerWeight: challengerWeight === undefined ? undefined : Number(challengerWeight),
  refreshToken: app.node.tryGetContext('modelRefresh'),
  retrainPipeline: seed.pipeline,
  regulated: seed.regulated ? { vpc: seed.regulated.vpc } : undefined,
});
// `-c registryAccount=... -c stagingAccount=... -c productionAccount=...`: the multi-account path (README "One model,
// many accounts"): the seed pipeline and its registry in the registry account, and a deployment pipeline that promotes
// approved versions to staging and production. Without the accounts, the app is the two stacks above.
const accounts = ['registryAccount', 'stagingAccount', 'productionAccount'].map((k) => app.node.tryGetContext(k));
if (accounts.some((a) => a !== undefined)) {
  if (accounts.some((a) => a === undefined)) {
    throw new Error('the multi-account example needs -c registryAccount=<12 digits> -c stagingAccount=<12 digits> -c productionAccount=<12 digits>');
  }
  const [registryAccount, stagingAccount, productionAccount] = accounts.map(String);
  const region = app.node.tryGetContext('region') ?? env.region;
  const registryEnv = { account: registryAccount, region };
  const registry = new SeedPipelineStack(app, 'RegistrySeedPipelineStack', { env: registryEnv });
  new ModelPromotionStack(app, 'ModelPromotionStack', {
    env: registryEnv,
    accounts: { registryAccount, stagingAccount, productionAccount, region },
    modelPackageGroup: registry.modelPackageGroup,
    artifactBucket: registry.pipeline.artifactBucket,
    connectionArn: app.node.tryGetContext('connectionArn')
      ?? `arn:aws:codeconnections:${region}:${registryAccount}:connection/00000000-0000-0000-0000-000000000000`,
    repository: app.node.tryGetContext('repository') ?? 'my-org/seed-models',
  });
}
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
if (regulated) {
  Aspects.of(app).add(new NIST80053R5Checks({ verbose: true }));
  Aspects.of(app).add(new HIPAASecurityChecks({ verbose: true }));
}
app.synth();
