import { ArnFormat, IResource, Lazy, Names, RemovalPolicy, Resource, Stack, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';

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
const READ_GROUP = ['sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages'];
const READ_VERSIONS = ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'];

abstract class ModelPackageGroupBase extends Resource implements IModelPackageGroup {
  public abstract readonly modelPackageGroupName: string;
  public abstract readonly modelPackageGroupArn: string;
  /** The group's name as given, when known at synth time. */
  protected nameForArns?: string;

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.modelPackageGroupArn, this.modelPackageArns()] });
  }

  public grantRegister(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, 'sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags');
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, ...new Set([...READ_GROUP, ...READ_VERSIONS]));
  }

  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, 'sagemaker:UpdateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages');
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, 'sagemaker:CreateModel', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages');
  }

  public addToResourcePolicy(_statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    return { statementAdded: false };
  }

  /** The ARNs of the model versions in the group: `model-package/<group>/*` (SageMaker lower-cases names in ARNs). */
  protected modelPackageArns(): string {
    const name = arnName(this.nameForArns ?? this.modelPackageGroupName);
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${name}/*` });
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
    this.modelPackageGroupName = this.getResourceNameAttribute(resource.ref);
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
   */
  public shareWithAccount(accountId: string, options: CrossAccountAccessOptions = {}): void {
    if (!Token.isUnresolved(accountId) && !/^\d{12}$/.test(accountId)) {
      throw new Error(`${this.node.path}: '${accountId}' is not an AWS account ID; expected 12 digits`);
    }
    const principal = new iam.AccountPrincipal(accountId);
    const versionActions = [...READ_VERSIONS];
    if (options.register) {
      versionActions.push('sagemaker:CreateModelPackage');
    }
    if (options.deploy) {
      versionActions.push('sagemaker:UpdateModelPackage', 'sagemaker:CreateModel');
    }
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: `ModelPackageGroup${accountId}`.replace(/[^A-Za-z0-9]/g, ''),
      principals: [principal],
      actions: READ_GROUP,
      // The ARN built from the name: the group's own attribute would make the resource depend on itself.
      resources: [Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: arnName(this.nameForArns!) })],
    }));
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: `ModelPackageVersions${accountId}`.replace(/[^A-Za-z0-9]/g, ''),
      principals: [principal],
      actions: versionActions,
      resources: [this.modelPackageArns()],
    }));
  }
}

/** A name as SageMaker writes it in ARNs: lower case (a token is left as it is). */
function arnName(name: string): string {
  return Token.isUnresolved(name) ? name : name.toLowerCase();
}

function checkGroupName(path: string, name: string): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  if (name.length === 0 || name.length > 63 || !GROUP_NAME.test(name)) {
    throw new Error(`${path}: invalid model package group name '${name}': expected 1 to 63 letters and digits, with hyphens only between them (^[a-zA-Z0-9](-*[a-zA-Z0-9])*$)`);
  }
}
