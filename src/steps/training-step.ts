import { Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TrainingCode, TrainingCodeConfig } from '../code';
import { ContainerImage, ImageUsage } from '../container-image';
import { InstanceType } from '../instance-type';
import { NetworkConfig, renderVpcConfig } from './network';
import { asStringArgument, grantJob, grantJobKey, grantTrainingMetrics, jobStepProps } from './private/jobs';
import { CompressionType, DataDistribution, checkRange, renderEnvironment } from './processing-step';
import { JobStepOptions, PipelineStep, IPipelineHost, StepProperty, StepType } from './step';
import { grantS3Location } from '../shared/s3';
import { PipelineValue, ValueKind } from '../values/pipeline-value';

/** How a training channel is stored in S3. */
export enum S3DataType {
  /** Every object under the S3 URI, used as a prefix. */
  S3_PREFIX = 'S3Prefix',
  /** A manifest file that lists the objects. */
  MANIFEST_FILE = 'ManifestFile',
  /** An augmented manifest file. */
  AUGMENTED_MANIFEST_FILE = 'AugmentedManifestFile',
}

/** How a training job reads its data. */
export enum TrainingInputMode {
  /** Copied to the instance's volume before training starts. */
  FILE = 'File',
  /** Streamed. */
  PIPE = 'Pipe',
  /** Read through a file system interface, downloaded on access. */
  FAST_FILE = 'FastFile',
}

/** Record wrapping of a training channel. */
export enum RecordWrapperType {
  /** Not wrapped. */
  NONE = 'None',
  /** RecordIO. */
  RECORD_IO = 'RecordIO',
}

/** A data channel of a training job. */
export interface TrainingChannel {
  /** The channel's name (`train`, `validation`). */
  readonly channelName: string;
  /** The S3 URI of the data: a literal URI or a token (another step's `outputS3Uri(...)`, a parameter). */
  readonly s3Uri: string;
  /**
   * The MIME type of the data (`text/csv`).
   * @default - none
   */
  readonly contentType?: string;
  /**
   * Compression of the data.
   * @default CompressionType.NONE
   */
  readonly compression?: CompressionType;
  /**
   * How the data is stored in S3.
   * @default S3DataType.S3_PREFIX
   */
  readonly s3DataType?: S3DataType;
  /**
   * How the data is distributed to the instances.
   * @default DataDistribution.FULLY_REPLICATED
   */
  readonly distribution?: DataDistribution;
  /**
   * This channel's input mode.
   * @default - the job's input mode
   */
  readonly inputMode?: TrainingInputMode;
  /**
   * Record wrapping.
   * @default - none
   */
  readonly recordWrapperType?: RecordWrapperType;
  /**
   * A seed to shuffle the data with (File and Pipe modes, S3Prefix data).
   * @default - not shuffled
   */
  readonly shuffleSeed?: number;
}

/** A metric the job publishes, read from its logs with a regular expression. */
export interface MetricDefinition {
  /** The metric's name. */
  readonly name: string;
  /** The regular expression that finds the metric's value in the logs. */
  readonly regex: string;
}

/** What a training job runs: shared by training steps and the jobs a tuning step starts. */
export interface TrainingJobProps {
  /** The training image. */
  readonly image: ContainerImage;
  /**
   * Script mode: a training script and its source directory, run by the training toolkit of a SageMaker framework
   * image (scikit-learn, XGBoost, PyTorch, TensorFlow, Hugging Face). They are passed as the SDK's framework
   * estimators pass them, in the hyperparameters `sagemaker_program`, `sagemaker_submit_directory`,
   * `sagemaker_container_log_level` and `sagemaker_region`; all hyperparameters are then JSON-encoded as those
   * estimators encode them (`"0.2"`, `"\"binary:logistic\""`), which the toolkit decodes before passing them to
   * the script as `--name value` arguments.
   * @default - no script: the image runs its own algorithm (built-in algorithm mode)
   */
  readonly code?: TrainingCode;
  /**
   * How the job reads its data.
   * @default TrainingInputMode.FILE
   */
  readonly inputMode?: TrainingInputMode;
  /**
   * Hyperparameters. Values are rendered as strings, as SageMaker requires: numbers, booleans and pipeline
   * values of other types are converted.
   * @default - none
   */
  readonly hyperparameters?: { [name: string]: any };
  /**
   * The data channels.
   * @default - none
   */
  readonly channels?: TrainingChannel[];
  /**
   * Where the model artifacts are written.
   * @default - the pipeline's artifact bucket: `s3://<bucket>/<pipeline>/<execution id>/<step>/output`
   */
  readonly outputPath?: string;
  /**
   * The key that encrypts the model artifacts.
   * @default - the bucket's default encryption
   */
  readonly outputEncryptionKey?: kms.IKey;
  /**
   * The instance type.
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;
  /**
   * The number of instances.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * The size of each instance's storage volume.
   * @default Size.gibibytes(30)
   */
  readonly volumeSize?: Size;
  /**
   * The key that encrypts the storage volumes.
   * @default - SageMaker's default encryption
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * The longest the job may run.
   * @default Duration.days(1)
   */
  readonly maxRuntime?: Duration;
  /**
   * Train on Spot instances.
   * @default false
   */
  readonly useSpotInstances?: boolean;
  /**
   * With Spot instances: the longest to wait for them and run, at least `maxRuntime`.
   * @default - maxRuntime
   */
  readonly maxWaitTime?: Duration;
  /**
   * Where checkpoints are saved in S3.
   * @default - no checkpoints
   */
  readonly checkpointS3Uri?: string;
  /**
   * Where checkpoints are written in the container.
   * @default /opt/ml/checkpoints (SageMaker's default)
   */
  readonly checkpointLocalPath?: string;
  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Metrics the job publishes from its logs.
   * @default - none (built-in algorithms publish their own)
   */
  readonly metricDefinitions?: MetricDefinition[];
  /**
   * Network settings.
   * @default - no VPC, no isolation
   */
  readonly network?: NetworkConfig;
}

/** Properties of a `TrainingStepConstruct`. */
export interface TrainingStepConstructProps extends JobStepOptions, TrainingJobProps {}

const CHANNEL_NAME = /^[A-Za-z0-9.\-_]{1,64}$/;

/**
 * A step that runs a SageMaker training job.
 *
 * @example
 * const train = new TrainingStepConstruct(this, 'Train', {
 *   image: ContainerImage.xgboost('1.7-1'),
 *   hyperparameters: { objective: 'binary:logistic', num_round: 50 },
 *   channels: [{ channelName: 'train', s3Uri: prep.outputS3Uri('train'), contentType: 'text/csv' }],
 * });
 */
export class TrainingStepConstruct extends PipelineStep {
  /** The training image. */
  public readonly image: ContainerImage;
  private readonly props: TrainingStepConstructProps;
  private bound?: BoundTrainingJob;

  constructor(scope: Construct, id: string, props: TrainingStepConstructProps) {
    super(scope, id, StepType.TRAINING, props);
    this.props = jobStepProps(this, props, 'training');
    this.image = props.image;
    validateTrainingJob(this, props);
  }

  /** The S3 URI of the model artifacts (`model.tar.gz`), once the step has run. */
  public get modelArtifactsS3Uri(): string {
    return new StepProperty(this, 'ModelArtifacts.S3ModelArtifacts', ValueKind.STRING).valueAsString;
  }

  /** The name of the training job, once the step has run. */
  public get trainingJobName(): string {
    return this.propertyAsString('TrainingJobName');
  }

  /** The ARN of the training job, once the step has run. */
  public get trainingJobArn(): string {
    return this.propertyAsString('TrainingJobArn');
  }

  /**
   * The final value of a metric the job published (`FinalMetricDataList['<name>'].Value`), as a number token:
   * for `Condition.number*` or a number property.
   */
  public finalMetricValue(metricName: string): number {
    return new StepProperty(this, `FinalMetricDataList['${metricName}'].Value`, ValueKind.FLOAT).valueAsNumber;
  }

  protected get runsJob(): boolean {
    return true;
  }

  protected bind(pipeline: IPipelineHost): void {
    grantJob(this, pipeline, 'training-job', 'TrainingJob');
    this.bound = bindTrainingJob(this, this.props, pipeline);
  }

  protected renderArguments(): any {
    return renderTrainingJob(this, this.props, this.bound!);
  }
}

/** A training job's image and network, once bound. @internal */
export interface BoundTrainingJob {
  readonly imageUri: string;
  readonly vpcConfig?: any;
  readonly code?: TrainingCodeConfig;
}

/** The hyperparameters through which script mode tells the training toolkit what to run. */
const SCRIPT_MODE_HYPERPARAMETERS = ['sagemaker_program', 'sagemaker_submit_directory', 'sagemaker_container_log_level', 'sagemaker_region'];

/** Checks what a training job runs. @internal */
export function validateTrainingJob(scope: Construct, props: TrainingJobProps): void {
  const names = new Set<string>();
  for (const channel of props.channels ?? []) {
    if (!Token.isUnresolved(channel.channelName) && !CHANNEL_NAME.test(channel.channelName)) {
      throw new Error(`${scope.node.path}: invalid channel name '${channel.channelName}': expected 1 to 64 characters of A-Z, a-z, 0-9, '.', '-' and '_'`);
    }
    if (names.has(channel.channelName)) {
      throw new Error(`${scope.node.path}: two channels are named '${channel.channelName}'; channel names must be unique`);
    }
    names.add(channel.channelName);
    if (!Token.isUnresolved(channel.s3Uri) && !/^(s3|https):\/\/[^/]+/.test(channel.s3Uri)) {
      throw new Error(`${scope.node.path}: channel '${channel.channelName}' s3Uri is '${channel.s3Uri}'; expected an S3 URI such as s3://bucket/prefix`);
    }
  }
  if ((props.channels ?? []).length > 20) {
    throw new Error(`${scope.node.path}: ${props.channels!.length} channels; a training job takes at most 20`);
  }
  if (Object.keys(props.hyperparameters ?? {}).length > 100) {
    throw new Error(`${scope.node.path}: ${Object.keys(props.hyperparameters!).length} hyperparameters; a training job takes at most 100`);
  }
  if (props.code) {
    const reserved = Object.keys(props.hyperparameters ?? {}).filter((k) => SCRIPT_MODE_HYPERPARAMETERS.includes(k));
    if (reserved.length > 0) {
      const listed = reserved.map((r) => `'${r}'`).join(', ');
      throw new Error(`${scope.node.path}: hyperparameters ${listed} are set by the step's code (script mode); remove them from hyperparameters, `
        + 'or remove code to set them yourself');
    }
    if (Object.keys(props.hyperparameters ?? {}).length + SCRIPT_MODE_HYPERPARAMETERS.length > 100) {
      throw new Error(`${scope.node.path}: ${Object.keys(props.hyperparameters!).length} hyperparameters and the ${SCRIPT_MODE_HYPERPARAMETERS.length} of script mode; a training job takes at most 100`);
    }
  }
  for (const [name, value] of Object.entries(props.hyperparameters ?? {})) {
    if (value === undefined || value === null || (typeof value === 'object' && !(value instanceof PipelineValue))) {
      throw new Error(`${scope.node.path}: hyperparameter '${name}' is ${JSON.stringify(value)}; expected a string, number, boolean or pipeline value`);
    }
  }
  checkRange(scope, 'instanceCount', props.instanceCount, 1, 10000);
  if (props.volumeSize) {
    checkRange(scope, 'volumeSize (GiB)', props.volumeSize.toGibibytes(), 1, 16384);
  }
  if (props.maxWaitTime && !props.useSpotInstances) {
    throw new Error(`${scope.node.path}: maxWaitTime applies only to Spot training; set useSpotInstances: true or remove maxWaitTime`);
  }
  const maxRuntime = (props.maxRuntime ?? Duration.days(1)).toSeconds();
  if (props.maxWaitTime && !Token.isUnresolved(maxRuntime) && props.maxWaitTime.toSeconds() < maxRuntime) {
    throw new Error(`${scope.node.path}: maxWaitTime (${props.maxWaitTime.toSeconds()} s) is shorter than maxRuntime (${maxRuntime} s); it must be at least as long`);
  }
}

/** Grants what a training job reads and writes, and resolves its image. @internal */
export function bindTrainingJob(scope: Construct, props: TrainingJobProps, grantee: iam.IGrantable): BoundTrainingJob {
  const role = grantee;
  grantTrainingMetrics(role);
  const imageUri = props.image.bind(scope, ImageUsage.TRAINING, role).imageUri;
  for (const channel of props.channels ?? []) {
    grantS3Location(scope, role, channel.s3Uri, false, `channel '${channel.channelName}'`);
  }
  if (props.outputPath !== undefined) {
    grantS3Location(scope, role, props.outputPath, true, 'outputPath');
  }
  if (props.checkpointS3Uri !== undefined) {
    grantS3Location(scope, role, props.checkpointS3Uri, true, 'checkpointS3Uri');
  }
  grantJobKey(role, props.volumeEncryptionKey);
  grantJobKey(role, props.outputEncryptionKey);
  const vpcConfig = renderVpcConfig(scope, props.network, role);
  const code = props.code?.bind(scope, role);
  return { imageUri, vpcConfig, code };
}

/** The CreateTrainingJob request of a training job (without its name). @internal */
export function renderTrainingJob(step: PipelineStep, props: TrainingJobProps, bound: BoundTrainingJob): any {
  const pipeline = step.pipeline!;
  const hyperparameters: Record<string, any> = {};
  for (const [k, v] of Object.entries(props.hyperparameters ?? {})) {
    hyperparameters[k] = bound.code ? jsonEncodedHyperparameter(v) : asStringArgument(v);
  }
  if (bound.code) {
    hyperparameters.sagemaker_program = JSON.stringify(bound.code.entryPoint);
    hyperparameters.sagemaker_submit_directory = `"${bound.code.sourceArchiveS3Uri}"`;
    hyperparameters.sagemaker_container_log_level = '20';
    hyperparameters.sagemaker_region = `"${Stack.of(step).region}"`;
  }
  const channels = (props.channels ?? []).map((c) => ({
    ChannelName: c.channelName,
    DataSource: {
      S3DataSource: {
        S3DataType: c.s3DataType ?? S3DataType.S3_PREFIX,
        S3Uri: c.s3Uri,
        S3DataDistributionType: c.distribution ?? DataDistribution.FULLY_REPLICATED,
      },
    },
    ContentType: c.contentType,
    CompressionType: c.compression,
    RecordWrapperType: c.recordWrapperType,
    InputMode: c.inputMode,
    ShuffleConfig: c.shuffleSeed !== undefined ? { Seed: c.shuffleSeed } : undefined,
  }));
  const network = props.network;
  const maxRuntime = props.maxRuntime ?? Duration.days(1);
  return {
    AlgorithmSpecification: {
      TrainingImage: bound.imageUri,
      TrainingInputMode: props.inputMode ?? TrainingInputMode.FILE,
      MetricDefinitions: props.metricDefinitions?.map((m) => ({ Name: m.name, Regex: m.regex })),
    },
    HyperParameters: Object.keys(hyperparameters).length > 0 ? hyperparameters : undefined,
    InputDataConfig: channels.length > 0 ? channels : undefined,
    OutputDataConfig: {
      S3OutputPath: props.outputPath ?? pipeline.defaultOutputUri(step.stepName, 'output'),
      KmsKeyId: props.outputEncryptionKey?.keyArn,
    },
    ResourceConfig: {
      InstanceType: (props.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
      InstanceCount: props.instanceCount ?? 1,
      VolumeSizeInGB: (props.volumeSize ?? Size.gibibytes(30)).toGibibytes(),
      VolumeKmsKeyId: props.volumeEncryptionKey?.keyArn,
    },
    RoleArn: pipeline.role.roleArn,
    StoppingCondition: {
      MaxRuntimeInSeconds: maxRuntime.toSeconds(),
      ...(props.useSpotInstances ? { MaxWaitTimeInSeconds: (props.maxWaitTime ?? maxRuntime).toSeconds() } : {}),
    },
    EnableManagedSpotTraining: props.useSpotInstances ? true : undefined,
    CheckpointConfig: props.checkpointS3Uri ? { S3Uri: props.checkpointS3Uri, LocalPath: props.checkpointLocalPath } : undefined,
    Environment: renderEnvironment(props.environment),
    VpcConfig: bound.vpcConfig,
    EnableNetworkIsolation: network?.enableNetworkIsolation,
    EnableInterContainerTrafficEncryption: network?.encryptInterContainerTraffic,
  };
}

/**
 * A hyperparameter of a script-mode job, encoded as the SDK's framework estimators encode it: a literal as JSON
 * (`"\"binary:logistic\""`, `"0.2"`, `"true"`), a pipeline value as its string (the toolkit takes a value that is not
 * JSON as the string it is).
 */
function jsonEncodedHyperparameter(value: any): any {
  if (value instanceof PipelineValue) {
    return asStringArgument(value);
  }
  if (typeof value === 'string') {
    return PipelineValue.isPipelineToken(value) ? asStringArgument(value) : JSON.stringify(value);
  }
  if (typeof value === 'number' && Token.isUnresolved(value)) {
    return asStringArgument(value);
  }
  return JSON.stringify(value);
}
