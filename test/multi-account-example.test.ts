import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ModelPromotionStack } from '../examples/multi-account/multi-account-stacks';
import { SeedPipelineStack } from '../examples/seed-pipeline/seed-pipeline-stack';

const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf-8')).context;
const ACCOUNTS = { registryAccount: '111111111111', stagingAccount: '222222222222', productionAccount: '333333333333', region: 'eu-west-1' };

/** The multi-account example as examples/app.ts builds it with -c registryAccount/stagingAccount/productionAccount. */
function multiAccountApp() {
  const app = new App({ context: CDK_JSON_CONTEXT });
  Aspects.of(app).add(new AwsSolutionsChecks());
  const env = { account: ACCOUNTS.registryAccount, region: ACCOUNTS.region };
  const registry = new SeedPipelineStack(app, 'RegistrySeedPipelineStack', { env });
  const promotion = new ModelPromotionStack(app, 'ModelPromotionStack', {
    env,
    accounts: ACCOUNTS,
    modelPackageGroup: registry.modelPackageGroup,
    artifactBucket: registry.pipeline.artifactBucket,
    connectionArn: `arn:aws:codeconnections:eu-west-1:${ACCOUNTS.registryAccount}:connection/00000000-0000-0000-0000-000000000000`,
    repository: 'my-org/seed-models',
  });
  return { app, registry, promotion };
}

function nagFindings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))]
    .map((e) => `${e.id}: ${e.entry.data}`);
}

describe('the multi-account example', () => {
  test('synthesizes three environments without credentials: registry, staging and production accounts', () => {
    const { app, promotion } = multiAccountApp();
    const assembly = app.synth();
    const envs = assembly.stacksRecursively.map((s) => [s.stackName, s.environment.account, s.environment.region]).sort();
    expect(envs).toEqual([
      ['ModelPromotionStack', ACCOUNTS.registryAccount, 'eu-west-1'],
      ['Production-SeedServing', ACCOUNTS.productionAccount, 'eu-west-1'],
      ['RegistrySeedPipelineStack', ACCOUNTS.registryAccount, 'eu-west-1'],
      ['Staging-SeedServing', ACCOUNTS.stagingAccount, 'eu-west-1'],
    ]);
    // The registry's group is shared with both serving accounts; its versions' bucket too.
    const group = Object.values<any>(Template.fromStack(app.node.findChild('RegistrySeedPipelineStack') as Stack)
      .findResources('AWS::SageMaker::ModelPackageGroup'))[0].Properties.ModelPackageGroupPolicy;
    expect(group.Statement.map((s: any) => s.Principal.AWS)).toEqual([
      [`arn:aws:iam::${ACCOUNTS.stagingAccount}:root`, `arn:aws:iam::${ACCOUNTS.productionAccount}:root`],
      [`arn:aws:iam::${ACCOUNTS.stagingAccount}:root`, `arn:aws:iam::${ACCOUNTS.productionAccount}:root`],
    ]);
    expect(Object.keys(promotion.deployment.servingStacks)).toEqual(['Staging', 'Production']);
  });

  test('passes cdk-nag AwsSolutions in every account, with no unexplained suppression', () => {
    const { registry, promotion } = multiAccountApp();
    const stacks = [registry, promotion, ...Object.values(promotion.deployment.servingStacks)];
    for (const stack of stacks) {
      expect(nagFindings(stack)).toEqual([]);
      const resources = Object.values<any>(Template.fromStack(stack).toJSON().Resources);
      const suppressions = resources.flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
      for (const s of suppressions) {
        expect(s.reason.length).toBeGreaterThan(40);
      }
    }
  });
});
