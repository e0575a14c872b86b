import { ArnFormat, IResource, Lazy, Names, RemovalPolicy, Resource, Stack, Tags, Token, TokenComparison } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';

/** The approval statuses of a model version. */
export enum ModelApprovalStatus {
  /** Approved for deployment. */
  APPROVED = 'Approved',
  /** Rejected. */
  REJECTED = 'Rejected',
  /** Waiting for a person to approve or reject it. */
  PENDING_MANUAL_APPROVAL = 'PendingManualApproval',
}

/** Options of `onModelPackageStateChange`. */
export interface ModelPackageStateChangeOptions extends events.OnEventOptions {
  /**
   * Only events of versions in these approval statuses.
   * @default - every status
   */
  readonly approvalStatuses?: ModelApprovalStatus[];
}

/**
 * A SageMaker model package group: the registry of the versions of one model.
 */
export interface IModelPackageGroup extends IResource {
  /** The group's name. @attribute */
  readonly modelPackageGroupName: string;
  /** The group's ARN. @attribute */
  readonly modelPackageGroupArn: string;

  /** Lets a principal perform actions on the group and its model versions. */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;

  /** Lets a principal register model versions in the group. */
  grantRegister(grantee: iam.IGrantable): iam.Grant;

  /** Lets a principal read the group and its model versions. */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /** Lets a principal approve or reject model versions (update their approval status). */
  grantApprove(grantee: iam.IGrantable): iam.Grant;

  /** Lets a principal create models from the group's versions (to deploy them). */
  grantDeploy(grantee: iam.IGrantable): iam.Grant;

  /**
   * Adds a statement to the group's resource policy. Returns whether it was added (an imported group has no
   * policy this stack manages).
   */
  addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult;

  /**
   * An EventBridge rule on SageMaker's "SageMaker Model Package State Change" events of this group's versions: one
   * is registered, its approval status or its status changes.
   */
  onModelPackageStateChange(id: string, options?: ModelPackageStateChangeOptions): events.Rule;

  /**
   * An EventBridge rule on this group's versions whose approval status is Approved (approved in the console, with
   * `aws sagemaker update-model-package`, or registered as Approved): the hook to deploy them.
   */
  onModelApproved(id: string, options?: events.OnEventOptions): events.Rule;
}

/** What another account may do with a group's model versions. */
export interface CrossAccountAccessOptions {
  /**
   * Register new versions in the group.
   * @default false
   */
  readonly register?: boolean;
  /**
   * Create models from the versions, to deploy them, and update their approval status.
   * @default false
   */
  readonly deploy?: boolean;
}

/** What the serving accounts of `shareForServing` may read besides the group. */
export interface ServingAccessOptions {
  /**
   * The buckets the versions' model artifacts are in (a pipeline's `artifactBucket`): the accounts may read their
   * objects (bucket policy) and decrypt them through S3 with the bucket's KMS key, if any (key policy). Buckets the
   * app imports cannot take a policy: grant those where they are defined.
   * @default - none
   */
  readonly artifactBuckets?: s3.IBucket[];
  /**
   * The ECR repositories of the versions' custom images: the accounts may pull from them (repository policy).
   * SageMaker's own framework images need nothing.
   * @default - none
   */
  readonly repositories?: ecr.IRepository[];
}

/** Properties of a `ModelPackageGroup`. */
export interface ModelPackageGroupProps {
  /**
   * The group's name (at most 63 characters: letters, digits and single hyphens between them).
   * @default - a name generated from the construct path
   */
  readonly modelPackageGroupName?: string;
  /**
   * A description of the group (at most 1024 characters).
   * @default - none
   */
  readonly description?: string;
  /**
   * Tags of the group.
   * @default - none
   */
  readonly tags?: { [key: string]: string };
  /**
   * What happens to the group (and the model versions in it) when it leaves the stack.
   * @default RemovalPolicy.RETAIN: registered models are the team's history
   */
  readonly removalPolicy?: RemovalPolicy;
}

const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/*
 * What each action is authorized on, from the Service Authorization Reference, "Actions, resources, and condition
 * keys for Amazon SageMaker AI" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html):
 * - CreateModelPackage, DescribeModelPackage, UpdateModelPackage: the model-package resource type only (a group ARN
 *   in their statement grants them nothing);
 * - DescribeModelPackageGroup: the model-package-group resource type;
 * - AddTags: any taggable resource type, model-package included (CreateModelPackage with tags needs it);
 * - ListModelPackages: no resource type: only "*" authorizes it;
 * - CreateModel: the model resource type (the model being created), not the model package it is created from.
 */
const ON_VERSIONS = {
  register: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags'],
  read: ['sagemaker:DescribeModelPackage'],
  approve: ['sagemaker:UpdateModelPackage', 'sagemaker:DescribeModelPackage'],
};
const ON_GROUP_READ = ['sagemaker:DescribeModelPackageGroup'];
/*
 * What a serving account needs on the versions, as "Deploy a Model Version from a Different Account"
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-deploy-xaccount.html) writes the group's policy:
 * DescribeModelPackage, ListModelPackages and CreateModel on model-package/<group>/* (the lookup lists the group's
 * versions by the group's ARN; CloudFormation creates the model from the version).
 */
const FOR_SERVING = ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel'];
const LIST_VERSIONS = 'sagemaker:ListModelPackages';

abstract class ModelPackageGroupBase extends Resource implements IModelPackageGroup {
  public abstract readonly modelPackageGroupName: string;
  public abstract readonly modelPackageGroupArn: string;
  /** The group's name as given, when known at synth time. */
  protected nameForArns?: string;

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [...this.groupArns(), ...this.modelPackageArns()] });
  }

  public grantRegister(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ON_VERSIONS.register, resourceArns: this.modelPackageArns() });
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.combine(
      iam.Grant.addToPrincipal({ grantee, actions: ON_GROUP_READ, resourceArns: this.groupArns() }),
      iam.Grant.addToPrincipal({ grantee, actions: ON_VERSIONS.read, resourceArns: this.modelPackageArns() }),
      this.grantList(grantee),
    );
  }

  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    return this.combine(
      iam.Grant.addToPrincipal({ grantee, actions: ON_VERSIONS.approve, resourceArns: this.modelPackageArns() }),
      this.grantList(grantee),
    );
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return this.combine(
      iam.Grant.addToPrincipal({ grantee, actions: ON_VERSIONS.read, resourceArns: this.modelPackageArns() }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['sagemaker:CreateModel'],
        resourceArns: [this.formatArn({ service: 'sagemaker', resource: 'model', resourceName: '*' })],
      }),
      this.grantList(grantee),
    );
  }

  public addToResourcePolicy(_statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    return { statementAdded: false };
  }

  public onModelPackageStateChange(id: string, options: ModelPackageStateChangeOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, { ...options, eventPattern: undefined });
    rule.addEventPattern({
      source: ['aws.sagemaker'],
      detailType: ['SageMaker Model Package State Change'],
      detail: {
        ModelPackageGroupName: [this.modelPackageGroupName],
        ...(options.approvalStatuses && options.approvalStatuses.length > 0 ? { ModelApprovalStatus: options.approvalStatuses } : {}),
      },
    });
    rule.addEventPattern(options.eventPattern);
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }

  public onModelApproved(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.onModelPackageStateChange(id, { ...options, approvalStatuses: [ModelApprovalStatus.APPROVED] });
  }

  /**
   * The ARNs of the group: `model-package-group/<name>`, in the name's forms (see `nameForms`), in the group's own
   * account and region.
   */
  protected groupArns(): string[] {
    return nameForms(this.nameForArns ?? this.modelPackageGroupName)
      .map((name) => this.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: name }));
  }

  /** The ARNs of the model versions in the group: `model-package/<name>/*`, in the name's forms (see `nameForms`). */
  protected modelPackageArns(): string[] {
    return nameForms(this.nameForArns ?? this.modelPackageGroupName)
      .map((name) => this.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${name}/*` }));
  }

  /** ListModelPackages is authorized on "*" only (see the facts above). */
  private grantList(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: [LIST_VERSIONS], resourceArns: ['*'] });
  }

  private formatArn(components: { service: string; resource: string; resourceName: string }): string {
    return Stack.of(this).formatArn({ ...components, account: this.env.account, region: this.env.region });
  }

  private combine(first: iam.Grant, ...rest: iam.Grant[]): iam.Grant {
    return rest.reduce((a, b) => a.combine(b), first);
  }
}

/**
 * A SageMaker model package group (`AWS::SageMaker::ModelPackageGroup`), retained by default.
 *
 * @example
 * const group = new ModelPackageGroup(this, 'Models', { modelPackageGroupName: 'churn-models' });
 * group.shareWithAccount('111122223333', { deploy: true });
 */
export class ModelPackageGroup extends ModelPackageGroupBase {
  /** Imports a group by name. */
  public static fromModelPackageGroupName(scope: Construct, id: string, modelPackageGroupName: string): IModelPackageGroup {
    checkGroupName(`${scope.node.path}/${id}`, modelPackageGroupName);
    class Import extends ModelPackageGroupBase {
      public readonly modelPackageGroupName = modelPackageGroupName;
      public readonly modelPackageGroupArn = Stack.of(scope).formatArn({
        service: 'sagemaker',
        resource: 'model-package-group',
        resourceName: arnName(modelPackageGroupName),
      });
    }
    return new Import(scope, id);
  }

  /** Imports a group by ARN (`arn:aws:sagemaker:<region>:<account>:model-package-group/<name>`). */
  public static fromModelPackageGroupArn(scope: Construct, id: string, modelPackageGroupArn: string): IModelPackageGroup {
    const name = Stack.of(scope).splitArn(modelPackageGroupArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName;
    if (!name) {
      throw new Error(`${scope.node.path}/${id}: '${modelPackageGroupArn}' is not a model package group ARN; expected arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>`);
    }
    class Import extends ModelPackageGroupBase {
      public readonly modelPackageGroupName = name!;
      public readonly modelPackageGroupArn = modelPackageGroupArn;
    }
    return new Import(scope, id, { environmentFromArn: modelPackageGroupArn });
  }

  public readonly modelPackageGroupName: string;
  public readonly modelPackageGroupArn: string;
  /** The group's resource policy, once a statement was added. */
  public resourcePolicy?: iam.PolicyDocument;

  constructor(scope: Construct, id: string, props: ModelPackageGroupProps = {}) {
    super(scope, id);
    const name = props.modelPackageGroupName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });
    checkGroupName(this.node.path, name);
    if (props.description !== undefined && props.description.length > 1024) {
      throw new Error(`${this.node.path}: description is ${props.description.length} characters long; at most 1024 are allowed`);
    }
    this.nameForArns = name;
    const resource = new sagemaker.CfnModelPackageGroup(this, 'Resource', {
      modelPackageGroupName: name,
      modelPackageGroupDescription: props.description,
      modelPackageGroupPolicy: Lazy.any({ produce: () => this.resourcePolicy?.toJSON() }),
    });
    resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    for (const [key, value] of Object.entries(props.tags ?? {})) {
      Tags.of(resource).add(key, value);
    }
    // The name as given or generated: the resource's Ref is its ARN, not its name.
    this.modelPackageGroupName = name;
    this.modelPackageGroupArn = this.getResourceArnAttribute(resource.attrModelPackageGroupArn, {
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: arnName(name),
    });
    this.node.addValidation({ validate: () => this.resourcePolicy?.validateForResourcePolicy() ?? [] });
  }

  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    if (!this.resourcePolicy) {
      this.resourcePolicy = new iam.PolicyDocument();
    }
    this.resourcePolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }

  /**
   * Lets another account read the group and its model versions — and, as asked, register versions or deploy
   * them — through the group's resource policy (the other account still grants its own principals).
   *
   * With `deploy`, the other account may describe versions and update their approval status here; to create a model
   * from a version it also needs what the version points to, which the group's policy cannot give: read access to the
   * model artifacts (for the pipeline's artifact bucket: `pipeline.artifactBucket.grantRead(new iam.AccountPrincipal(
   * accountId))`, and the bucket's KMS key, if any, through the key's policy) and pull access to the image's ECR
   * repository (`repository.grantPull(new iam.AccountPrincipal(accountId))`; SageMaker's own framework images need
   * nothing). In the other account, the role that creates the model needs `sagemaker:CreateModel` on its
   * `model/*` resources (see `grantDeploy`) and `sagemaker:DescribeModelPackage` on the version.
   */
  public shareWithAccount(accountId: string, options: CrossAccountAccessOptions = {}): void {
    checkAccount(this.node.path, accountId);
    // Each statement names one resource type, with only the actions authorized on it (see the facts above
    // ModelPackageGroupBase).
    const versionActions = [...ON_VERSIONS.read];
    if (options.register) {
      versionActions.push('sagemaker:CreateModelPackage');
    }
    if (options.deploy) {
      versionActions.push('sagemaker:UpdateModelPackage');
    }
    this.allowAccounts([accountId], accountId, versionActions);
  }

  /**
   * Lets serving accounts (staging, production) deploy this group's versions: look the latest approved one up by the
   * group's ARN, create models from them, read their model artifacts and pull their images — everything the registry
   * account must allow, for every account in the list. Each serving account then needs only the group's ARN
   * (`ModelPackageGroup.fromModelPackageGroupArn`, `ModelVersion.latestApproved`, `ModelVersionModel`). An account
   * equal to the group's own needs no policy and gets none.
   *
   * Written here: the group's resource policy (DescribeModelPackageGroup on the group; DescribeModelPackage,
   * ListModelPackages and CreateModel on its versions), a bucket policy per artifact bucket (`s3:GetObject` on its
   * objects), a statement in each bucket's KMS key policy (`kms:Decrypt` through S3 only) and a repository policy per
   * repository (the pull actions).
   */
  public shareForServing(accountIds: string[], options: ServingAccessOptions = {}): void {
    accountIds.forEach((a) => checkAccount(this.node.path, a));
    const others = [...new Set(accountIds)]
      .filter((a) => Token.isUnresolved(a) || Token.compareStrings(a, this.env.account) !== TokenComparison.SAME);
    if (others.length === 0) {
      return;
    }
    this.allowAccounts(others, others.join('And'), FOR_SERVING);
    const principals = others.map((a) => new iam.AccountPrincipal(a));
    for (const bucket of options.artifactBuckets ?? []) {
      bucket.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'ModelArtifactsForServingAccounts',
        principals,
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects('*')],
      }));
      // SageMaker reads the artifacts through S3 as the serving account's model role: the key decrypts for S3 only.
      bucket.encryptionKey?.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'ModelArtifactsForServingAccounts',
        principals,
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(bucket).region}.${Stack.of(bucket).urlSuffix}` } },
      }));
    }
    for (const repository of options.repositories ?? []) {
      repository.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'ModelImagesForServingAccounts',
        principals,
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      }));
    }
  }

  /** Statements of the group's resource policy for accounts: read the group, and these actions on the versions. */
  private allowAccounts(accountIds: string[], sidSuffix: string, versionActions: string[]): void {
    const principals = accountIds.map((a) => new iam.AccountPrincipal(a));
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: `ModelPackageGroup${sidSuffix}`.replace(/[^A-Za-z0-9]/g, ''),
      principals,
      actions: ON_GROUP_READ,
      // ARNs built from the name: the group's own attribute would make the resource depend on itself.
      resources: this.groupArns(),
    }));
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: `ModelPackageVersions${sidSuffix}`.replace(/[^A-Za-z0-9]/g, ''),
      principals,
      actions: versionActions,
      resources: this.modelPackageArns(),
    }));
  }
}

/** An account ID is 12 digits (a token is left to deploy time). @internal */
export function checkAccount(path: string, accountId: string): void {
  if (!Token.isUnresolved(accountId) && !/^\d{12}$/.test(accountId)) {
    throw new Error(`${path}: '${accountId}' is not an AWS account ID; expected 12 digits`);
  }
}

/**
 * The group's ARN as text of its account, region and name (no reference to the group's resource), for a stack of
 * another account or a group whose ARN attribute would be a token. @internal
 */
export function groupArnOf(group: IModelPackageGroup): string {
  return Stack.of(group).formatArn({
    service: 'sagemaker',
    resource: 'model-package-group',
    resourceName: arnName(group.modelPackageGroupName),
    account: group.env.account,
    region: group.env.region,
  });
}

/** A name as SageMaker writes it in the group's own ARN: lower case (a token is left as it is). */
function arnName(name: string): string {
  return Token.isUnresolved(name) ? name : name.toLowerCase();
}

/**
 * The forms of a group name in the ARNs that permissions name: the name as given and its lower-case form.
 *
 * The group's own ARN carries the name in lower case, but IAM matches ARNs case-sensitively and a public
 * AccessDenied report (sagemaker:DescribeModelPackage on `...:model-package/modelPackageGroupTurbine/1`,
 * aws-samples/ml-edge-getting-started#18) shows SageMaker authorizing model versions under the name as given. Until
 * a deployed test shows which form SageMaker authorizes for each action, statements name both (one form when the
 * name is lower case already, or a token).
 */
function nameForms(name: string): string[] {
  return [...new Set([name, arnName(name)])];
}

function checkGroupName(path: string, name: string): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  if (name.length === 0 || name.length > 63 || !GROUP_NAME.test(name)) {
    throw new Error(`${path}: invalid model package group name '${name}': expected 1 to 63 letters and digits, with hyphens only between them (^[a-zA-Z0-9](-*[a-zA-Z0-9])*$)`);
  }
}
