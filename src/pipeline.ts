import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  Annotations, ArnFormat, AspectPriority, Aspects, Duration, ISynthesisSession, Intrinsic, Lazy, Names, RemovalPolicy, Resource, Stack, Tags,
  Token, TokenComparison,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IDependable } from 'constructs';
import { DryRunOptions, DryRunResult, dryRun } from './dry-run';
import {
  ExecutionNotifications, ExecutionNotificationsOptions, ExecutionStatusChangeOptions, PipelineExecutionStatus,
  PipelineStepStatus, StepStatusChangeOptions, executionPattern, stepPattern,
} from './notifications';
import { measureDefinition, measureMarkedDefinition } from './private/definition-size';
import { MarkedDefinition, definitionSource, renderWithMarkers } from './private/definition-source';
import { BuiltGraph, buildGraph } from './private/graph';
import { toMermaid } from './private/mermaid';
import { RecordingPrincipal } from './private/recording-principal';
import { RegulatedAccount } from './regulated-account';
import { grantS3Location } from './shared/s3';
import { IPipelineHost, PipelineStep } from './steps/step';
import { ExecutionVariable } from './values/execution-variable';
import { PipelineExperimentConfig } from './values/experiment-config';
import { Join } from './values/join';
import { PipelineParameter } from './values/parameter';

/** Where the template carries the pipeline definition. */
export enum DefinitionStorage {
  /**
   * In the template while it fits; in S3 when the definition could be longer than SageMaker takes inline
   * (`MAX_DEFINITION_LENGTH`) or would take more than half of what CloudFormation takes as a template.
   */
  AUTO = 'AUTO',
  /** In the template (`PipelineDefinitionBody`); synth fails when that cannot deploy. */
  INLINE = 'INLINE',
  /**
   * In an S3 object (`PipelineDefinitionS3Location`), uploaded at deploy time with its CloudFormation values
   * substituted; the object's key changes with the definition, so a changed definition updates the pipeline.
   */
  S3 = 'S3',
}

/**
 * How long a pipeline definition is and how much room it takes in the template. Deploy-time values (ARNs, bucket
 * names) are counted between the shortest and the longest they can be for what they are.
 */
export interface PipelineDefinitionSize {
  /** The definition's length in characters with every deploy-time value as short as it can be. */
  readonly minLength: number;
  /** The definition's length in characters with every deploy-time value as long as it can be. */
  readonly maxLength: number;
  /** The bytes the definition takes in the template when it is written inline. */
  readonly templateBytes: number;
}

/** Properties of an `MlPipeline`. */
export interface MlPipelineProps {
  /**
   * The pipeline's name (1 to 256 letters, digits and hyphens, starting with a letter or digit).
   * @default - a name generated from the construct path
   */
  readonly pipelineName?: string;
  /**
   * The name shown in SageMaker Studio.
   * @default - the pipeline name
   */
  readonly displayName?: string;
  /**
   * A description of the pipeline.
   * @default - none
   */
  readonly description?: string;
  /**
   * The pipeline's top-level steps. Steps in a condition's branches are listed in the condition step only.
   * More can be added with `addStep`.
   * @default - none
   */
  readonly steps?: PipelineStep[];
  /**
   * Parameters of the pipeline besides those its steps use (which are included without being listed).
   * @default - only the parameters the steps use
   */
  readonly parameters?: PipelineParameter[];
  /**
   * The role the pipeline runs as and passes to its jobs.
   * @default - a role trusted by SageMaker, with exactly the permissions the steps need
   */
  readonly role?: iam.IRole;
  /**
   * The bucket that job outputs without an explicit destination are written to.
   * @default - an encrypted, versioned, SSL-only bucket with public access blocked
   */
  readonly artifactBucket?: s3.IBucket;
  /**
   * The KMS key that encrypts the created artifact bucket (the role gets encrypt/decrypt on it).
   * @default - S3-managed encryption (SSE-S3)
   */
  readonly artifactBucketEncryptionKey?: kms.IKey;
  /**
   * What happens to the created artifact bucket when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly artifactBucketRemovalPolicy?: RemovalPolicy;
  /**
   * Whether the created artifact bucket gets lifecycle rules that keep it from growing without bound: an object's
   * noncurrent versions (overwritten or deleted) expire after `artifactNoncurrentVersionExpiration`, and incomplete
   * multipart uploads are aborted after 7 days. Turn it off to manage the bucket's lifecycle yourself.
   * @default true
   */
  readonly artifactBucketLifecycleRules?: boolean;
  /**
   * How long the created artifact bucket keeps noncurrent versions of its objects (with `artifactBucketLifecycleRules`).
   * @default Duration.days(30)
   */
  readonly artifactNoncurrentVersionExpiration?: Duration;
  /**
   * The bucket that receives the created artifact bucket's server access logs.
   * @default - a bucket is created for them
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * The most steps an execution runs at once.
   * @default - SageMaker's default (no limit of the pipeline's own)
   */
  readonly maxParallelExecutionSteps?: number;
  /**
   * Tags of the pipeline.
   * @default - none
   */
  readonly tags?: { [key: string]: string };
  /**
   * Alerts on execution status changes (default: Failed) through an SNS topic fed by EventBridge.
   * @default - no alerts (add them later with `addExecutionNotifications`)
   */
  readonly notifications?: ExecutionNotificationsOptions;
  /**
   * Where the template carries the definition: inline, or in an S3 object uploaded at deploy time.
   * @default DefinitionStorage.AUTO
   */
  readonly definitionStorage?: DefinitionStorage;

  /**
   * How executions are tracked in SageMaker Experiments (`PipelineExperimentConfig.none()` to turn it off).
   * @default PipelineExperimentConfig.of(): experiment = the pipeline's name, trial = the execution's ID, as the
   * SageMaker Python SDK writes by default
   */
  readonly experimentConfig?: PipelineExperimentConfig;
  /**
   * The bucket the definition is uploaded to when it is stored in S3 (objects under `pipeline-definitions/`).
   * The pipeline's role is granted read on those objects.
   * @default - the artifact bucket
   */
  readonly definitionBucket?: s3.IBucket;
}

/**
 * The namespace of the metrics SageMaker publishes for pipelines. Source: Amazon SageMaker AI Developer Guide,
 * "Amazon SageMaker AI metrics in Amazon CloudWatch", section "SageMaker pipelines metrics"
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html#cloudwatch-metrics-pipelines):
 * execution metrics ExecutionStarted, ExecutionFailed, ExecutionSucceeded, ExecutionStopped, ExecutionDuration
 * (milliseconds) with the dimension PipelineName; step metrics StepStarted, StepFailed, StepSucceeded, StepStopped,
 * StepDuration (milliseconds) with the dimensions PipelineName and StepName.
 */
export const PIPELINE_METRICS_NAMESPACE = 'AWS/Sagemaker/ModelBuildingPipeline';

/** SageMaker's limit on the length of a pipeline definition (CreatePipeline's PipelineDefinition), in characters. */
export const MAX_DEFINITION_LENGTH = 1048576;

/**
 * CloudFormation's limit on a template's size (a template body stored in S3, as the CDK CLI deploys it), in bytes.
 * Source: AWS CloudFormation User Guide, "AWS CloudFormation quotas".
 */
export const MAX_TEMPLATE_BYTES = 1000000;

/** With `DefinitionStorage.AUTO`, a definition that would take more than this many bytes of the template goes to S3. */
const INLINE_TEMPLATE_BUDGET = MAX_TEMPLATE_BYTES / 2;

const PIPELINE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

/** Whether this stack cannot add policies to a role: imported with `mutable: false`, or of another account. */
function isUnchangeable(role: iam.IRole, stack: Stack): boolean {
  if ((role.constructor as any).PROPERTY_INJECTION_ID === 'aws-cdk-lib.aws-iam.ImmutableRole') {
    return true;
  }
  return Token.compareStrings(role.env.account, stack.account) === TokenComparison.DIFFERENT;
}

/**
 * A SageMaker pipeline, whose definition is generated from typed step constructs.
 *
 * @example
 * new MlPipeline(this, 'Pipeline', { pipelineName: 'SeedPipeline', steps: [prep, train, evaluate, check] });
 */
export class MlPipeline extends Resource implements sagemaker.IPipeline, IPipelineHost {
  /** Imports a pipeline by name. */
  public static fromPipelineName(scope: Construct, id: string, pipelineName: string): sagemaker.IPipeline {
    if (!Token.isUnresolved(pipelineName) && !PIPELINE_NAME.test(pipelineName)) {
      throw new Error(`${scope.node.path}/${id}: invalid pipeline name '${pipelineName}': expected 1 to 256 letters, digits and hyphens, starting and ending with a letter or digit`);
    }
    class Import extends Resource implements sagemaker.IPipeline {
      public readonly pipelineName = pipelineName;
      public readonly pipelineArn = Stack.of(scope).formatArn({
        service: 'sagemaker',
        resource: 'pipeline',
        resourceName: Token.isUnresolved(pipelineName) ? pipelineName : pipelineName.toLowerCase(),
      });
      public get pipelineRef(): sagemaker.PipelineReference {
        return { pipelineName: this.pipelineName };
      }
      public grantStartPipelineExecution(grantee: iam.IGrantable): iam.Grant {
        return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:StartPipelineExecution'], resourceArns: [this.pipelineArn] });
      }
    }
    return new Import(scope, id);
  }

  public readonly pipelineName: string;
  public readonly pipelineArn: string;
  /** The role the pipeline runs as. */
  public readonly role: iam.IRole;
  /** The bucket of job outputs without an explicit destination. */
  public readonly artifactBucket: s3.IBucket;
  /** The pipeline's name as given or generated (a string known at synth time). */
  public readonly physicalPipelineName: string;

  /** The execution alerts, once added. */
  public notifications?: ExecutionNotifications;

  private readonly recorder: RecordingPrincipal;
  private readonly steps: PipelineStep[] = [];
  private readonly explicitParameters: PipelineParameter[] = [];
  /** The graph built by the validation of the current synthesis. */
  private synthesized?: BuiltGraph;
  private readonly definitionStorage: DefinitionStorage;
  private readonly experimentConfig: PipelineExperimentConfig;
  private readonly definitionBucket?: s3.IBucket;
  private readonly resource: sagemaker.CfnPipeline;
  /** The definition as validation resolved it (what the template carries inline). */
  private resolvedBody?: any;
  /** The graph whose definition was put in S3. */
  private placedGraph?: BuiltGraph;
  /** Where the definition was put in S3, once it is. */
  private definitionObject?: { bucket: s3.IBucket; key: string };

  constructor(scope: Construct, id: string, props: MlPipelineProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    const name = props.pipelineName ?? Names.uniqueResourceName(this, { maxLength: 256, separator: '-' });
    if (!Token.isUnresolved(name) && (!PIPELINE_NAME.test(name) || name.length > 256)) {
      throw new Error(`${this.node.path}: invalid pipeline name '${name}': expected 1 to 256 letters, digits and hyphens, starting and ending with a letter or digit`);
    }
    const display = props.displayName;
    if (display !== undefined && !Token.isUnresolved(display) && (!PIPELINE_NAME.test(display) || display.length > 256)) {
      throw new Error(`${this.node.path}: invalid displayName '${props.displayName}': SageMaker takes 1 to 256 letters, digits and hyphens, starting and ending with a letter or digit`);
    }
    if (props.description !== undefined && props.description.length > 3072) {
      throw new Error(`${this.node.path}: description is ${props.description.length} characters long; at most 3072 are allowed`);
    }
    const parallel = props.maxParallelExecutionSteps;
    if (parallel !== undefined && !Token.isUnresolved(parallel) && (!Number.isInteger(parallel) || parallel < 1)) {
      throw new Error(`${this.node.path}: maxParallelExecutionSteps is ${parallel}; expected a positive integer`);
    }

    const createdBucketOptions = [props.artifactBucketEncryptionKey, props.artifactBucketRemovalPolicy, props.serverAccessLogsBucket,
      props.artifactBucketLifecycleRules, props.artifactNoncurrentVersionExpiration];
    if (props.artifactBucket && createdBucketOptions.some((o) => o !== undefined)) {
      throw new Error(`${this.node.path}: artifactBucketEncryptionKey, artifactBucketRemovalPolicy, serverAccessLogsBucket, artifactBucketLifecycleRules `
        + 'and artifactNoncurrentVersionExpiration apply to the bucket '
        + 'the pipeline creates, but artifactBucket is given; configure that bucket instead');
    }
    const regulated = RegulatedAccount._of(this);
    this.artifactBucket = props.artifactBucket ?? this.createArtifactBucket(props, regulated);
    const roleProps: iam.RoleProps = {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Execution role of SageMaker pipeline ${name}`,
    };
    // In a regulated account, what the steps need is granted in managed policies attached to the role, not inline.
    this.role = props.role ?? (regulated ? regulated._newRole(this, 'Role', roleProps) : new iam.Role(this, 'Role', roleProps));
    // The pipeline must be created after the role's permissions exist (SageMaker checks them when an execution
    // starts, and a step's first API call uses them): the pipeline depends on each policy that receives a statement.
    const dependables: IDependable[] = [];
    let resource: sagemaker.CfnPipeline | undefined;
    const policyIn = (policyId: string) => () => {
      const existing = this.node.tryFindChild(policyId) as iam.Policy | iam.ManagedPolicy | undefined;
      return existing ?? (regulated
        ? new iam.ManagedPolicy(this, policyId, { roles: [this.role] })
        : new iam.Policy(this, policyId, { roles: [this.role] }));
    };
    this.recorder = new RecordingPrincipal(this.role.grantPrincipal, props.role !== undefined && isUnchangeable(props.role, stack), {
      wildcard: policyIn('WildcardResourcePolicy'),
      // A role of another stack of the app: its default policy would live in that stack and name this stack's
      // resources (a dependency cycle between the stacks); this stack's own policy, attached to the role, does not.
      scoped: Stack.of(this.role) !== stack ? policyIn('RolePolicy') : undefined,
    }, (d) => (resource ? resource.node.addDependency(d) : dependables.push(d)));
    this.grantBaseline(stack);

    resource = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: name,
      pipelineDisplayName: props.displayName,
      pipelineDescription: props.description,
      roleArn: this.role.roleArn,
      pipelineDefinition: {
        PipelineDefinitionBody: Lazy.uncachedString({ produce: () => this.produceDefinition() }),
      },
      parallelismConfiguration: parallel !== undefined ? { MaxParallelExecutionSteps: parallel } : undefined,
    });
    resource.node.addDependency(...dependables);
    this.resource = resource;
    this.definitionStorage = props.definitionStorage ?? DefinitionStorage.AUTO;
    this.experimentConfig = props.experimentConfig ?? PipelineExperimentConfig.of();
    this.definitionBucket = props.definitionBucket;
    if (props.definitionBucket && this.definitionStorage === DefinitionStorage.INLINE) {
      throw new Error(`${this.node.path}: definitionBucket is given, but definitionStorage is INLINE; use DefinitionStorage.S3 or AUTO, or leave the bucket out`);
    }
    // Where the definition goes, and what the role reads of documents the definition names, are decided once the tree
    // is complete (steps may be added after the constructor), before aws-cdk-lib prepares the app: an aspect that
    // mutates the tree (it may add the upload and statements).
    Aspects.of(this).add({ visit: (node) => (node === this ? this.prepareForSynthesis() : undefined) }, { priority: AspectPriority.MUTATING });
    for (const [key, value] of Object.entries(props.tags ?? {})) {
      Tags.of(resource).add(key, value);
    }
    this.pipelineName = this.getResourceNameAttribute(resource.ref);
    // SageMaker writes pipeline names in lower case in ARNs.
    this.pipelineArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'pipeline',
      resourceName: Token.isUnresolved(name) ? this.pipelineName : name.toLowerCase(),
    });
    this.physicalPipelineName = name;

    for (const p of props.parameters ?? []) {
      this.addParameter(p);
    }
    if (props.notifications) {
      this.addExecutionNotifications(props.notifications);
    }
    this.addStep(...(props.steps ?? []));

    // Write the diagram into the cloud assembly at synth (the symbol is aws-cdk-lib's hook for constructs that
    // add files of their own to the assembly).
    Object.defineProperty(this, Symbol.for('@aws-cdk/core:customSynthesis'), {
      value: { onSynthesize: (session: ISynthesisSession) => this.writeDiagram(session) },
      enumerable: false,
    });

    // Every check of the whole pipeline runs here, as a construct validation: all problems are reported together,
    // each with its construct path, and nothing is thrown while CloudFormation values are resolved.
    this.node.addValidation({ validate: () => this.validatePipeline() });
  }

  /** A reference to this pipeline. */
  public get pipelineRef(): sagemaker.PipelineReference {
    return { pipelineName: this.pipelineName };
  }

  /**
   * Adds top-level steps. The steps of a condition's branches come with the condition step.
   */
  public addStep(...steps: PipelineStep[]): void {
    const bindAll = (step: PipelineStep) => {
      step._bind(this);
      step._nestedSteps().flat().forEach(bindAll);
    };
    for (const step of steps) {
      if (this.steps.includes(step)) {
        throw new Error(`${step.node.path}: step '${step.stepName}' was already added to pipeline ${this.node.path}`);
      }
      bindAll(step);
      this.steps.push(step);
    }
  }

  /**
   * Adds a parameter that no step uses (a parameter a step uses is included without this).
   */
  public addParameter(...parameters: PipelineParameter[]): void {
    this.explicitParameters.push(...parameters);
  }

  /** The top-level steps, in the order they were added. */
  public get topLevelSteps(): PipelineStep[] {
    return [...this.steps];
  }

  /**
   * The pipeline definition, as an object (CloudFormation values such as the role ARN are still tokens:
   * resolve them with `Stack.of(pipeline).resolve(...)`).
   */
  public renderDefinition(): any {
    return this.build().definition;
  }

  /**
   * What one execution would do for the given parameter values and property-file contents, evaluated here,
   * without AWS: which steps run, which branch each condition takes, and the value of every operand.
   */
  public dryRun(options: DryRunOptions = {}): DryRunResult {
    return dryRun(this.node.path, this.physicalPipelineName, this.build(), options);
  }

  /**
   * The pipeline's DAG as a Mermaid flowchart (steps, branches, data edges, explicit DependsOn). It is also
   * written to the cloud assembly at synth, next to the template, as `<stack>.<pipeline>.pipeline.mmd`.
   */
  public toMermaid(): string {
    return toMermaid(this.physicalPipelineName, this.build());
  }

  /** Lets a principal start executions of the pipeline. */
  public grantStartPipelineExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:StartPipelineExecution'], resourceArns: [this.pipelineArn] });
  }

  /** Lets a principal read the pipeline, its executions and their steps. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'sagemaker:DescribePipeline', 'sagemaker:ListPipelineExecutions', 'sagemaker:DescribePipelineExecution',
        'sagemaker:ListPipelineExecutionSteps', 'sagemaker:ListPipelineParametersForExecution',
        'sagemaker:DescribePipelineDefinitionForExecution',
      ],
      resourceArns: [this.pipelineArn, this.executionArns()],
    });
  }

  /**
   * Lets a principal (the worker of a Callback step) report the step's success or failure.
   */
  public grantSendCallback(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:SendPipelineExecutionStepSuccess', 'sagemaker:SendPipelineExecutionStepFailure'],
      resourceArns: [this.executionArns()],
    });
  }

  /** Lets a principal stop executions of the pipeline. */
  public grantStop(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:StopPipelineExecution'], resourceArns: [this.executionArns()] });
  }

  /**
   * Sends alerts on execution status changes (default: Failed) to an SNS topic (created, or yours).
   */
  public addExecutionNotifications(options: ExecutionNotificationsOptions = {}): ExecutionNotifications {
    if (this.notifications) {
      throw new Error(`${this.node.path}: execution notifications were already added; give every status and address in one call`);
    }
    this.notifications = new ExecutionNotifications(this, 'Notifications', {
      ...options,
      pipelineArn: this.pipelineArn,
      pipelineName: this.physicalPipelineName,
    });
    return this.notifications;
  }

  /** An EventBridge rule on the pipeline's execution status changes. */
  public onExecutionStatusChange(id: string, options: ExecutionStatusChangeOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, { ...options, eventPattern: undefined });
    rule.addEventPattern(executionPattern(this.pipelineArn, options.statuses));
    rule.addEventPattern(options.eventPattern);
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }

  /** An EventBridge rule on the pipeline's failed executions. */
  public onExecutionFailed(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.onExecutionStatusChange(id, { ...options, statuses: [PipelineExecutionStatus.FAILED] });
  }

  /** An EventBridge rule on the status changes of the pipeline's steps. */
  public onStepStatusChange(id: string, options: StepStatusChangeOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, { ...options, eventPattern: undefined });
    rule.addEventPattern(stepPattern(this.pipelineArn, options.statuses, options.stepNames));
    rule.addEventPattern(options.eventPattern);
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }

  /** An EventBridge rule on the pipeline's failed steps (the event carries `detail.failureReason`). */
  public onStepFailed(id: string, options: StepStatusChangeOptions = {}): events.Rule {
    return this.onStepStatusChange(id, { ...options, statuses: [PipelineStepStatus.FAILED] });
  }

  /** A metric of the pipeline, in the namespace SageMaker publishes pipeline metrics to. */
  public metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: PIPELINE_METRICS_NAMESPACE,
      metricName,
      ...props,
      dimensionsMap: { PipelineName: this.physicalPipelineName, ...props.dimensionsMap },
    }).attachTo(this);
  }

  /** Executions started. */
  public metricExecutionStarted(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ExecutionStarted', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Executions failed. */
  public metricExecutionFailed(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ExecutionFailed', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Executions succeeded. */
  public metricExecutionSucceeded(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ExecutionSucceeded', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Executions stopped. */
  public metricExecutionStopped(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ExecutionStopped', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** How long executions ran (milliseconds). */
  public metricExecutionDuration(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ExecutionDuration', { statistic: cloudwatch.Stats.AVERAGE, unit: cloudwatch.Unit.MILLISECONDS, ...props });
  }

  /** A metric of one step (StepStarted, StepFailed, StepSucceeded, StepStopped, StepDuration). */
  public metricStep(metricName: string, stepName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric(metricName, { ...props, dimensionsMap: { StepName: stepName, ...props.dimensionsMap } });
  }

  /** Failures of one step. */
  public metricStepFailed(stepName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metricStep('StepFailed', stepName, { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** How long one step ran (milliseconds). */
  public metricStepDuration(stepName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metricStep('StepDuration', stepName, { statistic: cloudwatch.Stats.AVERAGE, unit: cloudwatch.Unit.MILLISECONDS, ...props });
  }

  /**
   * Every IAM statement the pipeline's role needs for the steps added so far: what this stack grants, or what a
   * role you manage yourself must allow.
   */
  public requiredPolicyStatements(): iam.PolicyStatement[] {
    return [...this.recorder.statements];
  }

  /**
   * The principal of the pipeline's role: grant the pipeline access to a resource (`bucket.grantRead(pipeline)`)
   * and its executions have it. Every statement granted is also recorded (see `requiredPolicyStatements`).
   */
  public get grantPrincipal(): iam.IPrincipal {
    return this.recorder;
  }

  /**
   * Makes the pipeline's resource wait for a construct at deploy time (code a step uploads).
   */
  public addResourceDependency(dependency: IDependable): void {
    this.resource.node.addDependency(dependency);
  }

  /**
   * Where a step's output goes when the step is not told: `s3://<artifact bucket>/<pipeline>/<execution
   * id>/<step>/<output>`, as a string token.
   */
  public defaultOutputUri(stepName: string, outputName: string): string {
    return new Join({
      on: '/',
      values: ['s3:/', this.artifactBucket.bucketName, this.physicalPipelineName, ExecutionVariable.PIPELINE_EXECUTION_ID.valueAsString, stepName, outputName],
    }).valueAsString;
  }

  /** @internal */
  public _graph(): BuiltGraph {
    return this.build();
  }

  /** The checks of the validation phase; the graph built here is the one synthesized. */
  private validatePipeline(): string[] {
    // A definition in S3 was rendered (and its CloudFormation values resolved) when it was placed there; an inline one
    // is rendered here, from the tree as it is now.
    const graph = this.placedGraph ?? buildGraph(this, this.steps, this.explicitParameters, this.experimentConfig);
    this.synthesized = graph;
    const problems = [...graph.problems, ...this.sameNameProblems()];
    if (problems.length > 0) {
      return problems;
    }
    if (this.recorder.dropped.length > 0) {
      const needed = this.recorder.dropped.map((st) => JSON.stringify(Stack.of(this).resolve(st.toStatementJson()))).join('\n  ');
      Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:role-permissions',
        'the pipeline\'s role cannot be changed by this stack, so it must already allow what the steps need, or executions fail '
        + `with AccessDenied:\n  ${needed}`);
    }
    if (this.definitionObject) {
      return [];
    }
    let resolved: any;
    try {
      resolved = this.resolveDefinition(graph);
    } catch (e: any) {
      // A pipeline value that CloudFormation was asked to resolve (inside Fn.join or Lazy): say where.
      return [`${this.node.path}: ${String(e.message).replace(/^(Resolution error: )+/, '').replace(/\.+$/, '')}`];
    }
    this.resolvedBody = resolved;
    return this.inlineProblems(measureDefinition(Stack.of(this), resolved));
  }

  /** What keeps an inline definition from deploying. */
  private inlineProblems(size: PipelineDefinitionSize): string[] {
    const range = size.minLength === size.maxLength ? `${size.minLength} characters long`
      : `${size.minLength} to ${size.maxLength} characters long (depending on the length of its deploy-time values)`;
    const fix = this.definitionStorage === DefinitionStorage.INLINE
      ? 'store it in S3 (definitionStorage: DefinitionStorage.S3, or AUTO), split the pipeline, or shorten what repeats'
      : 'split the pipeline, or shorten what repeats';
    const problems: string[] = [];
    if (size.minLength > MAX_DEFINITION_LENGTH) {
      problems.push(`${this.node.path}: the pipeline definition is ${range}; SageMaker takes at most ${MAX_DEFINITION_LENGTH} inline: ${fix} `
        + '(environment variables, hyperparameters, long literal strings)');
    } else if (size.maxLength > MAX_DEFINITION_LENGTH) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:definition-length', `the pipeline definition is ${range}; SageMaker takes at `
        + `most ${MAX_DEFINITION_LENGTH} inline, so it deploys only if its deploy-time values are short enough: ${fix}`);
    }
    if (size.templateBytes > MAX_TEMPLATE_BYTES) {
      problems.push(`${this.node.path}: the pipeline definition takes ${size.templateBytes} bytes of the template; CloudFormation takes a `
        + `template of at most ${MAX_TEMPLATE_BYTES} bytes: ${fix}`);
    } else if (size.templateBytes > INLINE_TEMPLATE_BUDGET) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:template-size', `the pipeline definition takes ${size.templateBytes} bytes `
        + `of the template, which CloudFormation takes up to ${MAX_TEMPLATE_BYTES} bytes in all: ${fix}`);
    }
    return problems;
  }

  /**
   * The definition as `Stack.resolve` renders `Stack.toJsonString` of it: the JSON text, or an Fn::Join of JSON text
   * and CloudFormation values. Throws on a pipeline value inside a CloudFormation value (Fn.join, Lazy).
   */
  private resolveDefinition(graph: BuiltGraph): any {
    const stack = Stack.of(this);
    return stack.resolve(stack.toJsonString(graph.definition));
  }

  /**
   * Decides where the template carries the definition (an aspect, once the tree is complete): inline, or an S3
   * object that a BucketDeployment (aws-s3-deployment) writes at deploy time with the CloudFormation values put in.
   */
  private prepareForSynthesis(): void {
    const graph = buildGraph(this, this.steps, this.explicitParameters, this.experimentConfig);
    if (graph.problems.length > 0) {
      return; // validation reports them
    }
    this.grantDocumentReads(graph);
    this.placeDefinition(graph);
  }

  /**
   * SageMaker reads the JSON documents of `JsonGet.fromS3Uri` with the pipeline's role when a step evaluates one:
   * the role may read each location whose bucket the URI shows (those under step outputs are granted already).
   */
  private grantDocumentReads(graph: BuiltGraph): void {
    const uris = new Set<string>();
    for (const node of graph.nodes.values()) {
      for (const jsonGet of node.refs!.jsonGets) {
        if (jsonGet.s3Uri !== undefined && !uris.has(jsonGet.s3Uri)) {
          uris.add(jsonGet.s3Uri);
          grantS3Location(this, this, jsonGet.s3Uri, false, `JsonGet of ${jsonGet._document.name}`);
        }
      }
    }
  }

  private placeDefinition(graph: BuiltGraph): void {
    if (this.definitionObject || this.definitionStorage === DefinitionStorage.INLINE) {
      return;
    }
    // Measured from the text with one marker per CloudFormation value and the resolved values of the markers: the
    // whole definition is never resolved on this path.
    const stack = Stack.of(this);
    let marked: MarkedDefinition;
    let resolvedMarkers: Record<string, any>;
    try {
      marked = renderWithMarkers(graph.definition);
      resolvedMarkers = stack.resolve(marked.markers);
    } catch {
      return; // a pipeline value inside a CloudFormation value: validation reports it (inline)
    }
    if (this.definitionStorage === DefinitionStorage.AUTO) {
      const size = measureMarkedDefinition(stack, marked.text, resolvedMarkers);
      if (size.maxLength <= MAX_DEFINITION_LENGTH && size.templateBytes <= INLINE_TEMPLATE_BUDGET) {
        return;
      }
    }
    this.placedGraph = graph;
    this.storeInS3(marked, resolvedMarkers);
  }

  private storeInS3(marked: MarkedDefinition, resolvedMarkers: Record<string, any>): void {
    const regulated = RegulatedAccount._of(this);
    const bucket = this.definitionBucket ?? this.artifactBucket;
    // The key is the hash of the definition with its CloudFormation values as expressions: a changed definition is a
    // new key, which updates the pipeline (CloudFormation sees a changed property); an unchanged one is not touched.
    const hash = crypto.createHash('sha256').update(marked.text).update(JSON.stringify(resolvedMarkers)).digest('hex').slice(0, 32);
    const prefix = `pipeline-definitions/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}/`;
    const file = `${hash}.json`;
    const upload = new s3deploy.BucketDeployment(this, 'DefinitionUpload', {
      // The deployment's handler puts each CloudFormation value in at deploy time, JSON-escaped (its markers).
      sources: [definitionSource(file, marked)],
      destinationBucket: bucket,
      destinationKeyPrefix: prefix,
      // Older definitions under this pipeline's prefix are removed; the bucket's versioning keeps them for a while.
      prune: true,
      retainOnDelete: true,
      ...regulated?._handlerOptions('BucketDeployment'),
    });
    regulated?._suppressHandlers('BucketDeployment');
    this.definitionObject = { bucket, key: `${prefix}${file}` };
    this.resource.pipelineDefinition = { PipelineDefinitionS3Location: { Bucket: bucket.bucketName, Key: `${prefix}${file}` } };
    // CloudFormation creates (and updates) the pipeline after the object is written.
    this.resource.node.addDependency(upload);
    if (this.definitionBucket) {
      this.definitionBucket.grantRead(this, `${prefix}*`);
    }
  }

  /**
   * Where the definition is stored in S3 (bucket and key), once synthesis has decided to store it there; undefined
   * while it is inline.
   */
  public get definitionS3Location(): s3.Location | undefined {
    return this.definitionObject ? { bucketName: this.definitionObject.bucket.bucketName, objectKey: this.definitionObject.key } : undefined;
  }

  /**
   * The length of the definition as SageMaker will receive it, with each deploy-time value counted between the
   * shortest and the longest it can be for what it is (an IAM role ARN, a bucket name, a region), and the bytes it
   * takes in the template inline.
   */
  public definitionSize(): PipelineDefinitionSize {
    return measureDefinition(Stack.of(this), this.resolveDefinition(this.build()));
  }

  /**
   * Another MlPipeline of the app with the same name, in the same account and region: the second to deploy would
   * fail (or, in one stack, CloudFormation would refuse the template).
   */
  private sameNameProblems(): string[] {
    if (Token.isUnresolved(this.physicalPipelineName)) {
      return [];
    }
    const stack = Stack.of(this);
    const same = (a: string, b: string) => [TokenComparison.SAME, TokenComparison.BOTH_UNRESOLVED].includes(Token.compareStrings(a, b));
    const others = this.node.root.node.findAll().filter((c): c is MlPipeline => c instanceof MlPipeline && c !== this
      && c.physicalPipelineName.toLowerCase() === this.physicalPipelineName.toLowerCase()
      && same(Stack.of(c).account, stack.account) && same(Stack.of(c).region, stack.region));
    return others.map((o) => `${this.node.path}: pipeline name '${this.physicalPipelineName}' is also used by ${o.node.path} in the same `
      + 'account and region; a pipeline name is unique per account and region (SageMaker spells it in lower case in ARNs): give one of them another pipelineName');
  }

  /**
   * The definition as the template carries it. Never throws: a pipeline with problems fails validation, which
   * runs before the template is written, and reports them there (cdk-nag and other aspects may resolve the
   * template earlier).
   */
  private produceDefinition(): string {
    if (this.resolvedBody !== undefined) {
      return Token.asString(new Intrinsic(this.resolvedBody));
    }
    try {
      const graph = this.synthesized ?? buildGraph(this, this.steps, this.explicitParameters, this.experimentConfig);
      if (graph.problems.length > 0) {
        return '{}';
      }
      return Token.asString(new Intrinsic(this.resolveDefinition(graph)));
    } catch {
      return '{}';
    }
  }

  private writeDiagram(session: ISynthesisSession): void {
    const file = `${Stack.of(this).artifactId}.${this.physicalPipelineName}.pipeline.mmd`;
    try {
      fs.writeFileSync(path.join(session.outdir, file), toMermaid(this.physicalPipelineName, this.synthesized ?? this.build()));
    } catch (e: any) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:diagram', `the pipeline diagram could not be written: ${e.message}`);
    }
  }

  private executionArns(): string {
    return `${this.pipelineArn}/execution/*`;
  }

  /**
   * The graph of the construct tree as it is now (steps and their dependencies may change until synthesis, so it
   * is built anew for each call). Throws every problem, one per line.
   */
  private build(): BuiltGraph {
    const graph = buildGraph(this, this.steps, this.explicitParameters, this.experimentConfig);
    if (graph.problems.length > 0) {
      throw new Error(graph.problems.join('\n'));
    }
    return graph;
  }

  private createArtifactBucket(props: MlPipelineProps, regulated?: RegulatedAccount): s3.IBucket {
    const removalPolicy = props.artifactBucketRemovalPolicy ?? RemovalPolicy.RETAIN;
    let logs = props.serverAccessLogsBucket;
    if (!logs) {
      logs = new s3.Bucket(this, 'AccessLogsBucket', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        ...regulated?._bucketProps(true),
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        versioned: true,
        removalPolicy,
      });
      regulated?._suppressBucket(logs, true);
    }
    const bucket = new s3.Bucket(this, 'ArtifactBucket', {
      ...regulated?._bucketProps(false),
      ...(props.artifactBucketEncryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.artifactBucketEncryptionKey, bucketKeyEnabled: true }
        : regulated ? {} : { encryption: s3.BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'artifact-bucket/',
      lifecycleRules: props.artifactBucketLifecycleRules === false ? undefined : [{
        id: 'ExpireNoncurrentVersionsAndAbortIncompleteUploads',
        noncurrentVersionExpiration: props.artifactNoncurrentVersionExpiration ?? Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
    });
    regulated?._suppressBucket(bucket, false);
    return bucket;
  }

  /** What every pipeline's role needs: pass itself to SageMaker jobs, write logs, use the artifact bucket. */
  private grantBaseline(stack: Stack): void {
    const grantee = this;
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resourceArns: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: [this.artifactBucket.arnForObjects('*')],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resourceArns: [this.artifactBucket.bucketArn],
    });
    this.artifactBucket.encryptionKey?.grantEncryptDecrypt(grantee);
  }
}

