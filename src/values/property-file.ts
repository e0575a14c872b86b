import { Token } from 'aws-cdk-lib';
import { PipelineValue, ValueKind } from './pipeline-value';
import type { EvaluationContext, RenderContext, StepReference } from './private/context';
import { S3JsonDocument } from './private/json-document';
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
    checkDocumentShape(`PropertyFile '${props.name}'`, props);
    this.expectedPaths = props.expectedPaths;
    this.sampleDocument = props.sampleDocument;
  }

  /**
   * What is wrong with reading a path from this file, given its declared shape; undefined when it may be read.
   * @internal
   */
  public _checkPath(path: string): string | undefined {
    return checkDocumentPath(this, path);
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

/** What is known of a JSON document in S3 that a `JsonGet.fromS3Uri` reads. */
export interface JsonGetS3Options {
  /**
   * A name for the document: the dry run takes its content from `DryRunOptions.jsonDocuments[name]`, and messages
   * name it so.
   * @default - the URI as written (a literal URI), or its description (`Join("/", [...])`)
   */
  readonly documentName?: string;
  /**
   * The JSON paths the document will contain: a `JsonGet` of any other path is a synth-time error.
   * @default - not declared
   */
  readonly expectedPaths?: string[];
  /**
   * A sample of the document: a path that does not exist in it is a synth-time error; the dry run uses it when no
   * document is given; the value's type (number, string) is taken from it.
   * @default - not declared
   */
  readonly sampleDocument?: any;
}

/** Properties of a `JsonGet`: the document to read (a property file, or a JSON document in S3) and the path. */
export interface JsonGetProps extends JsonGetS3Options {
  /**
   * The property file to read.
   * @default - none: give `s3Uri` instead
   */
  readonly propertyFile?: PropertyFile;
  /**
   * The S3 URI of a JSON document to read (see `JsonGet.fromS3Uri`); `documentName`, `expectedPaths` and
   * `sampleDocument` describe it.
   * @default - none: give `propertyFile` instead
   */
  readonly s3Uri?: string;
  /** The JSON path of the value in the document (`binary_classification_metrics.accuracy.value`). */
  readonly path: string;
}

/**
 * A value read from a JSON document when the pipeline runs: a property file of a step,
 * `{"Std:JsonGet": {"PropertyFile": {"Get": "Steps.<Step>.PropertyFiles.<Name>"}, "Path": ...}}`, or any JSON
 * object in S3, `{"Std:JsonGet": {"S3Uri": ..., "Path": ...}}`.
 */
export class JsonGet extends PipelineValue {
  /**
   * Reads a value from a JSON document in S3 when the pipeline runs (`{"Std:JsonGet": {"S3Uri": ..., "Path": ...}}`):
   * a literal `s3://` URI, or one made of pipeline values, typically a step's output and a file name
   * (`Join.of('/', [evaluate.outputS3Uri('evaluation'), 'evaluation.json']).valueAsString`, which also makes the
   * reading step wait for that one). The pipeline's role gets read access to the location where the URI shows its
   * bucket (outputs of the pipeline's steps are readable already).
   *
   * @param s3Uri the URI of the JSON document
   * @param path the JSON path of the value (`metrics.accuracy.value`)
   */
  public static fromS3Uri(s3Uri: string, path: string, options: JsonGetS3Options = {}): JsonGet {
    return new JsonGet({ ...options, s3Uri, path });
  }

  /** The property file read, when the value is read from one. */
  public readonly propertyFile?: PropertyFile;
  /** The S3 URI of the document read, when the value is read from a document in S3. */
  public readonly s3Uri?: string;
  /** The JSON path read. */
  public readonly path: string;
  private readonly document?: S3JsonDocument;

  constructor(props: JsonGetProps) {
    super(sampleKind(props.propertyFile ?? props, props.path));
    if ((props.propertyFile === undefined) === (props.s3Uri === undefined)) {
      throw new Error(`JsonGet of '${props.path}': ${props.propertyFile ? 'both propertyFile and s3Uri are' : 'neither propertyFile nor s3Uri is'} given; `
        + 'expected exactly one: the property file of a step, or the S3 URI of a JSON document');
    }
    let name: string;
    if (props.s3Uri !== undefined) {
      const s3Uri = props.s3Uri;
      if (!Token.isUnresolved(s3Uri) && !/^s3:\/\/[^/]+\/.+/.test(s3Uri)) {
        throw new Error(`JsonGet: '${s3Uri}' is not the URI of a JSON document; expected s3://<bucket>/<key>, for example `
          + 's3://my-bucket/reports/evaluation.json, or a Join of a step\'s output and the file name');
      }
      const docName = props.documentName ?? (Token.isUnresolved(s3Uri) ? PipelineValue.fromString(s3Uri).describe() : s3Uri);
      checkDocumentShape(`JsonGet of ${docName}`, props);
      this.document = new S3JsonDocument(s3Uri, docName, props.expectedPaths, props.sampleDocument);
      name = `the document ${docName}`;
    } else {
      name = `property file '${props.propertyFile!.name}'`;
    }
    if (!PipelineValue.isPipelineToken(props.path)) {
      const problem = checkJsonPath(props.path);
      if (problem) {
        throw new Error(`JsonGet on ${name}: '${props.path}' is not a valid JSON path (${problem}); expected a path such as 'metrics.accuracy.value' or 'items[0].name'`);
      }
    }
    this.propertyFile = props.propertyFile;
    this.s3Uri = props.s3Uri;
    this.path = props.path;
  }

  public describe(): string {
    return `JsonGet(${this.propertyFile?.name ?? this.document!.name}, ${this.path})`;
  }

  /** The document read (a property file or a document in S3). @internal */
  public get _document(): PropertyFile | S3JsonDocument {
    return this.propertyFile ?? this.document!;
  }

  /** What is wrong with the path, given what is declared of the document; undefined when it may be read. @internal */
  public _checkPath(): string | undefined {
    return checkDocumentPath(this._document, this.path);
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    ctx.useJsonGet(this);
    if (this.propertyFile) {
      return { 'Std:JsonGet': { PropertyFile: this.propertyFile._render(ctx), Path: ctx.render(this.path) } };
    }
    return { 'Std:JsonGet': { S3Uri: ctx.render(this.document!.s3Uri), Path: ctx.render(this.path) } };
  }

  /** @internal */
  public _evaluate(ctx: EvaluationContext): any {
    return ctx.jsonGet(this._document, this.path);
  }
}

/** Checks the declared shape of a JSON document (expected paths, sample). */
function checkDocumentShape(what: string, shape: { expectedPaths?: string[]; sampleDocument?: any }): void {
  for (const p of shape.expectedPaths ?? []) {
    const problem = checkJsonPath(p);
    if (problem) {
      throw new Error(`${what}: expected path '${p}' is not a JSON path (${problem})`);
    }
  }
  if (shape.sampleDocument !== undefined && (shape.sampleDocument === null || typeof shape.sampleDocument !== 'object')) {
    throw new Error(`${what}: sampleDocument must be a JSON object or array, got ${JSON.stringify(shape.sampleDocument)}`);
  }
}

/** What is wrong with reading a path from a document, given its declared shape; undefined when it may be read. */
function checkDocumentPath(shape: { expectedPaths?: string[]; sampleDocument?: any }, path: string): string | undefined {
  if (PipelineValue.isPipelineToken(path)) {
    return undefined;
  }
  const segments = parseJsonPath(path).segments;
  const canonical = canonicalPath(segments);
  if (shape.expectedPaths !== undefined) {
    const known = shape.expectedPaths.map((p) => canonicalPath(parseJsonPath(p).segments));
    if (!known.includes(canonical)) {
      return `which declares only the paths ${shape.expectedPaths.join(', ')}; fix the path or add it to expectedPaths`;
    }
  }
  if (shape.sampleDocument !== undefined) {
    const found = lookupPath(shape.sampleDocument, segments);
    if (!found.found) {
      return `whose sample document has no such path (${found.missing}); fix the path or the sample`;
    }
  }
  return undefined;
}

/**
 * The type of the value at a path of a property file, as its sample document shows it; ANY (known only at run
 * time) without a sample, or where the sample has no such path or a non-scalar value.
 */
function sampleKind(file: { sampleDocument?: any }, path: string): ValueKind {
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
