import { Construct } from 'constructs';
import { asStringArgument } from './private/jobs';
import { PipelineStep, StepOptions, StepType } from './step';

/** Properties of a `FailStepConstruct`. */
export interface FailStepConstructProps extends StepOptions {
  /**
   * Why the execution failed: a string, a token of a pipeline value, or a `Join`'s `valueAsString`.
   * @default - no message
   */
  readonly errorMessage?: string;
}

/**
 * A step that stops the execution and marks it Failed, with a message.
 */
export class FailStepConstruct extends PipelineStep {
  /** The error message, if any. */
  public readonly errorMessage?: string;

  constructor(scope: Construct, id: string, props: FailStepConstructProps = {}) {
    super(scope, id, StepType.FAIL, props);
    this.errorMessage = props.errorMessage;
  }

  protected renderArguments(): any {
    return { ErrorMessage: asStringArgument(this.errorMessage) };
  }
}
