import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelPackageGroup } from '../src';
import { newStack } from './util';

const GROUP_ARN = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Group'), 'ModelPackageGroupArn'] };
const VERSIONS_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:model-package/churn-models/*']] };

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
    expect(stack.resolve(g.modelPackageGroupName)).toEqual({ Ref: expect.stringMatching(/^Group/) });
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

  test('grants: read, register, approve and deploy give exactly their actions on the group and its versions', () => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn-models' });
    const cases: Array<[string, (g: iam.IGrantable) => iam.Grant, string[]]> = [
      ['Reader', (g) => group.grantRead(g), ['sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages', 'sagemaker:DescribeModelPackage']],
      ['Registrar', (g) => group.grantRegister(g), ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags']],
      ['Approver', (g) => group.grantApprove(g), ['sagemaker:UpdateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages']],
      ['Deployer', (g) => group.grantDeploy(g), ['sagemaker:CreateModel', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages']],
    ];
    for (const [id, grant] of cases) {
      grant(new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() }));
    }
    const t = Template.fromStack(stack);
    for (const [id, , actions] of cases) {
      t.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp(`^${id}`) }],
        PolicyDocument: { Statement: [{ Action: actions, Effect: 'Allow', Resource: [GROUP_ARN, VERSIONS_ARN] }] },
      });
    }
  });

  test('shareWithAccount writes the resource policy SageMaker expects', () => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn-models' });
    group.shareWithAccount('111122223333', { deploy: true });
    const principal = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111122223333:root']] } };
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ModelPackageGroup111122223333',
            Effect: 'Allow',
            Principal: principal,
            Action: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:model-package-group/churn-models']] },
          },
          {
            Sid: 'ModelPackageVersions111122223333',
            Effect: 'Allow',
            Principal: principal,
            Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:UpdateModelPackage', 'sagemaker:CreateModel'],
            Resource: VERSIONS_ARN,
          },
        ],
      },
    });
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
    expect(stack.resolve(byName.modelPackageGroupArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:model-package-group/their-group']] });
    const byArn = ModelPackageGroup.fromModelPackageGroupArn(stack, 'ByArn', 'arn:aws:sagemaker:eu-west-1:444455556666:model-package-group/shared');
    expect(byArn.modelPackageGroupName).toBe('shared');
    expect(byArn.env.account).toBe('444455556666');
    expect(byArn.addToResourcePolicy(new iam.PolicyStatement({ actions: ['sagemaker:*'], resources: ['*'] })).statementAdded).toBe(false);
  });
});
