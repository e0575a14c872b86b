import { ArnFormat, IResource, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
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

  /** Lets a principal register model versions in the group. */
  grantRegister(grantee: iam.IGrantable): iam.Grant;

  /** Lets a principal read the group and its model versions. */
  grantRead(grantee: iam.IGrantable): iam.Grant;
}

/** Properties of a `ModelPackageGroup`. */
export interface ModelPackageGroupProps {
  /**
   * The group's name (at most 63 characters: letters, digits and single hyphens between them).
   * @default - a name generated from the construct path
   */
  readonly modelPackageGroupName?: string;
  /**
   * A description of the group.
   * @default - none
   */
  readonly description?: string;
  /**
   * What happens to the group (and the model versions in it) when it leaves the stack.
   * @default RemovalPolicy.RETAIN: registered models are the team's history
   */
  readonly removalPolicy?: RemovalPolicy;
}

const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

abstract class ModelPackageGroupBase extends Resource implements IModelPackageGroup {
  public abstract readonly modelPackageGroupName: string;
  public abstract readonly modelPackageGroupArn: string;
  /** The group's name as given, when known at synth time. */
  protected nameForArns?: string;

  public grantRegister(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage', 'sagemaker:AddTags'],
      resourceArns: [this.modelPackageGroupArn, this.modelPackageArns()],
    });
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages', 'sagemaker:DescribeModelPackage'],
      resourceArns: [this.modelPackageGroupArn, this.modelPackageArns()],
    });
  }

  /** The ARNs of the model versions in the group: `model-package/<group>/*` (SageMaker lower-cases names in ARNs). */
  protected modelPackageArns(): string {
    const given = this.nameForArns ?? this.modelPackageGroupName;
    const name = Token.isUnresolved(given) ? given : given.toLowerCase();
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${name}/*` });
  }
}

/**
 * A SageMaker model package group (`AWS::SageMaker::ModelPackageGroup`).
 */
export class ModelPackageGroup extends ModelPackageGroupBase {
  /** Imports a group by name. */
  public static fromModelPackageGroupName(scope: Construct, id: string, modelPackageGroupName: string): IModelPackageGroup {
    checkGroupName(scope, modelPackageGroupName);
    class Import extends ModelPackageGroupBase {
      public readonly modelPackageGroupName = modelPackageGroupName;
      public readonly modelPackageGroupArn = Stack.of(scope).formatArn({
        service: 'sagemaker',
        resource: 'model-package-group',
        resourceName: Token.isUnresolved(modelPackageGroupName) ? modelPackageGroupName : modelPackageGroupName.toLowerCase(),
      });
    }
    return new Import(scope, id);
  }

  /** Imports a group by ARN. */
  public static fromModelPackageGroupArn(scope: Construct, id: string, modelPackageGroupArn: string): IModelPackageGroup {
    const name = Stack.of(scope).splitArn(modelPackageGroupArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
    class Import extends ModelPackageGroupBase {
      public readonly modelPackageGroupName = name;
      public readonly modelPackageGroupArn = modelPackageGroupArn;
    }
    return new Import(scope, id, { environmentFromArn: modelPackageGroupArn });
  }

  public readonly modelPackageGroupName: string;
  public readonly modelPackageGroupArn: string;

  constructor(scope: Construct, id: string, props: ModelPackageGroupProps = {}) {
    super(scope, id);
    const name = props.modelPackageGroupName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });
    checkGroupName(this, name);
    this.nameForArns = name;
    const resource = new sagemaker.CfnModelPackageGroup(this, 'Resource', {
      modelPackageGroupName: name,
      modelPackageGroupDescription: props.description,
    });
    resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.modelPackageGroupName = this.getResourceNameAttribute(resource.ref);
    this.modelPackageGroupArn = this.getResourceArnAttribute(resource.attrModelPackageGroupArn, {
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: Token.isUnresolved(name) ? name : name.toLowerCase(),
    });
  }
}

function checkGroupName(scope: Construct, name: string): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  if (name.length > 63 || !GROUP_NAME.test(name)) {
    throw new Error(`${scope.node.path}: invalid model package group name '${name}': expected at most 63 characters of letters and digits, with single or repeated hyphens only between them (^[a-zA-Z0-9](-*[a-zA-Z0-9])*$)`);
  }
}
