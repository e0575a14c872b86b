import { Construct } from 'constructs';
import { JobStepOptions, PipelineStep, StepType } from './step';
import { COMMON_STEP_FIELDS } from '../shared/step-fields';

/** Properties of a `CustomStepConstruct`. */
export interface CustomStepConstructProps extends JobStepOptions {
  /**
   * The step's `Type` in the definition: a step type this library has no construct for (`Endpoint`,
   * `EndpointConfig`, `Lineage`, ...), or one it has, to write its arguments by hand.
   */
  readonly stepType: string;
  /** The step's `Arguments`, as the definition takes them (pipeline values render as `Get`). */
  readonly arguments: { [key: string]: any };
  /**
   * Step-level fields besides `Arguments` and the common ones (`PropertyFiles`, a check step's `CheckType`, ...).
   * @default - none
   */
  readonly extraFields?: { [key: string]: any };
}

const TYPE = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/**
 * The escape hatch for a whole step: a step of any type with hand-written arguments. No permission is derived from
 * it (grant the pipeline's role what the step does with `pipeline.role.addToPrincipalPolicy`); the pipeline still
 * checks its `Arguments` against the API's request shape when the type is one the pipeline knows, and its property
 * references against the type's response shape. Prefer the typed construct of the step's kind when there is one.
 *
 * @example
 * const endpoint = new CustomStepConstruct(this, 'Deploy', {
 *   stepType: 'Endpoint',
 *   arguments: { EndpointName: 'churn', EndpointConfigName: 'churn-config' },
 * });
 */
export class CustomStepConstruct extends PipelineStep {
  private readonly props: CustomStepConstructProps;

  constructor(scope: Construct, id: string, props: CustomStepConstructProps) {
    if (!TYPE.test(props.stepType)) {
      throw new Error(`${scope.node.path}/${id}: stepType '${props.stepType}' is not a step type; expected a name such as Endpoint or Lineage`);
    }
    if (props.arguments === null || typeof props.arguments !== 'object' || Array.isArray(props.arguments)) {
      throw new Error(`${scope.node.path}/${id}: arguments is ${JSON.stringify(props.arguments)}; expected an object (the step's Arguments)`);
    }
    for (const key of Object.keys(props.extraFields ?? {})) {
      if (COMMON_STEP_FIELDS.includes(key)) {
        throw new Error(`${scope.node.path}/${id}: extraFields sets ${key}; use the step's own property for it`);
      }
    }
    super(scope, id, props.stepType as StepType, props);
    this.props = props;
  }

  protected get runsJob(): boolean {
    return true;
  }

  protected renderArguments(): any {
    return this.props.arguments;
  }

  protected renderExtraFields(): Record<string, any> {
    return { ...(this.props.extraFields ?? {}) };
  }
}
