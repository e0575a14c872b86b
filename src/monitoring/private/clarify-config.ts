import type { MonitorBase } from '../monitor-base';

/** The Clarify analysis config a bias or explainability monitor runs with; an error naming what is missing without it. */
export function requireAnalysisConfig(monitor: MonitorBase, kind: string, what: string): string {
  const config = monitor.baselineFiles.analysisConfigS3Uri;
  if (!config) {
    throw new Error(`${monitor.node.path}: a ${kind} monitor needs the Clarify analysis config (${what}): give baselines from a model `
      + `version registered with ${kind} drift baselines (MonitorBaselines.fromModelVersion), or MonitorBaselines.fromS3({ analysisConfigS3Uri, constraintsS3Uri })`);
  }
  return config;
}
