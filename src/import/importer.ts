import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  Expr, ModuleName, MODULE_IMPORTS, Statement, THIS, arr, call, cls, evaluate, get, json, lit, modulesOf, newOf, obj, print,
  v, cfnValueVariables, withValues,
} from './code';
import { STEP_IMPORTERS, StepImportContext, TypedStep, duration } from './steps';
import { resolvePropertyPath } from '../shared/property-path';
import { COMMON_STEP_FIELDS } from '../shared/step-fields';
import { ValueKind } from '../values/value-kind';

/** What the importer made of a definition. */
export interface ImportResult {
  /** The TypeScript source of the stack. */
  readonly source: string;
  /** One line per step and per thing written through an escape hatch or normalized. */
  readonly summary: string[];
  /** The fields written with `addOverride` / `addDeletionOverride` or a `CustomStepConstruct`, by step. */
  readonly escapeHatches: Record<string, string[]>;
}

/** Options of `importDefinition`. */
export interface ImportOptions {
  /** The name of the generated stack class. */
  readonly className?: string;
  /** The file the definition came from, for error messages. */
  readonly fileName?: string;
  /** The pipeline's name (a definition does not hold it). */
  readonly pipelineName?: string;
  /**
   * The pipeline's own role ARN, when the source names it (a DescribePipeline response, a CloudFormation template).
   */
  readonly pipelineRoleArn?: string;
  /**
   * Give the generated pipeline a new role (least privilege derived from the steps) instead of keeping the role
   * ARNs of the definition.
   */
  readonly newRole?: boolean;
  /**
   * CloudFormation values of a source template, by the name of their marker (`@@cfn:<name>@@`) in the definition's
   * strings (as JSON, for the parameter's description): each becomes a `CfnParameter` of the generated stack.
   */
  readonly cfnValues?: Record<string, string>;
  /**
   * The buckets of the source template the definition names (`Ref` of an `AWS::S3::Bucket`), by marker name, with
   * their logical IDs: the generated stack creates them (secure defaults, retained) and passes the one of the
   * pipeline's own default locations as its `artifactBucket`.
   */
  readonly cfnBuckets?: Record<string, string>;
}

/** A malformed definition: the path in the JSON and what was expected. */
export class DefinitionError extends Error {}

const STEP_NAME = /^[A-Za-z0-9\-_]{1,64}$/;
const TYPED_STEPS = [
  'Processing', 'Training', 'Tuning', 'Model', 'RegisterModel', 'Transform', 'Condition', 'Fail', 'Lambda', 'Callback', 'QualityCheck', 'ClarifyCheck',
  'EMR', 'AutoML',
];
/** Step types the library has a construct for, which the importer writes as custom steps for now. */
const TYPES_NOT_IMPORTED: Record<string, string> = {
  Tuning: 'TuningStepConstruct',
  QualityCheck: 'QualityCheckStepConstruct',
  ClarifyCheck: 'ClarifyCheckStepConstruct',
  EMR: 'EmrStepConstruct',
  AutoML: 'AutoMlStepConstruct',
};
const EXECUTION_VARIABLES: Record<string, string> = {
  PipelineExecutionId: 'PIPELINE_EXECUTION_ID',
  PipelineExecutionArn: 'PIPELINE_EXECUTION_ARN',
  PipelineName: 'PIPELINE_NAME',
  PipelineArn: 'PIPELINE_ARN',
  StartDateTime: 'START_DATE_TIME',
  CurrentDateTime: 'CURRENT_DATE_TIME',
};
const RESERVED = new Set(['this', 'new', 'class', 'function', 'const', 'let', 'var', 'if', 'else', 'return', 'default', 'delete', 'in', 'for',
  'while', 'do', 'switch', 'case', 'break', 'continue', 'try', 'catch', 'finally', 'throw', 'typeof', 'instanceof', 'void', 'with', 'yield',
  'import', 'export', 'super', 'enum', 'null', 'true', 'false', 'pipeline', 'scope', 'id', 'props']);

/** Parses the text of a definition, or of a DescribePipeline response (its `PipelineDefinition`). */
export function parseDefinitionText(text: string, fileName = 'definition'): any {
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch (e: any) {
    throw new DefinitionError(`${fileName}: not JSON: ${e.message}`);
  }
  if (parsed && typeof parsed === 'object' && typeof parsed.PipelineDefinition === 'string') {
    try {
      return JSON.parse(parsed.PipelineDefinition);
    } catch (e: any) {
      throw new DefinitionError(`${fileName}: PipelineDefinition: not JSON: ${e.message}`);
    }
  }
  return parsed;
}

/** Walks a definition and checks the structure the importer relies on; throws a DefinitionError naming the JSON path. */
function checkStructure(def: any, file: string): void {
  const fail = (path: string, expected: string, given: any): never => {
    throw new DefinitionError(`${file}: ${path}: expected ${expected}, got ${JSON.stringify(given)?.slice(0, 120)}`);
  };
  if (!def || typeof def !== 'object' || Array.isArray(def)) {
    fail('(root)', 'a pipeline definition object with Version, Parameters and Steps', def);
  }
  if (!Array.isArray(def.Steps)) {
    fail('Steps', 'a list of steps', def.Steps);
  }
  if (def.Parameters !== undefined && !Array.isArray(def.Parameters)) {
    fail('Parameters', 'a list of parameters', def.Parameters);
  }
  (def.Parameters ?? []).forEach((p: any, i: number) => {
    if (!p || typeof p.Name !== 'string' || !/^[A-Za-z0-9\-_]{1,64}$/.test(p.Name)) {
      fail(`Parameters[${i}].Name`, 'a parameter name (1 to 64 of A-Z, a-z, 0-9, -, _)', p?.Name);
    }
    if (!['String', 'Integer', 'Float', 'Boolean'].includes(p.Type ?? 'String')) {
      fail(`Parameters[${i}].Type`, 'String, Integer, Float or Boolean', p.Type);
    }
  });
  const checkCondition = (c: any, at: string): void => {
    const binary = ['Equals', 'GreaterThan', 'GreaterThanOrEqualTo', 'LessThan', 'LessThanOrEqualTo'];
    if (!c || typeof c !== 'object' || ![...binary, 'In', 'Not', 'Or'].includes(c.Type)) {
      fail(`${at}.Type`, `one of ${[...binary, 'In', 'Not', 'Or'].join(', ')}`, c?.Type);
    }
    if (binary.includes(c.Type) && (!('LeftValue' in c) || !('RightValue' in c))) {
      fail(at, `a ${c.Type} condition with LeftValue and RightValue`, c);
    }
    if (c.Type === 'In' && (!('QueryValue' in c) || !Array.isArray(c.Values))) {
      fail(at, 'an In condition with QueryValue and a list of Values', c);
    }
    if (c.Type === 'Not') {
      checkCondition(c.Condition, `${at}.Condition`);
    }
    if (c.Type === 'Or') {
      if (!Array.isArray(c.Conditions)) {
        fail(`${at}.Conditions`, 'a list of conditions', c.Conditions);
      }
      c.Conditions.forEach((x: any, k: number) => checkCondition(x, `${at}.Conditions[${k}]`));
    }
  };
  const names = new Set<string>();
  const walk = (steps: any, path: string) => {
    if (!Array.isArray(steps)) {
      fail(path, 'a list of steps', steps);
    }
    steps.forEach((s: any, i: number) => {
      const at = `${path}[${i}]`;
      if (!s || typeof s !== 'object') {
        fail(at, 'a step object', s);
      }
      if (typeof s.Name !== 'string' || !STEP_NAME.test(s.Name)) {
        fail(`${at}.Name`, 'a step name (1 to 64 of A-Z, a-z, 0-9, -, _)', s.Name);
      }
      if (names.has(s.Name)) {
        fail(`${at}.Name`, 'a name no other step has', s.Name);
      }
      names.add(s.Name);
      if (typeof s.Type !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(s.Type)) {
        fail(`${at}.Type`, 'a step type such as Processing or Training', s.Type);
      }
      if (s.Arguments !== undefined && (s.Arguments === null || typeof s.Arguments !== 'object' || Array.isArray(s.Arguments))) {
        fail(`${at}.Arguments`, 'an object', s.Arguments);
      }
      if (s.DependsOn !== undefined && (!Array.isArray(s.DependsOn) || s.DependsOn.some((d: any) => typeof d !== 'string'))) {
        fail(`${at}.DependsOn`, 'a list of step names', s.DependsOn);
      }
      if (s.Type === 'Condition') {
        if (!Array.isArray(s.Arguments?.Conditions)) {
          fail(`${at}.Arguments.Conditions`, 'a list of conditions', s.Arguments?.Conditions);
        }
        s.Arguments.Conditions.forEach((c: any, j: number) => checkCondition(c, `${at}.Arguments.Conditions[${j}]`));
        walk(s.Arguments.IfSteps ?? [], `${at}.Arguments.IfSteps`);
        walk(s.Arguments.ElseSteps ?? [], `${at}.Arguments.ElseSteps`);
      }
    });
  };
  walk(def.Steps, 'Steps');
  const check = (value: any, path: string) => {
    if (Array.isArray(value)) {
      value.forEach((x, i) => check(x, `${path}[${i}]`));
    } else if (value && typeof value === 'object') {
      if ('Get' in value && Object.keys(value).length === 1) {
        const ref = value.Get;
        const m = typeof ref === 'string' ? /^(Parameters|Steps|Execution|PipelineExperimentConfig)\.([A-Za-z0-9\-_]+)/.exec(ref) : null;
        if (!m) {
          fail(path, 'a reference such as Parameters.X, Steps.X.<property> or Execution.PipelineExecutionId', ref);
        }
        if (m![1] === 'Parameters' && !(def.Parameters ?? []).some((p: any) => p.Name === m![2])) {
          fail(path, `a declared parameter (${(def.Parameters ?? []).map((p: any) => p.Name).join(', ') || 'none declared'})`, ref);
        }
        if (m![1] === 'Steps' && !names.has(m![2])) {
          fail(path, 'a step of this definition', ref);
        }
      }
      for (const [k, x] of Object.entries(value)) {
        check(x, `${path}.${k}`);
      }
    }
  };
  check(def.Steps, 'Steps');
  // Checked after the names are all known: a dependency on a step that is not there.
  const deps = (steps: any[], path: string) => steps.forEach((s, i) => {
    (s.DependsOn ?? []).forEach((d: string, j: number) => {
      if (!names.has(d)) {
        fail(`${path}[${i}].DependsOn[${j}]`, 'the name of a step of this definition', d);
      }
    });
    if (s.Type === 'Condition') {
      deps(s.Arguments.IfSteps ?? [], `${path}[${i}].Arguments.IfSteps`);
      deps(s.Arguments.ElseSteps ?? [], `${path}[${i}].Arguments.ElseSteps`);
    }
  });
  deps(def.Steps, 'Steps');
}

/** A step as its construct: the class and its props. */

/** A reference as code: the expression of its string token and of its number token. */
interface Operand {
  readonly kind: ValueKind;
  readonly str: Expr;
  readonly num: Expr;
}

interface StepInfo {
  readonly step: any;
  readonly varName: string;
  readonly path: string;
}

/**
 * Turns a pipeline definition into the TypeScript of a CDK stack that builds it with this library. Every step is
 * its typed construct when the library has one; what the construct does not render the same way is written with the
 * step's `addOverride` (so the stack's definition equals the input, up to the normalizations the README lists), and
 * a step type without a construct is a `CustomStepConstruct`. Nothing is dropped: each escape hatch is in the summary.
 */
export function importDefinition(definition: any, options: ImportOptions = {}): ImportResult {
  const file = options.fileName ?? 'definition';
  checkStructure(definition, file);
  const importer = new Importer(definition, options.className ?? 'ImportedPipelineStack', options.pipelineName, options);
  return importer.run();
}

class Importer {
  private readonly statements: Statement[] = [];
  private readonly steps = new Map<string, StepInfo>();
  private readonly paramVars = new Map<string, { varName: string; type: string }>();
  private readonly propertyFileVars = new Map<string, string>();
  private readonly usedNames = new Set<string>(['pipeline']);
  private readonly summary: string[] = [];
  private readonly escapeHatches: Record<string, string[]> = {};
  private readonly declared = new Set<string>();

  /** The role ARN the steps keep (the most used one; the pipeline's own when the source names it), unless newRole. */
  private readonly keptRole?: string;

  constructor(
    private readonly def: any,
    private readonly className: string,
    private readonly pipelineName?: string,
    private readonly options: ImportOptions = {},
  ) {
    this.keptRole = options.newRole ? undefined : options.pipelineRoleArn ?? mostUsedRole(def);
  }

  public run(): ImportResult {
    cfnValueVariables.clear();
    for (const [name, logicalId] of Object.entries(this.options.cfnBuckets ?? {})) {
      const varName = this.varName(logicalId.replace(/[0-9A-F]{8}$/, ''));
      cfnValueVariables.set(name, { variable: varName, property: 'bucketName' });
      this.statements.push({
        name: varName,
        expr: newOf(cls('s3', 'Bucket'), THIS, lit(logicalId.replace(/[0-9A-F]{8}$/, '')), obj([
          ['encryption', get(cls('s3', 'BucketEncryption'), 'S3_MANAGED')],
          ['enforceSSL', lit(true)],
          ['blockPublicAccess', get(cls('s3', 'BlockPublicAccess'), 'BLOCK_ALL')],
          ['versioned', lit(true)],
          ['removalPolicy', get(cls('cdk', 'RemovalPolicy'), 'RETAIN')],
        ])),
        comments: [`The source template's bucket ${logicalId}, created here (encrypted, SSL only, no public access, retained).`],
      });
    }
    for (const [name, value] of Object.entries(this.options.cfnValues ?? {})) {
      if (cfnValueVariables.has(name)) {
        continue;
      }
      const varName = this.varName(`${name}Value`);
      cfnValueVariables.set(name, { variable: varName, property: 'valueAsString' });
      this.statements.push({
        name: varName,
        expr: newOf(cls('cdk', 'CfnParameter'), THIS, lit(name), obj([['type', lit('String')], ['description', lit(`${value} in the source template`)]])),
        comments: [`${value} of the source template: give it when you deploy (or replace it with the resource of your app it names).`],
      });
    }
    for (const p of this.def.Parameters ?? []) {
      this.declareParameter(p);
    }
    this.indexSteps(this.def.Steps, 'Steps');
    for (const info of this.steps.values()) {
      this.declareStep(info);
    }
    if (this.keptRole !== undefined) {
      this.statements.push({
        name: 'role',
        expr: call(cls('iam', 'Role'), 'fromRoleArn', THIS, lit('Role'), lit(this.keptRole), obj([['mutable', lit(false)]])),
        comments: ['The role the definition\'s steps run as, kept as it is (imported, not modified): it must already allow what the steps do.'],
      });
      this.usedNames.add('role');
    }
    const pipelineProps = obj([
      ['pipelineName', lit(this.pipelineName ?? this.pipelineNameGuess())],
      ['role', this.keptRole !== undefined ? v('role') : undefined],
      ['artifactBucket', this.artifactBucketVar() !== undefined ? v(this.artifactBucketVar()!) : undefined],
      ['parameters', this.paramVars.size > 0 ? arr([...this.paramVars.values()].map((p) => v(p.varName))) : undefined],
      ['experimentConfig', this.experimentConfig()],
      ['steps', arr(this.def.Steps.map((s: any) => v(this.steps.get(s.Name)!.varName)))],
    ]);
    this.statements.push({ name: 'pipeline', expr: newOf(cls('lib', 'MlPipeline'), THIS, lit('Pipeline'), pipelineProps) });
    if (this.keptRole !== undefined) {
      this.statements.push({
        expr: call(call(cls('cdk', 'Annotations'), 'of', v('pipeline')), 'acknowledgeWarning', lit('cdk-sagemaker-pipelines:role-permissions'),
          lit('The role is the imported definition\'s, which runs these steps today; pipeline.requiredPolicyStatements() lists what they need.')),
        comments: ['The kept role is not changed by this stack (the library would otherwise warn that it must allow what the steps need).'],
      });
    }
    this.addOverridesFromDiff();
    return { source: this.printSource(), summary: this.summary, escapeHatches: this.escapeHatches };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Names

  private varName(base: string): string {
    // A repeated part reads once: the SDK's ModelStep names its steps '<name>-CreateModel' / '<name>-RegisterModel',
    // so 'CreateModel-CreateModel' is createModel.
    const parts = base.split(/[^A-Za-z0-9]+/).filter((p) => p.length > 0);
    const distinct = parts.filter((p, i) => i === 0 || p.toLowerCase() !== parts[i - 1].toLowerCase());
    let name = distinct.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
    // A leading acronym reads in lower case: HPTuning is hpTuning, XGBoostTrain xgBoostTrain, ABC abc.
    name = name.replace(/^[A-Z]+(?=[A-Z][a-z0-9])|^[A-Z]+$|^[A-Z]/, (m) => m.toLowerCase());
    if (!/^[A-Za-z_$]/.test(name)) {
      name = `step${name}`;
    }
    if (RESERVED.has(name)) {
      name = `${name}Step`;
    }
    let unique = name;
    for (let i = 2; this.usedNames.has(unique); i++) {
      unique = `${name}${i}`;
    }
    this.usedNames.add(unique);
    return unique;
  }

  private pipelineNameGuess(): string {
    return this.className.replace(/Stack$/, '').replace(/([a-z0-9])([A-Z])/g, '$1-$2') || 'imported-pipeline';
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Parameters and values

  private declareParameter(p: any): void {
    const type = p.Type ?? 'String';
    const factory = { String: 'ofString', Integer: 'ofInteger', Float: 'ofFloat', Boolean: 'ofBoolean' }[type as string]!;
    const varName = this.varName(p.Name);
    const options = obj([
      ['defaultValue', p.DefaultValue !== undefined ? json(p.DefaultValue) : undefined],
      ['enumValues', p.EnumValues !== undefined ? json(p.EnumValues) : undefined],
      ['description', p.Description !== undefined ? lit(p.Description) : undefined],
    ]);
    const args = (options as any).entries.length > 0 ? [lit(p.Name), options] : [lit(p.Name)];
    this.statements.push({ name: varName, expr: call(cls('lib', 'PipelineParameter'), factory, ...args) });
    this.paramVars.set(p.Name, { varName, type });
  }

  /** A definition value as code: references become the library's accessors, joins Join.of, the rest literals. */
  private value(x: any, want: 'string' | 'number' | 'any' = 'string'): Expr {
    if (x === null || typeof x !== 'object') {
      return lit(x);
    }
    if (Array.isArray(x)) {
      return arr(x.map((i) => this.value(i, want)));
    }
    const op = this.operandOf(x);
    if (op) {
      const numeric = op.kind === ValueKind.INTEGER || op.kind === ValueKind.FLOAT;
      return want === 'number' || (want === 'any' && numeric) ? op.num : op.str;
    }
    return obj(Object.keys(x).map((k) => [k, this.value(x[k], 'any')]));
  }

  /** A `Get`, `Std:Join` or `Std:JsonGet` as code: its string and number forms, and its kind. */
  private operandOf(x: any): Operand | undefined {
    if (!x || typeof x !== 'object' || Array.isArray(x)) {
      return undefined;
    }
    const keys = Object.keys(x);
    if (keys.length !== 1) {
      return undefined;
    }
    if (keys[0] === 'Get' && typeof x.Get === 'string') {
      return this.reference(x.Get);
    }
    const join = x['Std:Join'];
    const top = this.topModel(join);
    if (keys[0] === 'Std:Join' && top) {
      return { kind: ValueKind.STRING, str: top, num: top };
    }
    if (keys[0] === 'Std:Join' && typeof join?.On === 'string' && Array.isArray(join.Values)) {
      const e = get(call(cls('lib', 'Join'), 'of', lit(join.On), arr(join.Values.map((i: any) => this.value(i, 'string')))), 'valueAsString');
      return { kind: ValueKind.STRING, str: e, num: e };
    }
    if (keys[0] === 'Std:JsonGet') {
      const jg = this.jsonGet(x['Std:JsonGet']);
      return jg ? { kind: ValueKind.ANY, str: get(jg, 'valueAsString'), num: get(jg, 'valueAsNumber') } : undefined;
    }
    return undefined;
  }

  /** `<output path>/<k-th training job>/output/model.tar.gz` of a typed tuning step: its `topModelS3Uri(k)`. */
  private topModel(join: any): Expr | undefined {
    if (join?.On !== '/' || !Array.isArray(join.Values) || join.Values.length !== 3 || join.Values[2] !== 'output/model.tar.gz') {
      return undefined;
    }
    const m = typeof join.Values[1]?.Get === 'string' ? /^Steps\.([A-Za-z0-9\-_]+)\.TrainingJobSummaries\[(\d+)\]\.TrainingJobName$/.exec(join.Values[1].Get) : null;
    const info = m ? this.steps.get(m[1]) : undefined;
    if (!info || info.step.Type !== 'Tuning' || JSON.stringify(info.step.Arguments?.TrainingJobDefinition?.OutputDataConfig?.S3OutputPath) !== JSON.stringify(join.Values[0])) {
      return undefined;
    }
    return call(v(info.varName), 'topModelS3Uri', lit(Number(m![2])));
  }

  /** A `Get` reference as the library's accessors. */
  private reference(ref: string): Operand | undefined {
    const tokens = (e: Expr, kind: ValueKind): Operand => ({ kind, str: get(e, 'valueAsString'), num: get(e, 'valueAsNumber') });
    let m = /^Parameters\.(.+)$/.exec(ref);
    if (m && this.paramVars.has(m[1])) {
      const p = this.paramVars.get(m[1])!;
      const kind = { String: ValueKind.STRING, Integer: ValueKind.INTEGER, Float: ValueKind.FLOAT, Boolean: ValueKind.BOOLEAN }[p.type]!;
      return tokens(v(p.varName), kind);
    }
    m = /^Execution\.(.+)$/.exec(ref);
    if (m && EXECUTION_VARIABLES[m[1]]) {
      return tokens(get(cls('lib', 'ExecutionVariable'), EXECUTION_VARIABLES[m[1]]), ValueKind.STRING);
    }
    m = /^PipelineExperimentConfig\.(ExperimentName|TrialName)$/.exec(ref);
    if (m) {
      return tokens(get(cls('lib', 'PipelineExperimentConfig'), m[1] === 'ExperimentName' ? 'EXPERIMENT_NAME' : 'TRIAL_NAME'), ValueKind.STRING);
    }
    m = /^Steps\.([A-Za-z0-9\-_]+)\.(.+)$/.exec(ref);
    if (!m || !this.steps.has(m[1])) {
      return undefined;
    }
    const info = this.steps.get(m[1])!;
    const step = v(info.varName);
    const path = m[2];
    const type = info.step.Type;
    const typed = TYPED_STEPS.includes(type);
    const str = (e: Expr): Operand => ({ kind: ValueKind.STRING, str: e, num: e });
    const out = /^ProcessingOutputConfig\.Outputs\['([^']+)'\]\.S3Output\.S3Uri$/.exec(path);
    if (typed && type === 'Processing' && out) {
      return str(call(step, 'outputS3Uri', lit(out[1])));
    }
    if (typed && type === 'Training' && path === 'ModelArtifacts.S3ModelArtifacts') {
      return str(get(step, 'modelArtifactsS3Uri'));
    }
    if (typed && type === 'Model' && path === 'ModelName') {
      return str(get(step, 'modelName'));
    }
    const checkAccessor: Record<string, string> = {
      CalculatedBaselineStatistics: 'calculatedBaselineStatistics',
      CalculatedBaselineConstraints: 'calculatedBaselineConstraints',
      BaselineUsedForDriftCheckStatistics: 'baselineUsedForDriftCheckStatistics',
      BaselineUsedForDriftCheckConstraints: 'baselineUsedForDriftCheckConstraints',
    };
    if (typed && type === 'AutoML') {
      const env = /^BestCandidate\.InferenceContainers\[0\]\.Environment\['([^']+)'\]$/.exec(path);
      if (env) {
        return str(call(step, 'bestCandidateEnvironment', lit(env[1])));
      }
      const accessor = ({
        'BestCandidate.InferenceContainers[0].Image': 'bestCandidateImage',
        'BestCandidate.InferenceContainers[0].ModelDataUrl': 'bestCandidateModelDataUrl',
        'BestCandidate.CandidateName': 'bestCandidateName',
        'AutoMLJobName': 'autoMlJobName',
      } as Record<string, string>)[path];
      if (accessor) {
        return str(get(step, accessor));
      }
      if (path === 'BestCandidate.FinalAutoMLJobObjectiveMetric.Value') {
        return { kind: ValueKind.FLOAT, str: call(step, 'propertyAsString', lit(path)), num: get(step, 'bestCandidateObjectiveValue') };
      }
    }
    if (typed && type === 'QualityCheck' && checkAccessor[path]) {
      return str(get(step, checkAccessor[path]));
    }
    if (typed && type === 'RegisterModel' && path === 'ModelPackageArn') {
      return str(get(step, 'modelPackageArn'));
    }
    const outParam = /^OutputParameters\['([^']+)'\]$/.exec(path);
    if ((type === 'Lambda' || type === 'Callback') && outParam && typed) {
      const declared = (info.step.OutputParameters ?? []).find((o: any) => o.OutputName === outParam[1]);
      const numeric = declared && ['Integer', 'Float'].includes(declared.OutputType);
      const kind = numeric ? (declared.OutputType === 'Integer' ? ValueKind.INTEGER : ValueKind.FLOAT) : ValueKind.STRING;
      return { kind, str: call(step, 'outputAsString', lit(outParam[1])), num: call(step, 'outputAsNumber', lit(outParam[1])) };
    }
    const resolved = resolvePropertyPath(type, path);
    const kind = resolved.kind ?? ValueKind.ANY;
    const numeric = kind === ValueKind.INTEGER || kind === ValueKind.FLOAT;
    const asString = call(step, 'propertyAsString', lit(path));
    return { kind, str: asString, num: numeric ? call(step, 'propertyAsNumber', lit(path)) : asString };
  }

  private jsonGet(spec: any): Expr | undefined {
    if (!spec || typeof spec.Path !== 'string') {
      return undefined;
    }
    const pf = typeof spec.PropertyFile?.Get === 'string' ? /^Steps\.([A-Za-z0-9\-_]+)\.PropertyFiles\.([A-Za-z0-9\-_]+)$/.exec(spec.PropertyFile.Get) : null;
    if (pf && this.propertyFileVars.has(`${pf[1]}/${pf[2]}`)) {
      return call(v(this.propertyFileVars.get(`${pf[1]}/${pf[2]}`)!), 'jsonGet', lit(spec.Path));
    }
    if (spec.S3Uri !== undefined) {
      return call(cls('lib', 'JsonGet'), 'fromS3Uri', this.value(spec.S3Uri, 'string'), lit(spec.Path));
    }
    return undefined;
  }

  private experimentConfig(): Expr | undefined {
    const c = this.def.PipelineExperimentConfig;
    if (c === undefined || c === null) {
      return call(cls('lib', 'PipelineExperimentConfig'), 'none');
    }
    const isDefault = (x: any, name: string) => x && x.Get === name;
    if (isDefault(c.ExperimentName, 'Execution.PipelineName') && isDefault(c.TrialName, 'Execution.PipelineExecutionId')) {
      return undefined;
    }
    return call(cls('lib', 'PipelineExperimentConfig'), 'of', obj([
      ['experimentName', isDefault(c.ExperimentName, 'Execution.PipelineName') ? undefined : this.value(c.ExperimentName)],
      ['trialName', isDefault(c.TrialName, 'Execution.PipelineExecutionId') ? undefined : this.value(c.TrialName)],
    ]));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Steps

  private indexSteps(steps: any[], path: string): void {
    steps.forEach((s, i) => {
      this.steps.set(s.Name, { step: s, varName: this.varName(s.Name), path: `${path}[${i}]` });
      for (const pf of s.Type === 'Processing' ? s.PropertyFiles ?? [] : []) {
        this.propertyFileVars.set(`${s.Name}/${pf.PropertyFileName}`, this.varName(`${pf.PropertyFileName}File`));
      }
      if (s.Type === 'Condition') {
        this.indexSteps(s.Arguments.IfSteps ?? [], `${path}[${i}].Arguments.IfSteps`);
        this.indexSteps(s.Arguments.ElseSteps ?? [], `${path}[${i}].Arguments.ElseSteps`);
      }
    });
  }

  /** The names of the steps a step needs declared before it: those it references, depends on, or holds. */
  private prerequisites(s: any): string[] {
    const out = new Set<string>(s.DependsOn ?? []);
    const scan = (x: any) => {
      if (Array.isArray(x)) {
        x.forEach(scan);
      } else if (x && typeof x === 'object') {
        if (typeof x.Get === 'string') {
          const m = /^Steps\.([A-Za-z0-9\-_]+)\./.exec(x.Get);
          if (m) {
            out.add(m[1]);
          }
        }
        for (const [k, val] of Object.entries(x)) {
          if (!(s.Type === 'Condition' && (k === 'IfSteps' || k === 'ElseSteps'))) {
            scan(val);
          }
        }
      }
    };
    scan(s);
    if (s.Type === 'Condition') {
      for (const b of [...(s.Arguments.IfSteps ?? []), ...(s.Arguments.ElseSteps ?? [])]) {
        out.add(b.Name);
      }
    }
    out.delete(s.Name);
    return [...out];
  }

  private declareStep(info: StepInfo): void {
    if (this.declared.has(info.step.Name)) {
      return;
    }
    this.declared.add(info.step.Name);
    for (const name of this.prerequisites(info.step)) {
      this.declareStep(this.steps.get(name)!);
    }
    const s = info.step;
    const typed = TYPED_STEPS.includes(s.Type) ? this.typedStep(s) : undefined;
    const common = this.commonOptions(s, typed !== undefined);
    if (typed) {
      this.statements.push({
        name: info.varName,
        expr: newOf(cls('lib', typed.cls), THIS, lit(s.Name), obj([...typed.props, ...common])),
        comments: typed.comments,
      });
      this.summary.push(`${info.path} ${s.Name} (${s.Type}): ${typed.cls}`);
      return;
    }
    const extra = Object.entries(s).filter(([k]) => !COMMON_STEP_FIELDS.includes(k));
    const why = TYPES_NOT_IMPORTED[s.Type] !== undefined
      ? `the importer cannot map this step to ${TYPES_NOT_IMPORTED[s.Type]}`
      : TYPED_STEPS.includes(s.Type)
        ? 'the importer cannot read this step\'s arguments into its construct'
        : `the library has no construct for ${s.Type} steps`;
    this.statements.push({
      name: info.varName,
      expr: newOf(cls('lib', 'CustomStepConstruct'), THIS, lit(s.Name), obj([
        ['stepType', lit(s.Type)],
        ['arguments', this.value(s.Arguments ?? {}, 'any')],
        ['extraFields', extra.length > 0 ? obj(extra.map(([k, x]) => [k, this.value(x, 'any')])) : undefined],
        ...common,
      ])),
      comments: [
        `${s.Type}: ${why}, so its arguments are written as they are (CustomStepConstruct, the escape hatch). `
        + 'Grant the pipeline\'s role what the step needs: no permission is derived from it.',
      ],
    });
    this.escapeHatches[s.Name] = ['CustomStepConstruct'];
    this.summary.push(`${info.path} ${s.Name} (${s.Type}): CustomStepConstruct (escape hatch: ${why}; no permission derived)`);
  }

  private commonOptions(s: any, typed: boolean): Array<[string, Expr | undefined]> {
    const retry = (p: any) => obj([
      ['exceptionTypes', arr((p.ExceptionType ?? []).map((t: string) => this.enumMember('RetryExceptionType', t)))],
      ['interval', p.IntervalSeconds !== undefined ? duration(p.IntervalSeconds) : undefined],
      ['backoffRate', p.BackoffRate !== undefined ? lit(p.BackoffRate) : undefined],
      ['maxAttempts', p.MaxAttempts !== undefined ? lit(p.MaxAttempts) : undefined],
      ['expireAfter', p.ExpireAfterMin !== undefined ? call(cls('cdk', 'Duration'), 'minutes', lit(p.ExpireAfterMin)) : undefined],
    ]);
    const cacheable = !typed || ['Processing', 'Training', 'Tuning', 'Transform', 'Lambda', 'Callback', 'QualityCheck', 'EMR', 'AutoML'].includes(s.Type);
    const retryable = !typed || ['Processing', 'Training', 'Tuning', 'Transform', 'Model', 'RegisterModel', 'AutoML'].includes(s.Type);
    return [
      ['displayName', s.DisplayName !== undefined ? lit(s.DisplayName) : undefined],
      ['description', s.Description !== undefined ? lit(s.Description) : undefined],
      ['dependsOn', s.DependsOn ? arr(s.DependsOn.map((d: string) => v(this.steps.get(d)!.varName))) : undefined],
      ['cacheConfig', s.CacheConfig && cacheable ? obj([
        ['enabled', lit(s.CacheConfig.Enabled ?? true)],
        ['expireAfter', s.CacheConfig.ExpireAfter !== undefined ? call(cls('cdk', 'Duration'), 'parse', lit(s.CacheConfig.ExpireAfter)) : undefined],
      ]) : undefined],
      ['retryPolicies', Array.isArray(s.RetryPolicies) && retryable ? arr(s.RetryPolicies.map(retry)) : undefined],
    ];
  }

  /** A member of one of the library's enums by its value, or the value itself when no member has it. */
  private enumMember(enumName: string, value: any): Expr {
    const e = (lib() as any)[enumName];
    const key = e ? Object.keys(e).find((k) => e[k] === value) : undefined;
    return key ? get(cls('lib', enumName), key) : lit(value);
  }

  private typedStep(s: any): TypedStep | undefined {
    const comments: string[] = [];
    return STEP_IMPORTERS[s.Type]?.(this.context(), s, s.Arguments ?? {}, comments);
  }

  /** The bucket the generated stack creates for the source's only bucket: the pipeline's artifact bucket. */
  private artifactBucketVar(): string | undefined {
    const buckets = Object.keys(this.options.cfnBuckets ?? {});
    return buckets.length === 1 ? cfnValueVariables.get(buckets[0])?.variable : undefined;
  }

  /** The reading helpers the step importers (src/import/steps/) use. */
  private context(): StepImportContext {
    return {
      value: (x, want) => this.value(x, want),
      str: (x) => this.str(x),
      num: (x) => this.num(x),
      strMap: (x) => this.strMap(x),
      enumMember: (enumName, value) => this.enumMember(enumName, value),
      jobResources: (resources, stopping) => this.jobResources(resources, stopping),
      condition: (c) => this.condition(c),
      image: (uri, comments) => {
        if (typeof uri === 'string' && /\.dkr\.ecr\./.test(uri)) {
          comments.push('The image stays the URI of the definition; ContainerImage.fromEcrRepository / fromAsset is the CDK way for an image you build.');
        }
        return call(cls('lib', 'ContainerImage'), 'fromUri', this.value(uri, 'string'));
      },
      stepVar: (name) => this.steps.get(name)!.varName,
      propertyFileVar: (key) => this.propertyFileVars.get(key)!,
      parameterVar: (name) => this.paramVars.get(name)?.varName,
      addStatement: (statement) => this.statements.push(statement),
    };
  }


  /** An instance type: the library's constant when it has one (`InstanceType.ML_C5_XLARGE`), else `InstanceType.of`. */
  private instanceType(x: any): Expr {
    const constant = typeof x === 'string' ? x.replace(/^ml\./, 'ML_').replace(/[.-]/g, '_').toUpperCase() : undefined;
    const InstanceType = (lib() as any).InstanceType;
    return constant !== undefined && InstanceType[constant]?.toString() === x
      ? get(cls('lib', 'InstanceType'), constant)
      : call(cls('lib', 'InstanceType'), 'of', this.value(x, 'string'));
  }


  /** An optional string member as code (a missing or null member is left out). */
  private str(x: any): Expr | undefined {
    return x === undefined || x === null ? undefined : this.value(x, 'string');
  }

  /** An optional number member as code. */
  private num(x: any): Expr | undefined {
    return x === undefined || x === null ? undefined : this.value(x, 'number');
  }

  /** An optional map of strings (environment, hyperparameters, metadata) as code. */
  private strMap(x: any): Expr | undefined {
    return x === undefined || x === null ? undefined : obj(Object.entries(x).map(([k, val]) => [k, this.value(val, 'string')]));
  }

  /** instanceType, instanceCount, volumeSize and maxRuntime of a job, from its cluster (resource) config and stopping condition. */
  private jobResources(resources: any, stopping: any): Array<[string, Expr | undefined]> {
    const r = resources ?? {};
    return [
      ['instanceType', r.InstanceType === undefined ? undefined : this.instanceType(r.InstanceType)],
      ['instanceCount', this.num(r.InstanceCount)],
      ['volumeSize', r.VolumeSizeInGB === undefined ? undefined : call(cls('cdk', 'Size'), 'gibibytes', this.num(r.VolumeSizeInGB)!)],
      ['maxRuntime', stopping?.MaxRuntimeInSeconds !== undefined ? duration(stopping.MaxRuntimeInSeconds) : undefined],
    ];
  }


  private condition(c: any): Expr {
    const C = cls('lib', 'Condition');
    const binary: Record<string, string> = {
      Equals: 'Equals', GreaterThan: 'GreaterThan', GreaterThanOrEqualTo: 'GreaterThanOrEqualTo', LessThan: 'LessThan', LessThanOrEqualTo: 'LessThanOrEqualTo',
    };
    if (c.Type === 'Not') {
      return call(C, 'negate', this.condition(c.Condition));
    }
    if (c.Type === 'Or') {
      return call(C, 'anyOf', ...(c.Conditions ?? []).map((x: any) => this.condition(x)));
    }
    const kindOf = (x: any): 'number' | 'string' | 'boolean' | undefined => {
      if (typeof x === 'number') {
        return 'number';
      }
      if (typeof x === 'boolean') {
        return 'boolean';
      }
      if (typeof x === 'string') {
        return 'string';
      }
      const pv = this.operandOf(x);
      if (!pv) {
        return undefined;
      }
      return pv.kind === ValueKind.INTEGER || pv.kind === ValueKind.FLOAT ? 'number' : pv.kind === ValueKind.BOOLEAN ? 'boolean' : pv.kind === ValueKind.STRING ? 'string' : undefined;
    };
    if (c.Type === 'In') {
      const kinds = [c.QueryValue, ...(c.Values ?? [])].map(kindOf);
      const numeric = kinds.includes('number');
      const want = numeric ? 'number' : 'string';
      return call(C, numeric ? 'numberIn' : 'stringIn', this.operand(c.QueryValue, want), arr((c.Values ?? []).map((x: any) => this.operand(x, want))));
    }
    if (binary[c.Type]) {
      const kinds = [kindOf(c.LeftValue), kindOf(c.RightValue)];
      if (c.Type === 'Equals' && kinds[1] === 'boolean' && typeof c.RightValue === 'boolean') {
        return call(C, 'booleanEquals', this.operand(c.LeftValue, 'string'), lit(c.RightValue));
      }
      const numeric = kinds.includes('number') || (kinds[0] === undefined && kinds[1] === undefined);
      const want = numeric ? 'number' : 'string';
      return call(C, `${want}${binary[c.Type]}`, this.operand(c.LeftValue, want), this.operand(c.RightValue, want));
    }
    throw new Error(`internal error: condition type ${JSON.stringify(c.Type)} passed the structure check`);
  }

  private operand(x: any, want: 'number' | 'string'): Expr {
    const op = this.operandOf(x);
    if (op) {
      return want === 'number' ? op.num : op.str;
    }
    return this.value(x, want);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Building, comparing, overriding

  /** Builds the statements in memory (the same tree that is printed) and returns the pipeline and its steps. */
  private build(): { stack: cdk.Stack; pipeline: any; vars: Map<string, any> } {
    const app = new cdk.App();
    const stack = new cdk.Stack(app, 'Import', { env: envOf(this.def) });
    const modules: Record<ModuleName, any> = { lib: lib(), cdk, iam, lambda, sqs, s3 };
    const vars = new Map<string, any>();
    for (const st of this.statements) {
      const value = evaluate(st.expr, stack, modules, vars);
      if (st.name) {
        vars.set(st.name, value);
      }
    }
    return { stack, pipeline: vars.get('pipeline'), vars };
  }

  private addOverridesFromDiff(): void {
    const { stack, pipeline, vars } = this.build();
    const rendered = stack.resolve(pipeline.renderDefinition());
    // The input's markers of a source template's values, as the generated stack renders them (its parameters).
    const asRendered = (x: any): any => (typeof x === 'string' ? (x.includes('@@cfn:') ? stack.resolve(withValues(x, vars)) : x)
      : Array.isArray(x) ? x.map(asRendered) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, asRendered(y)])) : x);
    const byName = new Map<string, any>();
    const index = (steps: any[]) => steps.forEach((s) => {
      byName.set(s.Name, s);
      if (s.Type === 'Condition') {
        index(s.Arguments.IfSteps ?? []);
        index(s.Arguments.ElseSteps ?? []);
      }
    });
    index(rendered.Steps);
    const overrides: Statement[] = [];
    for (const info of this.steps.values()) {
      const input = asRendered(info.step);
      const got = byName.get(input.Name);
      const diffs: Array<{ path: string[]; value: any; remove: boolean }> = [];
      diff(input, got, [], diffs, input.Type === 'Condition', this.keptRole === undefined);
      if (diffs.length === 0) {
        continue;
      }
      const list = this.escapeHatches[input.Name] ?? (this.escapeHatches[input.Name] = []);
      for (const d of diffs) {
        const path = d.path.join('.');
        list.push(path);
        overrides.push({
          expr: d.remove ? call(v(info.varName), 'addDeletionOverride', lit(path))
            : call(v(info.varName), 'addOverride', lit(path), this.value(d.value, 'any')),
          comments: d === diffs[0] ? [`${input.Name}: what ${this.typedName(input)} does not render as the definition has it (escape hatch).`] : undefined,
        });
      }
      this.summary.push(`${info.path} ${input.Name}: ${diffs.length} field(s) written with addOverride/addDeletionOverride: ${list.filter((x) => x !== 'CustomStepConstruct').join(', ')}`);
    }
    this.statements.push(...overrides);
    for (const note of normalizations(this.def, rendered, this.keptRole === undefined)) {
      this.summary.push(note);
    }
  }

  private typedName(s: any): string {
    return TYPED_STEPS.includes(s.Type) ? `the ${s.Type} construct` : 'the custom step';
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Printing

  private printSource(): string {
    const libNames = new Set<string>();
    const cdkNames = new Set<string>(['Stack', 'StackProps']);
    const namespaces = new Set<string>();
    for (const st of this.statements) {
      for (const m of modulesOf(st.expr)) {
        const [mod, name] = m.split(':');
        if (mod === 'lib') {
          libNames.add(name);
        } else if (mod === 'cdk') {
          cdkNames.add(name);
        } else {
          namespaces.add(mod);
        }
      }
    }
    const lines: string[] = [];
    lines.push(`import { ${[...cdkNames].sort().join(', ')} } from '${MODULE_IMPORTS.cdk}';`);
    for (const ns of [...namespaces].sort()) {
      lines.push(`import * as ${ns} from '${MODULE_IMPORTS[ns as ModuleName]}';`);
    }
    const sortedLib = [...libNames].sort();
    lines.push(`import {\n${sortedLib.map((n) => `  ${n},`).join('\n')}\n} from '${MODULE_IMPORTS.lib}';`);
    lines.push('import { Construct } from \'constructs\';');
    lines.push('');
    lines.push('/**');
    if (this.keptRole === undefined) {
      lines.push(' * Generated by `cdk-sagemaker-pipelines import --new-role`. Steps run as the pipeline\'s own role (least privilege');
      lines.push(' * derived from the steps), not the role ARN of the imported definition.');
    } else {
      lines.push(' * Generated by `cdk-sagemaker-pipelines import`. Steps run as the role of the imported definition, kept as it is.');
    }
    lines.push(' */');
    lines.push(`export class ${this.className} extends Stack {`);
    lines.push('  /** The imported pipeline. */');
    lines.push('  public readonly pipeline: MlPipeline;');
    lines.push('');
    lines.push('  constructor(scope: Construct, id: string, props?: StackProps) {');
    lines.push('    super(scope, id, props);');
    lines.push('');
    const indent = '    ';
    for (const st of this.statements) {
      for (const c of st.comments ?? []) {
        lines.push(...wrapComment(c, indent));
      }
      const code = print(st.expr, indent);
      const target = st.name === 'pipeline' ? 'this.pipeline = ' : st.name ? `const ${st.name} = ` : '';
      lines.push(`${indent}${target}${code};`);
    }
    lines.push('  }');
    lines.push('}');
    return lines.join('\n') + '\n';
  }
}

/** The account and region the definition's ARNs name (those the importer builds its stack in), or placeholders. */
function envOf(def: any): { account: string; region: string } {
  const text = JSON.stringify(def.Steps);
  const account = /arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(text)?.[1] ?? '123456789012';
  const region = /arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d):/.exec(text)?.[1] ?? /\.dkr\.ecr\.([a-z0-9-]+)\./.exec(text)?.[1] ?? 'us-east-1';
  return { account, region };
}

/** A comment as `//` lines of at most 120 characters. */
function wrapComment(text: string, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && indent.length + 3 + line.length + 1 + word.length > 120) {
      out.push(`${indent}// ${line}`);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  out.push(`${indent}// ${line}`);
  return out;
}

/**
 * The role ARNs the definition's steps run as (`RoleArn`, `ExecutionRoleArn` of their arguments), with how many times
 * each is named. EMR and AutoML steps are left out: their constructs import their roles themselves.
 */
function stepRoles(def: any): Map<string, number> {
  const counts = new Map<string, number>();
  const scan = (x: any) => {
    if (Array.isArray(x)) {
      x.forEach(scan);
    } else if (x && typeof x === 'object' && x.Type !== 'EMR' && x.Type !== 'AutoML') {
      for (const [k, val] of Object.entries(x)) {
        if (NORMALIZED_KEYS.has(k) && typeof val === 'string') {
          counts.set(val, (counts.get(val) ?? 0) + 1);
        }
        scan(val);
      }
    }
  };
  scan(def.Steps);
  return counts;
}

/** The role ARN most of the steps run as (a role ARN, or a source template's value), if any. */
function mostUsedRole(def: any): string | undefined {
  return [...stepRoles(def).entries()]
    .filter(([arn]) => /^(arn:aws[a-z-]*:iam::\d{12}:role\/|@@cfn:[A-Za-z0-9]+@@$)/.test(arn))
    .sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** Keys whose values the generated stack renders differently on purpose (the normalizations). */
const NORMALIZED_KEYS = new Set(['RoleArn', 'ExecutionRoleArn']);

/** Whether two JSON values are equal, whatever the order of their objects' keys. */
function sameJson(a: any, b: any): boolean {
  if (a === b) {
    return true;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  if (Array.isArray(a)) {
    return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
}

/**
 * The differences between the input step and the rendered one, as override paths (from the step's top level):
 * objects and lists of the same length are compared member by member, so an override is as small as it can be.
 */
function diff(
  input: any, got: any, path: string[], out: Array<{ path: string[]; value: any; remove: boolean }>, isCondition: boolean, normalizeRoles: boolean,
): void {
  if (normalizeRoles && path.length >= 2 && path[0] === 'Arguments' && NORMALIZED_KEYS.has(path[path.length - 1])) {
    return;
  }
  if (isCondition && path.length === 2 && path[0] === 'Arguments' && (path[1] === 'IfSteps' || path[1] === 'ElseSteps')) {
    return; // the branches' steps are compared as steps of their own
  }
  if (sameJson(input, got)) {
    return;
  }
  if (input === undefined) {
    out.push({ path, value: undefined, remove: true });
    return;
  }
  const isObj = (x: any) => x !== null && typeof x === 'object' && !Array.isArray(x);
  const isExpression = (x: any) => 'Get' in x || 'Std:Join' in x || 'Std:JsonGet' in x;
  if (isObj(input) && isObj(got) && !isExpression(input) && !isExpression(got)) {
    const keys = [...new Set([...Object.keys(input), ...Object.keys(got)])];
    if (keys.some((k) => k.includes('.') || /^\d+$/.test(k))) {
      out.push({ path, value: input, remove: false }); // a key an override path cannot name: the whole object
      return;
    }
    for (const key of keys) {
      diff(input[key], got[key], [...path, key], out, isCondition, normalizeRoles);
    }
    return;
  }
  if (Array.isArray(input) && Array.isArray(got) && input.length === got.length && path.length > 0) {
    input.forEach((x, i) => diff(x, got[i], [...path, String(i)], out, isCondition, normalizeRoles));
    return;
  }
  out.push({ path, value: input, remove: false });
}

/** The documented normalizations that apply to this definition. */
function normalizations(input: any, rendered: any, normalizeRoles: boolean): string[] {
  const notes: string[] = [];
  const roles = [...stepRoles(input).keys()];
  if (normalizeRoles && roles.length > 0) {
    notes.push(`normalized: RoleArn/ExecutionRoleArn (${roles.join(', ')}) become the pipeline's own role`);
  }
  if (input.PipelineExperimentConfig === undefined && rendered.PipelineExperimentConfig === null) {
    notes.push('normalized: no PipelineExperimentConfig becomes PipelineExperimentConfig.none() (null)');
  }
  if (input.Version !== undefined && input.Version !== rendered.Version) {
    notes.push(`normalized: Version ${input.Version} becomes ${rendered.Version}`);
  }
  return notes;
}

let libExports: any;

/** The library's exports (loaded lazily: the library's index imports nothing of the importer). */
function lib(): any {
  if (!libExports) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    libExports = require('../index');
  }
  return libExports;
}

