import * as sagemaker_alpha from '@aws-cdk/aws-sagemaker-alpha';
import { ArnFormat, CfnResource, Lazy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ContainerImage, ImageUsage } from '../container-image';
import { IModelPackageGroup, groupArnOf } from '../model-package-group';
import { RegulatedAccount } from '../regulated-account';
import { recordGroupLookup } from './private/group-lookups';

/** A model version, once bound: its ARN. */
export interface ModelVersionConfig {
  /** The ARN of the model package (`arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`). */
  readonly modelPackageArn: string;
}

/** Options of `ModelVersion.latestApproved`. */
export interface LatestApprovedVersionOptions {
  /**
   * Any value; when it changes, the next `cdk deploy` looks the latest approved version up again (a new approval
   * alone does not change the template). For example the approval event's time, passed in context by whatever
   * `onModelApproved` starts, or `cdk deploy -c modelRefresh=$(date +%s)`.
   * @default - the lookup runs when the stack is created and when the group changes
   */
  readonly refreshToken?: string;
}

/** A model package ARN: a version of a group (`model-package/<group>/<n>`) or an unversioned package. */
const MODEL_PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:[0-9]{12}:model-package\/[\S]{1,2048}$/;

/**
 * A version of a model in the model registry, to deploy: a given model package, or the latest approved version of a
 * group, looked up when the stack is deployed.
 */
export abstract class ModelVersion {
  /** A model package by ARN (a version of a group: `...:model-package/<group>/<version>`). */
  public static fromModelPackageArn(modelPackageArn: string): ModelVersion {
    if (!Token.isUnresolved(modelPackageArn) && !MODEL_PACKAGE_ARN.test(modelPackageArn)) {
      throw new Error(`ModelVersion.fromModelPackageArn: '${modelPackageArn}' is not a model package ARN; expected `
        + 'arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>, as the model registry shows it');
    }
    return new ArnVersion(modelPackageArn);
  }

  /**
   * The newest version of a group whose approval status is Approved, looked up at deploy time (a custom resource
   * calls `ListModelPackages` for the group, Approved, sorted by creation time, newest first). The deployment fails
   * while the group has no approved version.
   */
  public static latestApproved(group: IModelPackageGroup, options: LatestApprovedVersionOptions = {}): ModelVersion {
    return new LatestApprovedVersion(group, options);
  }

  /** Resolves the version (creating the lookup where needed). */
  public abstract bind(scope: Construct): ModelVersionConfig;

  /**
   * What `sagemaker:DescribeModelPackage` of this version is authorized on: the version, or its group's versions when it
   * is found at deploy time (model package ARNs name the group in lower case, as `nameForms` of ModelPackageGroup).
   * @internal
   */
  public abstract _describeResources(): string[];

  /** The account and region of the registry the version is in, when known at synth time. @internal */
  public abstract _registry(): { account?: string; region?: string };
}

class ArnVersion extends ModelVersion {
  constructor(private readonly arn: string) {
    super();
  }

  public bind(_scope: Construct): ModelVersionConfig {
    return { modelPackageArn: this.arn };
  }

  public _describeResources(): string[] {
    return [this.arn];
  }

  public _registry(): { account?: string; region?: string } {
    if (Token.isUnresolved(this.arn)) {
      return {};
    }
    const [, , , region, account] = this.arn.split(':');
    return { account, region };
  }
}

/** The response path of the ARN in `ListModelPackages`. */
const NEWEST_ARN = 'ModelPackageSummaryList.0.ModelPackageArn';

class LatestApprovedVersion extends ModelVersion {
  private readonly lookups = new Map<Construct, string>();

  constructor(private readonly group: IModelPackageGroup, private readonly options: LatestApprovedVersionOptions) {
    super();
  }

  public _describeResources(): string[] {
    const name = this.group.modelPackageGroupName;
    const forms = Token.isUnresolved(name) ? [name] : [...new Set([name, name.toLowerCase()])];
    // In the group's account and region (another account's, for a group imported by ARN).
    return forms.map((n) => Stack.of(this.group).formatArn({
      service: 'sagemaker', resource: 'model-package', resourceName: `${n}/*`, account: this.group.env.account, region: this.group.env.region,
    }));
  }

  public _registry(): { account?: string; region?: string } {
    const { account, region } = this.group.env;
    return { account: Token.isUnresolved(account) ? undefined : account, region: Token.isUnresolved(region) ? undefined : region };
  }

  public bind(scope: Construct): ModelVersionConfig {
    const known = this.lookups.get(scope);
    if (known) {
      return { modelPackageArn: known };
    }
    // A group in another account is named by its ARN (ListModelPackages takes a name or an ARN: ArnOrName), which the
    // group's resource policy lets this account list (ModelPackageGroup.shareForServing).
    const crossAccount = isOtherAccount(scope, this._registry().account);
    const call: cr.AwsSdkCall = {
      service: 'SageMaker',
      action: 'ListModelPackages',
      parameters: {
        ModelPackageGroupName: crossAccount ? groupArnOf(this.group) : this.group.modelPackageGroupName,
        ModelApprovalStatus: 'Approved',
        ModelPackageType: 'Versioned',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      },
      // The version found is the resource's identity: a newer one replaces it, and what uses the ARN follows.
      physicalResourceId: cr.PhysicalResourceId.fromResponse(NEWEST_ARN),
      outputPaths: [NEWEST_ARN],
    };
    // ListModelPackages is authorized on "*" only (the Service Authorization Reference lists no resource type).
    const listStatement = new iam.PolicyStatement({ actions: ['sagemaker:ListModelPackages'], resources: ['*'] });
    const lookup = deployTimeCall(scope, 'LatestApprovedVersion', { onUpdate: call }, listStatement, this.options.refreshToken);
    // A group of the app exists before it is looked into.
    lookup.node.addDependency(this.group);
    const arn = lookup.getResponseField(NEWEST_ARN);
    this.lookups.set(scope, arn);
    recordGroupLookup(Stack.of(scope), { path: lookup.node.path, groupName: this.group.modelPackageGroupName, account: this._registry().account });
    return { modelPackageArn: arn };
  }
}

/** Whether an account known at synth time differs from the account of the scope's stack (also known). @internal */
export function isOtherAccount(scope: Construct, account: string | undefined): boolean {
  const here = Stack.of(scope).account;
  return account !== undefined && !Token.isUnresolved(here) && here !== account;
}

/**
 * An SDK call that CloudFormation makes when the stack deploys (aws-cdk-lib's AwsCustomResource), allowed exactly the
 * statement given. A changed `refreshToken` makes CloudFormation send an Update, which runs the call again (the
 * handler ignores properties it does not know). In a regulated account, the handler runs with the account's role, log
 * group and VPC, and the statement is a managed policy of this call's own attached to that role: a statement may
 * name another call's result, which the role's shared policy must not (that call's function needs the policy before it
 * runs: a dependency cycle). @internal
 */
export function deployTimeCall(
  scope: Construct, id: string, calls: { onCreate?: cr.AwsSdkCall; onUpdate: cr.AwsSdkCall }, statement: iam.PolicyStatement, refreshToken?: string,
): cr.AwsCustomResource {
  const regulated = RegulatedAccount._of(scope);
  const call = new cr.AwsCustomResource(scope, id, {
    ...calls,
    ...(regulated ? regulated._handlerOptions('AwsCustomResource') : { policy: cr.AwsCustomResourcePolicy.fromStatements([statement]) }),
    installLatestAwsSdk: false,
  });
  if (regulated) {
    regulated._suppressHandlers('AwsCustomResource');
    const policy = new iam.ManagedPolicy(scope, `${id}Policy`, { roles: [regulated._handlerRole('AwsCustomResource')], statements: [statement] });
    call.node.addDependency(policy);
  }
  if (refreshToken !== undefined) {
    (call.node.findChild('Resource').node.defaultChild as CfnResource).addPropertyOverride('RefreshToken', refreshToken);
  }
  return call;
}

/** Properties of a `ModelVersionModel`. */
export interface ModelVersionModelProps {
  /** The version to deploy. */
  readonly modelVersion: ModelVersion;
  /**
   * The buckets the versions' model artifacts are in (the pipeline's `artifactBucket`): the role may read them.
   * @default - none: give a role that can read the artifacts
   */
  readonly artifactBuckets?: s3.IBucket[];
  /**
   * The images of the versions' containers (the `image` the pipeline registered): the role may pull them.
   * @default - none: give a role that can pull the images
   */
  readonly images?: ContainerImage[];
  /**
   * Environment variables of the container, added to those the version declares.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * The role SageMaker runs the model as.
   * @default - a role that may read `artifactBuckets`, pull `images`, write the endpoint's logs and metrics, and
   * (with a VPC) manage its network interfaces
   */
  readonly role?: iam.IRole;
  /**
   * The model's name.
   * @default - generated by CloudFormation (a new version is a new model, so the name must be free to change)
   */
  readonly modelName?: string;
  /**
   * A VPC to run the model in.
   * @default - none
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of the VPC.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the model in the VPC.
   * @default - one is created
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Isolate the container from the network.
   * @default false
   */
  readonly networkIsolation?: boolean;
}

/**
 * A SageMaker model whose container is a model version of the registry (`ModelPackageName`): what an endpoint
 * serves. It is an `IModel` of `@aws-cdk/aws-sagemaker-alpha`, for its `EndpointConfig`, `Endpoint` and the
 * library's `AbTestEndpoint`.
 *
 * @example
 * const champion = new ModelVersionModel(this, 'Champion', {
 *   modelVersion: ModelVersion.latestApproved(group),
 *   artifactBuckets: [pipeline.artifactBucket],
 *   images: [ContainerImage.xgboost('1.7-1')],
 * });
 */
export class ModelVersionModel extends Resource implements sagemaker_alpha.IModel {
  /** The model's ARN. */
  public readonly modelArn: string;
  /** The model's name. */
  public readonly modelName: string;
  /** The model package deployed. */
  public readonly modelPackageArn: string;
  /** The role the model runs as. */
  public readonly role?: iam.IRole;
  /** The principal grants go to: the role. */
  public readonly grantPrincipal: iam.IPrincipal;
  private readonly _connections?: ec2.Connections;

  constructor(scope: Construct, id: string, props: ModelVersionModelProps) {
    super(scope, id, { physicalName: props.modelName });
    const regulated = RegulatedAccount._of(this);
    const roleProps: iam.RoleProps = { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') };
    // In a regulated account, the role's permissions are managed policies.
    const role = props.role ?? (regulated ? regulated._newRole(this, 'Role', roleProps) : new iam.Role(this, 'Role', roleProps));
    this.role = role;
    this.grantPrincipal = role;
    this.modelPackageArn = props.modelVersion.bind(this).modelPackageArn;

    if (!props.role) {
      this.grantRuntime(role, props.vpc !== undefined);
      const registry = props.modelVersion._registry();
      if (isOtherAccount(this, registry.account)) {
        this.grantRegistryReads(role, registry.account!, registry.region ?? Stack.of(this).region, props);
      }
    }
    for (const bucket of props.artifactBuckets ?? []) {
      bucket.grantRead(role);
    }
    for (const image of props.images ?? []) {
      image.bind(this, ImageUsage.INFERENCE, role);
    }

    let vpcConfig: sagemaker.CfnModel.VpcConfigProperty | undefined;
    if (props.vpc) {
      const securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc })];
      this._connections = new ec2.Connections({ securityGroups });
      vpcConfig = {
        subnets: props.vpc.selectSubnets(props.vpcSubnets).subnetIds,
        securityGroupIds: Lazy.list({ produce: () => this._connections!.securityGroups.map((sg) => sg.securityGroupId) }),
      };
    } else if (props.vpcSubnets || props.securityGroups) {
      throw new Error(`${this.node.path}: vpcSubnets and securityGroups apply to a model in a VPC; give vpc as well, or leave them out`);
    }

    const resource = new sagemaker.CfnModel(this, 'Resource', {
      executionRoleArn: role.roleArn,
      modelName: this.physicalName,
      primaryContainer: { modelPackageName: this.modelPackageArn, environment: props.environment },
      vpcConfig,
      enableNetworkIsolation: props.networkIsolation,
    });
    // The role's permissions must exist before SageMaker checks them on the model.
    resource.node.addDependency(role);
    this.modelName = this.getResourceNameAttribute(resource.attrModelName);
    // Ref of AWS::SageMaker::Model is the model's ARN.
    this.modelArn = this.getResourceArnAttribute(resource.ref, {
      service: 'sagemaker',
      resource: 'model',
      resourceName: this.physicalName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** The security groups of the model in its VPC. */
  public get connections(): ec2.Connections {
    if (!this._connections) {
      throw new Error(`${this.node.path}: the model is not in a VPC, so its network access cannot be managed; give vpc`);
    }
    return this._connections;
  }

  /** Adds a statement to the role's policy. */
  public addToRolePolicy(statement: iam.PolicyStatement): void {
    this.role?.addToPrincipalPolicy(statement);
  }

  /**
   * A version in another account (the registry's): SageMaker reads its model artifacts and pulls its image as this
   * role. The artifacts' bucket and key, and the image's repository, are the version's, found when the stack deploys:
   * the role may read objects of that account's buckets, decrypt with that account's keys through S3, and pull from
   * that account's repositories; the registry account's bucket, key and repository policies
   * (`ModelPackageGroup.shareForServing`) say which. Given `artifactBuckets` or `images` take the place of the
   * account-wide statement of their kind.
   */
  private grantRegistryReads(role: iam.IRole, account: string, region: string, props: ModelVersionModelProps): void {
    const stack = Stack.of(this);
    if (!props.artifactBuckets) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${stack.partition}:s3:::*/*`],
        conditions: { StringEquals: { 'aws:ResourceAccount': account } },
      }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [stack.formatArn({ service: 'kms', account, region, resource: 'key', resourceName: '*' })],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.${stack.urlSuffix}` } },
      }));
    }
    if (!props.images) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [stack.formatArn({ service: 'ecr', account, region, resource: 'repository', resourceName: '*' })],
      }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    }
  }

  /**
   * What SageMaker does with the role while it hosts the model: write the endpoint's logs and metrics, and in a VPC,
   * manage the network interfaces of the instances.
   */
  private grantRuntime(role: iam.IRole, inVpc: boolean): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/Endpoints/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/Endpoints', 'AWS/SageMaker'] } },
    }));
    if (inVpc) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
          'ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions',
          'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      }));
    }
  }
}
