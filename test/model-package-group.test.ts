import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ModelApprovalStatus, ModelPackageGroup } from '../src';
import { newStack } from './util';

const VERSIONS_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-models/*';

describe('ModelPackageGroup', () => {
  test('creates the group with its name, description and tags, retained by default', () => {
    const stack = newStack();
    new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'Churn-Models', description: 'churn', tags: { team: 'ml' } });
    Template.fromStack(stack).hasResource('AWS::SageMaker::ModelPackageGroup', {
      Properties: { ModelPackageGroupName: 'Churn-Models', ModelPackageGroupDescription: 'churn', Tags: [{ Key: 'team', Value: 'ml' }] },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('removalPolicy DESTROY deletes it; a generated name follows the rules', () => {
    const stack = newStack();
    const g = new ModelPackageGroup(stack, 'Group', { removalPolicy: RemovalPolicy.DESTROY });
    const t = Template.fromStack(stack);
    t.hasResource('AWS::SageMaker::ModelPackageGroup', { DeletionPolicy: 'Delete' });
    const name = Object.values<any>(t.findResources('AWS::SageMaker::ModelPackageGroup'))[0].Properties.ModelPackageGroupName;
    expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
    expect(name.length).toBeLessThanOrEqual(63);
    // The name, not the resource's Ref (which is its ARN).
    expect(g.modelPackageGroupName).toBe(name);
  });

  test.each([
    ['x'.repeat(64), /invalid model package group name 'x{64}'/],
    ['has_underscore', /invalid model package group name 'has_underscore'/],
    ['-leading', /invalid model package group name '-leading'/],
    ['trailing-', /invalid model package group name 'trailing-'/],
  ])('fails when the name %p breaks the rules', (name, message) => {
    const stack = newStack();
    expect(() => new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: name })).toThrow(message);
    expect(() => ModelPackageGroup.fromModelPackageGroupName(stack, 'Imported', name)).toThrow(message);
  });

  const arn = (account: string, region: string, resource: string) => `arn:aws:sagemaker:${region}:${account}:${resource}`;
  const here = (resource: string) => arn('123456789012', 'us-east-1', resource);

  /** The statements of the policy attached to one role. */
  function statementsOf(stack: any, roleId: string): any[] {
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    return Object.values<any>(policies)
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref.startsWith(roleId)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
  }

  test.each([
    ['a mixed-case name: both forms', 'SeedModelGroup', ['SeedModelGroup', 'seedmodelgroup']],
    ['a lower-case name: one form', 'churn-models', ['churn-models']],
  ])('grants on %s, one statement per resource type, only the actions authorized on it', (_name, groupName, forms) => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: groupName });
    const role = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
    group.grantRegister(role('Registrar'));
    group.grantRead(role('Reader'));
    group.grantApprove(role('Approver'));
    group.grantDeploy(role('Deployer'));
    const versions = forms.map((f) => here(`model-package/${f}/*`));
    const groups = forms.map((f) => here(`model-package-group/${f}`));
    const one = (x: any[]) => (x.length === 1 ? x[0] : x);
    const list = { Action: 'sagemaker:ListModelPackages', Effect: 'Allow', Resource: '*' };
    expect(statementsOf(stack, 'Registrar')).toEqual([
      { Action: ['sagemaker:AddTags', 'sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage'], Effect: 'Allow', Resource: one(versions) },
    ]);
    expect(statementsOf(stack, 'Reader')).toEqual([
      { Action: 'sagemaker:DescribeModelPackageGroup', Effect: 'Allow', Resource: one(groups) },
      { Action: 'sagemaker:DescribeModelPackage', Effect: 'Allow', Resource: one(versions) },
      list,
    ]);
    expect(statementsOf(stack, 'Approver')).toEqual([
      { Action: ['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage'], Effect: 'Allow', Resource: one(versions) },
      list,
    ]);
    expect(statementsOf(stack, 'Deployer')).toEqual([
      { Action: 'sagemaker:DescribeModelPackage', Effect: 'Allow', Resource: one(versions) },
      { Action: 'sagemaker:CreateModel', Effect: 'Allow', Resource: here('model/*') },
      list,
    ]);
  });

  test('grants on an imported group name its versions in the group\'s own account and region, in both name forms', () => {
    const stack = newStack();
    const byArn = ModelPackageGroup.fromModelPackageGroupArn(stack, 'ByArn', 'arn:aws:sagemaker:eu-west-1:444455556666:model-package-group/SharedModels');
    const byName = ModelPackageGroup.fromModelPackageGroupName(stack, 'ByName', 'Their-Group');
    byArn.grantRegister(new iam.Role(stack, 'Cross', { assumedBy: new iam.AccountRootPrincipal() }));
    byName.grantRegister(new iam.Role(stack, 'Local', { assumedBy: new iam.AccountRootPrincipal() }));
    const actions = ['sagemaker:AddTags', 'sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage'];
    expect(statementsOf(stack, 'Cross')).toEqual([{
      Action: actions,
      Effect: 'Allow',
      Resource: [arn('444455556666', 'eu-west-1', 'model-package/SharedModels/*'), arn('444455556666', 'eu-west-1', 'model-package/sharedmodels/*')],
    }]);
    expect(statementsOf(stack, 'Local')).toEqual([{
      Action: actions,
      Effect: 'Allow',
      Resource: [here('model-package/Their-Group/*'), here('model-package/their-group/*')],
    }]);
  });

  test('grant(actions) names the group and its versions', () => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn-models' });
    group.grant(new iam.Role(stack, 'Custom', { assumedBy: new iam.AccountRootPrincipal() }), 'sagemaker:DeleteModelPackage');
    expect(statementsOf(stack, 'Custom')).toEqual([{
      Action: 'sagemaker:DeleteModelPackage', Effect: 'Allow', Resource: [here('model-package-group/churn-models'), VERSIONS_ARN],
    }]);
  });

  test('shareWithAccount writes the resource policy SageMaker expects', () => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn-models' });
    group.shareWithAccount('111122223333', { deploy: true });
    const principal = { AWS: 'arn:aws:iam::111122223333:root' };
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ModelPackageGroup111122223333',
            Effect: 'Allow',
            Principal: principal,
            Action: 'sagemaker:DescribeModelPackageGroup',
            Resource: 'arn:aws:sagemaker:us-east-1:123456789012:model-package-group/churn-models',
          },
          {
            Sid: 'ModelPackageVersions111122223333',
            Effect: 'Allow',
            Principal: principal,
            Action: ['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage'],
            Resource: VERSIONS_ARN,
          },
        ],
      },
    });
  });

  test('shareWithAccount names both forms of a mixed-case name', () => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'SeedModelGroup' });
    group.shareWithAccount('111122223333', { register: true });
    const policy = Object.values<any>(Template.fromStack(stack).findResources('AWS::SageMaker::ModelPackageGroup'))[0].Properties.ModelPackageGroupPolicy;
    expect(policy.Statement.map((st: any) => [st.Action, st.Resource])).toEqual([
      ['sagemaker:DescribeModelPackageGroup', [here('model-package-group/SeedModelGroup'), here('model-package-group/seedmodelgroup')]],
      [['sagemaker:DescribeModelPackage', 'sagemaker:CreateModelPackage'], [here('model-package/SeedModelGroup/*'), here('model-package/seedmodelgroup/*')]],
    ]);
  });

  test('register access adds CreateModelPackage; no policy without statements; bad account IDs fail', () => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn-models' });
    const plain = new ModelPackageGroup(stack, 'Plain', { modelPackageGroupName: 'plain' });
    group.shareWithAccount('111122223333', { register: true });
    const t = Template.fromStack(stack);
    const policies = Object.values<any>(t.findResources('AWS::SageMaker::ModelPackageGroup'));
    expect(JSON.stringify(policies[0].Properties.ModelPackageGroupPolicy)).toContain('sagemaker:CreateModelPackage');
    expect(JSON.stringify(policies[0].Properties.ModelPackageGroupPolicy)).not.toContain('sagemaker:CreateModel"');
    expect(policies[1].Properties.ModelPackageGroupPolicy).toBeUndefined();
    expect(() => plain.shareWithAccount('1234')).toThrow(/TestStack\/Plain: '1234' is not an AWS account ID; expected 12 digits/);
  });

  test('imports by name or ARN; an imported group has no resource policy to add to', () => {
    const stack = newStack();
    const byName = ModelPackageGroup.fromModelPackageGroupName(stack, 'ByName', 'Their-Group');
    expect(stack.resolve(byName.modelPackageGroupArn)).toEqual('arn:aws:sagemaker:us-east-1:123456789012:model-package-group/their-group');
    const byArn = ModelPackageGroup.fromModelPackageGroupArn(stack, 'ByArn', 'arn:aws:sagemaker:eu-west-1:444455556666:model-package-group/shared');
    expect(byArn.modelPackageGroupName).toBe('shared');
    expect(byArn.env.account).toBe('444455556666');
    expect(byArn.addToResourcePolicy(new iam.PolicyStatement({ actions: ['sagemaker:*'], resources: ['*'] })).statementAdded).toBe(false);
  });
});

describe('ModelPackageGroup events', () => {
  test('onModelApproved: the rule matches SageMaker\'s model package state changes of this group, Approved', () => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn-models' });
    const topic = new sns.Topic(stack, 'Topic');
    group.onModelApproved('Approved', { target: new targets.SnsTopic(topic), description: 'deploy approved churn models' });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      Description: 'deploy approved churn models',
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        'detail': { ModelPackageGroupName: ['churn-models'], ModelApprovalStatus: ['Approved'] },
      },
      State: 'ENABLED',
      Targets: [{ Arn: { Ref: Match.stringLikeRegexp('^Topic') }, Id: 'Target0' }],
    });
  });

  test('onModelPackageStateChange: every change of the group, or those of chosen statuses; an imported group too', () => {
    const stack = newStack();
    const imported = ModelPackageGroup.fromModelPackageGroupName(stack, 'Imported', 'shared-models');
    imported.onModelPackageStateChange('Any');
    imported.onModelPackageStateChange('Decided', { approvalStatuses: [ModelApprovalStatus.APPROVED, ModelApprovalStatus.REJECTED] });
    const rules = Object.values<any>(Template.fromStack(stack).findResources('AWS::Events::Rule')).map((r) => r.Properties.EventPattern.detail);
    expect(rules).toEqual([
      { ModelPackageGroupName: ['shared-models'] },
      { ModelPackageGroupName: ['shared-models'], ModelApprovalStatus: ['Approved', 'Rejected'] },
    ]);
  });
});
