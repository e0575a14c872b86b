import { Construct } from 'constructs';
import type { PipelineStep } from './step';
import { StepProperty } from './step';
import { PipelineValue, ValueKind } from '../values/pipeline-value';

/** The type of an output parameter of a Lambda or Callback step. */
export enum OutputParameterType {
  /** A string. */
  STRING = 'String',
  /** An integer. */
  INTEGER = 'Integer',
  /** A floating-point number. */
  FLOAT = 'Float',
  /** A boolean. */
  BOOLEAN = 'Boolean',
}

/** An output parameter of a Lambda or Callback step. */
export interface OutputParameter {
  /** The output's name. */
  readonly name: string;
  /**
   * The output's type.
   * @default OutputParameterType.STRING
   */
  readonly type?: OutputParameterType;
}

const KIND: Record<OutputParameterType, ValueKind> = {
  [OutputParameterType.STRING]: ValueKind.STRING,
  [OutputParameterType.INTEGER]: ValueKind.INTEGER,
  [OutputParameterType.FLOAT]: ValueKind.FLOAT,
  [OutputParameterType.BOOLEAN]: ValueKind.BOOLEAN,
};

/** Checks the output parameters of a step. @internal */
export function checkOutputParameters(scope: Construct, outputs: OutputParameter[]): void {
  const seen = new Set<string>();
  for (const o of outputs) {
    if (!/^[A-Za-z0-9\-_]{1,64}$/.test(o.name)) {
      throw new Error(`${scope.node.path}: invalid output parameter name '${o.name}': expected 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'`);
    }
    if (seen.has(o.name)) {
      throw new Error(`${scope.node.path}: two output parameters are named '${o.name}'; output names must be unique in a step`);
    }
    seen.add(o.name);
  }
}

/** The value of an output parameter, once the step has run. @internal */
export function outputValue(step: PipelineStep, outputs: OutputParameter[], name: string): PipelineValue {
  const output = outputs.find((o) => o.name === name);
  if (!output) {
    throw new Error(`${step.node.path}: step '${step.stepName}' has no output parameter named '${name}'; its outputs are: ${outputs.map((o) => o.name).join(', ') || '(none)'}`);
  }
  return new StepProperty(step, `OutputParameters['${name}']`, KIND[output.type ?? OutputParameterType.STRING]);
}

/** The OutputParameters field of a step. @internal */
export function renderOutputParameters(outputs: OutputParameter[] | undefined): any {
  // Given empty renders empty (the SDK writes OutputParameters: [] for a step without outputs); not given is left out.
  return outputs?.map((o) => ({ OutputName: o.name, OutputType: o.type ?? OutputParameterType.STRING }));
}
