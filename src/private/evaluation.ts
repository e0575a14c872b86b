import type { PipelineStep } from '../steps/step';
import type { PipelineParameter } from '../values/parameter';
import type { PropertyFile } from '../values/property-file';

/** Where the dry run takes the values known only when a pipeline runs. */
export interface EvaluationContext {
  parameter(parameter: PipelineParameter): any;
  execution(name: string): any;
  stepProperty(step: PipelineStep, path: string): any;
  jsonGet(file: PropertyFile, path: string): any;
  /** A CloudFormation value (a bucket name): known only at deploy time. */
  deployTimeValue(): any;
}

/** A step fails when it runs (a JsonGet of a missing path, a comparison of values that cannot be compared). */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
  }
}
