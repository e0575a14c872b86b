import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { OutputParameter, checkOutputParameters, outputValue, renderOutputParameters } from './output-parameters';
import { CacheConfig, PipelineStep, IPipelineHost, StepOptions, StepType } from './step';
import { PipelineValue } from '../values/pipeline-value';

/** Properties of a `LambdaStepConstruct`. */
export interface LambdaStepConstructProps extends StepOptions {
  /** The function to invoke; the pipeline's role may invoke it. */
  readonly lambdaFunction: lambda.IFunction;
  /**
   * The event the function receives: names to values (strings, numbers, booleans, tokens of pipeline values).
   * @default - an empty event
   */
  readonly inputs?: { [name: string]: any };
  /**
   * The outputs the function returns (keys of the object it returns), readable by later steps.
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
 * A step that invokes a Lambda function and reads its outputs.
 *
 * @example
 * const check = new LambdaStepConstruct(this, 'CheckData', {
 *   lambdaFunction: fn,
 *   inputs: { dataUri: prep.outputS3Uri('train') },
 *   outputs: [{ name: 'rows', type: OutputParameterType.INTEGER }],
 * });
 */
export class LambdaStepConstruct extends PipelineStep {
  /** The function invoked. */
  public readonly lambdaFunction: lambda.IFunction;
  private readonly props: LambdaStepConstructProps;

  constructor(scope: Construct, id: string, props: LambdaStepConstructProps) {
    super(scope, id, StepType.LAMBDA, props);
    checkOutputParameters(this, props.outputs ?? []);
    checkInputs(this, props.inputs ?? {});
    this.props = props;
    this.lambdaFunction = props.lambdaFunction;
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
    this.props.lambdaFunction.grantInvoke(pipeline);
  }

  protected renderArguments(): any {
    return { ...(this.props.inputs ?? {}) };
  }

  protected renderExtraFields(): Record<string, any> {
    return { FunctionArn: this.props.lambdaFunction.functionArn, OutputParameters: renderOutputParameters(this.props.outputs) };
  }
}

/** Inputs of Lambda and Callback steps are JSON scalars or pipeline values. @internal */
export function checkInputs(scope: Construct, inputs: { [name: string]: any }): void {
  for (const [name, value] of Object.entries(inputs)) {
    const ok = ['string', 'number', 'boolean'].includes(typeof value) || value instanceof PipelineValue;
    if (!ok) {
      throw new Error(`${scope.node.path}: input '${name}' is ${JSON.stringify(value)}; expected a string, number, boolean or pipeline value`);
    }
  }
}
