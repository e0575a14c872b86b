import { PipelineValue, ValueKind } from './pipeline-value';
import type { PropertyFile } from './property-file';
import type { EvaluationContext } from '../private/evaluation';
import { checkJsonPath } from '../private/json-path';
import type { RenderContext } from '../private/render-context';

/** Properties of a `JsonGet`. */
export interface JsonGetProps {
  /** The property file to read. */
  readonly propertyFile: PropertyFile;
  /** The JSON path of the value in the file (`binary_classification_metrics.accuracy.value`). */
  readonly path: string;
}

/**
 * A value read from a property file when the pipeline runs:
 * `{"Std:JsonGet": {"PropertyFile": {"Get": "Steps.<Step>.PropertyFiles.<Name>"}, "Path": ...}}`.
 */
export class JsonGet extends PipelineValue {
  /** The property file read. */
  public readonly propertyFile: PropertyFile;
  /** The JSON path read. */
  public readonly path: string;

  constructor(props: JsonGetProps) {
    super(ValueKind.ANY);
    if (!PipelineValue.isPipelineToken(props.path)) {
      const problem = checkJsonPath(props.path);
      if (problem) {
        throw new Error(`JsonGet on property file '${props.propertyFile.name}': '${props.path}' is not a valid JSON path (${problem}); expected a path such as 'metrics.accuracy.value' or 'items[0].name'`);
      }
    }
    this.propertyFile = props.propertyFile;
    this.path = props.path;
  }

  public describe(): string {
    return `JsonGet(${this.propertyFile.name}, ${this.path})`;
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    ctx.useJsonGet(this);
    return { 'Std:JsonGet': { PropertyFile: this.propertyFile._render(ctx), Path: ctx.render(this.path) } };
  }

  /** @internal */
  public _evaluate(ctx: EvaluationContext): any {
    return ctx.jsonGet(this.propertyFile, this.path);
  }
}
