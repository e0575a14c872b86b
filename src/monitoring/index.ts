export * from './baselines';
export * from './schedule';
export * from './monitor-base';
export * from './ground-truth';
export * from './data-quality-monitor';
export * from './model-quality-monitor';
export * from './model-bias-monitor';
export * from './model-explainability-monitor';
