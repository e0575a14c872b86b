import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { asStringArgument } from './private/jobs';
import { CacheConfig, IPipelineHost, PipelineStep, StepOptions, StepProperty, StepType } from './step';
import { PipelineValue, ValueKind } from '../values/pipeline-value';

/** The role of an instance group of an EMR cluster. */
export enum EmrInstanceRole {
  /** The primary node. */
  MASTER = 'MASTER',
  /** Core nodes (HDFS). */
  CORE = 'CORE',
  /** Task nodes. */
  TASK = 'TASK',
}

/** An instance group of an EMR cluster the step creates. */
export interface EmrInstanceGroup {
  /** The group's role. */
  readonly instanceRole: EmrInstanceRole;
  /** The EC2 instance type (`m5.xlarge`). */
  readonly instanceType: string;
  /** The number of instances. */
  readonly instanceCount: number;
  /**
   * The group's name.
   * @default - none
   */
  readonly name?: string;
}

/** A cluster the EMR step creates for itself (a RunJobFlow request); it terminates when the step ends. */
export interface EmrClusterConfig {
  /** The EMR release (`emr-6.15.0`). */
  readonly releaseLabel: string;
  /** The instance groups: one MASTER, and CORE and TASK groups. */
  readonly instanceGroups: EmrInstanceGroup[];
  /** The EMR service role. */
  readonly serviceRole: iam.IRole;
  /** The instance profile of the cluster's EC2 instances. */
  readonly instanceProfile: iam.IInstanceProfile;
  /**
   * Applications to install (`Spark`, `Hadoop`).
   * @default - the release's defaults
   */
  readonly applications?: string[];
  /**
   * Where the cluster's logs go (an S3 URI).
   * @default - no logs in S3
   */
  readonly logUri?: string;
  /**
   * The subnet to launch the cluster in.
   * @default - EMR's default (the default VPC)
   */
  readonly subnetId?: string;
  /**
   * The name of an EMR security configuration (encryption at rest and in transit).
   * @default - none
   */
  readonly securityConfiguration?: string;
}

/** Properties of an `EmrStepConstruct`. */
export interface EmrStepConstructProps extends StepOptions {
  /**
   * The ID of a running cluster to add the step to (`j-...`, or a parameter's `valueAsString`).
   * @default - none: give clusterConfig
   */
  readonly clusterId?: string;
  /**
   * A cluster the step creates and terminates.
   * @default - none: give clusterId
   */
  readonly clusterConfig?: EmrClusterConfig;
  /** The JAR to run: `command-runner.jar`, or the S3 URI of a JAR. */
  readonly jar: string;
  /**
   * The arguments passed to the JAR's main function (pipeline values allowed: they render as Get).
   * @default - none
   */
  readonly args?: string[];
  /**
   * The main class, when the JAR's manifest names none.
   * @default - the manifest's
   */
  readonly mainClass?: string;
  /**
   * Java properties set when the step runs.
   * @default - none
   */
  readonly properties?: { [key: string]: string };
  /**
   * The runtime role of the step on an existing cluster (EMR runtime roles).
   * @default - the cluster's instance role
   */
  readonly executionRole?: iam.IRole;
  /**
   * Step caching.
   * @default - no caching
   */
  readonly cacheConfig?: CacheConfig;
}

/**
 * A step that runs a Hadoop JAR step (Spark with `command-runner.jar`) on Amazon EMR: on a running cluster, or on a
 * cluster the step creates (Type `EMR`, as the SageMaker Python SDK's `EMRStep` renders it, with a display name and
 * a description always set).
 *
 * @example
 * new EmrStepConstruct(this, 'Features', {
 *   clusterId: clusterIdParameter.valueAsString,
 *   jar: 'command-runner.jar',
 *   args: ['spark-submit', 's3://code/features.py', '--input', inputData.valueAsString],
 * });
 */
export class EmrStepConstruct extends PipelineStep {
  private readonly props: EmrStepConstructProps;

  constructor(scope: Construct, id: string, props: EmrStepConstructProps) {
    super(scope, id, StepType.EMR, {
      ...props,
      // The SDK always writes both.
      displayName: props.displayName ?? id,
      description: props.description ?? `EMR step ${id}`,
    });
    const where = this.node.path;
    if ((props.clusterId === undefined) === (props.clusterConfig === undefined)) {
      throw new Error(`${where}: ${props.clusterId === undefined ? 'neither clusterId nor clusterConfig is' : 'both clusterId and clusterConfig are'} given; `
        + 'expected exactly one: the ID of a running cluster, or the configuration of a cluster the step creates');
    }
    if (props.clusterId !== undefined && !Token.isUnresolved(props.clusterId) && !/^j-[A-Z0-9]{1,256}$/.test(props.clusterId)) {
      throw new Error(`${where}: clusterId '${props.clusterId}' is not an EMR cluster ID; expected j- followed by letters and digits such as j-3SD91U2E1L2QX`);
    }
    if (props.executionRole && props.clusterConfig) {
      throw new Error(`${where}: executionRole is the runtime role of a step on a running cluster; a cluster the step creates runs it as its instance profile`);
    }
    if (props.clusterConfig) {
      const masters = props.clusterConfig.instanceGroups.filter((g) => g.instanceRole === EmrInstanceRole.MASTER);
      if (masters.length !== 1) {
        throw new Error(`${where}: clusterConfig has ${masters.length} MASTER instance groups; a cluster has exactly one`);
      }
      for (const g of props.clusterConfig.instanceGroups) {
        if (!Token.isUnresolved(g.instanceCount) && (!Number.isInteger(g.instanceCount) || g.instanceCount < 1)) {
          throw new Error(`${where}: instance group ${g.instanceRole} has instanceCount ${g.instanceCount}; expected an integer of 1 or more`);
        }
      }
    }
    if (props.jar.trim() === '') {
      throw new Error(`${where}: jar is empty; expected command-runner.jar or the S3 URI of a JAR`);
    }
    this.props = props;
  }

  /** The ID of the EMR step, once it has run. */
  public get emrStepId(): string {
    return new StepProperty(this, 'Id', ValueKind.STRING).valueAsString;
  }

  protected bind(pipeline: IPipelineHost): void {
    const props = this.props;
    const stack = Stack.of(this);
    const stepActions = ['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:DescribeStep', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:DescribeCluster'];
    if (props.clusterId !== undefined) {
      // A cluster ID known only when the pipeline runs (a parameter) can be any cluster of the account and region.
      const clusterId = PipelineValue.isPipelineToken(props.clusterId) ? '*' : props.clusterId;
      iam.Grant.addToPrincipal({
        grantee: pipeline,
        actions: stepActions,
        resourceArns: [stack.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: clusterId })],
      });
      if (props.executionRole) {
        props.executionRole.grantPassRole(pipeline.grantPrincipal);
      }
      return;
    }
    const config = props.clusterConfig!;
    // RunJobFlow names no cluster yet: it is authorized on "*".
    iam.Grant.addToPrincipal({ grantee: pipeline, actions: ['elasticmapreduce:RunJobFlow'], resourceArns: ['*'] });
    iam.Grant.addToPrincipal({
      grantee: pipeline,
      actions: [...stepActions, 'elasticmapreduce:TerminateJobFlows', 'elasticmapreduce:ListSteps'],
      resourceArns: [stack.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' })],
    });
    config.serviceRole.grantPassRole(pipeline.grantPrincipal);
    config.instanceProfile.role?.grantPassRole(pipeline.grantPrincipal);
  }

  protected renderArguments(): any {
    const props = this.props;
    const stepConfig = {
      HadoopJarStep: {
        Jar: props.jar,
        Args: props.args?.map(asStringArgument),
        MainClass: props.mainClass,
        Properties: props.properties ? Object.entries(props.properties).map(([Key, Value]) => ({ Key, Value: asStringArgument(Value) })) : undefined,
      },
    };
    if (props.clusterId !== undefined) {
      return { ClusterId: props.clusterId, ExecutionRoleArn: props.executionRole?.roleArn, StepConfig: stepConfig };
    }
    const c = props.clusterConfig!;
    return {
      ClusterConfig: {
        ReleaseLabel: c.releaseLabel,
        Applications: c.applications?.map((Name) => ({ Name })),
        Instances: {
          InstanceGroups: c.instanceGroups.map((g) => ({
            Name: g.name, InstanceRole: g.instanceRole, InstanceType: g.instanceType, InstanceCount: g.instanceCount,
          })),
          Ec2SubnetId: c.subnetId,
        },
        ServiceRole: c.serviceRole.roleName,
        JobFlowRole: c.instanceProfile.instanceProfileName,
        LogUri: c.logUri,
        SecurityConfiguration: c.securityConfiguration,
      },
      StepConfig: stepConfig,
    };
  }
}

