export { PipelineValue, ValueKind } from './values/pipeline-value';
export * from './values/parameter';
export * from './values/execution-variable';
export * from './values/join';
export * from './values/property-file';
export * from './values/experiment-config';
export { Condition } from './values/condition';
export { PipelineStep, StepType, RetryExceptionType, RetryPolicy, CacheConfig, StepOptions, RetryableStepOptions, JobStepOptions, IPipelineHost } from './steps/step';
export { NetworkConfig } from './steps/network';
export {
  ProcessingStepConstruct, ProcessingStepConstructProps, ProcessingInput, ProcessingOutput, ProcessingS3DataType,
  InputMode, DataDistribution, CompressionType, S3UploadMode, ProcessingJobOptions,
} from './steps/processing-step';
export {
  TrainingStepConstruct, TrainingStepConstructProps, TrainingJobProps, TrainingChannel, MetricDefinition, S3DataType,
  TrainingInputMode, RecordWrapperType,
} from './steps/training-step';
export {
  QualityCheckStepConstruct, QualityCheckStepConstructProps, QualityCheckType, ModelProblemType, DatasetFormat, CsvFormatOptions,
  CheckStepOptions,
} from './steps/quality-check-step';
export {
  ClarifyCheckStepConstruct, ClarifyCheckStepConstructProps, ClarifyCheckType, ClarifyDatasetType, ClarifyDataConfig, BiasConfig,
  ClarifyModelConfig, ShapConfig, ClarifySegmentConfig, ClarifyFacet, ClarifyTextGranularity, ClarifyTextConfig, ClarifyImageModelType,
  ClarifyImageConfig, PdpConfig,
} from './steps/clarify-check-step';
export * from './steps/emr-step';
export * from './steps/auto-ml-step';
export * from './steps/custom-step';
export { ModelContainer } from './steps/model-container';
export * from './steps/create-model-step';
export * from './steps/register-model-step';
export * from './steps/condition-step';
export * from './steps/fail-step';
export * from './container-image';
export * from './code';
export * from './instance-type';
export * from './model-package-group';
export * from './pipeline';
export {
  ExecutionNotifications, ExecutionNotificationsOptions, ExecutionNotificationsProps, ExecutionStatusChangeOptions,
  PipelineExecutionStatus, PipelineStepStatus, StepStatusChangeOptions,
} from './notifications';
export * from './patterns/conditional-registration';
export * from './patterns/model-version';
export * from './patterns/ab-test-endpoint';
export * from './patterns/model-deployment-pipeline';
export {
  DryRunOptions, DryRunResult, DryRunCondition, DryRunConditionStep, DryRunOperand,
} from './dry-run';
export * from './steps/transform-step';
export { OutputParameter, OutputParameterType } from './steps/output-parameters';
export { LambdaStepConstruct, LambdaStepConstructProps } from './steps/lambda-step';
export * from './steps/callback-step';
export * from './steps/tuning-step';
export * from './steps/notebook-job-step';
export * from './regulated-account';
export * from './monitoring';
