import { App, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import {
  AbTestEndpoint, ContainerImage, DeploymentTargetProps, IServingStackFactory, ModelDeploymentPipeline, ModelDeploymentPipelineProps,
  ModelPackageGroup, ModelVersion, ModelVersionModel, ServingStack, ServingTarget,
} from '../../src';
import { actionsOn } from '../util';

const REGISTRY = '111111111111';
const STAGING = '222222222222';
const PROD = '333333333333';
const REGION = 'us-east-1';
const GROUP_ARN = `arn:aws:sagemaker:${REGION}:${REGISTRY}:model-package-group/churn-models`;

/** The serving stack of a target: the group's latest approved version behind an endpoint, found by the group's ARN. */
class ServingStacks implements IServingStackFactory {
  public readonly targets: ServingTarget[] = [];
  constructor(private readonly importByName = false) {}

  public createServingStack(stage: Stage, target: ServingTarget): ServingStack {
    this.targets.push(target);
    const stack = new Stack(stage, 'Serving');
    const group = this.importByName
      ? ModelPackageGroup.fromModelPackageGroupName(stack, 'Group', 'churn-models')
      : ModelPackageGroup.fromModelPackageGroupArn(stack, 'Group', target.modelPackageGroupArn);
    const model = new ModelVersionModel(stack, 'Champion', {
      modelVersion: ModelVersion.latestApproved(group, { refreshToken: target.deploymentRun }),
      images: [ContainerImage.xgboost('1.7-1')],
    });
    const endpoint = new AbTestEndpoint(stack, 'Endpoint', { variants: [{ variantName: 'champion', model, weight: 100 }] });
    return { stack, endpointName: endpoint.endpoint.endpointName, endpointArn: endpoint.endpoint.endpointArn };
  }
}

function setup(extra: Partial<ModelDeploymentPipelineProps> = {}, factory = new ServingStacks()) {
  const app = new App();
  const registry = new Stack(app, 'Registry', { env: { account: REGISTRY, region: REGION } });
  const group = new ModelPackageGroup(registry, 'Group', { modelPackageGroupName: 'churn-models' });
  const key = new kms.Key(registry, 'ArtifactKey', { enableKeyRotation: true });
  const artifacts = new s3.Bucket(registry, 'Artifacts', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
  const repository = new ecr.Repository(registry, 'Images');
  const targets: DeploymentTargetProps[] = [
    { stageName: 'Staging', env: { account: STAGING, region: REGION }, stackFactory: factory },
    { stageName: 'Production', env: { account: PROD, region: REGION }, stackFactory: factory },
  ];
  const deployment = new ModelDeploymentPipeline(registry, 'Promote', {
    modelPackageGroup: group,
    source: pipelines.CodePipelineSource.connection('acme/churn', 'main', {
      connectionArn: `arn:aws:codeconnections:${REGION}:${REGISTRY}:connection/5f6b6a1e-1111-2222-3333-444455556666`,
    }),
    targets,
    smokeTest: { body: '34,0,1,52000\n51,1,0,87000', contentType: 'text/csv' },
    artifactBuckets: [artifacts],
    repositories: [repository],
    ...extra,
  });
  return { app, registry, group, deployment, factory };
}

function statementsOf(template: Template): any[] {
  return Object.values<any>(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('ModelDeploymentPipeline', () => {
  test('the registry account: the group, bucket, key and repository policies let the serving accounts deploy', () => {
    const { registry } = setup();
    const template = Template.fromStack(registry);
    const principals = { AWS: [`arn:aws:iam::${STAGING}:root`, `arn:aws:iam::${PROD}:root`] };
    const group = Object.values<any>(template.findResources('AWS::SageMaker::ModelPackageGroup'))[0].Properties.ModelPackageGroupPolicy;
    expect(group.Statement).toEqual([
      {
        Sid: `ModelPackageGroup${STAGING}And${PROD}`,
        Effect: 'Allow',
        Principal: principals,
        Action: 'sagemaker:DescribeModelPackageGroup',
        Resource: `arn:aws:sagemaker:${REGION}:${REGISTRY}:model-package-group/churn-models`,
      },
      {
        Sid: `ModelPackageVersions${STAGING}And${PROD}`,
        Effect: 'Allow',
        Principal: principals,
        Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel'],
        Resource: `arn:aws:sagemaker:${REGION}:${REGISTRY}:model-package/churn-models/*`,
      },
    ]);
    const bucketPolicy = Object.values<any>(template.findResources('AWS::S3::BucketPolicy'))
      .find((p) => JSON.stringify(p).includes('ModelArtifactsForServingAccounts')).Properties.PolicyDocument.Statement;
    expect(bucketPolicy).toContainEqual({
      Sid: 'ModelArtifactsForServingAccounts',
      Effect: 'Allow',
      Principal: principals,
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Artifacts/), 'Arn'] }, '/*']] },
    });
    const keyPolicy = Object.values<any>(template.findResources('AWS::KMS::Key'))
      .find((k) => JSON.stringify(k).includes('ModelArtifactsForServingAccounts')).Properties.KeyPolicy.Statement;
    expect(keyPolicy).toContainEqual({
      Sid: 'ModelArtifactsForServingAccounts',
      Effect: 'Allow',
      Principal: principals,
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', [`s3.${REGION}.`, { Ref: 'AWS::URLSuffix' }]] } } },
    });
    const repository = Object.values<any>(template.findResources('AWS::ECR::Repository'))[0].Properties.RepositoryPolicyText.Statement;
    expect(repository).toEqual([{
      Sid: 'ModelImagesForServingAccounts',
      Effect: 'Allow',
      Principal: principals,
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    }]);
  });

  test('the pipeline: synth with the execution ID, staging then production, a smoke test after each, approval before production', () => {
    const { registry, deployment } = setup();
    const template = Template.fromStack(registry);
    const pipeline = Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'))[0].Properties;
    const stages = pipeline.Stages.map((s: any) => [s.Name, s.Actions.map((a: any) => [a.Name, a.RunOrder])]);
    expect(stages.map((s: any) => s[0])).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'Staging', 'Production']);
    const staging = stages[4][1];
    const production = stages[5][1];
    // Staging: deploy (prepare, deploy), then the smoke test; no approval.
    expect(staging.map((a: any) => a[0])).toEqual(['Serving.Prepare', 'Serving.Deploy', 'SmokeTestStaging']);
    expect(staging.find((a: any) => a[0] === 'SmokeTestStaging')[1]).toBeGreaterThan(staging.find((a: any) => a[0] === 'Serving.Deploy')[1]);
    // Production: the approval first, then the deployment, then the smoke test.
    expect(production.map((a: any) => a[0])).toEqual(['ApproveProduction', 'Serving.Prepare', 'Serving.Deploy', 'SmokeTestProduction']);
    expect(production[0][1]).toBeLessThan(production[1][1]);
    const approval = pipeline.Stages[5].Actions[0];
    expect(approval.ActionTypeId).toEqual({ Category: 'Approval', Owner: 'AWS', Provider: 'Manual', Version: '1' });
    // The deploy actions run in the target accounts (through their bootstrap roles).
    const deployRole = pipeline.Stages[5].Actions.find((a: any) => a.Name === 'Serving.Deploy').RoleArn;
    expect(JSON.stringify(deployRole)).toContain(`:iam::${PROD}:role/cdk-hnb659fds-deploy-role-${PROD}-${REGION}`);
    // The synth step gets the execution ID as MODEL_DEPLOYMENT_RUN (an action variable, resolved per execution).
    const build = pipeline.Stages[1].Actions[0].Configuration;
    expect(JSON.parse(build.EnvironmentVariables)).toContainEqual({ name: 'MODEL_DEPLOYMENT_RUN', type: 'PLAINTEXT', value: '#{codepipeline.PipelineExecutionId}' });
    // Cross-account artifacts: the pipeline's artifact bucket is encrypted with a rotated key.
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(Object.keys(deployment.servingStacks)).toEqual(['Staging', 'Production']);
  });

  test('the smoke test invokes the new endpoint through a role in the target account that may invoke only it', () => {
    const { registry, deployment } = setup();
    const template = Template.fromStack(registry);
    const prod = Template.fromStack(deployment.servingStacks.Production);
    // The role in production: trusted by the registry account, InvokeEndpoint on the endpoint only.
    const roles = prod.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('^Invokes the endpoint after Production') } });
    const [roleId, role] = Object.entries<any>(roles)[0];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${REGISTRY}:root` },
    }]);
    const roleName = role.Properties.RoleName;
    expect(roleName).toMatch(/^[A-Za-z0-9+=,.@_-]{1,64}$/);
    const prodStatements = Object.values<any>(prod.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(prodStatements).toEqual([{ Action: 'sagemaker:InvokeEndpoint', Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^Endpoint/) } }]);
    // The CodeBuild step in the registry account: may assume that role alone; invokes with the sample body.
    const roleArn = `arn:aws:iam::${PROD}:role/${roleName}`;
    const project = Object.values<any>(template.findResources('AWS::CodeBuild::Project'))
      .find((p) => (p.Properties.Environment.EnvironmentVariables ?? []).some((v: any) => v.Value === roleArn));
    expect(project.Properties.Environment.EnvironmentVariables).toEqual(expect.arrayContaining([
      { Name: 'SMOKE_TEST_ROLE_ARN', Type: 'PLAINTEXT', Value: roleArn },
      { Name: 'SMOKE_TEST_BODY', Type: 'PLAINTEXT', Value: Buffer.from('34,0,1,52000\n51,1,0,87000').toString('base64') },
    ]));
    const buildspec = JSON.parse(project.Properties.Source.BuildSpec);
    expect(buildspec.phases.build.commands).toContainEqual(expect.stringContaining(
      'aws sagemaker-runtime invoke-endpoint --region us-east-1 --endpoint-name "$ENDPOINT_NAME" --content-type "text/csv" --body fileb://request.body response.body'));
    expect(actionsOn(statementsOf(template), roleArn)).toEqual(['sts:AssumeRole']);
    const pipeline = Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'))[0].Properties;
    const smoke = pipeline.Stages[5].Actions.find((a: any) => a.Name === 'SmokeTestProduction').Configuration;
    const env = JSON.parse(smoke.EnvironmentVariables);
    expect(env.find((e: any) => e.name === 'ENDPOINT_NAME').value).toMatch(/^#\{.*SmokeTestEndpointName\}$/);
  });

  test('the approval event starts the pipeline: the rule\'s exact pattern and target', () => {
    const { registry } = setup();
    const rules = Object.values<any>(Template.fromStack(registry).findResources('AWS::Events::Rule'))
      .filter((r) => JSON.stringify(r.Properties.Targets).includes('CodePipeline') || JSON.stringify(r.Properties.Targets).includes('codepipeline'));
    const rule = rules.find((r) => r.Properties.EventPattern.source?.[0] === 'aws.sagemaker');
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.sagemaker'],
      'detail-type': ['SageMaker Model Package State Change'],
      'detail': { ModelPackageGroupName: ['churn-models'], ModelApprovalStatus: ['Approved'] },
    });
    expect(JSON.stringify(rule.Properties.Targets[0].Arn)).toContain('arn:');
    expect(JSON.stringify(rule.Properties.Targets[0].Arn)).toContain(':codepipeline:');
  });

  test('the serving accounts: the lookup names the group by ARN, the model role reads the registry account\'s artifacts', () => {
    const { deployment, factory } = setup();
    expect(factory.targets.map((t) => [t.stageName, t.env.account, t.modelPackageGroupArn])).toEqual([
      ['Staging', STAGING, GROUP_ARN], ['Production', PROD, GROUP_ARN],
    ]);
    const staging = Template.fromStack(deployment.servingStacks.Staging);
    const lookup = Object.values<any>(staging.findResources('Custom::AWS'))[0].Properties;
    expect(JSON.parse(lookup.Update).parameters.ModelPackageGroupName).toBe(GROUP_ARN);
    const statements = statementsOf(staging);
    expect(actionsOn(statements, '*')).toEqual(expect.arrayContaining(['sagemaker:ListModelPackages']));
    expect(actionsOn(statements, 'arn:aws:s3:::*/*', { StringEquals: { 'aws:ResourceAccount': REGISTRY } })).toEqual(['s3:GetObject']);
    const viaS3 = { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', [`s3.${REGION}.`, { Ref: 'AWS::URLSuffix' }]] } } };
    expect(actionsOn(statements, `arn:aws:kms:${REGION}:${REGISTRY}:key/*`, viaS3))
      .toEqual(['kms:Decrypt']);
    // The factory gave the image (SageMaker's XGBoost registry): no pull from the registry account's repositories.
    expect(actionsOn(statements, `arn:aws:ecr:${REGION}:${REGISTRY}:repository/*`)).toEqual([]);
    // The model is created from the version in the registry account.
    const model = Object.values<any>(staging.findResources('AWS::SageMaker::Model'))[0].Properties;
    expect(JSON.stringify(model.PrimaryContainer.ModelPackageName)).toContain('ModelPackageSummaryList.0.ModelPackageArn');
  });

  test('the deployment run drives the lookup\'s refresh', () => {
    const before = process.env.MODEL_DEPLOYMENT_RUN;
    process.env.MODEL_DEPLOYMENT_RUN = '0f1e2d3c-aaaa-bbbb-cccc-000011112222';
    try {
      const { deployment, factory } = setup();
      expect(factory.targets[0].deploymentRun).toBe('0f1e2d3c-aaaa-bbbb-cccc-000011112222');
      const lookup = Object.values<any>(Template.fromStack(deployment.servingStacks.Production).findResources('Custom::AWS'))[0];
      expect(lookup.Properties.RefreshToken).toBe('0f1e2d3c-aaaa-bbbb-cccc-000011112222');
    } finally {
      if (before === undefined) {
        delete process.env.MODEL_DEPLOYMENT_RUN;
      } else {
        process.env.MODEL_DEPLOYMENT_RUN = before;
      }
    }
  });

  test('a target in the registry account needs no policy, and gets none', () => {
    const factory = new ServingStacks();
    const { registry } = setup({ targets: [{ stageName: 'Prod', env: { account: REGISTRY, region: REGION }, stackFactory: factory }] });
    const group = Object.values<any>(Template.fromStack(registry).findResources('AWS::SageMaker::ModelPackageGroup'))[0].Properties;
    expect(group.ModelPackageGroupPolicy).toBeUndefined();
  });

  test('bad input: a target without an account, a group imported by name in a serving account, a payload its type does not parse', () => {
    const factory = new ServingStacks();
    expect(() => setup({ targets: [{ stageName: 'Staging', env: { region: REGION } as any, stackFactory: factory }] }))
      .toThrow(/Registry\/Promote: target 'Staging': env needs an explicit account and region \(given \{"region":"us-east-1"\}\); a deployment across accounts names each account/);
    expect(() => setup({}, new ServingStacks(true)))
      .toThrow(/Registry\/Promote\/Staging\/Serving\/Champion\/LatestApprovedVersion: the latest approved version of 'churn-models' is looked up in 222222222222, the serving account, where the group is imported by name; .*fromModelPackageGroupArn/);
    expect(() => setup({ smokeTest: { body: '{"instances": [1, 2', contentType: 'application/json' } }))
      .toThrow(/Registry\/Promote: smokeTest.body is not valid JSON \(.*\); expected a sample request the endpoint answers/);
    expect(() => setup({ smokeTest: { body: '1,2,3\n4,5', contentType: 'text/csv' } }))
      .toThrow('Registry/Promote: smokeTest.body is not valid CSV (its rows have 3, 2 fields; every row must have the same)');
    expect(() => setup({ targets: [] })).toThrow(/Registry\/Promote: targets is empty/);
    expect(() => setup({
      targets: [
        { stageName: 'Prod', env: { account: PROD, region: REGION }, stackFactory: factory },
        { stageName: 'Prod', env: { account: STAGING, region: REGION }, stackFactory: factory },
      ],
    })).toThrow("Registry/Promote: target 'Prod': the stage name is used by another target; expected one name per target");
    const app = new App();
    const agnostic = new Stack(app, 'Agnostic');
    expect(() => new ModelDeploymentPipeline(agnostic, 'P', {
      modelPackageGroup: new ModelPackageGroup(agnostic, 'G', { modelPackageGroupName: 'g' }),
      source: pipelines.CodePipelineSource.gitHub('acme/churn', 'main'),
      targets: [{ stageName: 'Prod', env: { account: PROD, region: REGION }, stackFactory: factory }],
      smokeTest: { body: '1', contentType: 'text/csv' },
    })).toThrow(/Agnostic\/P: the registry stack has no explicit account and region/);
  });
});
