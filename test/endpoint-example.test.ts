import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ChampionChallengerStack } from '../examples/endpoint/champion-challenger-stack';
import { SeedPipelineStack } from '../examples/seed-pipeline/seed-pipeline-stack';

const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf-8')).context;
const CHALLENGER = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/seedmodelgroup/7';

/** The example app's two stacks, as examples/app.ts builds them, with the given context. */
function exampleApp(context: Record<string, any> = {}) {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context } });
  const env = { account: '123456789012', region: 'us-east-1' };
  const seed = new SeedPipelineStack(app, 'SeedPipelineStack', { env });
  const weight = app.node.tryGetContext('challengerWeight');
  const stack = new ChampionChallengerStack(app, 'SeedEndpointStack', {
    env,
    modelPackageGroup: seed.modelPackageGroup,
    artifactBucket: seed.pipeline.artifactBucket,
    challengerModelPackageArn: app.node.tryGetContext('challengerModelPackageArn'),
    challengerWeight: weight === undefined ? undefined : Number(weight),
    retrainPipeline: seed.pipeline,
  });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

function variantsOf(template: Template): any[] {
  return Object.values<any>(template.findResources('AWS::SageMaker::EndpointConfig'))[0].Properties.ProductionVariants
    .map((v: any) => [v.VariantName, v.InitialVariantWeight, v.InstanceType]);
}

describe('the champion/challenger endpoint example', () => {
  test('monitors the captured data hourly against the serving version\'s registered baselines, and retrains the seed pipeline on drift', () => {
    const { template } = exampleApp();
    const schedule = Object.values<any>(template.findResources('AWS::SageMaker::MonitoringSchedule'))[0].Properties;
    expect(schedule.MonitoringScheduleConfig).toMatchObject({ MonitoringType: 'DataQuality', ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' } });
    const lookups = Object.values<any>(template.findResources('Custom::AWS')).map((r) => JSON.stringify(r.Properties.Create));
    // One ListModelPackages (the champion), one DescribeModelPackage of the version it found (its baselines).
    expect(lookups.filter((l) => l.includes('ListModelPackages'))).toHaveLength(1);
    const describe = lookups.find((l) => l.includes('DescribeModelPackage'))!;
    expect(describe).toContain('DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri');
    expect(describe).toContain('ChampionLatestApprovedVersion');
    const job = Object.values<any>(template.findResources('AWS::SageMaker::DataQualityJobDefinition'))[0].Properties;
    expect(job.DataQualityBaselineConfig.ConstraintsResource.S3Uri['Fn::GetAtt'][1]).toBe('DriftCheckBaselines.ModelDataQuality.Constraints.S3Uri');
    const retrain = Object.values<any>(template.findResources('AWS::Events::Rule')).find((r) => r.Properties.EventPattern.source?.[0] === 'aws.cloudwatch')!;
    expect(retrain.Properties.Targets[0].Arn).toEqual(expect.stringContaining(':pipeline/seedpipeline'));
    expect(retrain.Properties.EventPattern.resources).toHaveLength(3);
  });

  test('without a challenger: the seed group\'s latest approved version takes all the traffic', () => {
    const { template } = exampleApp();
    expect(variantsOf(template)).toEqual([['champion', 100, 'ml.m5.large']]);
    const lookup = Object.values<any>(template.findResources('Custom::AWS'))[0];
    expect(JSON.parse(lookup.Properties.Create).parameters).toMatchObject({ ModelPackageGroupName: 'SeedModelGroup', ModelApprovalStatus: 'Approved' });
    template.resourceCountIs('AWS::SageMaker::Model', 1);
  });

  test('a challenger from context takes its weight; both run isolated and read the seed pipeline\'s artifacts', () => {
    const { template } = exampleApp({ challengerModelPackageArn: CHALLENGER, challengerWeight: '25' });
    expect(variantsOf(template)).toEqual([['champion', 75, 'ml.m5.large'], ['challenger', 25, 'ml.m5.large']]);
    const models = Object.values<any>(template.findResources('AWS::SageMaker::Model')).map((m) => m.Properties);
    expect(models.map((m) => m.EnableNetworkIsolation)).toEqual([true, true]);
    expect(models[1].PrimaryContainer.ModelPackageName).toBe(CHALLENGER);
    // The artifact bucket comes from the pipeline's stack.
    expect(JSON.stringify(template.toJSON())).toMatch(/"Fn::GetStackOutput":\{"StackName":"SeedPipelineStack","Region":"us-east-1","OutputName":"PublishOutputFnGetAttSeedPipelineArtifactBucket/);
  });

  test.each([[{}], [{ challengerModelPackageArn: CHALLENGER }]])('passes cdk-nag AwsSolutions with no unexplained suppression (%j)', (context) => {
    const { stack, template } = exampleApp(context);
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${e.entry.data}`)).toEqual([]);
    expect(warnings.map((e) => `${e.id}: ${e.entry.data}`)).toEqual([]);
    const suppressions = Object.values<any>(template.toJSON().Resources).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) {
      expect(s.reason.length).toBeGreaterThan(40);
    }
  });

  test('matches the snapshot', () => {
    const { template } = exampleApp({ challengerModelPackageArn: CHALLENGER });
    expect(JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}/g, '<asset-hash>'))).toMatchSnapshot();
  });
});
