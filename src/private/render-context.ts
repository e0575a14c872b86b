import { Token, Tokenization } from 'aws-cdk-lib';
import { PipelineStep, StepRenderContext } from '../steps/step';
import { Condition } from '../values/condition';
import type { PipelineParameter } from '../values/parameter';
import { ConcatValue, PipelineToken, PipelineValue, ValueKind, splitString } from '../values/pipeline-value';
import type { ReferenceInfo, StepReference } from '../values/private/context';
import type { JsonGet, PropertyFile } from '../values/property-file';

/**
 * What a rendered value refers to: collected while a step (or the pipeline) is rendered, so that the graph knows
 * the data dependencies without the user listing them.
 */
export class RenderContext implements StepRenderContext {
  public readonly parameters = new Set<PipelineParameter>();
  public readonly steps = new Set<PipelineStep>();
  public readonly propertyFiles = new Set<PropertyFile>();
  /** What each `{"Get": ...}` rendered refers to (its kind, for type checks). */
  public readonly references = new Map<string, ReferenceInfo>();
  /** The JsonGets rendered. */
  public readonly jsonGets = new Set<JsonGet>();

  /** @param nested renders a step nested in the one being rendered (a condition's branches) */
  constructor(private readonly nested?: (step: PipelineStep) => any) {}

  /** The definition of a step nested in the one being rendered. */
  public renderNested(step: PipelineStep): any {
    if (!this.nested) {
      throw new Error(`cannot render nested step '${step.stepName}' here`);
    }
    return this.nested(step);
  }

  public useParameter(parameter: PipelineParameter): void {
    this.parameters.add(parameter);
  }

  public useStep(step: StepReference): void {
    // Every step reference a value holds is a PipelineStep (values see steps only through this interface).
    this.steps.add(step as PipelineStep);
  }

  public usePropertyFile(propertyFile: PropertyFile): void {
    this.propertyFiles.add(propertyFile);
  }

  public noteReference(get: string, info: ReferenceInfo): void {
    const known = this.references.get(get);
    if (known && known.kind !== info.kind) {
      // Two values of different types render the same reference (two parameters of one name): the graph reports
      // the name defined twice; the argument checks take the reference as untyped rather than blame one use.
      this.references.set(get, { kind: ValueKind.ANY, description: `${get} (defined twice)` });
      return;
    }
    this.references.set(get, info);
  }

  public useJsonGet(jsonGet: JsonGet): void {
    this.jsonGets.add(jsonGet);
  }

  /**
   * Deep-renders a JSON-like object: pipeline values (objects or tokens in strings and numbers) become their
   * definition form; CloudFormation tokens are left for `Stack.toJsonString`; `undefined` members are dropped.
   */
  public render(value: any): any {
    if (value === undefined || value === null) {
      return undefined;
    }
    if (value instanceof PipelineValue || value instanceof Condition) {
      return value._render(this);
    }
    if (PipelineStep.isPipelineStep(value)) {
      return this.renderNested(value);
    }
    if (typeof value === 'string') {
      const parts = splitString(value);
      if (parts.length === 1 && typeof parts[0] === 'string') {
        return value;
      }
      if (parts.length === 1) {
        return (parts[0] as PipelineValue)._render(this);
      }
      return new ConcatValue(parts)._render(this);
    }
    if (typeof value === 'number') {
      if (Token.isUnresolved(value)) {
        const token = Tokenization.reverseNumber(value);
        if (token instanceof PipelineToken) {
          return token.value._render(this);
        }
      }
      return value;
    }
    if (Array.isArray(value)) {
      return value.map((v) => this.render(v)).filter((v) => v !== undefined);
    }
    if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, any> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = this.render(v);
        if (r !== undefined) {
          out[k] = r;
        }
      }
      return out;
    }
    // CDK tokens (IResolvable objects) and other values pass through to Stack.toJsonString.
    return value;
  }
}
