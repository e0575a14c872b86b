import { Token } from 'aws-cdk-lib';
import { PipelineValue, ValueKind } from './pipeline-value';
import type { EvaluationContext, RenderContext } from './private/context';

/**
 * The type of a pipeline parameter.
 */
export enum ParameterType {
  /** A string parameter. */
  STRING = 'String',
  /** An integer parameter. */
  INTEGER = 'Integer',
  /** A floating-point parameter. */
  FLOAT = 'Float',
  /** A boolean parameter. */
  BOOLEAN = 'Boolean',
}

/** Options common to every parameter. */
export interface ParameterOptions {
  /**
   * What the parameter is for (shown in SageMaker Studio).
   * @default - no description
   */
  readonly description?: string;
}

/** Options of a string parameter. */
export interface StringParameterOptions extends ParameterOptions {
  /**
   * The value used when an execution does not set the parameter.
   * @default - no default: every execution must set it
   */
  readonly defaultValue?: string;

  /**
   * The only values the parameter may take.
   * @default - any string
   */
  readonly enumValues?: string[];
}

/** Options of an integer parameter. */
export interface IntegerParameterOptions extends ParameterOptions {
  /**
   * The value used when an execution does not set the parameter (an integer).
   * @default - no default: every execution must set it
   */
  readonly defaultValue?: number;
}

/** Options of a float parameter. */
export interface FloatParameterOptions extends ParameterOptions {
  /**
   * The value used when an execution does not set the parameter.
   * @default - no default: every execution must set it
   */
  readonly defaultValue?: number;
}

/** Options of a boolean parameter. */
export interface BooleanParameterOptions extends ParameterOptions {
  /**
   * The value used when an execution does not set the parameter.
   * @default - no default: every execution must set it
   */
  readonly defaultValue?: boolean;
}

const PARAMETER_NAME = /^[A-Za-z0-9\-_]{1,64}$/;

/**
 * A parameter of a SageMaker pipeline: a value set when an execution starts.
 *
 * Use `valueAsString` / `valueAsNumber` in any step property; the parameter is then part of the pipeline's
 * `Parameters` without being listed again.
 *
 * @example
 * const instanceType = PipelineParameter.ofString('TrainingInstanceType', { defaultValue: 'ml.m5.xlarge' });
 */
export class PipelineParameter extends PipelineValue {
  /**
   * A String parameter.
   */
  public static ofString(name: string, options: StringParameterOptions = {}): PipelineParameter {
    if (options.enumValues !== undefined) {
      if (options.enumValues.length === 0) {
        throw new Error(`Parameter '${name}': enumValues is empty; expected at least one value (or leave enumValues out)`);
      }
      if (options.defaultValue !== undefined && !Token.isUnresolved(options.defaultValue) && !options.enumValues.includes(options.defaultValue)) {
        throw new Error(`Parameter '${name}': the default value '${options.defaultValue}' is not one of its enumValues (${options.enumValues.join(', ')})`);
      }
    }
    return new PipelineParameter(name, ParameterType.STRING, options.defaultValue, options.description, options.enumValues);
  }

  /** An Integer parameter. */
  public static ofInteger(name: string, options: IntegerParameterOptions = {}): PipelineParameter {
    if (options.defaultValue !== undefined && !Token.isUnresolved(options.defaultValue) && !Number.isInteger(options.defaultValue)) {
      throw new Error(`Parameter '${name}': the default value ${options.defaultValue} of an Integer parameter is not an integer; use PipelineParameter.ofFloat for fractional values`);
    }
    return new PipelineParameter(name, ParameterType.INTEGER, options.defaultValue, options.description);
  }

  /** A Float parameter. */
  public static ofFloat(name: string, options: FloatParameterOptions = {}): PipelineParameter {
    if (options.defaultValue !== undefined && !Token.isUnresolved(options.defaultValue) && !Number.isFinite(options.defaultValue)) {
      throw new Error(`Parameter '${name}': the default value ${options.defaultValue} is not a finite number`);
    }
    return new PipelineParameter(name, ParameterType.FLOAT, options.defaultValue, options.description);
  }

  /** A Boolean parameter. */
  public static ofBoolean(name: string, options: BooleanParameterOptions = {}): PipelineParameter {
    return new PipelineParameter(name, ParameterType.BOOLEAN, options.defaultValue, options.description);
  }

  /**
   * A String parameter.
   * @deprecated `string` is a reserved word in C# and Go (the .NET and Go bindings rename it): use `ofString`.
   */
  public static string(name: string, options: StringParameterOptions = {}): PipelineParameter {
    return PipelineParameter.ofString(name, options);
  }

  /**
   * An Integer parameter.
   * @deprecated use `ofInteger`, named like the other factories.
   */
  public static integer(name: string, options: IntegerParameterOptions = {}): PipelineParameter {
    return PipelineParameter.ofInteger(name, options);
  }

  /**
   * A Float parameter.
   * @deprecated `float` is a reserved word in C# and Java (the Java binding calls it `doFloat`): use `ofFloat`.
   */
  public static float(name: string, options: FloatParameterOptions = {}): PipelineParameter {
    return PipelineParameter.ofFloat(name, options);
  }

  /**
   * A Boolean parameter.
   * @deprecated `boolean` is a reserved word in Java (the Java binding calls it `doBoolean`): use `ofBoolean`.
   */
  public static boolean(name: string, options: BooleanParameterOptions = {}): PipelineParameter {
    return PipelineParameter.ofBoolean(name, options);
  }

  /** The parameter's name, as executions set it. */
  public readonly name: string;
  /** The parameter's type. */
  public readonly type: ParameterType;
  /** The value used when an execution does not set the parameter, if any. */
  public readonly defaultValue?: any;
  /** What the parameter is for, if said. */
  public readonly description?: string;
  /** The only values a string parameter may take, if restricted. */
  public readonly enumValues?: string[];

  private constructor(name: string, type: ParameterType, defaultValue?: any, description?: string, enumValues?: string[]) {
    super(KIND_OF[type]);
    if (!PARAMETER_NAME.test(name)) {
      throw new Error(`Invalid parameter name '${name}': expected 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'`);
    }
    this.name = name;
    this.type = type;
    this.defaultValue = defaultValue;
    this.description = description;
    this.enumValues = enumValues;
  }

  public describe(): string {
    return `Parameters.${this.name}`;
  }

  /**
   * Whether another parameter has the same definition (name, type, default, enum values, description).
   */
  public sameDefinitionAs(other: PipelineParameter): boolean {
    return JSON.stringify(this._renderDefinition()) === JSON.stringify(other._renderDefinition());
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    ctx.useParameter(this);
    const get = `Parameters.${this.name}`;
    const literals = [
      ...(this.defaultValue !== undefined ? [{ label: `the default value of parameter '${this.name}'`, value: this.defaultValue }] : []),
      ...(this.enumValues ?? []).map((value) => ({ label: `an enum value of parameter '${this.name}'`, value })),
    ];
    ctx.noteReference(get, { kind: this.kind, description: `${get}, ${this.type === ParameterType.INTEGER ? 'an' : 'a'} ${this.type} parameter,`, literals });
    return { Get: get };
  }

  /** @internal */
  public _evaluate(ctx: EvaluationContext): any {
    return ctx.parameter(this);
  }

  /** The parameter's entry in the definition's `Parameters`. @internal */
  public _renderDefinition(): any {
    return {
      Name: this.name,
      Type: this.type,
      ...(this.defaultValue !== undefined ? { DefaultValue: this.defaultValue } : {}),
      ...(this.enumValues !== undefined ? { EnumValues: this.enumValues } : {}),
      ...(this.description !== undefined ? { Description: this.description } : {}),
    };
  }
}

const KIND_OF: Record<ParameterType, ValueKind> = {
  [ParameterType.STRING]: ValueKind.STRING,
  [ParameterType.INTEGER]: ValueKind.INTEGER,
  [ParameterType.FLOAT]: ValueKind.FLOAT,
  [ParameterType.BOOLEAN]: ValueKind.BOOLEAN,
};
