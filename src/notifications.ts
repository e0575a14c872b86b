import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { RegulatedAccount } from './regulated-account';

/** The EventBridge source of SageMaker events. */
export const SAGEMAKER_EVENT_SOURCE = 'aws.sagemaker';
/** The detail-type of a pipeline execution's status change. */
export const EXECUTION_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Status Change';
/** The detail-type of a pipeline step's status change. */
export const STEP_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Step Status Change';

/** The statuses of a pipeline execution, as its status-change events carry them. */
export enum PipelineExecutionStatus {
  /** Running. */
  EXECUTING = 'Executing',
  /** Finished successfully. */
  SUCCEEDED = 'Succeeded',
  /** Failed (a step failed, or a Fail step ran). */
  FAILED = 'Failed',
  /** Being stopped. */
  STOPPING = 'Stopping',
  /** Stopped. */
  STOPPED = 'Stopped',
}

/** The statuses of a pipeline step, as its status-change events carry them. */
export enum PipelineStepStatus {
  /** Starting. */
  STARTING = 'Starting',
  /** Running. */
  EXECUTING = 'Executing',
  /** Being stopped. */
  STOPPING = 'Stopping',
  /** Stopped. */
  STOPPED = 'Stopped',
  /** Failed. */
  FAILED = 'Failed',
  /** Succeeded. */
  SUCCEEDED = 'Succeeded',
}

/** Options of `onExecutionStatusChange`. */
export interface ExecutionStatusChangeOptions extends events.OnEventOptions {
  /**
   * The statuses to match.
   * @default - every status
   */
  readonly statuses?: PipelineExecutionStatus[];
}

/** Options of `onStepStatusChange` and `onStepFailed`. */
export interface StepStatusChangeOptions extends events.OnEventOptions {
  /**
   * The statuses to match (`onStepFailed` always matches Failed).
   * @default - every status
   */
  readonly statuses?: PipelineStepStatus[];
  /**
   * The names of the steps to match.
   * @default - every step
   */
  readonly stepNames?: string[];
}

/** How execution alerts are sent. */
export interface ExecutionNotificationsOptions {
  /**
   * The topic the alerts are published to.
   * @default - a topic encrypted with a KMS key of its own (rotated), SSL-only
   */
  readonly topic?: sns.ITopic;
  /**
   * E-mail addresses subscribed to the topic.
   * @default - none
   */
  readonly emailAddresses?: string[];
  /**
   * The execution statuses that send an alert.
   * @default [PipelineExecutionStatus.FAILED]
   */
  readonly statuses?: PipelineExecutionStatus[];
}

/** What `ExecutionNotifications` needs of its pipeline. */
export interface ExecutionNotificationsProps extends ExecutionNotificationsOptions {
  /** The ARN of the pipeline, as events carry it (lower-case name). */
  readonly pipelineArn: string;
  /** The name of the pipeline, for the messages. */
  readonly pipelineName: string;
}

/**
 * An SNS topic fed by an EventBridge rule on a pipeline's execution status changes (default: Failed), with a
 * readable message: pipeline, execution ARN, status and a link to the SageMaker console.
 */
export class ExecutionNotifications extends Construct {
  /** The topic that receives the alerts. */
  public readonly topic: sns.ITopic;
  /** The rule that matches the status changes. */
  public readonly rule: events.Rule;
  /** The key that encrypts the created topic, if one was created. */
  public readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: ExecutionNotificationsProps) {
    super(scope, id);
    const statuses = props.statuses ?? [PipelineExecutionStatus.FAILED];
    if (statuses.length === 0) {
      throw new Error(`${this.node.path}: statuses is empty, so no alert would ever be sent; give at least one status (default: Failed)`);
    }
    for (const email of props.emailAddresses ?? []) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        throw new Error(`${this.node.path}: '${email}' is not an e-mail address`);
      }
    }
    const regulated = RegulatedAccount._of(this);
    if (props.topic) {
      this.topic = props.topic;
    } else {
      // In a regulated account, the account's key (RegulatedAccount) encrypts the topic.
      const key = regulated?.encryptionKey ?? new kms.Key(this, 'Key', {
        description: `Encrypts the execution alerts of SageMaker pipeline ${props.pipelineName}`,
        enableKeyRotation: true,
      });
      this.encryptionKey = key;
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: `SageMaker pipeline ${props.pipelineName} alerts`,
        masterKey: key,
        enforceSSL: true,
      });
    }
    for (const email of props.emailAddresses ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    const field = (path: string) => events.EventField.fromPath(path);
    this.rule = new events.Rule(this, 'Rule', {
      description: `Alerts on ${statuses.join('/')} executions of SageMaker pipeline ${props.pipelineName}`,
      eventPattern: executionPattern(props.pipelineArn, statuses),
    });
    // The rule publishes through a role of its own, which alone may publish to the topic and use its key: neither the
    // topic's nor the key's policy opens them to the EventBridge service as a whole (which any rule of the account
    // could use).
    this.rule.addTarget(new targets.SnsTopic(this.topic, {
      authorizeUsingRole: true,
      // In a regulated account, the role's permissions are a managed policy.
      role: regulated?._newRole(this, 'EventsRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') }),
      message: events.RuleTargetInput.fromText(
        `SageMaker pipeline ${props.pipelineName}: execution ${field('$.detail.pipelineExecutionArn')} `
        + `is ${field('$.detail.currentPipelineExecutionStatus')} (was ${field('$.detail.previousPipelineExecutionStatus')}). `
        + `Pipeline: ${field('$.detail.pipelineArn')}. Account ${field('$.account')}, region ${field('$.region')}, at ${field('$.time')}. `
        + `Details: https://${field('$.region')}.console.aws.amazon.com/sagemaker/home?region=${field('$.region')}#/pipelines`,
      ),
    }));
  }
}

/** The event pattern of a pipeline's execution status changes. @internal */
export function executionPattern(pipelineArn: string, statuses?: PipelineExecutionStatus[]): events.EventPattern {
  return {
    source: [SAGEMAKER_EVENT_SOURCE],
    detailType: [EXECUTION_STATUS_CHANGE],
    detail: {
      pipelineArn: [pipelineArn],
      ...(statuses && statuses.length > 0 ? { currentPipelineExecutionStatus: statuses } : {}),
    },
  };
}

/** The event pattern of a pipeline's step status changes. @internal */
export function stepPattern(pipelineArn: string, statuses?: PipelineStepStatus[], stepNames?: string[]): events.EventPattern {
  return {
    source: [SAGEMAKER_EVENT_SOURCE],
    detailType: [STEP_STATUS_CHANGE],
    detail: {
      pipelineArn: [pipelineArn],
      ...(statuses && statuses.length > 0 ? { currentStepStatus: statuses } : {}),
      ...(stepNames && stepNames.length > 0 ? { stepName: stepNames } : {}),
    },
  };
}
