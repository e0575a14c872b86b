import { Duration, Size, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ProcessingCode, ProcessingCodeConfig } from '../code';
import { ContainerImage, ImageUsage } from '../container-image';
import { InstanceType } from '../instance-type';
import { NetworkConfig, renderVpcConfig } from './network';
import { asStringArgument, grantJob, grantJobKey, jobStepProps } from './private/jobs';
import { JobStepOptions, PipelineStep, IPipelineHost, StepProperty, StepType } from './step';
import { grantS3Location } from '../shared/s3';
import { ValueKind } from '../values/pipeline-value';
import { PropertyFile } from '../values/property-file';

/** How a processing input is stored in S3. */
export enum ProcessingS3DataType {
  /** Every object under the S3 URI, used as a prefix. */
  S3_PREFIX = 'S3Prefix',
  /** A manifest file that lists the objects. */
  MANIFEST_FILE = 'ManifestFile',
}

/** How a job reads its input. */
export enum InputMode {
  /** Copied to the instance's volume before the job starts. */
  FILE = 'File',
  /** Streamed. */
  PIPE = 'Pipe',
}

/** How input data is distributed to the instances of a job. */
export enum DataDistribution {
  /** Every instance gets all the data. */
  FULLY_REPLICATED = 'FullyReplicated',
  /** Each instance gets a share of the objects. */
  SHARDED_BY_S3_KEY = 'ShardedByS3Key',
}

/** Compression of input data (processing inputs in Pipe mode, training channels). */
export enum CompressionType {
  /** Not compressed. */
  NONE = 'None',
  /** Gzip. */
  GZIP = 'Gzip',
}

/** When a processing output is uploaded. */
export enum S3UploadMode {
  /** Once, when the job ends. */
  END_OF_JOB = 'EndOfJob',
  /** Continuously while the job runs. */
  CONTINUOUS = 'Continuous',
}

/** An input of a processing job. */
export interface ProcessingInput {
  /** The input's name, unique in the step. */
  readonly inputName: string;
  /**
   * The S3 URI to read: a literal `s3://` URI, or a token (a parameter's `valueAsString`, another step's
   * `outputS3Uri(...)`, `modelArtifactsS3Uri`, a bucket's `s3UrlForObject()`).
   */
  readonly source: string;
  /** Where the data is put in the container (under `/opt/ml/processing/`). */
  readonly destination: string;
  /**
   * How the input is stored in S3.
   * @default ProcessingS3DataType.S3_PREFIX
   */
  readonly s3DataType?: ProcessingS3DataType;
  /**
   * How the job reads the input.
   * @default InputMode.FILE
   */
  readonly inputMode?: InputMode;
  /**
   * How the data is distributed to the instances.
   * @default DataDistribution.FULLY_REPLICATED
   */
  readonly distribution?: DataDistribution;
  /**
   * Compression of the input (Pipe mode only).
   * @default CompressionType.NONE
   */
  readonly compression?: CompressionType;
}

/** An output of a processing job. */
export interface ProcessingOutput {
  /** The output's name, unique in the step: `outputS3Uri(name)` refers to it. */
  readonly outputName: string;
  /** The directory in the container (under `/opt/ml/processing/`) whose files are uploaded. */
  readonly source: string;
  /**
   * The S3 URI to upload to.
   * @default - the pipeline's artifact bucket: `s3://<bucket>/<pipeline>/<execution id>/<step>/<output>`
   */
  readonly destination?: string;
  /**
   * When the output is uploaded.
   * @default S3UploadMode.END_OF_JOB
   */
  readonly uploadMode?: S3UploadMode;
}

/** The cluster, limits, keys and network of a processing job (processing steps and check steps). */
export interface ProcessingJobOptions {
  /**
   * The instance type.
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;
  /**
   * The number of instances (1 to 100), or a parameter's `valueAsNumber`.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * The size of each instance's storage volume (1 to 16384 GiB).
   * @default Size.gibibytes(30)
   */
  readonly volumeSize?: Size;
  /**
   * The key that encrypts the storage volumes.
   * @default - SageMaker's default encryption
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * The key that encrypts the outputs in S3.
   * @default - the bucket's default encryption
   */
  readonly outputEncryptionKey?: kms.IKey;
  /**
   * The longest the job may run (at most 5 days).
   * @default - SageMaker's default (1 day)
   */
  readonly maxRuntime?: Duration;
  /**
   * Network settings.
   * @default - no VPC, no isolation
   */
  readonly network?: NetworkConfig;
}

/** Properties of a `ProcessingStepConstruct`. */
export interface ProcessingStepConstructProps extends JobStepOptions, ProcessingJobOptions {
  /** The container image the job runs. */
  readonly image: ContainerImage;
  /**
   * A script to run: it is mounted at `/opt/ml/processing/input/code/` and run by the entrypoint.
   * @default - no script: the image's own entrypoint (or `entrypoint`) runs
   */
  readonly code?: ProcessingCode;
  /**
   * The container's entrypoint.
   * @default - with `code`: `python3 <script>` for a `.py` file, `bash <script>` for `.sh` (with a requirements
   * file: `/bin/bash -c "cd <code dir> && python3 -m pip install -r <file> && exec python3 <script> \"$@\""`);
   * without: the image's
   */
  readonly entrypoint?: string[];
  /**
   * Arguments passed to the entrypoint (tokens of pipeline values allowed).
   * @default - none
   */
  readonly arguments?: string[];
  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * The job's inputs.
   * @default - none
   */
  readonly inputs?: ProcessingInput[];
  /**
   * The job's outputs.
   * @default - none
   */
  readonly outputs?: ProcessingOutput[];
  /**
   * JSON files written into outputs whose values later steps read with `JsonGet`.
   * @default - none
   */
  readonly propertyFiles?: PropertyFile[];
}

const LOCAL_ROOT = '/opt/ml/processing/';
const CODE_DIR = '/opt/ml/processing/input/code/';
const CODE_INPUT = 'code';

/**
 * A step that runs a SageMaker processing job: data preparation, evaluation, any script in a container.
 *
 * @example
 * const prep = new ProcessingStepConstruct(this, 'Preprocess', {
 *   image: ContainerImage.sklearn('1.2-1'),
 *   code: ProcessingCode.fromAsset('scripts/preprocess.py'),
 *   inputs: [{ inputName: 'input', source: inputData.valueAsString, destination: '/opt/ml/processing/input' }],
 *   outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }],
 * });
 */
export class ProcessingStepConstruct extends PipelineStep {
  /** The names of the step's outputs. */
  public readonly outputNames: string[];
  /** The property files the step writes. */
  public readonly propertyFiles: PropertyFile[];

  private readonly props: ProcessingStepConstructProps;
  private imageUri?: string;
  private code?: ProcessingCodeConfig;
  private vpcConfig?: any;

  constructor(scope: Construct, id: string, props: ProcessingStepConstructProps) {
    super(scope, id, StepType.PROCESSING, props);
    this.props = jobStepProps(this, props, 'processing');
    const inputs = props.inputs ?? [];
    const outputs = props.outputs ?? [];
    const inputNames = inputs.map((i) => i.inputName);
    if (props.code) {
      inputNames.push(CODE_INPUT);
    }
    this.checkUnique('input', inputNames, props.code ? ` ('${CODE_INPUT}' is the input of the step's code)` : '');
    this.checkUnique('output', outputs.map((o) => o.outputName), '');
    if (inputNames.length > 10) {
      throw new Error(`${this.node.path}: ${inputNames.length} inputs (with the code); a processing job takes at most 10`);
    }
    if (outputs.length > 10) {
      throw new Error(`${this.node.path}: ${outputs.length} outputs; a processing job takes at most 10`);
    }
    for (const input of inputs) {
      this.checkLocalPath(`input '${input.inputName}' destination`, input.destination);
      this.checkS3Uri(`input '${input.inputName}' source`, input.source);
    }
    for (const output of outputs) {
      this.checkLocalPath(`output '${output.outputName}' source`, output.source);
      if (output.destination !== undefined) {
        this.checkS3Uri(`output '${output.outputName}' destination`, output.destination);
      }
    }
    checkProcessingJob(this, props);
    this.outputNames = outputs.map((o) => o.outputName);
    this.propertyFiles = [];
    for (const file of props.propertyFiles ?? []) {
      this.addPropertyFile(file);
    }
  }

  /**
   * Attaches a property file: a JSON file the step writes into one of its outputs.
   */
  public addPropertyFile(file: PropertyFile): void {
    if (!this.outputNames.includes(file.outputName)) {
      throw new Error(`${this.node.path}: property file '${file.name}' is written to output '${file.outputName}', which step '${this.stepName}' does not have; its outputs are: ${this.outputNames.join(', ') || '(none)'}`);
    }
    if (this.propertyFiles.some((f) => f.name === file.name && f !== file)) {
      throw new Error(`${this.node.path}: two property files are named '${file.name}'; property file names must be unique in a step`);
    }
    file._attach(this);
    if (!this.propertyFiles.includes(file)) {
      this.propertyFiles.push(file);
    }
  }

  /**
   * The S3 URI of an output, once the step has run: `Steps.<Name>.ProcessingOutputConfig.Outputs['<name>'].S3Output.S3Uri`.
   */
  public outputS3Uri(outputName: string): string {
    if (!this.outputNames.includes(outputName)) {
      throw new Error(`${this.node.path}: step '${this.stepName}' has no output named '${outputName}'; its outputs are: ${this.outputNames.join(', ') || '(none)'}`);
    }
    return new StepProperty(this, `ProcessingOutputConfig.Outputs['${outputName}'].S3Output.S3Uri`, ValueKind.STRING).valueAsString;
  }

  /** The name of the processing job, once the step has run. */
  public get processingJobName(): string {
    return this.propertyAsString('ProcessingJobName');
  }

  /** The ARN of the processing job, once the step has run. */
  public get processingJobArn(): string {
    return this.propertyAsString('ProcessingJobArn');
  }

  protected get runsJob(): boolean {
    return true;
  }

  protected bind(pipeline: IPipelineHost): void {
    const role = pipeline;
    grantJob(this, role, 'processing-job', 'ProcessingJob');
    this.imageUri = this.props.image.bind(this, ImageUsage.TRAINING, role).imageUri;
    if (this.props.code) {
      this.code = this.props.code.bind(this, pipeline);
      if (this.code.requirementsFile && !this.props.entrypoint && this.props.network?.enableNetworkIsolation === true) {
        throw new Error(`${this.node.path}: the step's code installs ${this.code.requirementsFile} with pip before it runs, but network isolation `
          + 'leaves the container without network access, so the job would fail: vendor the packages into the code directory, '
          + 'use an image that has them, or turn network isolation off');
      }
    }
    for (const input of this.props.inputs ?? []) {
      grantS3Location(this, role, input.source, false, `input '${input.inputName}'`);
    }
    for (const output of this.props.outputs ?? []) {
      if (output.destination !== undefined) {
        grantS3Location(this, role, output.destination, true, `output '${output.outputName}'`);
      }
    }
    grantJobKey(role, this.props.volumeEncryptionKey);
    grantJobKey(role, this.props.outputEncryptionKey);
    this.vpcConfig = renderVpcConfig(this, this.props.network, role);
  }

  protected renderArguments(): any {
    const pipeline = this.pipeline!;
    const props = this.props;
    const inputs: any[] = (props.inputs ?? []).map((input) => ({
      InputName: input.inputName,
      AppManaged: false,
      S3Input: {
        S3Uri: input.source,
        LocalPath: input.destination,
        S3DataType: input.s3DataType ?? ProcessingS3DataType.S3_PREFIX,
        S3InputMode: input.inputMode ?? InputMode.FILE,
        S3DataDistributionType: input.distribution ?? DataDistribution.FULLY_REPLICATED,
        ...(input.compression ? { S3CompressionType: input.compression } : {}),
      },
    }));
    if (this.code) {
      inputs.push({
        InputName: CODE_INPUT,
        AppManaged: false,
        S3Input: {
          S3Uri: this.code.s3Uri,
          LocalPath: CODE_DIR.replace(/\/$/, ''),
          S3DataType: ProcessingS3DataType.S3_PREFIX,
          S3InputMode: InputMode.FILE,
          S3DataDistributionType: DataDistribution.FULLY_REPLICATED,
        },
      });
    }
    const outputs = (props.outputs ?? []).map((output) => ({
      OutputName: output.outputName,
      AppManaged: false,
      S3Output: {
        S3Uri: output.destination ?? pipeline.defaultOutputUri(this.stepName, output.outputName),
        LocalPath: output.source,
        S3UploadMode: output.uploadMode ?? S3UploadMode.END_OF_JOB,
      },
    }));
    return {
      ProcessingResources: renderProcessingResources(props),
      AppSpecification: {
        ImageUri: this.imageUri,
        ContainerEntrypoint: this.entrypoint(),
        ContainerArguments: props.arguments?.length ? props.arguments.map(asStringArgument) : undefined,
      },
      RoleArn: pipeline.role.roleArn,
      ProcessingInputs: inputs.length > 0 ? inputs : undefined,
      ProcessingOutputConfig: outputs.length > 0
        ? { Outputs: outputs, KmsKeyId: props.outputEncryptionKey?.keyArn }
        : undefined,
      StoppingCondition: props.maxRuntime ? { MaxRuntimeInSeconds: props.maxRuntime.toSeconds() } : undefined,
      Environment: renderEnvironment(props.environment),
      NetworkConfig: renderProcessingNetwork(props.network, this.vpcConfig),
    };
  }

  protected renderExtraFields(): Record<string, any> {
    if (this.propertyFiles.length === 0) {
      return {};
    }
    return { PropertyFiles: this.propertyFiles.map((f) => f._renderDefinition()) };
  }

  private entrypoint(): string[] | undefined {
    if (this.props.entrypoint) {
      return this.props.entrypoint.length > 0 ? this.props.entrypoint.map(asStringArgument) : undefined;
    }
    if (!this.code) {
      return undefined;
    }
    const entry = this.code.entryPoint;
    const runner = entry.endsWith('.sh') ? 'bash' : 'python3';
    if (!this.code.requirementsFile) {
      return [runner, `${CODE_DIR}${entry}`];
    }
    // The requirements are installed first, from the code directory (as the SDK's FrameworkProcessor does); the
    // step's arguments follow the command line ("$@": bash -c gives the arguments after its $0 to the command).
    const dir = CODE_DIR.replace(/\/$/, '');
    const command = `cd ${dir} && python3 -m pip install -r ${this.code.requirementsFile} && exec ${runner} ${entry} "$@"`;
    if (command.length > 256) {
      throw new Error(`${this.node.path}: the command that installs the requirements and runs '${entry}' is ${command.length} characters; `
        + 'an entrypoint element takes at most 256: use a shorter entry point or requirements file path');
    }
    return ['/bin/bash', '-c', command, entry];
  }

  private checkUnique(what: string, names: string[], hint: string): void {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) {
        throw new Error(`${this.node.path}: two ${what}s are named '${name}'${hint}; ${what} names must be unique in a step`);
      }
      seen.add(name);
    }
  }

  private checkLocalPath(what: string, value: string): void {
    if (Token.isUnresolved(value)) {
      return;
    }
    if (!value.startsWith(LOCAL_ROOT) || value.length <= LOCAL_ROOT.length) {
      throw new Error(`${this.node.path}: ${what} is '${value}'; expected a path under ${LOCAL_ROOT} (for example /opt/ml/processing/input)`);
    }
    if (value.startsWith(CODE_DIR.replace(/\/$/, '')) && this.props.code) {
      throw new Error(`${this.node.path}: ${what} '${value}' is where the step's code is mounted (${CODE_DIR}); choose another path`);
    }
  }

  private checkS3Uri(what: string, value: string): void {
    if (Token.isUnresolved(value)) {
      return;
    }
    if (!/^(s3|https):\/\/[^/]+/.test(value)) {
      throw new Error(`${this.node.path}: ${what} is '${value}'; expected an S3 URI such as s3://bucket/prefix`);
    }
  }
}

/** Checks the cluster and limits of a processing job against the API's ranges. @internal */
export function checkProcessingJob(scope: Construct, props: ProcessingJobOptions): void {
  checkRange(scope, 'instanceCount', props.instanceCount, 1, 100);
  if (props.volumeSize) {
    checkRange(scope, 'volumeSize (GiB)', props.volumeSize.toGibibytes(), 1, 16384);
  }
  if (props.maxRuntime) {
    checkRange(scope, 'maxRuntime (seconds)', props.maxRuntime.toSeconds(), 1, 777600);
  }
}

/** The `ProcessingResources` of a processing job. @internal */
export function renderProcessingResources(props: ProcessingJobOptions): any {
  return {
    ClusterConfig: {
      InstanceType: (props.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
      InstanceCount: props.instanceCount ?? 1,
      VolumeSizeInGB: (props.volumeSize ?? Size.gibibytes(30)).toGibibytes(),
      VolumeKmsKeyId: props.volumeEncryptionKey?.keyArn,
    },
  };
}

/** The `NetworkConfig` of a processing job, when any network setting is given. @internal */
export function renderProcessingNetwork(network: NetworkConfig | undefined, vpcConfig: any): any {
  if (!network || !(network.vpc || network.enableNetworkIsolation !== undefined || network.encryptInterContainerTraffic !== undefined)) {
    return undefined;
  }
  return {
    EnableInterContainerTrafficEncryption: network.encryptInterContainerTraffic ?? false,
    EnableNetworkIsolation: network.enableNetworkIsolation ?? false,
    VpcConfig: vpcConfig,
  };
}

/** Environment variables: values are strings in the API, so other kinds are stringified. @internal */
export function renderEnvironment(env: { [name: string]: string } | undefined): any {
  // Given empty renders empty (the SDK writes an empty Environment); not given is left out.
  if (!env) {
    return undefined;
  }
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(env)) {
    out[k] = asStringArgument(v);
  }
  return out;
}

/** Checks a number that may be a token against a range. @internal */
export function checkRange(scope: Construct, what: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${scope.node.path}: ${what} is ${value}; expected an integer from ${min} to ${max}`);
  }
}
