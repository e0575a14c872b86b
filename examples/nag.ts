import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagPackSuppression, NagSuppressions } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** Region and account as a template writes them: literals when the stack's environment is known, else pseudo-parameters. */
export const ENV = '(?:<AWS::Region>|[a-z0-9-]+):(?:<AWS::AccountId>|\\d{12})';
/** The partition as a template writes it: a literal when the feature flags pin the target partitions. */
export const PARTITION = '(?:<AWS::Partition>|aws(?:-[a-z]+)*)';

/**
 * The cdk-nag findings of a Lambda function that an aws-cdk-lib module creates for itself (one per stack: the
 * BucketDeployment handler, the AwsCustomResource function): its managed basic-execution policy and its runtime are
 * that module's. Further suppressions of the function (its own policy's wildcards) come with their reasons.
 */
export function suppressAwsCdkLibFunction(fn: IConstruct, module: string, more: NagPackSuppression[] = []): void {
  NagSuppressions.addResourceSuppressions(fn, [{
    id: 'AwsSolutions-IAM4',
    reason: `aws-cdk-lib's ${module} function writes its logs through the AWSLambdaBasicExecutionRole managed policy `
      + '(CloudWatch Logs only), which that module attaches.',
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  }, ...more, {
    id: 'AwsSolutions-L1',
    reason: `The ${module} function's runtime is chosen by aws-cdk-lib (it bundles the handler for it); it moves to newer `
      + 'runtimes with aws-cdk-lib upgrades.',
  }], true);
}

/** The policy that holds a role's grants: its default policy, or in a regulated account its managed policy. */
export function policyOf(role: iam.IRole): IConstruct {
  return role.node.tryFindChild('DefaultPolicy') ?? role.node.findChild('Policy');
}

/**
 * The NIST 800-53 R5 and HIPAA findings of an example bucket in the regulated configuration that configuration cannot
 * meet (the library suppresses the same findings of the buckets it creates, with the same reasons).
 */
export function suppressRegulatedBucket(bucket: s3.IBucket, logTarget: boolean): void {
  const replication = 'Replication needs a destination bucket that the account owner chooses (another Region or account); the '
    + 'example has none, so this bucket is not replicated (give RegulatedAccount a replicationDestination to replicate).';
  const kms = 'This bucket is the target of S3 server access logs, which S3 delivers only to buckets whose default encryption is '
    + 'SSE-S3 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html): SSE-KMS cannot be configured.';
  NagSuppressions.addResourceSuppressions(bucket, [
    { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: replication },
    { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: replication },
    ...(logTarget ? [
      { id: 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason: kms },
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: kms },
    ] : []),
  ]);
}

/**
 * The wildcards of the roles that run aws-cdk-lib's Lambda handlers in the regulated configuration (RegulatedAccount's
 * roles of managed policies): log streams of the handlers' log group are created at run time, and IAM authorizes the
 * network-interface actions a function in a VPC needs on "*" only.
 */
export function suppressRegulatedHandlerRoles(regulated: IConstruct): void {
  for (const role of regulated.node.children.filter((c) => c.node.id.endsWith('HandlerRole'))) {
    NagSuppressions.addResourceSuppressions(role, [{
      id: 'AwsSolutions-IAM5',
      reason: 'The handler writes log streams that Lambda creates at run time in its log group (<log group ARN>:*); in a VPC, '
        + 'Lambda manages the function\'s network interfaces with EC2 actions that IAM authorizes on "*" only '
        + '(https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).',
      appliesTo: [{ regex: '/^Resource::<RegulatedAccountHandlerLogs[A-Z0-9]+\\.Arn>:\\*$/' }, 'Resource::*'],
    }], true);
  }
}
