/*
 * The code the importer writes, as a small expression tree that is both printed (TypeScript) and evaluated (the
 * library's constructs, built in memory to compare their definition with the input). One tree for both, so the
 * printed stack builds what the importer compared.
 */

/** The modules the generated code imports from. */
export type ModuleName = 'lib' | 'cdk' | 'iam' | 'lambda' | 'sqs' | 's3';

export const MODULE_IMPORTS: Record<ModuleName, string> = {
  lib: 'cdk-sagemaker-pipelines',
  cdk: 'aws-cdk-lib',
  iam: 'aws-cdk-lib/aws-iam',
  lambda: 'aws-cdk-lib/aws-lambda',
  sqs: 'aws-cdk-lib/aws-sqs',
  s3: 'aws-cdk-lib/aws-s3',
};

export type Expr =
  | { readonly k: 'lit'; readonly v: string | number | boolean | null }
  | { readonly k: 'arr'; readonly items: Expr[] }
  | { readonly k: 'obj'; readonly entries: Array<[string, Expr]> }
  | { readonly k: 'var'; readonly name: string }
  | { readonly k: 'this' }
  | { readonly k: 'cls'; readonly module: ModuleName; readonly name: string }
  | { readonly k: 'new'; readonly cls: Expr; readonly args: Expr[] }
  | { readonly k: 'call'; readonly target: Expr; readonly method: string; readonly args: Expr[] }
  | { readonly k: 'get'; readonly target: Expr; readonly prop: string };

/** A statement: `const <name> = <expr>;` or `<expr>;`, with comments above it. */
export interface Statement {
  readonly name?: string;
  readonly expr: Expr;
  readonly comments?: string[];
}

export const lit = (v: string | number | boolean | null): Expr => ({ k: 'lit', v });
export const arr = (items: Expr[]): Expr => ({ k: 'arr', items });
export const obj = (entries: Array<[string, Expr | undefined]>): Expr =>
  ({ k: 'obj', entries: entries.filter((e): e is [string, Expr] => e[1] !== undefined) });
export const v = (name: string): Expr => ({ k: 'var', name });
export const THIS: Expr = { k: 'this' };
export const cls = (module: ModuleName, name: string): Expr => ({ k: 'cls', module, name });
export const newOf = (c: Expr, ...args: Expr[]): Expr => ({ k: 'new', cls: c, args });
export const call = (target: Expr, method: string, ...args: Expr[]): Expr => ({ k: 'call', target, method, args });
export const get = (target: Expr, prop: string): Expr => ({ k: 'get', target, prop });

/** Any JSON value as literals. */
export function json(value: any): Expr {
  if (value === null || typeof value !== 'object') {
    return lit(value === undefined ? null : value);
  }
  if (Array.isArray(value)) {
    return arr(value.map(json));
  }
  return obj(Object.entries(value).map(([key, item]) => [key, json(item)]));
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Prints an expression as TypeScript, indented for its nesting. */
export function print(e: Expr, indent = ''): string {
  switch (e.k) {
    case 'lit':
      return typeof e.v === 'string' ? quoteWithValues(e.v) : String(e.v);
    case 'var':
      // The pipeline is the generated stack's `this.pipeline`, not a local.
      return e.name === 'pipeline' ? 'this.pipeline' : e.name;
    case 'this':
      return 'this';
    case 'cls':
      return e.module === 'lib' || e.module === 'cdk' ? e.name : `${e.module}.${e.name}`;
    case 'get':
      return `${print(e.target, indent)}.${e.prop}`;
    case 'new':
      return `new ${print(e.cls, indent)}(${printArgs(e.args, indent, `new ${print(e.cls, indent)}(`)})`;
    case 'call': {
      const head = `${print(e.target, indent)}.${e.method}(`;
      return `${head}${printArgs(e.args, indent, head)})`;
    }
    case 'arr': {
      if (e.items.length === 0) {
        return '[]';
      }
      const flat = `[${e.items.map((i) => print(i, indent)).join(', ')}]`;
      if (flat.length + indent.length <= 100 && !flat.includes('\n')) {
        return flat;
      }
      const inner = indent + '  ';
      return `[\n${e.items.map((i) => `${inner}${print(i, inner)},`).join('\n')}\n${indent}]`;
    }
    case 'obj': {
      if (e.entries.length === 0) {
        return '{}';
      }
      const key = (k: string) => (IDENTIFIER.test(k) ? k : quote(k));
      const flat = `{ ${e.entries.map(([k, val]) => `${key(k)}: ${print(val, indent)}`).join(', ')} }`;
      if (flat.length + indent.length <= 100 && !flat.includes('\n')) {
        return flat;
      }
      const inner = indent + '  ';
      return `{\n${e.entries.map(([k, val]) => `${inner}${key(k)}: ${print(val, inner)},`).join('\n')}\n${indent}}`;
    }
  }
}

/** Arguments on one line, or one per line when that line would be long (a last object or list argument stays inline). */
function printArgs(args: Expr[], indent: string, head: string): string {
  const flat = args.map((a) => print(a, indent)).join(', ');
  const last = args[args.length - 1];
  const lastIsBlock = last !== undefined && (last.k === 'obj' || last.k === 'arr');
  const firstLine = flat.includes('\n') ? flat.slice(0, flat.indexOf('\n')) : flat;
  if (indent.length + head.length + firstLine.length <= 110 && (!flat.includes('\n') || lastIsBlock)) {
    return flat;
  }
  const inner = indent + '  ';
  return `\n${args.map((a) => `${inner}${print(a, inner)}`).join(',\n')},\n${indent}`;
}

/**
 * What stands for each of a source template's CloudFormation values in the generated stack, by marker name
 * (`@@cfn:<name>@@` in a string prints as `${<variable>.<property>}`): a parameter's `valueAsString`, or a bucket's
 * `bucketName`. Set by the importer before it prints.
 */
export const cfnValueVariables = new Map<string, { readonly variable: string; readonly property: string }>();

function valueText(name: string): string {
  const value = cfnValueVariables.get(name);
  return value ? `${value.variable}.${value.property}` : `${name}.valueAsString`;
}

/** A string literal; a template literal when the string holds markers of CloudFormation values. */
function quoteWithValues(s: string): string {
  if (!/@@cfn:[A-Za-z0-9]+@@/.test(s)) {
    return quote(s);
  }
  const parts = s.split(/@@cfn:([A-Za-z0-9]+)@@/);
  if (parts.length === 3 && parts[0] === '' && parts[2] === '') {
    return valueText(parts[1]);
  }
  return '`' + parts.map((p, i) => (i % 2 === 1
    ? `\${${valueText(p)}}`
    : p.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${').replace(/\n/g, '\\n'))).join('') + '`';
}

/** A string with its markers of CloudFormation values replaced by the generated stack's parameters (their tokens). */
export function withValues(s: string, vars: Map<string, any>): string {
  return s.replace(/@@cfn:([A-Za-z0-9]+)@@/g, (m, name: string) => {
    const value = cfnValueVariables.get(name);
    return value !== undefined && vars.has(value.variable) ? vars.get(value.variable)[value.property] : m;
  });
}

/** A single-quoted TypeScript string literal. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

/** The modules an expression uses. */
export function modulesOf(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.k) {
    case 'cls':
      out.add(e.module === 'lib' || e.module === 'cdk' ? `${e.module}:${e.name}` : e.module);
      break;
    case 'arr':
      e.items.forEach((i) => modulesOf(i, out));
      break;
    case 'obj':
      e.entries.forEach(([, val]) => modulesOf(val, out));
      break;
    case 'new':
      modulesOf(e.cls, out);
      e.args.forEach((a) => modulesOf(a, out));
      break;
    case 'call':
      modulesOf(e.target, out);
      e.args.forEach((a) => modulesOf(a, out));
      break;
    case 'get':
      modulesOf(e.target, out);
      break;
    default:
      break;
  }
  return out;
}

/** Evaluates an expression: `modules` gives each module's exports, `vars` the variables declared so far. */
export function evaluate(e: Expr, self: any, modules: Record<ModuleName, any>, vars: Map<string, any>): any {
  const ev = (x: Expr) => evaluate(x, self, modules, vars);
  switch (e.k) {
    case 'lit':
      return typeof e.v === 'string' ? withValues(e.v, vars) : e.v;
    case 'arr':
      return e.items.map(ev);
    case 'obj':
      return Object.fromEntries(e.entries.map(([k, val]) => [k, ev(val)]));
    case 'var':
      if (!vars.has(e.name)) {
        throw new Error(`internal error: variable ${e.name} used before it is declared`);
      }
      return vars.get(e.name);
    case 'this':
      return self;
    case 'cls': {
      const found = modules[e.module][e.name];
      if (found === undefined) {
        throw new Error(`internal error: ${e.module} has no export ${e.name}`);
      }
      return found;
    }
    case 'new': {
      const C = ev(e.cls);
      return new C(...e.args.map(ev));
    }
    case 'call': {
      const target = ev(e.target);
      return target[e.method](...e.args.map(ev));
    }
    case 'get':
      return ev(e.target)[e.prop];
  }
}
