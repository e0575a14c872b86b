import { Construct } from 'constructs';
import { PipelineStep, StepOptions, StepProperty, StepType } from './step';
import { Condition } from '../values/condition';
import { ValueKind } from '../values/pipeline-value';
import { checkCondition } from '../values/private/condition-check';

/** Properties of a `ConditionStepConstruct`. */
export interface ConditionStepConstructProps extends StepOptions {
  /** The conditions, ANDed. */
  readonly conditions: Condition[];
  /**
   * The steps run when the conditions hold. They appear only inside this step in the definition.
   * @default - none
   */
  readonly ifSteps?: PipelineStep[];
  /**
   * The steps run otherwise.
   * @default - none
   */
  readonly elseSteps?: PipelineStep[];
}

/**
 * A step that evaluates conditions and runs one of two branches of steps.
 */
export class ConditionStepConstruct extends PipelineStep {
  /** The conditions (ANDed). */
  public readonly conditions: Condition[];
  /** The steps of the if-branch. */
  public readonly ifSteps: PipelineStep[];
  /** The steps of the else-branch. */
  public readonly elseSteps: PipelineStep[];

  constructor(scope: Construct, id: string, props: ConditionStepConstructProps) {
    super(scope, id, StepType.CONDITION, props);
    if (props.conditions.length === 0) {
      throw new Error(`${this.node.path}: no conditions given; a condition step needs at least one`);
    }
    this.conditions = [...props.conditions];
    this.ifSteps = [...(props.ifSteps ?? [])];
    this.elseSteps = [...(props.elseSteps ?? [])];
    if (this.ifSteps.length === 0 && this.elseSteps.length === 0) {
      throw new Error(`${this.node.path}: both branches are empty; give ifSteps or elseSteps`);
    }
    const problems = this.conditions.flatMap(checkCondition);
    if (problems.length > 0) {
      throw new Error(problems.map((p) => `${this.node.path}: condition ${p}`).join('\n'));
    }
    for (const step of [...this.ifSteps, ...this.elseSteps]) {
      if (step === this) {
        throw new Error(`${this.node.path}: a condition step cannot be in its own branch`);
      }
      step._nestIn(this);
    }
  }

  /**
   * The outcome of the conditions (true or false), once the step has run, as the string token of a Boolean
   * value: for `Condition.booleanEquals(step.outcome, true)` or a string property.
   */
  public get outcome(): string {
    return new StepProperty(this, 'Outcome', ValueKind.BOOLEAN).valueAsString;
  }

  /** @internal */
  public _nestedSteps(): PipelineStep[][] {
    return [this.ifSteps, this.elseSteps];
  }

  protected renderArguments(): any {
    // Conditions and steps are rendered by the pipeline: the steps of the branches appear here in full.
    return { Conditions: this.conditions, IfSteps: this.ifSteps, ElseSteps: this.elseSteps };
  }
}
