import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { checkArguments } from './argument-check';
import { RenderContext } from './render-context';
import type { PipelineStep } from '../steps/step';
import type { PipelineExperimentConfig } from '../values/experiment-config';
import type { PipelineParameter } from '../values/parameter';

/** Where a step sits in the pipeline. */
export interface Placement {
  /** The condition step whose branch holds the step; undefined at the top level. */
  readonly parent?: PipelineStep;
  /** Which branch. */
  readonly branch?: 'if' | 'else';
}

/** A step as the graph knows it. */
export interface StepNode {
  readonly step: PipelineStep;
  readonly placement: Placement;
  /** The step's definition. */
  rendered?: any;
  /** What the step refers to. */
  refs?: RenderContext;
  /** The steps this one waits for: explicit DependsOn and data references. */
  dependencies: PipelineStep[];
}

/** The result of building a pipeline's graph. */
export interface BuiltGraph {
  /** The definition object (CloudFormation tokens still unresolved). */
  readonly definition: any;
  /** Every step, top level and nested. */
  readonly nodes: Map<PipelineStep, StepNode>;
  /** The top-level steps in definition order. */
  readonly order: PipelineStep[];
  /** The pipeline's parameters. */
  readonly parameters: PipelineParameter[];
  /**
   * What is wrong with the pipeline, one message per problem, each naming the construct path; empty when the
   * definition can be deployed. The definition is rendered as far as it can be even so.
   */
  readonly problems: string[];
}

export const DEFINITION_VERSION = '2020-12-01';

/**
 * Collects the steps of a pipeline, checks the graph's invariants and renders the definition in a deterministic
 * order. Every error names the construct path, what was found and what to do.
 */
export function buildGraph(
  pipeline: IConstruct, topLevel: PipelineStep[], explicitParameters: PipelineParameter[], experimentConfig: PipelineExperimentConfig,
): BuiltGraph {
  const where = pipeline.node.path;
  const nodes = new Map<PipelineStep, StepNode>();
  const problems: string[] = [];
  const describePlacement = (p: Placement) => (p.parent ? `the ${p.branch}-branch of condition step '${p.parent.stepName}'` : 'the top level');

  // 1. Placement: each step once, at the top level or in exactly one branch.
  const place = (step: PipelineStep, placement: Placement) => {
    const existing = nodes.get(step);
    if (existing) {
      problems.push(`${step.node.path}: step '${step.stepName}' is placed twice in pipeline ${where}: at ${describePlacement(existing.placement)} and at ${describePlacement(placement)}; a step runs once: list it in one place only`);
      return;
    }
    nodes.set(step, { step, placement, dependencies: [] });
    step._nestedSteps().forEach((branch, i) => {
      for (const nested of branch) {
        place(nested, { parent: step, branch: i === 0 ? 'if' : 'else' });
      }
    });
  };
  for (const step of topLevel) {
    place(step, {});
  }

  // 2. Unique names.
  const byName = new Map<string, PipelineStep>();
  for (const step of nodes.keys()) {
    if (Token.isUnresolved(step.stepName)) {
      continue;
    }
    const other = byName.get(step.stepName);
    if (other) {
      problems.push(`${step.node.path}: step name '${step.stepName}' is already used by ${other.node.path} in pipeline ${where}; step names must be unique in a pipeline, condition branches included (set stepName)`);
      continue;
    }
    byName.set(step.stepName, step);
  }

  // 3. Render every step with its own context, nested steps first.
  const render = (step: PipelineStep): any => {
    const node = nodes.get(step)!;
    if (node.rendered === undefined) {
      const ctx = new RenderContext((nested) => render(nested));
      try {
        node.rendered = step._renderStep(ctx);
      } catch (e: any) {
        // What the step could not render is reported; the rest of the pipeline is still checked.
        problems.push(...String(e.message).split('\n').map((m) => (m.startsWith(step.node.path) ? m : `${step.node.path}: ${m}`)));
        node.rendered = { Name: step.stepName, Type: step.stepType, Arguments: {} };
      }
      node.refs = ctx;
    }
    return node.rendered;
  };
  for (const step of nodes.keys()) {
    render(step);
  }

  // 4. References must stay inside the pipeline.
  for (const node of nodes.values()) {
    const refs = node.refs!;
    for (const used of refs.steps) {
      if (used === node.step) {
        problems.push(`${node.step.node.path}: step '${node.step.stepName}' uses a property of its own; a step can only use the properties of steps that ran before it`);
      } else if (!nodes.has(used)) {
        problems.push(`${node.step.node.path}: step '${node.step.stepName}' uses a property of step '${used.stepName}' (${used.node.path}), which is not part of pipeline ${where}; add that step to the pipeline's steps`);
      }
    }
    for (const file of refs.propertyFiles) {
      const owner = file._writer! as PipelineStep;
      if (!nodes.has(owner)) {
        problems.push(`${node.step.node.path}: step '${node.step.stepName}' reads property file '${file.name}' of step '${owner.stepName}' (${owner.node.path}), which is not part of pipeline ${where}; add that step to the pipeline's steps`);
      }
    }
    for (const dep of node.step.dependencies) {
      if (!nodes.has(dep)) {
        problems.push(`${node.step.node.path}: step '${node.step.stepName}' depends on step '${dep.stepName}' (${dep.node.path}), which is not part of pipeline ${where}; add that step to the pipeline's steps`);
      }
    }
    // Only steps of this pipeline are edges of its graph (the others are reported above).
    node.dependencies = [...new Set<PipelineStep>([...node.step.dependencies, ...refs.steps])].filter((d) => d !== node.step && nodes.has(d));
  }

  // 4b. What SageMaker would refuse in the arguments (types of references, enums, ranges), and JsonGet paths
  // against the shape their property file declares.
  for (const node of nodes.values()) {
    const refs = node.refs!;
    for (const p of checkArguments(node.step.stepType, node.rendered.Arguments, (get) => refs.references.get(get))) {
      problems.push(`${node.step.node.path}: step '${node.step.stepName}' ${p.path}: ${p.message}`);
    }
    for (const jsonGet of refs.jsonGets) {
      const problem = jsonGet._checkPath();
      if (problem) {
        const source = jsonGet.propertyFile ? `property file '${jsonGet.propertyFile.name}'` : `the document ${jsonGet._document.name}`;
        problems.push(`${node.step.node.path}: step '${node.step.stepName}' reads '${jsonGet.path}' from ${source}, ${problem}`);
      }
    }
  }
  // 4c. Dependencies across condition branches.
  const branchesOf = (step: PipelineStep): Array<{ condition: PipelineStep; branch: 'if' | 'else' }> => {
    const out: Array<{ condition: PipelineStep; branch: 'if' | 'else' }> = [];
    let placement = nodes.get(step)!.placement;
    while (placement.parent) {
      out.push({ condition: placement.parent, branch: placement.branch! });
      placement = nodes.get(placement.parent)!.placement;
    }
    return out;
  };
  for (const node of nodes.values()) {
    const step = node.step;
    for (const dep of step.dependencies) {
      if (dep.stepType === 'Condition') {
        problems.push(`${step.node.path}: step '${step.stepName}' lists condition step '${dep.stepName}' in dependsOn; SageMaker refuses a `
          + 'dependency on a condition step: depend on the steps of its branches, or put this step in a branch');
      }
      if (dep.stepType === 'Fail') {
        problems.push(`${step.node.path}: step '${step.stepName}' lists Fail step '${dep.stepName}' in dependsOn; a Fail step ends the execution, `
          + 'so this step could never run: depend on the steps before it, or remove the dependency');
      }
    }
    const own = branchesOf(step);
    const taken = new Map<PipelineStep, Set<string>>();
    for (const dep of node.dependencies) {
      for (const { condition, branch } of branchesOf(dep)) {
        if (own.some((b) => b.condition === condition && b.branch === branch)) {
          continue;
        }
        const mine = own.find((b) => b.condition === condition);
        if (mine) {
          problems.push(`${step.node.path}: step '${step.stepName}' is in the ${mine.branch}-branch of condition step '${condition.stepName}' `
            + `and uses step '${dep.stepName}' of its ${branch}-branch; only one branch runs, so it could never run: move one of them`);
          continue;
        }
        const branches = taken.get(condition) ?? new Set<string>();
        branches.add(branch);
        taken.set(condition, branches);
        if (branches.size === 2 && !branches.has('reported')) {
          branches.add('reported');
          problems.push(`${step.node.path}: step '${step.stepName}' uses steps of both branches of condition step '${condition.stepName}'; `
            + 'only one branch runs, so it could never run: put a copy of it in each branch, or depend on the steps before the condition');
        }
      }
    }
    for (const [condition, branches] of taken) {
      if (branches.size !== 1) {
        continue;
      }
      Annotations.of(step).addWarningV2('cdk-sagemaker-pipelines:branch-dependency',
        `step '${step.stepName}' uses a step of the ${[...branches][0]}-branch of condition step '${condition.stepName}': `
        + `it runs only in executions where '${condition.stepName}' takes that branch`);
    }
  }

  // 5. No cycles (a nested step also waits for its condition step).
  const edges = (step: PipelineStep): PipelineStep[] => {
    const node = nodes.get(step)!;
    return node.placement.parent ? [...node.dependencies, node.placement.parent] : node.dependencies;
  };
  const state = new Map<PipelineStep, 'visiting' | 'done'>();
  const stack: PipelineStep[] = [];
  const visit = (step: PipelineStep) => {
    if (state.get(step) === 'done') {
      return;
    }
    if (state.get(step) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(step)), step].map((s) => s.stepName);
      problems.push(`${step.node.path}: pipeline ${where} has a dependency cycle: ${cycle.join(' -> ')} (each step waits for the next); remove a dependsOn or a property reference to break it`);
      return;
    }
    state.set(step, 'visiting');
    stack.push(step);
    for (const dep of edges(step)) {
      visit(dep);
    }
    stack.pop();
    state.set(step, 'done');
  };
  for (const step of nodes.keys()) {
    visit(step);
  }

  // 6. Deterministic order of the top-level steps: dependencies first, then the order they were listed in.
  const topOf = (step: PipelineStep): PipelineStep => {
    let s = step;
    while (nodes.get(s)!.placement.parent) {
      s = nodes.get(s)!.placement.parent!;
    }
    return s;
  };
  const topDeps = new Map<PipelineStep, Set<PipelineStep>>();
  const subtree = (step: PipelineStep): PipelineStep[] => [step, ...step._nestedSteps().flat().flatMap(subtree)];
  for (const top of topLevel) {
    const deps = new Set<PipelineStep>();
    for (const member of subtree(top)) {
      for (const dep of nodes.get(member)!.dependencies) {
        const t = topOf(dep);
        if (t !== top) {
          deps.add(t);
        }
      }
    }
    topDeps.set(top, deps);
  }
  const order: PipelineStep[] = [];
  const placed = new Set<PipelineStep>();
  while (order.length < topLevel.length) {
    const next = topLevel.find((s) => !placed.has(s) && [...topDeps.get(s)!].every((d) => placed.has(d)));
    if (!next) {
      // Only possible through a cycle across branches, which step 5 reports; keep the listed order.
      order.push(...topLevel.filter((s) => !placed.has(s)));
      break;
    }
    order.push(next);
    placed.add(next);
  }

  // 7. Parameters: those given, then those used, each name once.
  const parameters: PipelineParameter[] = [];
  const addParameter = (p: PipelineParameter, user: string) => {
    const same = parameters.find((q) => q.name === p.name);
    if (!same) {
      parameters.push(p);
    } else if (same !== p && !same.sameDefinitionAs(p)) {
      problems.push(`${user}: parameter '${p.name}' is defined twice with different definitions (${JSON.stringify(same._renderDefinition())} and ${JSON.stringify(p._renderDefinition())}); use one PipelineParameter object`);
    }
  };
  for (const p of explicitParameters) {
    addParameter(p, where);
  }
  for (const step of nodes.keys()) {
    for (const p of nodes.get(step)!.refs!.parameters) {
      addParameter(p, step.node.path);
    }
  }

  // 8. The experiment config: values of the execution (or parameters), not of steps (it applies before any runs).
  const experimentContext = new RenderContext();
  const experiment = experimentConfig._render(experimentContext);
  for (const p of experimentContext.parameters) {
    addParameter(p, where);
  }
  if (experiment === null) {
    for (const node of nodes.values()) {
      const used = [...node.refs!.references.keys()].filter((r) => r.startsWith('PipelineExperimentConfig.'));
      if (used.length > 0) {
        problems.push(`${node.step.node.path}: step '${node.step.stepName}' reads ${used.join(', ')}, but the pipeline's experiment config is none(), `
          + 'so there is no experiment to read: give the pipeline an experiment config or remove the reference');
      }
    }
  }
  if (experimentContext.steps.size > 0) {
    const stepNames = [...experimentContext.steps].map((s) => s.stepName).join(', ');
    problems.push(`${where}: the experiment config refers to step ${stepNames}; `
      + 'experiment and trial names are set when the execution starts: use parameters, execution variables and literals');
  }

  const definition = {
    Version: DEFINITION_VERSION,
    Metadata: {},
    Parameters: parameters.map((p) => p._renderDefinition()),
    PipelineExperimentConfig: experiment,
    Steps: order.map((s) => nodes.get(s)!.rendered),
  };
  return { definition, nodes, order, parameters, problems: [...new Set(problems)] };
}
