import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ModelContainer, bindContainers, checkContainers } from './model-container';
import { NetworkConfig, renderVpcConfig } from './network';
import { PipelineStep, RetryableStepOptions, IPipelineHost, StepProperty, StepType } from './step';
import { ValueKind } from '../values/pipeline-value';

/** How the containers of a multi-container model are invoked. */
export enum InferenceExecutionMode {
  /** As a serial inference pipeline. */
  SERIAL = 'Serial',
  /** Each container directly. */
  DIRECT = 'Direct',
}

/** Properties of a `CreateModelStepConstruct`. */
export interface CreateModelStepConstructProps extends RetryableStepOptions {
  /** The model's containers: one is the primary container; several make a multi-container model. */
  readonly containers: ModelContainer[];
  /**
   * How several containers are invoked.
   * @default - SageMaker's default (Serial) for several containers
   */
  readonly inferenceExecutionMode?: InferenceExecutionMode;
  /**
   * Network settings.
   * @default - no VPC, no isolation
   */
  readonly network?: NetworkConfig;
}

/**
 * A step that creates a SageMaker model (for batch transform or an endpoint).
 */
export class CreateModelStepConstruct extends PipelineStep {
  private readonly props: CreateModelStepConstructProps;
  private containers: Array<() => any> = [];
  private vpcConfig?: any;

  constructor(scope: Construct, id: string, props: CreateModelStepConstructProps) {
    super(scope, id, StepType.MODEL, props);
    checkContainers(this, props.containers, 15);
    if (props.inferenceExecutionMode && props.containers.length < 2) {
      throw new Error(`${this.node.path}: inferenceExecutionMode applies to models with several containers; this one has ${props.containers.length}`);
    }
    this.props = props;
  }

  /** The name of the model, once the step has run. */
  public get modelName(): string {
    return new StepProperty(this, 'ModelName', ValueKind.STRING).valueAsString;
  }

  protected bind(pipeline: IPipelineHost): void {
    const role = pipeline;
    // Models take names of SageMaker's choosing, so the resource cannot be narrowed by name.
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['sagemaker:CreateModel', 'sagemaker:DescribeModel', 'sagemaker:AddTags'],
      resourceArns: [Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model', resourceName: '*' })],
    });
    this.containers = bindContainers(this, this.props.containers, role);
    this.vpcConfig = renderVpcConfig(this, this.props.network, role);
  }

  protected renderArguments(): any {
    const containers = this.containers.map((c) => c());
    return {
      ExecutionRoleArn: this.pipeline!.role.roleArn,
      ...(containers.length === 1 ? { PrimaryContainer: containers[0] } : { Containers: containers }),
      InferenceExecutionConfig: this.props.inferenceExecutionMode ? { Mode: this.props.inferenceExecutionMode } : undefined,
      VpcConfig: this.vpcConfig,
      EnableNetworkIsolation: this.props.network?.enableNetworkIsolation,
    };
  }
}
