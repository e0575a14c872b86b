import { Expr, Statement, call, cls, json, lit } from '../code';

/** What a step importer returns: the construct's class and its props (undefined props are left out). */
export interface TypedStep {
  readonly cls: string;
  readonly props: Array<[string, Expr | undefined]>;
  readonly comments?: string[];
}

/** The importer's reading helpers, for the step importers (one file per step kind). */
export interface StepImportContext {
  /** A definition value as code: references become the library's accessors, joins Join.of, the rest literals. */
  value(x: any, want?: 'string' | 'number' | 'any'): Expr;
  /** A string value, or undefined when absent. */
  str(x: any): Expr | undefined;
  /** A number value, or undefined when absent. */
  num(x: any): Expr | undefined;
  /** A map of strings, or undefined when absent. */
  strMap(x: any): Expr | undefined;
  /** A member of one of the library's enums (a literal when it has none for the value). */
  enumMember(enumName: string, value: any): Expr;
  /** A job's instance type, count, volume, KMS key, runtime and network, as props. */
  jobResources(resources: any, stopping: any): Array<[string, Expr | undefined]>;
  /** A condition of a condition step. */
  condition(c: any): Expr;
  /** An image URI (a comment on the CDK way where it is one of the account's repositories). */
  image(uri: any, comments: string[]): Expr;
  /** The variable of a step, by name. */
  stepVar(stepName: string): string;
  /** The variable of a property file, by `<step>/<file>`. */
  propertyFileVar(key: string): string;
  /** The variable of a pipeline parameter, by name, if the definition declares it. */
  parameterVar(name: string): string | undefined;
  /** Adds a statement before the step's (a property file). */
  addStatement(statement: Statement): void;
}

/** Reads a step of the definition into its construct's props; undefined when it cannot (the step stays custom). */
export type StepImporter = (ctx: StepImportContext, s: any, a: any, comments: string[]) => TypedStep | undefined;

/** A duration in seconds as `Duration.seconds(n)`. */
export function duration(seconds: any): Expr {
  return call(cls('cdk', 'Duration'), 'seconds', typeof seconds === 'number' ? lit(seconds) : json(seconds));
}
