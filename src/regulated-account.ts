import { ArnFormat, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';

/** Properties of a `RegulatedAccount`. */
export interface RegulatedAccountProps {
  /**
   * The customer-managed key for everything the library creates in the stack: buckets (default encryption `aws:kms`
   * with bucket keys), the log groups of the Lambda handlers it brings, SNS topics, the endpoint's storage and data
   * capture. Its key policy is extended so that CloudWatch Logs, CloudWatch alarms and EventBridge can use it.
   *
   * @default - a key is created: rotation on, retained when the stack is deleted
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The VPC the library's Lambda handlers (aws-cdk-lib's BucketDeployment and AwsCustomResource) run in. Their
   * subnets need a route to S3 (a gateway endpoint) and, for the model-version lookup, to the SageMaker API (an
   * interface endpoint) or a NAT gateway.
   *
   * @default - the handlers run outside a VPC (NIST.800.53.R5-LambdaInsideVPC and HIPAA.Security-LambdaInsideVPC fail)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The handlers' subnets in `vpc`.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * A bucket that every bucket the library creates replicates to (S3 replication, objects encrypted with this
   * account's key replicated too). It must be versioned, and its own key (if any) must let the replication role use it.
   *
   * @default - no replication; the rule S3BucketReplicationEnabled is suppressed on each created bucket, with the reason
   */
  readonly replicationDestination?: s3.IBucket;

  /**
   * The key of `replicationDestination`'s default encryption, used to encrypt the replicas.
   *
   * @default - the replicas keep the destination bucket's default encryption
   */
  readonly replicationDestinationKey?: kms.IKey;

  /**
   * The topic the library's CloudWatch alarms notify (an alarm with no action alerts no one).
   *
   * @default - a topic is created, encrypted with the key
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * How long the handlers' log groups keep their events.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

const ID = 'RegulatedAccount';

/**
 * SageMaker instance families whose storage is EBS only (no local NVMe instance store): a volume key applies to them.
 * https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data.html and the EC2 instance store list
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-type-specifications.html).
 */
const EBS_ONLY_FAMILIES = ['t2', 't3', 'm4', 'm5', 'm6i', 'm7i', 'c4', 'c5', 'c6i', 'c7i', 'r5', 'r6i', 'r7i', 'p2', 'p3'];

/** The kinds of aws-cdk-lib Lambda handlers the library brings, and the construct IDs of their singleton functions. */
const HANDLER_ID_PREFIX: Record<string, string> = {
  BucketDeployment: 'Custom::CDKBucketDeployment',
  AwsCustomResource: 'AWS679f53fac002430cb0da5b7982bd2287',
};
const CONSULTED = Symbol.for('cdk-sagemaker-pipelines.RegulatedAccount.consulted');

/**
 * The configuration of a stack in a regulated account (NIST 800-53 R5, HIPAA): once enabled in a stack, every
 * construct of this library created in it afterwards encrypts with one customer-managed key, uses managed instead of
 * inline IAM policies, puts aws-cdk-lib's Lambda handlers in the given VPC with encrypted, retained log groups, gives
 * alarms an action, and replicates buckets when a destination is given. What cannot be met by configuration is
 * suppressed for cdk-nag on exactly that resource and rule, with the reason (README, "Regulated accounts").
 *
 * @example
 * // First in the stack: the library's constructs take the configuration when they are created.
 * RegulatedAccount.enable(this, { vpc });
 * new MlPipeline(this, 'Pipeline', { steps });
 */
export class RegulatedAccount extends Construct {
  /**
   * Enables the regulated configuration in a stack, before the library's constructs are created in it.
   */
  public static enable(stack: Stack, props: RegulatedAccountProps = {}): RegulatedAccount {
    if (stack.node.tryFindChild(ID)) {
      throw new Error(`${stack.node.path}: RegulatedAccount.enable was already called for this stack`);
    }
    const consulted: string[] | undefined = (stack as any)[CONSULTED];
    if (consulted && consulted.length > 0) {
      throw new Error(`${stack.node.path}: RegulatedAccount.enable must come before the library's constructs of this stack, `
        + `which take their configuration when they are created; these were created without it: ${consulted.join(', ')}`);
    }
    return new RegulatedAccount(stack, ID, props);
  }

  /**
   * The regulated configuration of the stack of a construct, if it was enabled. @internal
   */
  public static _of(scope: IConstruct): RegulatedAccount | undefined {
    const stack = Stack.of(scope);
    const found = stack.node.tryFindChild(ID) as RegulatedAccount | undefined;
    if (!found) {
      const list: string[] = (stack as any)[CONSULTED] ?? ((stack as any)[CONSULTED] = []);
      list.push(scope.node.path);
    }
    return found;
  }

  /** The key that encrypts what the library creates in this stack. */
  public readonly encryptionKey: kms.IKey;
  /** The VPC of the library's Lambda handlers, if one was given. */
  public readonly vpc?: ec2.IVpc;
  /** Their subnets. */
  public readonly vpcSubnets?: ec2.SubnetSelection;

  private readonly props: RegulatedAccountProps;
  private handlerLogGroup?: logs.LogGroup;
  private replicationRoleInstance?: iam.Role;

  private constructor(scope: Stack, id: string, props: RegulatedAccountProps) {
    super(scope, id);
    this.props = props;
    this.vpc = props.vpc;
    this.vpcSubnets = props.vpcSubnets;
    if (props.vpcSubnets && !props.vpc) {
      throw new Error(`${this.node.path}: vpcSubnets is given without vpc; give the VPC the subnets belong to`);
    }
    if (props.replicationDestinationKey && !props.replicationDestination) {
      throw new Error(`${this.node.path}: replicationDestinationKey is given without replicationDestination`);
    }
    const stack = Stack.of(this);
    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts what cdk-sagemaker-pipelines creates in stack ${stack.stackName}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The key policy lets the services that encrypt with the key on the library's behalf use it (a key given as a
    // reference to another stack's or an imported key keeps its own policy, which must allow the same).
    // CloudWatch Logs encrypts the handlers' log group, for log groups of this account and region only
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }));
    // CloudWatch alarms publish to the encrypted alarm topic
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, encrypted topics).
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
  }

  /** The topic the library's alarms notify: the given one, or one created (encrypted with the key) when first needed. */
  public get alarmTopic(): sns.ITopic {
    if (this.props.alarmTopic) {
      return this.props.alarmTopic;
    }
    const existing = this.node.tryFindChild('AlarmTopic') as sns.ITopic | undefined;
    return existing ?? new sns.Topic(this, 'AlarmTopic', {
      displayName: `Alarms of cdk-sagemaker-pipelines resources in stack ${Stack.of(this).stackName}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
  }

  /**
   * A role whose permissions are managed policies: what is granted to it (aws-cdk-lib's grant methods, statements
   * added by the library) lands in a customer-managed policy attached to it, not in an inline one. @internal
   */
  public _newRole(scope: Construct, id: string, props: iam.RoleProps): iam.Role {
    return new ManagedPolicyRole(scope, id, props);
  }

  /**
   * What aws-cdk-lib's BucketDeployment or AwsCustomResource take to meet the controls: a role of managed policies (one
   * per kind of handler, so that each holds only its own kind's permissions), the encrypted log group, the VPC.
   * @internal
   */
  public _handlerOptions(kind: 'BucketDeployment' | 'AwsCustomResource'): { role: iam.IRole; logGroup: logs.ILogGroup; vpc?: ec2.IVpc; vpcSubnets?: ec2.SubnetSelection } {
    return { role: this._handlerRole(kind), logGroup: this.handlerLogGroupFor(), vpc: this.vpc, vpcSubnets: this.vpc ? this.vpcSubnets : undefined };
  }

  /** The role of a kind of aws-cdk-lib Lambda handler that the library brings into this stack. @internal */
  public _handlerRole(kind: 'BucketDeployment' | 'AwsCustomResource'): iam.Role {
    const id = `${kind}HandlerRole`;
    const existing = this.node.tryFindChild(id) as iam.Role | undefined;
    if (existing) {
      return existing;
    }
    const role = new ManagedPolicyRole(this, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs aws-cdk-lib's ${kind} handler for cdk-sagemaker-pipelines`,
    });
    // What a Lambda function needs to write its logs and, in a VPC, to attach to it (the permissions of the
    // AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole managed policies,
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html), as this account's own policy.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${this.handlerLogGroupFor().logGroupArn}:*`],
    }));
    if (this.vpc) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: ['*'],
      }));
    }
    return role;
  }

  /**
   * The encryption, replication and suppressions of a bucket the library creates. `logTarget`: the bucket receives S3
   * server access logs, whose target bucket S3 encrypts with SSE-S3 only. @internal
   */
  public _bucketProps(logTarget: boolean): Partial<s3.BucketProps> {
    const replication: Partial<s3.BucketProps> = this.props.replicationDestination ? {
      replicationRole: this.replicationRole(),
      replicationRules: [{
        destination: this.props.replicationDestination,
        priority: 0,
        sseKmsEncryptedObjects: !logTarget,
        kmsKey: this.props.replicationDestinationKey,
      }],
    } : {};
    return logTarget
      ? { encryption: s3.BucketEncryption.S3_MANAGED, ...replication }
      : { encryption: s3.BucketEncryption.KMS, encryptionKey: this.encryptionKey, bucketKeyEnabled: true, ...replication };
  }

  /**
   * A job step's props with the account's key as the default key of its S3 outputs and, where the instance type is a
   * literal of a family whose storage is EBS, of its storage volumes. Instance types with local NVMe storage encrypt it
   * with a hardware module and reject a volume key (the API's `VolumeKmsKeyId`: "You can't request a VolumeKmsKeyId
   * when using an instance type with local storage"); a type given as a pipeline parameter may be one. @internal
   */
  public _withJobKeys<T extends { readonly volumeEncryptionKey?: kms.IKey; readonly outputEncryptionKey?: kms.IKey }>(
    props: T, instanceType: { toString(): string } | undefined, defaultInstanceType: string, volumes: boolean = true): T {
    const type = (instanceType ?? defaultInstanceType).toString();
    const family = /^ml\.([a-z0-9-]+)\.[a-z0-9-]+$/.exec(type)?.[1];
    const ebsOnly = volumes && family !== undefined && EBS_ONLY_FAMILIES.includes(family);
    return {
      ...props,
      outputEncryptionKey: props.outputEncryptionKey ?? this.encryptionKey,
      volumeEncryptionKey: props.volumeEncryptionKey ?? (ebsOnly ? this.encryptionKey : undefined),
    };
  }

  /** The cdk-nag suppressions of a bucket the library created with `_bucketProps`. @internal */
  public _suppressBucket(bucket: s3.IBucket, logTarget: boolean): void {
    const reasons: Array<[string, string]> = [];
    if (logTarget) {
      const why = 'This bucket is the target of S3 server access logs, which S3 delivers only to buckets whose default encryption is '
        + 'SSE-S3 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html): SSE-KMS cannot be configured.';
      reasons.push(['NIST.800.53.R5-S3DefaultEncryptionKMS', why], ['HIPAA.Security-S3DefaultEncryptionKMS', why]);
    }
    if (!this.props.replicationDestination) {
      const why = 'Replication needs a destination bucket that the account owner chooses (another Region or account); none was given '
        + 'to RegulatedAccount (replicationDestination), so this bucket is not replicated.';
      reasons.push(['NIST.800.53.R5-S3BucketReplicationEnabled', why], ['HIPAA.Security-S3BucketReplicationEnabled', why]);
    }
    this.suppress(bucket, reasons, false);
  }

  /**
   * The suppressions of aws-cdk-lib's singleton Lambda handlers of a kind in this stack (functions the library does
   * not create) for the controls their props cannot meet. @internal
   */
  public _suppressHandlers(kind: 'BucketDeployment' | 'AwsCustomResource'): void {
    const dlq = `aws-cdk-lib's ${kind} handler is a singleton function that takes no dead-letter queue; CloudFormation invokes it `
      + 'synchronously for a custom resource and reports a failure on the stack itself, so no event is lost.';
    const concurrency = `aws-cdk-lib's ${kind} handler is a singleton function that takes no reserved concurrency; it runs only `
      + 'during deployments, once per custom resource change.';
    const reasons: Array<[string, string]> = [
      ['NIST.800.53.R5-LambdaDLQ', dlq], ['HIPAA.Security-LambdaDLQ', dlq],
      ['NIST.800.53.R5-LambdaConcurrency', concurrency], ['HIPAA.Security-LambdaConcurrency', concurrency],
    ];
    if (!this.vpc) {
      const vpc = 'No VPC was given to RegulatedAccount (vpc), so the handler runs outside a VPC.';
      reasons.push(['NIST.800.53.R5-LambdaInsideVPC', vpc], ['HIPAA.Security-LambdaInsideVPC', vpc]);
    }
    const prefix = HANDLER_ID_PREFIX[kind];
    for (const handler of Stack.of(this).node.children.filter((c) => c.node.id.startsWith(prefix))) {
      const fn = handler.node.tryFindChild('Resource') ?? handler;
      this.suppress(fn, reasons, false);
    }
  }

  private handlerLogGroupFor(): logs.LogGroup {
    if (!this.handlerLogGroup) {
      this.handlerLogGroup = new logs.LogGroup(this, 'HandlerLogs', {
        encryptionKey: this.encryptionKey,
        retention: this.props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    return this.handlerLogGroup;
  }

  private replicationRole(): iam.Role {
    if (!this.replicationRoleInstance) {
      this.replicationRoleInstance = new ManagedPolicyRole(this, 'ReplicationRole', {
        assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
        description: 'Replicates the buckets cdk-sagemaker-pipelines creates',
        maxSessionDuration: Duration.hours(1),
      });
      this.suppress(this.replicationRoleInstance, [
        ['AwsSolutions-IAM5', 'S3 replication reads and replicates the objects of the source buckets (aws-cdk-lib\'s replication '
          + 'grants, on <bucket ARN>/*) and writes any key of the destination bucket.'],
      ], true);
    }
    return this.replicationRoleInstance;
  }

  /**
   * cdk-nag suppressions, written as the metadata cdk-nag reads (its `NagSuppressions` writes the same), so that the
   * library does not depend on cdk-nag.
   */
  private suppress(target: IConstruct, reasons: Array<[string, string]>, applyToChildren: boolean): void {
    for (const child of applyToChildren ? target.node.findAll() : [target]) {
      const resource = child.node.defaultChild ?? child;
      if (!(resource instanceof CfnResource) || reasons.length === 0) {
        continue;
      }
      const metadata = resource.getMetadata('cdk_nag') ?? {};
      const rules: Array<{ id: string; reason: string }> = [...(metadata.rules_to_suppress ?? [])];
      for (const [id, reason] of reasons) {
        if (!rules.some((r) => r.id === id)) {
          rules.push({ id, reason });
        }
      }
      resource.addMetadata('cdk_nag', { ...metadata, rules_to_suppress: rules });
    }
  }
}

/** A role whose grants land in a customer-managed policy attached to it. */
class ManagedPolicyRole extends iam.Role {
  private managedPolicy?: iam.ManagedPolicy;

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.managedPolicy) {
      this.managedPolicy = new iam.ManagedPolicy(this, 'Policy', { roles: [this] });
    }
    this.managedPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.managedPolicy };
  }
}
