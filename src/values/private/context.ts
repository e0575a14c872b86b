import type { IConstruct } from 'constructs';
import type { ValueKind } from '../value-kind';

/*
 * What values need from the engine that renders and evaluates them. The values layer declares these interfaces;
 * the engine (src/private/) implements them. They name no class of a higher layer: a step is seen as a
 * `StepReference`, and what a value records is handed over as the value object itself (the engine knows the
 * value classes).
 */

/** A step, as far as a value that refers to it needs to know it. */
export interface StepReference extends IConstruct {
  /** The step's name in the definition. */
  readonly stepName: string;
  /** The step's type (`Processing`, `Training`, ...). */
  readonly stepType: string;
}

/** What a rendered `{"Get": ...}` refers to, for the type checks of the arguments it lands in. */
export interface ReferenceInfo {
  /** The type of the value referred to. */
  readonly kind: ValueKind;
  /** How to name it in a message (`Parameters.X, a String parameter,`). */
  readonly description: string;
  /**
   * Literal values it can take that are known at synth time (a parameter's default and enum values), each with
   * how to name it, to be checked where the reference goes.
   */
  readonly literals?: Array<{ readonly label: string; readonly value: any }>;
}

/** Where a value renders itself and records what it refers to. */
export interface RenderContext {
  /** A parameter is used (a `PipelineParameter`). */
  useParameter(parameter: object): void;
  /** A property of a step is used. */
  useStep(step: StepReference): void;
  /** A property file is read (a `PropertyFile`). */
  usePropertyFile(propertyFile: object): void;
  /** A value is read with `Std:JsonGet` (a `JsonGet`). */
  useJsonGet(jsonGet: object): void;
  /** What a rendered `Get` refers to. */
  noteReference(get: string, info: ReferenceInfo): void;
  /** Renders any JSON-like value: pipeline values and tokens become their definition form. */
  render(value: any): any;
}

/** Where the dry run takes the values known only when a pipeline runs. */
export interface EvaluationContext {
  /** The value of a parameter (a `PipelineParameter`). */
  parameter(parameter: object): any;
  /** The value of an execution variable. */
  execution(name: string): any;
  /** The value of a step's property. */
  stepProperty(step: StepReference, path: string): any;
  /** The value at a path of a property file (a `PropertyFile`). */
  jsonGet(propertyFile: object, path: string): any;
  /** A CloudFormation value (a bucket name): known only at deploy time. */
  deployTimeValue(): any;
}
