import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MlPipeline } from '../pipeline';
import { checkInputs } from './lambda-step';
import { OutputParameter, checkOutputParameters, outputValue, renderOutputParameters } from './output-parameters';
import { CacheConfig, PipelineStep, StepBindOptions, StepOptions, StepType } from './step';
import { PipelineValue } from '../values/pipeline-value';

/** Properties of a `CallbackStepConstruct`. */
export interface CallbackStepConstructProps extends StepOptions {
  /** The queue the step's message (with its token and inputs) is sent to; the pipeline's role may send to it. */
  readonly queue: sqs.IQueue;
  /**
   * The inputs sent in the message: names to values (strings, numbers, booleans, tokens of pipeline values).
   * @default - none
   */
  readonly inputs?: { [name: string]: any };
  /**
   * The outputs the worker returns with SendPipelineExecutionStepSuccess, readable by later steps.
   * @default - none
   */
  readonly outputs?: OutputParameter[];
  /**
   * Step caching.
   * @default - no caching
   */
  readonly cacheConfig?: CacheConfig;
}

/**
 * A step that sends a message to an SQS queue and waits until a worker reports success or failure
 * (`SendPipelineExecutionStepSuccess` / `...Failure`; grant it with `MlPipeline.grantSendCallback`).
 */
export class CallbackStepConstruct extends PipelineStep {
  /** The queue the message is sent to. */
  public readonly queue: sqs.IQueue;
  private readonly props: CallbackStepConstructProps;

  constructor(scope: Construct, id: string, props: CallbackStepConstructProps) {
    super(scope, id, StepType.CALLBACK, props);
    checkOutputParameters(this, props.outputs ?? []);
    checkInputs(this, props.inputs ?? {});
    this.props = props;
    this.queue = props.queue;
  }

  /** The value of an output, once the step has run: `Steps.<Name>.OutputParameters['<name>']`. */
  public outputValue(name: string): PipelineValue {
    return outputValue(this, this.props.outputs ?? [], name);
  }

  /** The value of an output as a string token, for any step property that takes a string. */
  public outputAsString(name: string): string {
    return this.outputValue(name).valueAsString;
  }

  protected bind(_pipeline: MlPipeline, options: StepBindOptions): void {
    this.props.queue.grantSendMessages(options.grantee);
  }

  protected renderArguments(): any {
    return { ...(this.props.inputs ?? {}) };
  }

  protected renderExtraFields(): Record<string, any> {
    return { SqsQueueUrl: this.props.queue.queueUrl, OutputParameters: renderOutputParameters(this.props.outputs ?? []) };
  }
}
