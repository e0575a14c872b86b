import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { ChampionChallengerStack } from '../examples/endpoint/champion-challenger-stack';
import { SeedPipelineStack } from '../examples/seed-pipeline/seed-pipeline-stack';
import {
  ContainerImage, InstanceType, MlPipeline, ProcessingCode, ProcessingStepConstruct, RegulatedAccount, TrainingStepConstruct,
} from '../src';
import { definitionOf, newStack, stepOf } from './util';

const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf-8')).context;
const PACKS = /^(AwsSolutions|NIST\.800\.53\.R5|HIPAA\.Security)-|CdkNagValidationFailure/;

/** The example app in the regulated configuration (`-c regulated=true`), with all three cdk-nag packs, as app.ts builds it. */
function regulatedExample(env: { account?: string; region?: string } = { account: '123456789012', region: 'us-east-1' }) {
  const app = new App({ context: CDK_JSON_CONTEXT });
  const seed = new SeedPipelineStack(app, 'SeedPipelineStack', { env, regulated: {} });
  const endpoint = new ChampionChallengerStack(app, 'SeedEndpointStack', {
    env,
    modelPackageGroup: seed.modelPackageGroup,
    artifactBucket: seed.pipeline.artifactBucket,
    retrainPipeline: seed.pipeline,
    regulated: { vpc: seed.regulated!.vpc },
  });
  for (const pack of [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks()]) {
    Aspects.of(app).add(pack);
  }
  return { seed, endpoint };
}

function findings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', Match.anyValue()), ...annotations.findWarning('*', Match.anyValue())]
    .filter((m) => PACKS.test(String(m.entry.data)))
    .map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
}

function suppressionsOf(stack: Stack): Array<{ resource: string; id: string; reason: string }> {
  return Object.entries<any>(Template.fromStack(stack).toJSON().Resources).flatMap(([resource, r]) =>
    (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((s: any) => ({ resource, id: s.id, reason: s.reason })));
}

describe('the example app in the regulated configuration', () => {
  const { seed, endpoint } = regulatedExample();

  test.each([['SeedPipelineStack'], ['SeedEndpointStack']])('%s passes NIST 800-53 R5, HIPAA and AwsSolutions: no error, no warning', (name) => {
    expect(findings(name === 'SeedPipelineStack' ? seed : endpoint)).toEqual([]);
  });

  test('every NIST/HIPAA suppression sits on one resource and gives its reason; the controls met by configuration are not suppressed', () => {
    for (const stack of [seed, endpoint]) {
      const suppressions = suppressionsOf(stack).filter((s) => /^(NIST|HIPAA)/.test(s.id));
      expect(suppressions.length).toBeGreaterThan(0);
      for (const s of suppressions) {
        expect(s.reason.length).toBeGreaterThan(60);
      }
      // Met by configuration, so never suppressed: KMS on the buckets that can take it, inline policies, log group
      // encryption, handlers in the VPC (one is given), alarm actions.
      const ids = new Set(suppressions.map((s) => s.id.replace(/^[^-]+-/, '')));
      for (const met of ['IAMNoInlinePolicy', 'CloudWatchLogGroupEncrypted', 'LambdaInsideVPC', 'CloudWatchAlarmAction', 'SNSEncryptedKMS']) {
        expect(ids.has(met)).toBe(false);
      }
      // S3DefaultEncryptionKMS only on the buckets that receive S3 server access logs (SSE-S3 only).
      for (const s of suppressions.filter((x) => x.id.endsWith('S3DefaultEncryptionKMS'))) {
        expect(s.resource).toMatch(/AccessLogs/);
      }
    }
  });

  test('one customer-managed key encrypts the buckets (bucket keys on), the topic, the handlers\' log group and the job outputs', () => {
    const t = Template.fromStack(seed);
    const keyId = Object.keys(t.findResources('AWS::KMS::Key')).find((k) => k.startsWith('RegulatedAccountKey'))!;
    const kms = { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } }, BucketKeyEnabled: true }] };
    for (const id of ['SeedPipelineArtifactBucket', 'RawData']) {
      const [bucket] = Object.entries<any>(t.findResources('AWS::S3::Bucket')).filter(([k]) => k.startsWith(id));
      expect(bucket[1].Properties.BucketEncryption).toEqual(kms);
    }
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 365 });
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    // CloudWatch Logs may use the key for this account's log groups only.
    const policy = t.findResources('AWS::KMS::Key')[keyId].Properties.KeyPolicy.Statement;
    expect(policy).toEqual(expect.arrayContaining([expect.objectContaining({
      Principal: { Service: 'logs.us-east-1.amazonaws.com' },
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-east-1:123456789012:log-group:*' } },
    })]));
    // The job outputs; not the volumes, since the example's instance types are pipeline parameters (a type with local
    // NVMe storage would reject a volume key).
    const definition = definitionOf(seed.pipeline);
    const train = stepOf(definition, 'Train');
    expect(train.Arguments.OutputDataConfig.KmsKeyId).toBe(`<<GetAtt:${keyId}.Arn>>`);
    expect(train.Arguments.ResourceConfig.VolumeKmsKeyId).toBeUndefined();
    expect(stepOf(definition, 'Preprocess').Arguments.ProcessingOutputConfig.KmsKeyId).toBe(train.Arguments.OutputDataConfig.KmsKeyId);
  });

  test('no inline policy: the roles the library and aws-cdk-lib\'s handlers use hold managed policies', () => {
    for (const stack of [seed, endpoint]) {
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::IAM::Policy', 0);
      for (const role of Object.values<any>(t.findResources('AWS::IAM::Role'))) {
        expect(role.Properties.Policies).toBeUndefined();
      }
    }
    const t = Template.fromStack(seed);
    const pipelineRole = Object.keys(t.findResources('AWS::IAM::Role')).find((k) => k.startsWith('SeedPipelineRole'))!;
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: pipelineRole }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sagemaker:CreateTrainingJob']) })]) },
    });
  });

  test('aws-cdk-lib\'s handlers run in the VPC with the encrypted log group, and the alarms notify the alarm topic', () => {
    const s = Template.fromStack(seed);
    const logGroup = Object.keys(s.findResources('AWS::Logs::LogGroup')).find((k) => k.startsWith('RegulatedAccountHandlerLogs'))!;
    const [deployHandler] = Object.values<any>(s.findResources('AWS::Lambda::Function'))
      .filter((f) => f.Properties.Handler === 'index.handler' && f.Properties.VpcConfig);
    expect(deployHandler.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroup } });
    expect(deployHandler.Properties.VpcConfig.SubnetIds.length).toBe(2);
    const e = Template.fromStack(endpoint);
    const lookup = Object.values<any>(e.findResources('AWS::Lambda::Function'))[0];
    expect(lookup.Properties.VpcConfig).toBeDefined();
    for (const alarm of Object.values<any>(e.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });
});

describe('RegulatedAccount', () => {
  test('replicates every bucket the library creates when a destination is given, objects encrypted with the account key too', () => {
    const stack = newStack();
    const destination = s3.Bucket.fromBucketArn(stack, 'Dest', 'arn:aws:s3:::replica-bucket');
    RegulatedAccount.enable(stack, { replicationDestination: destination });
    new MlPipeline(stack, 'P', { steps: [] });
    const t = Template.fromStack(stack);
    const buckets = Object.values<any>(t.findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(2);
    for (const b of buckets) {
      expect(b.Properties.ReplicationConfiguration.Rules[0].Destination.Bucket).toBe('arn:aws:s3:::replica-bucket');
      expect(b.Properties.ReplicationConfiguration.Role).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RegulatedAccountReplicationRole/), 'Arn'] });
    }
    const artifacts = Object.entries<any>(t.findResources('AWS::S3::Bucket')).find(([k]) => k.startsWith('PArtifactBucket'))![1];
    expect(artifacts.Properties.ReplicationConfiguration.Rules[0].SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });
    // With a destination, replication is not suppressed.
    expect(suppressionsOf(stack).filter((s) => s.id.endsWith('S3BucketReplicationEnabled'))).toEqual([]);
  });

  test('volume keys only where the instance type takes one: EBS-only literal types; output keys always', () => {
    const stack = newStack();
    RegulatedAccount.enable(stack);
    const image = ContainerImage.sklearn('1.2-1');
    const code = ProcessingCode.fromS3Uri('s3://code-bucket/run.py');
    const outputs = [{ outputName: 'out', source: '/opt/ml/processing/out' }];
    const ebs = new ProcessingStepConstruct(stack, 'Ebs', { image, code, outputs, instanceType: InstanceType.ML_M5_XLARGE });
    const nvme = new ProcessingStepConstruct(stack, 'Nvme', { image, code, outputs, instanceType: InstanceType.ML_G5_XLARGE });
    const train = new TrainingStepConstruct(stack, 'Train', {
      image: ContainerImage.xgboost('1.7-1'),
      channels: [{ channelName: 'train', s3Uri: ebs.outputS3Uri('out') }],
    });
    const definition = definitionOf(new MlPipeline(stack, 'P', { steps: [ebs, nvme, train] }));
    const ebsArgs = stepOf(definition, 'Ebs').Arguments;
    const nvmeArgs = stepOf(definition, 'Nvme').Arguments;
    expect(ebsArgs.ProcessingResources.ClusterConfig.VolumeKmsKeyId).toBeDefined();
    expect(ebsArgs.ProcessingOutputConfig.KmsKeyId).toBeDefined();
    expect(nvmeArgs.ProcessingResources.ClusterConfig.VolumeKmsKeyId).toBeUndefined();
    expect(nvmeArgs.ProcessingOutputConfig.KmsKeyId).toBeDefined();
    expect(stepOf(definition, 'Train').Arguments.ResourceConfig.VolumeKmsKeyId).toBeDefined();
  });

  test('the default configuration is unchanged: no key, S3-managed encryption, inline default policies', () => {
    const stack = newStack();
    new MlPipeline(stack, 'P', { steps: [] });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const b of Object.values<any>(t.findResources('AWS::S3::Bucket'))) {
      expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    }
  });

  test('fails when enabled after the library\'s constructs of the stack, twice, or with subnets but no VPC', () => {
    const stack = newStack();
    new MlPipeline(stack, 'P', { steps: [] });
    expect(() => RegulatedAccount.enable(stack)).toThrow(
      /TestStack: RegulatedAccount.enable must come before the library's constructs of this stack, .*these were created without it: TestStack\/P/);
    const other = newStack();
    RegulatedAccount.enable(other);
    expect(() => RegulatedAccount.enable(other)).toThrow('TestStack: RegulatedAccount.enable was already called for this stack');
    const third = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(third, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-1'] });
    expect(() => RegulatedAccount.enable(newStack(), { vpcSubnets: { subnets: vpc.privateSubnets } }))
      .toThrow('TestStack/RegulatedAccount: vpcSubnets is given without vpc; give the VPC the subnets belong to');
  });
});
