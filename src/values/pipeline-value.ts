import { IResolvable, IResolveContext, Token, Tokenization } from 'aws-cdk-lib';
import type { EvaluationContext, RenderContext } from './private/context';
import { ValueKind } from './value-kind';

export { ValueKind } from './value-kind';

/**
 * A value of a SageMaker pipeline that is known only when the pipeline runs: a parameter, a property of a step,
 * an execution variable, a value read from a property file, a join of values, or a literal.
 *
 * Every pipeline value can stand wherever a step property takes a string (`valueAsString`) or a number
 * (`valueAsNumber`): these are CDK tokens that render to the value's reference in the pipeline definition
 * (`{"Get": "Parameters.InputData"}`, `{"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}`, ...).
 * A string that mixes literal text with such tokens renders as a `Std:Join`.
 */
export abstract class PipelineValue {
  /**
   * A literal string.
   *
   * A string that contains pipeline tokens (`param.valueAsString`, `step.someProperty`) is turned back into
   * the value it stands for; a mix of text and tokens becomes a join.
   */
  public static fromString(value: string): PipelineValue {
    return fromStringToken(value);
  }

  /**
   * A literal number, or the pipeline value that a number token (`param.valueAsNumber`) stands for.
   */
  public static fromNumber(value: number): PipelineValue {
    const token = Tokenization.reverseNumber(value);
    if (token instanceof PipelineToken) {
      return token.value;
    }
    if (Token.isUnresolved(value)) {
      throw new Error(`PipelineValue.fromNumber: ${value} is a token that is not a pipeline value; expected a literal number or a pipeline value's valueAsNumber`);
    }
    return new LiteralValue(value, Number.isInteger(value) ? ValueKind.INTEGER : ValueKind.FLOAT);
  }

  /**
   * A literal boolean.
   */
  public static fromBoolean(value: boolean): PipelineValue {
    return new LiteralValue(value, ValueKind.BOOLEAN);
  }

  /**
   * Whether a string holds a pipeline value token (alone or mixed with text).
   */
  public static isPipelineToken(value: string): boolean {
    if (!Token.isUnresolved(value)) {
      return false;
    }
    return Tokenization.reverseString(value).tokens.some((t) => t instanceof PipelineToken);
  }

  /**
   * The type of the value, as far as it is known at synth time.
   */
  public readonly kind: ValueKind;

  private _stringToken?: string;
  private _numberToken?: number;

  protected constructor(kind: ValueKind) {
    this.kind = kind;
  }

  /**
   * This value as a string token, for any step property that takes a string.
   */
  public get valueAsString(): string {
    if (this._stringToken === undefined) {
      this._stringToken = Token.asString(new PipelineToken(this), { displayHint: this.displayHint() });
    }
    return this._stringToken;
  }

  /**
   * This value as a number token, for any step property that takes a number.
   */
  public get valueAsNumber(): number {
    if (this._numberToken === undefined) {
      this._numberToken = Token.asNumber(new PipelineToken(this));
    }
    return this._numberToken;
  }

  /**
   * A string token for this value, so it can be used in template strings.
   */
  public toString(): string {
    return this.valueAsString;
  }

  /**
   * A short human-readable description of the value (used in error messages and diagrams).
   */
  public abstract describe(): string;

  /**
   * Renders the value for the pipeline definition, recording what it refers to in the context.
   * @internal
   */
  public abstract _render(ctx: RenderContext): any;

  /**
   * The value during a dry run.
   * @internal
   */
  public abstract _evaluate(ctx: EvaluationContext): any;

  /** A hint for the token's display name. */
  protected displayHint(): string {
    return this.describe().replace(/[^A-Za-z0-9]/g, '');
  }
}

/**
 * The CDK token that carries a pipeline value through user code.
 * @internal
 */
export class PipelineToken implements IResolvable {
  public readonly creationStack: string[] = [];
  public readonly typeHint = undefined;

  constructor(public readonly value: PipelineValue) {}

  public resolve(_context: IResolveContext): any {
    throw new Error(`${this.value.describe()} is a SageMaker pipeline value: it can be used only in the properties of a pipeline step or parameter, `
      + 'not in other CloudFormation resources, nor inside Fn.join or Lazy (which CloudFormation resolves): join pipeline values with Join.of, '
      + 'or write their valueAsString into a string');
  }

  public toString(): string {
    return this.value.valueAsString;
  }
}

/** A literal value written as such into the definition. */
class LiteralValue extends PipelineValue {
  constructor(private readonly literal: string | number | boolean, kind: ValueKind) {
    super(kind);
  }

  public describe(): string {
    return JSON.stringify(this.literal);
  }

  /** @internal */
  public _render(_ctx: RenderContext): any {
    return this.literal;
  }

  /** @internal */
  public _evaluate(_ctx: EvaluationContext): any {
    return this.literal;
  }

  /** @internal */
  public get _literal() {
    return this.literal;
  }
}

/**
 * A string made of text and pipeline values, rendered as a `Std:Join` with an empty separator.
 * @internal
 */
export class ConcatValue extends PipelineValue {
  constructor(public readonly parts: Array<string | PipelineValue>) {
    super(ValueKind.STRING);
  }

  public describe(): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : `{${p.describe()}}`)).join('');
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    return { 'Std:Join': { On: '', Values: this.parts.map((p) => (typeof p === 'string' ? p : p._render(ctx))) } };
  }

  /** @internal */
  public _evaluate(ctx: EvaluationContext): any {
    return this.parts.map((p) => evaluateToString(p, ctx)).join('');
  }
}

/**
 * A value as a string during a dry run (what Std:Join makes of it).
 * @internal
 */
export function evaluateToString(part: string | PipelineValue, ctx: EvaluationContext): string {
  if (typeof part === 'string') {
    return Token.isUnresolved(part) ? String(ctx.deployTimeValue()) : part;
  }
  const v = part._evaluate(ctx);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Whether a value is a literal, and which.
 * @internal
 */
export function literalOf(value: PipelineValue): { isLiteral: boolean; value?: string | number | boolean } {
  if (value instanceof LiteralValue) {
    return { isLiteral: true, value: (value as any)._literal };
  }
  return { isLiteral: false };
}

/**
 * Splits a string into its text and pipeline-value parts. CloudFormation tokens are kept as (token) strings.
 * @internal
 */
export function splitString(value: string): Array<string | PipelineValue> {
  value = withNumberTokensAsStrings(value);
  if (!Token.isUnresolved(value)) {
    return [value];
  }
  const fragments = Tokenization.reverseString(value);
  if (!fragments.tokens.some((t) => t instanceof PipelineToken)) {
    return [value];
  }
  // Public interface only: each pipeline token is replaced by a numbered marker, the fragments are joined into one
  // string (CloudFormation tokens stay as their own markers), and the string is cut at the pipeline markers.
  const values: PipelineValue[] = [];
  const marked = fragments.mapTokens({
    mapToken: (token: IResolvable) => {
      if (token instanceof PipelineToken) {
        values.push(token.value);
        return `\u0000${values.length - 1}\u0000`;
      }
      return Token.asString(token);
    },
  });
  const text: string = marked.join({ join: (left: any, right: any) => `${left ?? ''}${right ?? ''}` });
  const parts: Array<string | PipelineValue> = [];
  text.split(/\u0000(\d+)\u0000/).forEach((piece, i) => {
    if (i % 2 === 1) {
      parts.push(values[Number(piece)]);
    } else if (piece !== '') {
      parts.push(piece);
    }
  });
  return parts;
}

/**
 * A number token written into a string (`--n=${param.valueAsNumber}`, `String(param.valueAsNumber)`) is only its
 * encoded double: each one is put back as the string token of the same value, so it renders as what it stands for.
 */
function withNumberTokensAsStrings(value: string): string {
  if (!/e\+\d/.test(value)) {
    return value;
  }
  return value.replace(/-?\d+(?:\.\d+)?e\+\d+/g, (encoded) => {
    const token = Tokenization.reverseNumber(Number(encoded));
    if (token instanceof PipelineToken) {
      return token.value.valueAsString;
    }
    return token ? Tokenization.stringifyNumber(Number(encoded)) : encoded;
  });
}

function fromStringToken(value: string): PipelineValue {
  const parts = splitString(value);
  if (parts.length === 1 && typeof parts[0] !== 'string') {
    return parts[0];
  }
  if (parts.every((p) => typeof p === 'string')) {
    return new LiteralValue(parts.join(''), ValueKind.STRING);
  }
  return new ConcatValue(parts);
}
