import { PipelineValue, ValueKind } from './pipeline-value';
import type { EvaluationContext, RenderContext, StepReference } from './private/context';
import { canonicalPath, checkJsonPath, lookupPath, parseJsonPath } from './private/json-path';

/** Properties of a `PropertyFile`. */
export interface PropertyFileProps {
  /** The property file's name, unique within its step (`EvaluationReport`). */
  readonly name: string;
  /** The name of the processing output the file is written to (`evaluation`). */
  readonly outputName: string;
  /** The path of the file inside that output (`evaluation.json`). */
  readonly path: string;
  /**
   * The JSON paths the file will contain (`binary_classification_metrics.accuracy.value`): a `JsonGet` of any
   * other path is a synth-time error.
   * @default - not declared (give this or `sampleDocument` to have JsonGet paths checked)
   */
  readonly expectedPaths?: string[];
  /**
   * A sample of the document the step writes: a `JsonGet` path that does not exist in it is a synth-time error.
   * The dry run also uses it when no document is given.
   * @default - not declared
   */
  readonly sampleDocument?: any;
}

const PROPERTY_FILE_NAME = /^[A-Za-z0-9\-_]{1,64}$/;

/**
 * A JSON file that a processing step writes into one of its outputs, whose values later steps and conditions
 * read with `JsonGet`. Attach it to the processing step with its `propertyFiles` property.
 */
export class PropertyFile {
  /** The property file's name. */
  public readonly name: string;
  /** The processing output the file is written to. */
  public readonly outputName: string;
  /** The path of the file inside the output. */
  public readonly path: string;
  /** The JSON paths the file declares, if any. */
  public readonly expectedPaths?: string[];
  /** The sample document, if any. */
  public readonly sampleDocument?: any;
  private step?: StepReference;

  constructor(props: PropertyFileProps) {
    if (!PROPERTY_FILE_NAME.test(props.name)) {
      throw new Error(`Invalid property file name '${props.name}': expected 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'`);
    }
    if (props.path.trim() === '' || props.path.startsWith('/')) {
      throw new Error(`PropertyFile '${props.name}': path '${props.path}' must be a relative path inside output '${props.outputName}' (for example 'evaluation.json')`);
    }
    this.name = props.name;
    this.outputName = props.outputName;
    this.path = props.path;
    for (const p of props.expectedPaths ?? []) {
      const problem = checkJsonPath(p);
      if (problem) {
        throw new Error(`PropertyFile '${props.name}': expected path '${p}' is not a JSON path (${problem})`);
      }
    }
    if (props.sampleDocument !== undefined && (props.sampleDocument === null || typeof props.sampleDocument !== 'object')) {
      throw new Error(`PropertyFile '${props.name}': sampleDocument must be a JSON object or array, got ${JSON.stringify(props.sampleDocument)}`);
    }
    this.expectedPaths = props.expectedPaths;
    this.sampleDocument = props.sampleDocument;
  }

  /**
   * What is wrong with reading a path from this file, given its declared shape; undefined when it may be read.
   * @internal
   */
  public _checkPath(path: string): string | undefined {
    if (PipelineValue.isPipelineToken(path)) {
      return undefined;
    }
    const segments = parseJsonPath(path).segments;
    const canonical = canonicalPath(segments);
    if (this.expectedPaths !== undefined) {
      const known = this.expectedPaths.map((p) => canonicalPath(parseJsonPath(p).segments));
      if (!known.includes(canonical)) {
        return `which declares only the paths ${this.expectedPaths.join(', ')}; fix the path or add it to expectedPaths`;
      }
    }
    if (this.sampleDocument !== undefined) {
      const found = lookupPath(this.sampleDocument, segments);
      if (!found.found) {
        return `whose sample document has no such path (${found.missing}); fix the path or the sample`;
      }
    }
    return undefined;
  }

  /** The step that writes this file, once attached. @internal */
  public get _writer(): StepReference | undefined {
    return this.step;
  }

  /** Reads a value from the file when the pipeline runs (a `JsonGet`). */
  public jsonGet(path: string): JsonGet {
    return new JsonGet({ propertyFile: this, path });
  }

  /** Attaches the file to the step that writes it (done by that step). @internal */
  public _attach(step: StepReference): void {
    if (this.step && this.step !== step) {
      throw new Error(`${step.node.path}: property file '${this.name}' is already attached to step ${this.step.node.path}; create one PropertyFile per step`);
    }
    this.step = step;
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    if (!this.step) {
      throw new Error(`Property file '${this.name}' is not attached to any processing step: add it to the propertyFiles of the step that writes output '${this.outputName}'`);
    }
    ctx.usePropertyFile(this);
    ctx.useStep(this.step);
    return { Get: `Steps.${this.step.stepName}.PropertyFiles.${this.name}` };
  }

  /** The entry in the step's `PropertyFiles`. @internal */
  public _renderDefinition(): any {
    return { PropertyFileName: this.name, OutputName: this.outputName, FilePath: this.path };
  }
}

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
    super(sampleKind(props.propertyFile, props.path));
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

/**
 * The type of the value at a path of a property file, as its sample document shows it; ANY (known only at run
 * time) without a sample, or where the sample has no such path or a non-scalar value.
 */
function sampleKind(file: PropertyFile, path: string): ValueKind {
  if (file.sampleDocument === undefined || PipelineValue.isPipelineToken(path)) {
    return ValueKind.ANY;
  }
  const parsed = parseJsonPath(path);
  if (parsed.error) {
    return ValueKind.ANY;
  }
  const found = lookupPath(file.sampleDocument, parsed.segments);
  if (!found.found) {
    return ValueKind.ANY;
  }
  switch (typeof found.value) {
    case 'number': return Number.isInteger(found.value) ? ValueKind.INTEGER : ValueKind.FLOAT;
    case 'string': return ValueKind.STRING;
    case 'boolean': return ValueKind.BOOLEAN;
    default: return ValueKind.ANY;
  }
}
