import { Construct } from 'constructs';
import { ContainerImage, ImageUsage } from '../container-image';
import type { IModelPackageGroup } from '../model-package-group';
import { renderVpcConfig } from './network';
import { grantJob, grantJobKey, jobStepProps } from './private/jobs';
import {
  ProcessingJobOptions, checkProcessingJob, renderEnvironment, renderProcessingNetwork, renderProcessingResources,
} from './processing-step';
import { CacheConfig, IPipelineHost, PipelineStep, StepOptions, StepProperty, StepType } from './step';
import { grantS3Location } from '../shared/s3';
import { PipelineValue, ValueKind, literalOf } from '../values/pipeline-value';

/** What a quality check step checks. */
export enum QualityCheckType {
  /** Statistics and constraints of a dataset (Model Monitor's data quality). */
  DATA_QUALITY = 'DATA_QUALITY',
  /** The quality of a model's predictions against ground truth (Model Monitor's model quality). */
  MODEL_QUALITY = 'MODEL_QUALITY',
}

/** The machine learning problem a model quality check evaluates. */
export enum ModelProblemType {
  /** Two classes. */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** More than two classes. */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** A number. */
  REGRESSION = 'Regression',
}

/** Options of a CSV dataset. */
export interface CsvFormatOptions {
  /**
   * The first line is a header.
   * @default true
   */
  readonly header?: boolean;
  /**
   * Where the model's output columns are, for model quality: before (`START`) or after (`END`) the input columns.
   * @default 'START'
   */
  readonly outputColumnsPosition?: string;
}

/** The format of a dataset the Model Monitor analyzer reads (its `dataset_format`). */
export class DatasetFormat {
  /** CSV. */
  public static csv(options: CsvFormatOptions = {}): DatasetFormat {
    const position = options.outputColumnsPosition ?? 'START';
    if (!['START', 'END'].includes(position)) {
      throw new Error(`DatasetFormat.csv: outputColumnsPosition is '${position}'; expected START or END`);
    }
    return new DatasetFormat({ csv: { header: options.header ?? true, output_columns_position: position } });
  }

  /** JSON, one document per line (`lines: true`) or a single document. */
  public static json(lines: boolean = true): DatasetFormat {
    return new DatasetFormat({ json: { lines } });
  }

  /** Parquet. */
  public static parquet(): DatasetFormat {
    return new DatasetFormat({ parquet: {} });
  }

  /** The format as the analyzer's `dataset_format` environment variable takes it (JSON). */
  public readonly formatJson: string;

  private constructor(format: any) {
    this.formatJson = JSON.stringify(format);
  }
}

/** The pipeline's switches of a check step: literal booleans or Boolean parameters. */
export interface CheckStepOptions extends StepOptions {
  /**
   * Skip the drift check (the step still calculates the baseline): `PipelineValue.fromBoolean(true)` or a Boolean
   * parameter.
   * @default false
   */
  readonly skipCheck?: PipelineValue;
  /**
   * Use the newly calculated baseline for later drift checks (its properties `BaselineUsedForDriftCheck*` are then
   * the new files): `PipelineValue.fromBoolean(true)` or a Boolean parameter.
   * @default false
   */
  readonly registerNewBaseline?: PipelineValue;
  /**
   * Fail the step (and the execution) when the check finds a violation.
   * @default true
   */
  readonly failOnViolation?: PipelineValue;
  /**
   * The group whose latest approved version's drift-check baselines are checked against.
   * @default - none: the supplied baselines, or no check on the first run
   */
  readonly modelPackageGroup?: IModelPackageGroup;
  /**
   * Step caching.
   * @default - no caching
   */
  readonly cacheConfig?: CacheConfig;
}

/** Properties of a `QualityCheckStepConstruct`. */
export interface QualityCheckStepConstructProps extends CheckStepOptions, ProcessingJobOptions {
  /** Data quality or model quality. */
  readonly checkType: QualityCheckType;
  /**
   * The dataset to analyse: its S3 URI (a step's output, a parameter). For model quality, a dataset with the
   * model's predictions and the ground truth (a batch transform's output joined with its input).
   */
  readonly baselineDataset: string;
  /** The dataset's format. */
  readonly datasetFormat: DatasetFormat;
  /**
   * Where the statistics and constraints are written.
   * @default - the pipeline's artifact bucket: `s3://<bucket>/<pipeline>/<execution id>/<step>/quality_check_output`
   */
  readonly outputS3Uri?: string;
  /**
   * Model quality: the problem type.
   * @default - none (required for MODEL_QUALITY)
   */
  readonly problemType?: ModelProblemType;
  /**
   * Model quality: the column (or JSON path) of the model's prediction.
   * @default - none
   */
  readonly inferenceAttribute?: string;
  /**
   * Model quality, classification: the column of the predicted probability.
   * @default - none
   */
  readonly probabilityAttribute?: string;
  /**
   * Model quality: the column of the ground truth label.
   * @default - none (required for MODEL_QUALITY)
   */
  readonly groundTruthAttribute?: string;
  /**
   * Model quality, binary classification: the probability above which the prediction is the positive class.
   * @default - none
   */
  readonly probabilityThresholdAttribute?: number;
  /**
   * Data quality: the S3 URI of a record preprocessor script (Python) run on each record.
   * @default - none
   */
  readonly recordPreprocessorScript?: string;
  /**
   * The S3 URI of a post-analytics processor script (Python) run on the results.
   * @default - none
   */
  readonly postAnalyticsProcessorScript?: string;
  /**
   * Statistics to check against instead of the group's latest approved baseline (an S3 URI of a statistics.json,
   * often another check step's property).
   * @default - none
   */
  readonly suppliedBaselineStatistics?: string;
  /**
   * Constraints to check against (an S3 URI of a constraints.json).
   * @default - none
   */
  readonly suppliedBaselineConstraints?: string;
}

const INPUT_DIR = '/opt/ml/processing/input';
const OUTPUT_DIR = '/opt/ml/processing/output';
const DATASET_INPUT = 'baseline_dataset_input';
const RECORD_SCRIPT_INPUT = 'record_preprocessor_script_input';
const POST_SCRIPT_INPUT = 'post_analytics_processor_script_input';
const OUTPUT_NAME = 'quality_check_output';

/**
 * A step that calculates a data quality or model quality baseline with SageMaker Model Monitor's analyzer and checks
 * it against the previous baseline (drift check): Type `QualityCheck`, as the SageMaker Python SDK's
 * `QualityCheckStep` renders it. Its properties feed the register step's drift-check baselines and model metrics.
 *
 * @example
 * const dataQuality = new QualityCheckStepConstruct(this, 'DataQuality', {
 *   checkType: QualityCheckType.DATA_QUALITY,
 *   baselineDataset: prep.outputS3Uri('train'),
 *   datasetFormat: DatasetFormat.csv({ header: false }),
 *   modelPackageGroup: group,
 * });
 */
export class QualityCheckStepConstruct extends PipelineStep {
  /** What the step checks. */
  public readonly checkType: QualityCheckType;
  private readonly props: QualityCheckStepConstructProps;
  private imageUri?: string;
  private vpcConfig?: any;

  constructor(scope: Construct, id: string, props: QualityCheckStepConstructProps) {
    super(scope, id, StepType.QUALITY_CHECK, props);
    this.props = jobStepProps(this, props, 'processing');
    this.checkType = props.checkType;
    const where = this.node.path;
    const modelOnly = ['problemType', 'inferenceAttribute', 'probabilityAttribute', 'groundTruthAttribute', 'probabilityThresholdAttribute']
      .filter((k) => (props as any)[k] !== undefined);
    if (props.checkType === QualityCheckType.DATA_QUALITY) {
      if (modelOnly.length > 0) {
        throw new Error(`${where}: ${modelOnly.join(', ')} apply to a MODEL_QUALITY check; this is a DATA_QUALITY check`);
      }
    } else {
      if (props.problemType === undefined) {
        throw new Error(`${where}: a MODEL_QUALITY check needs problemType (BinaryClassification, MulticlassClassification or Regression)`);
      }
      if (props.groundTruthAttribute === undefined) {
        throw new Error(`${where}: a MODEL_QUALITY check needs groundTruthAttribute, the column of the true labels: without ground truth there is no model quality to measure`);
      }
      if (props.inferenceAttribute === undefined && props.probabilityAttribute === undefined) {
        throw new Error(`${where}: a MODEL_QUALITY check needs inferenceAttribute (the prediction) or probabilityAttribute (classification)`);
      }
      if (props.recordPreprocessorScript !== undefined) {
        throw new Error(`${where}: recordPreprocessorScript applies to a DATA_QUALITY check; this is a MODEL_QUALITY check`);
      }
    }
    checkCheckSwitches(this, props);
    checkProcessingJob(this, props);
  }

  /** The S3 URI of the statistics the step calculated, once it has run. */
  public get calculatedBaselineStatistics(): string {
    return new StepProperty(this, 'CalculatedBaselineStatistics', ValueKind.STRING).valueAsString;
  }

  /** The S3 URI of the constraints the step calculated, once it has run. */
  public get calculatedBaselineConstraints(): string {
    return new StepProperty(this, 'CalculatedBaselineConstraints', ValueKind.STRING).valueAsString;
  }

  /** The S3 URI of the statistics used for the drift check (the new ones with registerNewBaseline). */
  public get baselineUsedForDriftCheckStatistics(): string {
    return new StepProperty(this, 'BaselineUsedForDriftCheckStatistics', ValueKind.STRING).valueAsString;
  }

  /** The S3 URI of the constraints used for the drift check. */
  public get baselineUsedForDriftCheckConstraints(): string {
    return new StepProperty(this, 'BaselineUsedForDriftCheckConstraints', ValueKind.STRING).valueAsString;
  }

  protected bind(pipeline: IPipelineHost): void {
    const props = this.props;
    grantJob(this, pipeline, 'processing-job', 'ProcessingJob');
    this.imageUri = ContainerImage.modelMonitorAnalyzer().bind(this, ImageUsage.TRAINING, pipeline).imageUri;
    grantS3Location(this, pipeline, props.baselineDataset, false, 'baselineDataset');
    for (const [what, uri] of [
      ['recordPreprocessorScript', props.recordPreprocessorScript], ['postAnalyticsProcessorScript', props.postAnalyticsProcessorScript],
      ['suppliedBaselineStatistics', props.suppliedBaselineStatistics], ['suppliedBaselineConstraints', props.suppliedBaselineConstraints],
    ] as Array<[string, string | undefined]>) {
      if (uri !== undefined) {
        grantS3Location(this, pipeline, uri, false, what);
      }
    }
    if (props.outputS3Uri !== undefined) {
      grantS3Location(this, pipeline, props.outputS3Uri, true, 'outputS3Uri');
    }
    // With a group, the check reads the drift-check baselines of its latest approved version.
    props.modelPackageGroup?.grantRead(pipeline);
    grantJobKey(pipeline, props.volumeEncryptionKey);
    grantJobKey(pipeline, props.outputEncryptionKey);
    this.vpcConfig = renderVpcConfig(this, props.network, pipeline);
  }

  protected renderArguments(): any {
    const props = this.props;
    const pipeline = this.pipeline!;
    const scriptPath = (input: string, uri: string) => `${INPUT_DIR}/${input}/${uri.split('/').pop()}`;
    const inputs = [checkInput(DATASET_INPUT, props.baselineDataset)];
    const environment: Record<string, any> = {
      dataset_format: props.datasetFormat.formatJson,
      dataset_source: `${INPUT_DIR}/${DATASET_INPUT}`,
      output_path: OUTPUT_DIR,
      publish_cloudwatch_metrics: 'Disabled',
    };
    if (props.recordPreprocessorScript !== undefined) {
      inputs.push(checkInput(RECORD_SCRIPT_INPUT, props.recordPreprocessorScript));
      environment.record_preprocessor_script = scriptPath(RECORD_SCRIPT_INPUT, props.recordPreprocessorScript);
    }
    if (props.postAnalyticsProcessorScript !== undefined) {
      inputs.push(checkInput(POST_SCRIPT_INPUT, props.postAnalyticsProcessorScript));
      environment.post_analytics_processor_script = scriptPath(POST_SCRIPT_INPUT, props.postAnalyticsProcessorScript);
    }
    if (props.checkType === QualityCheckType.MODEL_QUALITY) {
      environment.analysis_type = 'MODEL_QUALITY';
      environment.problem_type = props.problemType;
      environment.inference_attribute = props.inferenceAttribute;
      environment.probability_attribute = props.probabilityAttribute;
      environment.ground_truth_attribute = props.groundTruthAttribute;
      const threshold = props.probabilityThresholdAttribute;
      environment.probability_threshold_attribute = threshold === undefined ? undefined : String(threshold);
    }
    return renderCheckJob(this, props, {
      imageUri: this.imageUri!,
      inputs,
      outputName: OUTPUT_NAME,
      outputS3Uri: props.outputS3Uri ?? pipeline.defaultOutputUri(this.stepName, OUTPUT_NAME),
      environment: renderEnvironment(dropUndefined(environment)),
      vpcConfig: this.vpcConfig,
    });
  }

  protected renderExtraFields(): Record<string, any> {
    const props = this.props;
    return {
      CheckType: props.checkType,
      ...renderCheckSwitches(props),
      SuppliedBaselineStatistics: props.suppliedBaselineStatistics ?? null,
      SuppliedBaselineConstraints: props.suppliedBaselineConstraints ?? null,
    };
  }

  protected get runsJob(): boolean {
    return true;
  }
}

/** A processing input of a quality check step, in File mode, fully replicated. */
function checkInput(name: string, s3Uri: string): any {
  return {
    InputName: name,
    AppManaged: false,
    S3Input: {
      S3Uri: s3Uri,
      LocalPath: `${INPUT_DIR}/${name}`,
      S3DataType: 'S3Prefix',
      S3InputMode: 'File',
      S3DataDistributionType: 'FullyReplicated',
    },
  };
}

function dropUndefined(env: Record<string, any>): Record<string, any> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

/** Checks the switches of a check step: Boolean values, and a supplied baseline only where a check runs. @internal */
export function checkCheckSwitches(
  scope: Construct, props: CheckStepOptions & { suppliedBaselineStatistics?: string; suppliedBaselineConstraints?: string },
): void {
  for (const [what, value] of [['skipCheck', props.skipCheck], ['registerNewBaseline', props.registerNewBaseline], ['failOnViolation', props.failOnViolation]] as Array<[string, PipelineValue | undefined]>) {
    if (value !== undefined && value.kind !== ValueKind.BOOLEAN && value.kind !== ValueKind.ANY) {
      throw new Error(`${scope.node.path}: ${what} is ${value.describe()}, a ${value.kind}; expected a Boolean: PipelineValue.fromBoolean(true) or a Boolean parameter`);
    }
  }
  const skip = props.skipCheck ? literalOf(props.skipCheck) : { isLiteral: true, value: false };
  const supplied = [props.suppliedBaselineStatistics, props.suppliedBaselineConstraints].some((s) => s !== undefined);
  if (supplied && skip.isLiteral && skip.value === true) {
    throw new Error(`${scope.node.path}: a supplied baseline is given, but skipCheck is true, so no check would ever use it; remove the baseline or let the check run`);
  }
}

/** The step-level switches of a check step, as the SDK writes them (an unset group is null). @internal */
export function renderCheckSwitches(props: CheckStepOptions): Record<string, any> {
  return {
    ModelPackageGroupName: props.modelPackageGroup?.modelPackageGroupName ?? null,
    SkipCheck: props.skipCheck ?? false,
    FailOnViolation: props.failOnViolation ?? true,
    RegisterNewBaseline: props.registerNewBaseline ?? false,
  };
}

/** What a check step's processing request is made of. @internal */
export interface CheckJobParts {
  readonly imageUri: string;
  readonly inputs: any[];
  readonly outputName: string;
  readonly outputS3Uri: string;
  /** When the output is uploaded (default: at the end of the job). */
  readonly outputUploadMode?: string;
  readonly environment?: any;
  readonly vpcConfig?: any;
}

/** The CreateProcessingJob request of a check step (without its name). @internal */
export function renderCheckJob(step: PipelineStep, props: ProcessingJobOptions, parts: CheckJobParts): any {
  return {
    ProcessingResources: renderProcessingResources(props),
    AppSpecification: { ImageUri: parts.imageUri },
    RoleArn: step.pipeline!.role.roleArn,
    ProcessingInputs: parts.inputs,
    ProcessingOutputConfig: {
      Outputs: [{
        OutputName: parts.outputName,
        AppManaged: false,
        S3Output: { S3Uri: parts.outputS3Uri, LocalPath: OUTPUT_DIR, S3UploadMode: parts.outputUploadMode ?? 'EndOfJob' },
      }],
      KmsKeyId: props.outputEncryptionKey?.keyArn,
    },
    StoppingCondition: props.maxRuntime ? { MaxRuntimeInSeconds: props.maxRuntime.toSeconds() } : undefined,
    Environment: parts.environment,
    NetworkConfig: renderProcessingNetwork(props.network, parts.vpcConfig),
  };
}
