/**
 * Where each slot of `ModelMetrics` and `DriftCheckBaselines` goes in the register step's request:
 * [prop, the API's group, member], in the order the request writes them. The register step renders with these
 * tables, and the import command reads a definition back with the same ones.
 */
export type MetricSlot = readonly [prop: string, group: string, member: string];

export const MODEL_METRICS_SLOTS: readonly MetricSlot[] = [
  ['modelQualityStatistics', 'ModelQuality', 'Statistics'],
  ['modelQualityConstraints', 'ModelQuality', 'Constraints'],
  ['modelDataQualityStatistics', 'ModelDataQuality', 'Statistics'],
  ['modelDataQualityConstraints', 'ModelDataQuality', 'Constraints'],
  ['biasReport', 'Bias', 'Report'],
  ['biasPreTrainingReport', 'Bias', 'PreTrainingReport'],
  ['biasPostTrainingReport', 'Bias', 'PostTrainingReport'],
  ['explainabilityReport', 'Explainability', 'Report'],
];

export const DRIFT_CHECK_SLOTS: readonly MetricSlot[] = [
  ['modelQualityStatistics', 'ModelQuality', 'Statistics'],
  ['modelQualityConstraints', 'ModelQuality', 'Constraints'],
  ['modelDataQualityStatistics', 'ModelDataQuality', 'Statistics'],
  ['modelDataQualityConstraints', 'ModelDataQuality', 'Constraints'],
  ['biasConfigFile', 'Bias', 'ConfigFile'],
  ['biasPreTrainingConstraints', 'Bias', 'PreTrainingConstraints'],
  ['biasPostTrainingConstraints', 'Bias', 'PostTrainingConstraints'],
  ['explainabilityConstraints', 'Explainability', 'Constraints'],
  ['explainabilityConfigFile', 'Explainability', 'ConfigFile'],
];

/**
 * The request's groups from the slots' values: a group is written when any of its members is given (the members it
 * has are written, the others left out of the JSON).
 */
export function renderSlots(values: Record<string, any>, slots: readonly MetricSlot[], render: (v: any) => any): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [prop, group, member] of slots) {
    if (values[prop] !== undefined) {
      out[group] = out[group] ?? {};
      out[group][member] = render(values[prop]);
    }
  }
  return out;
}
