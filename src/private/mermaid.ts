import type { BuiltGraph } from './graph';
import type { PipelineStep } from '../steps/step';

const SHAPES: Record<string, [string, string]> = {
  Processing: ['[', ']'],
  Training: ['[[', ']]'],
  Model: ['([', '])'],
  RegisterModel: ['[(', ')]'],
  Condition: ['{', '}'],
  Fail: ['>', ']'],
};

/** Text inside a Mermaid label: quotes and angle brackets as entities. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/**
 * The pipeline's DAG as a Mermaid flowchart: one node per step (its shape tells its type), solid arrows for data
 * dependencies, dotted arrows for explicit DependsOn, and labelled arrows from each condition to its branches.
 */
export function toMermaid(pipelineName: string, graph: BuiltGraph): string {
  const ids = new Map<PipelineStep, string>();
  const listed: PipelineStep[] = [];
  const list = (step: PipelineStep) => {
    ids.set(step, `s${listed.length}`);
    listed.push(step);
    step._nestedSteps().flat().forEach(list);
  };
  graph.order.forEach(list);

  const lines = ['flowchart TD', `  %% SageMaker pipeline ${pipelineName}`];
  for (const step of listed) {
    const [open, close] = SHAPES[step.stepType] ?? ['[', ']'];
    let text = `${label(step.stepName)}<br/><i>${step.stepType}</i>`;
    if (step.stepType === 'Condition') {
      const conditions = (step as any).conditions as Array<{ describe(): string }>;
      text = `${label(step.stepName)}<br/>${label(conditions.map((c) => c.describe()).join(' and '))}`;
    }
    lines.push(`  ${ids.get(step)}${open}"${text}"${close}`);
  }
  for (const step of listed) {
    const node = graph.nodes.get(step)!;
    const explicit = new Set(step.dependencies);
    for (const dep of node.dependencies) {
      const data = node.refs!.steps.has(dep);
      if (data) {
        lines.push(`  ${ids.get(dep)} --> ${ids.get(step)}`);
      }
      if (explicit.has(dep)) {
        lines.push(`  ${ids.get(dep)} -. dependsOn .-> ${ids.get(step)}`);
      }
    }
    step._nestedSteps().forEach((branch, i) => {
      for (const nested of branch) {
        lines.push(`  ${ids.get(step)} -- ${i === 0 ? 'if' : 'else'} --> ${ids.get(nested)}`);
      }
    });
  }
  return lines.join('\n') + '\n';
}
