import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { checkInputs } from './lambda-step';
import { OutputParameter, checkOutputParameters, outputValue, renderOutputParameters } from './output-parameters';
import { CacheConfig, PipelineStep, IPipelineHost, StepOptions, StepType } from './step';

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

  /**
   * The value of an output as a string token, once the step has run (`Steps.<Name>.OutputParameters['<name>']`):
   * for a string property, or for `Condition.stringEquals` / `Condition.booleanEquals` (a Boolean output).
   */
  public outputAsString(name: string): string {
    return outputValue(this, this.props.outputs ?? [], name).valueAsString;
  }

  /** The value of an Integer or Float output as a number token, for a number property or `Condition.number*`. */
  public outputAsNumber(name: string): number {
    return outputValue(this, this.props.outputs ?? [], name).valueAsNumber;
  }

  protected bind(pipeline: IPipelineHost): void {
    this.props.queue.grantSendMessages(pipeline);
  }

  protected renderArguments(): any {
    return { ...(this.props.inputs ?? {}) };
  }

  protected renderExtraFields(): Record<string, any> {
    return { SqsQueueUrl: this.props.queue.queueUrl, OutputParameters: renderOutputParameters(this.props.outputs) };
  }
}
