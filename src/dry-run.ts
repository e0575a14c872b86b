import { Token } from 'aws-cdk-lib';
import type { BuiltGraph } from './private/graph';
import { ConditionStepConstruct } from './steps/condition-step';
import { FailStepConstruct } from './steps/fail-step';
import type { PipelineStep } from './steps/step';
import { ParameterType, PipelineParameter } from './values/parameter';
import { PipelineValue } from './values/pipeline-value';
import type { EvaluationContext } from './values/private/context';
import { StepFailure } from './values/private/evaluation';
import { S3JsonDocument } from './values/private/json-document';
import { lookupPath, parseJsonPath } from './values/private/json-path';
import { PropertyFile } from './values/property-file';

/** What a dry run assumes about one execution. */
export interface DryRunOptions {
  /**
   * Execution parameter values by name; a parameter not given takes its default.
   * @default - every parameter takes its default
   */
  readonly parameters?: { [name: string]: any };
  /**
   * The documents the property files would contain, by property file name
   * (`{ EvaluationReport: { binary_classification_metrics: { accuracy: { value: 0.73 } } } }`).
   * @default - each property file's sampleDocument, if it declares one
   */
  readonly propertyFiles?: { [name: string]: any };
  /**
   * The JSON documents in S3 that `JsonGet.fromS3Uri` reads, by document name (its `documentName`, or the URI).
   * @default - each document's sampleDocument, if it declares one
   */
  readonly jsonDocuments?: { [name: string]: any };
  /**
   * Values of step properties that conditions or Fail messages read, by reference
   * (`{ "Steps.Train.FinalMetricDataList['validation:auc'].Value": 0.91 }`).
   * @default - none
   */
  readonly stepProperties?: { [reference: string]: any };
}

/** An operand of a condition, and its value in the dry run. */
export interface DryRunOperand {
  /** The operand (`Parameters.AccuracyThreshold`, `JsonGet(EvaluationReport, a.b)`, `0.8`). */
  readonly expression: string;
  /** Its value. */
  readonly value: any;
}

/** One condition of a condition step, evaluated. */
export interface DryRunCondition {
  /** The condition (`JsonGet(EvaluationReport, ...) >= Parameters.AccuracyThreshold`). */
  readonly description: string;
  /** Whether it held. */
  readonly result: boolean;
  /** Every operand and its value. */
  readonly operands: DryRunOperand[];
}

/** A condition step, evaluated. */
export interface DryRunConditionStep {
  /** The step's name. */
  readonly stepName: string;
  /** Whether all its conditions held (they are ANDed). */
  readonly outcome: boolean;
  /** The branch taken: `if` or `else`. */
  readonly branch: string;
  /** Each condition and its operands. */
  readonly conditions: DryRunCondition[];
}

/** What one execution would do, as far as the definition decides it. */
export interface DryRunResult {
  /** `Succeeded`, or `Failed` when a Fail step runs or a step fails (a JsonGet of a missing path, ...). */
  readonly status: string;
  /** The steps that run, in an order they can run in. */
  readonly executedSteps: string[];
  /** The steps that do not run (the branches not taken, and the steps that wait for them). */
  readonly skippedSteps: string[];
  /** The steps not started because the execution failed first. */
  readonly notStartedSteps: string[];
  /** Each condition step that ran, with its branch and operands. */
  readonly conditionSteps: DryRunConditionStep[];
  /** The parameter values used (given or default). */
  readonly parameterValues: { [name: string]: any };
  /** The step that failed the execution, if any. */
  readonly failedStep?: string;
  /** Why the execution failed, if it did (a Fail step's message, or the step's error). */
  readonly failureReason?: string;
}

/**
 * Evaluates a pipeline for one set of parameter values and property-file contents, without AWS.
 * @internal
 */
export function dryRun(where: string, pipelineName: string, graph: BuiltGraph, options: DryRunOptions): DryRunResult {
  const parameterValues = resolveParameters(where, graph.parameters, options.parameters ?? {});
  const files = new Map<string, PropertyFile>();
  for (const node of graph.nodes.values()) {
    for (const f of node.refs!.propertyFiles) {
      files.set(f.name, f);
    }
  }
  const documents = new Set<string>();
  for (const node of graph.nodes.values()) {
    for (const j of node.refs!.jsonGets) {
      if (j._document instanceof S3JsonDocument) {
        documents.add(j._document.name);
      }
    }
  }
  for (const name of Object.keys(options.propertyFiles ?? {})) {
    if (!files.has(name)) {
      throw new Error(`${where}: dry run: no step reads a property file named '${name}'; the pipeline reads: ${[...files.keys()].join(', ') || '(none)'}`);
    }
  }
  for (const name of Object.keys(options.jsonDocuments ?? {})) {
    if (!documents.has(name)) {
      throw new Error(`${where}: dry run: no step reads a JSON document named '${name}'; the pipeline reads: ${[...documents].join(', ') || '(none)'}`);
    }
  }
  const ctx: EvaluationContext = {
    parameter: (p: PipelineParameter) => parameterValues[p.name],
    execution: (name: string) => EXECUTION_VALUES(pipelineName)[name] ?? name,
    deployTimeValue: () => '<deploy-time value>',
    stepProperty: (step: PipelineStep, path: string) => {
      const ref = `Steps.${step.stepName}.${path}`;
      if (!(ref in (options.stepProperties ?? {}))) {
        throw new Error(`${where}: dry run: the value of ${ref} is needed; give it in stepProperties`);
      }
      return options.stepProperties![ref];
    },
    jsonGet: (document: PropertyFile | S3JsonDocument, path: string) => {
      const isFile = document instanceof PropertyFile;
      const what = isFile ? `property file '${document.name}'` : `JSON document ${document.name}`;
      const doc = (isFile ? options.propertyFiles : options.jsonDocuments)?.[document.name] ?? document.sampleDocument;
      if (doc === undefined) {
        const option = isFile ? `propertyFiles.${document.name}` : `jsonDocuments['${document.name}']`;
        throw new Error(`${where}: dry run: ${what} is read (path '${path}'); give its document in ${option}`);
      }
      const found = lookupPath(doc, parseJsonPath(path).segments);
      if (!found.found) {
        throw new StepFailure(`JsonGet: path '${path}' is not in ${what} (${found.missing})`);
      }
      return found.value;
    },
  };

  // Every step in an order it can run in: dependencies first, then the order the steps were listed in.
  const listed: PipelineStep[] = [];
  const list = (step: PipelineStep) => {
    listed.push(step);
    step._nestedSteps().flat().forEach(list);
  };
  graph.order.forEach(list);
  const waitsFor = (step: PipelineStep) => {
    const node = graph.nodes.get(step)!;
    return node.placement.parent ? [...node.dependencies, node.placement.parent] : node.dependencies;
  };

  const executed: string[] = [];
  const skipped: string[] = [];
  const notStarted: string[] = [];
  const conditionSteps: DryRunConditionStep[] = [];
  const state = new Map<PipelineStep, 'ran' | 'skipped' | 'notStarted'>();
  const chosen = new Map<PipelineStep, 'if' | 'else'>();
  let failedStep: string | undefined;
  let failureReason: string | undefined;

  const pending = [...listed];
  while (pending.length > 0) {
    const index = pending.findIndex((s) => waitsFor(s).every((d) => state.has(d)));
    const step = pending.splice(index < 0 ? 0 : index, 1)[0];
    const node = graph.nodes.get(step)!;
    const parent = node.placement.parent;
    const deps = waitsFor(step);
    const otherBranch = parent !== undefined && chosen.has(parent) && chosen.get(parent) !== node.placement.branch;
    if (otherBranch || deps.some((d) => state.get(d) === 'skipped')) {
      state.set(step, 'skipped');
      skipped.push(step.stepName);
      continue;
    }
    if (failedStep !== undefined || !deps.every((d) => state.get(d) === 'ran') || (parent !== undefined && !chosen.has(parent))) {
      state.set(step, 'notStarted');
      notStarted.push(step.stepName);
      continue;
    }
    state.set(step, 'ran');
    executed.push(step.stepName);
    try {
      if (step instanceof ConditionStepConstruct) {
        const conditions = step.conditions.map((c) => {
          const operands: DryRunOperand[] = [];
          const result = c._evaluate(ctx, operands);
          return { description: c.describe(), result, operands };
        });
        const outcome = conditions.every((c) => c.result);
        chosen.set(step, outcome ? 'if' : 'else');
        conditionSteps.push({ stepName: step.stepName, outcome, branch: outcome ? 'if' : 'else', conditions });
      } else if (step instanceof FailStepConstruct) {
        failedStep = step.stepName;
        const message = step.errorMessage;
        failureReason = message === undefined ? '' : String(PipelineValue.fromString(message)._evaluate(ctx));
      }
    } catch (e: any) {
      if (!(e instanceof StepFailure)) {
        throw e;
      }
      failedStep = step.stepName;
      failureReason = e.message;
    }
  }
  return {
    status: failedStep === undefined ? 'Succeeded' : 'Failed',
    executedSteps: executed,
    skippedSteps: skipped,
    notStartedSteps: notStarted,
    conditionSteps,
    parameterValues,
    failedStep,
    failureReason,
  };
}

function EXECUTION_VALUES(pipelineName: string): Record<string, string> {
  return {
    PipelineExecutionId: 'dry-run',
    PipelineExecutionArn: `arn:aws:sagemaker:<region>:<account>:pipeline/${pipelineName.toLowerCase()}/execution/dry-run`,
    PipelineName: pipelineName,
    PipelineArn: `arn:aws:sagemaker:<region>:<account>:pipeline/${pipelineName.toLowerCase()}`,
    StartDateTime: '<start time>',
    CurrentDateTime: '<current time>',
  };
}

function resolveParameters(where: string, parameters: PipelineParameter[], given: { [name: string]: any }): { [name: string]: any } {
  const byName = new Map(parameters.map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) {
      throw new Error(`${where}: dry run: the pipeline has no parameter '${name}'; its parameters are: ${[...byName.keys()].join(', ') || '(none)'}`);
    }
  }
  const values: { [name: string]: any } = {};
  for (const p of parameters) {
    const value = p.name in given ? given[p.name] : p.defaultValue;
    if (value === undefined) {
      throw new Error(`${where}: dry run: parameter '${p.name}' has no default value; give it in parameters`);
    }
    const ok = Token.isUnresolved(value) || (p.type === ParameterType.STRING ? typeof value === 'string'
      : p.type === ParameterType.INTEGER ? Number.isInteger(value)
        : p.type === ParameterType.FLOAT ? typeof value === 'number'
          : typeof value === 'boolean');
    if (!ok) {
      throw new Error(`${where}: dry run: parameter '${p.name}' is ${p.type} but is given ${JSON.stringify(value)}; SageMaker would refuse to start the execution`);
    }
    if (p.enumValues && typeof value === 'string' && !p.enumValues.includes(value)) {
      throw new Error(`${where}: dry run: parameter '${p.name}' takes only ${p.enumValues.join(', ')}; ${JSON.stringify(value)} is not one of them`);
    }
    values[p.name] = Token.isUnresolved(value) ? '<deploy-time value>' : value;
  }
  return values;
}
