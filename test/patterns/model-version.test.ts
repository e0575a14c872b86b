import * as sagemaker_alpha from '@aws-cdk/aws-sagemaker-alpha';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ContainerImage, MlPipeline, ModelPackageGroup, ModelVersion, ModelVersionModel, ProcessingStepConstruct,
} from '../../src';
import { actionsOn, definitionOf, newStack, stepOf } from '../util';

const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3';
const XGBOOST_REPO = 'arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost';

function statementsOf(template: Template, rolePrefix: string): any[] {
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(rolePrefix))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('ModelVersion.latestApproved', () => {
  test('looks the newest Approved version of the group up at deploy time with ListModelPackages', () => {
    const stack = newStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
    new ModelVersionModel(stack, 'Champion', { modelVersion: ModelVersion.latestApproved(group) });
    const template = Template.fromStack(stack);
    const lookups = template.findResources('Custom::AWS');
    expect(Object.keys(lookups)).toHaveLength(1);
    const [lookupId, lookup] = Object.entries<any>(lookups)[0];
    const call = JSON.parse(lookup.Properties.Create);
    expect(JSON.parse(lookup.Properties.Update)).toEqual(call);
    expect(call).toEqual({
      service: 'SageMaker',
      action: 'ListModelPackages',
      parameters: {
        ModelPackageGroupName: 'churn',
        ModelApprovalStatus: 'Approved',
        ModelPackageType: 'Versioned',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      },
      physicalResourceId: { responsePath: 'ModelPackageSummaryList.0.ModelPackageArn' },
      outputPaths: ['ModelPackageSummaryList.0.ModelPackageArn'],
    });
    // The group exists before the lookup runs.
    expect(lookup.DependsOn).toContain(stack.getLogicalId(group.node.defaultChild as any));
    // Its function may call ListModelPackages (authorized on "*" only) and nothing else.
    const lookupStatements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (lookup.DependsOn as string[]).some((d) => d.startsWith('ChampionLatestApprovedVersionCustomResourcePolicy')) && /LatestApprovedVersion/.test(p.Properties.PolicyName))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(lookupStatements).toEqual([{ Action: 'sagemaker:ListModelPackages', Effect: 'Allow', Resource: '*' }]);
    // The model's container is the version found.
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { ModelPackageName: { 'Fn::GetAtt': [lookupId, 'ModelPackageSummaryList.0.ModelPackageArn'] } },
    });
  });

  test('a refresh token is a property of the lookup: a new token looks again', () => {
    const tokenOf = (refreshToken?: string) => {
      const stack = newStack();
      const group = ModelPackageGroup.fromModelPackageGroupName(stack, 'Group', 'churn');
      new ModelVersionModel(stack, 'Champion', { modelVersion: ModelVersion.latestApproved(group, { refreshToken }) });
      return Object.values<any>(Template.fromStack(stack).findResources('Custom::AWS'))[0].Properties.RefreshToken;
    };
    expect(tokenOf()).toBeUndefined();
    expect(tokenOf('2026-11-28T00:00:00Z')).toBe('2026-11-28T00:00:00Z');
  });
});

describe('ModelVersionModel', () => {
  test('an IModel of the alpha module whose container is the model package, with a least-privilege role', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    const artifacts = new s3.Bucket(stack, 'Artifacts', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
    const model = new ModelVersionModel(stack, 'Champion', {
      modelVersion: ModelVersion.fromModelPackageArn(ARN),
      artifactBuckets: [artifacts],
      images: [ContainerImage.xgboost('1.7-1')],
      environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2' },
    });
    const asAlpha: sagemaker_alpha.IModel = model;
    expect(asAlpha.modelName).toBeDefined();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { ModelPackageName: ARN, Environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '2' } },
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChampionRole'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' } }] },
    });
    const statements = statementsOf(template, 'ChampionRole');
    // The artifacts: read, with the bucket's key.
    const bucketArn = { 'Fn::GetAtt': [stack.getLogicalId(artifacts.node.defaultChild as s3.CfnBucket), 'Arn'] };
    expect(actionsOn(statements, { 'Fn::Join': ['', [bucketArn, '/*']] })).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:List*']));
    expect(actionsOn(statements, { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] })).toContain('kms:Decrypt');
    // The image: pull from exactly its repository.
    expect(actionsOn(statements, XGBOOST_REPO)).toEqual(expect.arrayContaining(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']));
    // Logs and metrics of the endpoint only.
    expect(actionsOn(statements, 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/*'))
      .toEqual(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    expect(actionsOn(statements, '*', { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/Endpoints', 'AWS/SageMaker'] } })).toEqual(['cloudwatch:PutMetricData']);
    // No network permissions outside a VPC.
    expect(JSON.stringify(statements)).not.toContain('ec2:');
    expect(() => model.connections).toThrow(/Champion: the model is not in a VPC, so its network access cannot be managed; give vpc/);
  });

  test('in a VPC: subnets, a security group, and the network interface permissions SageMaker needs', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const model = new ModelVersionModel(stack, 'Champion', { modelVersion: ModelVersion.fromModelPackageArn(ARN), vpc, networkIsolation: true });
    expect(model.connections.securityGroups).toHaveLength(1);
    const template = Template.fromStack(stack);
    const props = Object.values<any>(template.findResources('AWS::SageMaker::Model'))[0].Properties;
    expect(props.EnableNetworkIsolation).toBe(true);
    expect(props.VpcConfig.Subnets).toHaveLength(2);
    expect(props.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^ChampionSecurityGroup/), 'GroupId'] }]);
    expect(actionsOn(statementsOf(template, 'ChampionRole'), '*')).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']));
  });

  test('fails on a malformed package ARN, or subnets without a VPC', () => {
    expect(() => ModelVersion.fromModelPackageArn('churn/3')).toThrow(/'churn\/3' is not a model package ARN; expected arn:aws:sagemaker:<region>:<account>:model-package\/<group>\/<version>/);
    const stack = new Stack(new App(), 'S');
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1');
    expect(() => new ModelVersionModel(stack, 'M', { modelVersion: ModelVersion.fromModelPackageArn(ARN), securityGroups: [sg] }))
      .toThrow(/S\/M: vpcSubnets and securityGroups apply to a model in a VPC; give vpc as well/);
  });
});

describe('images between the library and @aws-cdk/aws-sagemaker-alpha', () => {
  test('a library image in an alpha Model: the inference image URI, pulled by the model\'s role', () => {
    const stack = newStack();
    const model = new sagemaker_alpha.Model(stack, 'Model', {
      containers: [{ image: ContainerImage.xgboost('1.7-1').toSageMakerAlpha(), modelData: sagemaker_alpha.ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'B', 'model-bucket'), 'model.tar.gz') }],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1' },
    });
    const role = stack.getLogicalId(model.role!.node.defaultChild as any);
    expect(actionsOn(statementsOf(template, role), XGBOOST_REPO)).toEqual(expect.arrayContaining(['ecr:BatchGetImage']));
  });

  test('an alpha image in a pipeline step: its URI, pulled by the pipeline\'s role', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'my-processing');
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: ContainerImage.fromSageMakerAlpha(sagemaker_alpha.ContainerImage.fromEcrRepository(repo, 'v2')) });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    expect(stepOf(definitionOf(pipeline), 'Prep').Arguments.AppSpecification.ImageUri).toBe('123456789012.dkr.ecr.us-east-1.<<Ref:AWS::URLSuffix>>/my-processing:v2');
    const statements = statementsOf(Template.fromStack(stack), 'PRole');
    expect(actionsOn(statements, 'arn:aws:ecr:us-east-1:123456789012:repository/my-processing')).toEqual(expect.arrayContaining(['ecr:BatchGetImage']));
  });
});
