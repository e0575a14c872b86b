import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONTENT_PREFIX, uploadContentAddressed } from '../code';
import { ContainerImage, ImageUsage } from '../container-image';
import { InstanceType } from '../instance-type';
import { NetworkConfig, renderVpcConfig } from './network';
import { listSourceFiles, stageFiles } from '../shared/source-archive';
import { grantJob, grantJobKey, grantTrainingMetrics } from './private/jobs';
import { IPipelineHost, JobStepOptions, PipelineStep, StepType } from './step';
import { grantS3Location } from '../shared/s3';
import { NOTEBOOK_JOB } from '../shared/sdk-forms';

/** Properties of a `NotebookJobStepConstruct`. */
export interface NotebookJobStepConstructProps extends JobStepOptions {
  /**
   * The notebook to run: a local `.ipynb` file, uploaded at deploy time; with `stagedInputS3Uri`, the notebook's file
   * name in that prefix.
   */
  readonly inputNotebook: string;
  /**
   * An input already staged in S3 (the prefix holding the notebook, the initialization script and the dependencies, as
   * a notebook job uploads them): the job reads it, and nothing is uploaded. `inputNotebook` and
   * `initializationScript` are then file names in it, and `additionalDependencies` is not given.
   * @default - the step uploads the notebook, the script and the dependencies at deploy time
   */
  readonly stagedInputS3Uri?: string;
  /** The image: `ContainerImage.sagemakerDistribution()`, or any image with the notebook scheduler. */
  readonly image: ContainerImage;
  /** The Jupyter kernel that runs the notebook (for SageMaker Distribution: `python3`). */
  readonly kernelName: string;
  /**
   * The notebook job's name: it names the training job (sanitized: leading non-alphanumerics dropped, others turned
   * into '-') and the output notebook. Starts with a letter; letters, digits, '-' and '_'.
   * @default - the notebook's file name without extension, sanitized
   */
  readonly notebookJobName?: string;
  /** Parameters of the notebook (its `parameters` cell), rendered as the job's HyperParameters; values may be pipeline values. @default - none */
  readonly parameters?: { [name: string]: string };
  /** Environment variables of the job, besides the scheduler's `SM_*` ones. @default - none */
  readonly environment?: { [name: string]: string };
  /** A shell script run before the notebook (a local file, uploaded with it). @default - none */
  readonly initializationScript?: string;
  /** Files or folders the notebook needs, uploaded beside it. @default - none */
  readonly additionalDependencies?: string[];
  /** The instance type (a literal or a parameter's `valueAsString` through `InstanceType.of`). @default ml.m5.large */
  readonly instanceType?: InstanceType;
  /** The storage volume. @default 30 GiB */
  readonly volumeSize?: Size;
  /** The key of the storage volume. @default - SageMaker's */
  readonly volumeEncryptionKey?: kms.IKey;
  /** The key of the output in S3. @default - the bucket's default encryption */
  readonly s3EncryptionKey?: kms.IKey;
  /** Where the output notebook goes. @default - the pipeline's artifact bucket, under `<pipeline>/<execution>/<step>/notebook` */
  readonly outputPath?: string;
  /** VPC (subnets, security groups) of the job. @default - no VPC */
  readonly network?: NetworkConfig;
  /** Encrypts the traffic between the job's containers. @default true (as the SDK) */
  readonly encryptInterContainerTraffic?: boolean;
  /** Attempts of the training job itself (`RetryStrategy`), 1 to 30. @default 1 */
  readonly maxRetryAttempts?: number;
  /** The longest the job may run. @default 2 days (as the SDK) */
  readonly maxRuntime?: Duration;
  /** Tags of the job, before the scheduler's `sagemaker:*` tags. @default - none */
  readonly tags?: { [key: string]: string };
}

const SCHEDULER_ENTRYPOINT = NOTEBOOK_JOB.entrypoint;
const STAGED_CHANNEL = NOTEBOOK_JOB.stagedChannel;

/**
 * A notebook job (Type `Training`), as the SageMaker Python SDK's `NotebookJobStep` renders it: a training job on an
 * image with SageMaker's notebook scheduler (`ContainerEntrypoint: ["amazon_sagemaker_scheduler"]`), the notebook
 * and its files as the staged input channel, the scheduler's `SM_*` environment, notebook parameters as
 * HyperParameters, the SDK's `sagemaker:*` tags. The notebook, the initialization script and the dependencies are
 * uploaded at deploy time into the artifact bucket under a content-addressed prefix (as `ProcessingCode`), and the
 * pipeline waits for the upload.
 */
export class NotebookJobStepConstruct extends PipelineStep {
  /** The notebook job's name (sanitized, it is the training job's name). */
  public readonly jobName: string;
  /** The name of the output notebook (`<job name>.ipynb`). */
  public readonly outputNotebookName: string;
  private readonly props: NotebookJobStepConstructProps;
  private readonly notebookJobName: string;
  private bound?: { imageUri: string; stagedUri: string; outputPath: string; vpcConfig?: any };
  private roleArn?: string;

  constructor(scope: Construct, id: string, props: NotebookJobStepConstructProps) {
    super(scope, id, StepType.TRAINING, props);
    this.props = props;
    props.instanceType?._checkJobKind(this, 'training');
    const where = this.node.path;
    const staged = props.stagedInputS3Uri !== undefined;
    if (staged) {
      checkStagedInput(where, props);
    } else if (!props.inputNotebook.endsWith('.ipynb') || !fs.existsSync(props.inputNotebook) || !fs.statSync(props.inputNotebook).isFile()) {
      throw new Error(`${where}: inputNotebook '${props.inputNotebook}' is not a notebook file; expected the path of an existing .ipynb file`);
    }
    if (!props.kernelName || props.kernelName.trim() === '') {
      throw new Error(`${where}: kernelName is missing; give the Jupyter kernel that runs the notebook (python3 on SageMaker Distribution)`);
    }
    const script = props.initializationScript;
    if (!staged && script !== undefined && (!fs.existsSync(script) || !fs.statSync(script).isFile())) {
      throw new Error(`${where}: initializationScript '${props.initializationScript}' is not a file; expected the path of an existing shell script`);
    }
    for (const dep of props.additionalDependencies ?? []) {
      if (!fs.existsSync(dep)) {
        throw new Error(`${where}: additional dependency '${dep}' does not exist; expected the path of a file or folder`);
      }
    }
    this.notebookJobName = props.notebookJobName ?? sanitize(path.basename(props.inputNotebook, '.ipynb'));
    if (!/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(this.notebookJobName)) {
      throw new Error(`${where}: notebookJobName '${this.notebookJobName}' is not valid; expected a letter first, then letters, digits, '-' and '_' (e.g. churn-report)`);
    }
    this.jobName = sanitize(this.notebookJobName);
    if (this.jobName.length > 63) {
      throw new Error(`${where}: the training job name '${this.jobName}' (from notebookJobName) has ${this.jobName.length} characters; a training job name takes at most 63: shorten notebookJobName`);
    }
    this.outputNotebookName = `${this.jobName}.ipynb`;
    for (const name of Object.keys(props.parameters ?? {})) {
      if (name.length < 1 || name.length > 256 || /[\s]/.test(name)) {
        throw new Error(`${where}: notebook parameter '${name}' is not a name SageMaker takes (HyperParameters keys: 1 to 256 characters, no white space); e.g. learning_rate`);
      }
    }
    const retries = props.maxRetryAttempts ?? 1;
    if (!Number.isInteger(retries) || retries < 1 || retries > 30) {
      throw new Error(`${where}: maxRetryAttempts is ${retries}; expected a whole number from 1 to 30`);
    }
  }

  /** Where the output notebook is written: the job's output path (the S3 prefix of its output). */
  public get outputS3Uri(): string {
    return this.propertyAsString('OutputDataConfig.S3OutputPath');
  }

  /** The name of the training job that ran the notebook. */
  public get trainingJobName(): string {
    return this.propertyAsString('TrainingJobName');
  }

  protected get runsJob(): boolean {
    return true;
  }

  protected bind(pipeline: IPipelineHost): void {
    const props = this.props;
    // The job runs under the notebook job's name: Pipelines starts it with that TrainingJobName (the grant covers
    // the name and what may follow it; job ARNs are in lower case).
    grantJob(this, pipeline, 'training-job', 'TrainingJob', this.jobName.toLowerCase());
    const imageUri = props.image.bind(this, ImageUsage.TRAINING, pipeline).imageUri;

    const stagedUri = props.stagedInputS3Uri ?? this.uploadStagedInput(pipeline);
    if (props.stagedInputS3Uri !== undefined) {
      grantS3Location(this, pipeline, props.stagedInputS3Uri, false, 'stagedInputS3Uri');
    }

    const outputPath = props.outputPath ?? pipeline.defaultOutputUri(this.stepName, 'notebook');
    if (props.outputPath === undefined) {
      pipeline.artifactBucket.grantReadWrite(pipeline);
    }
    grantJobKey(pipeline, props.volumeEncryptionKey);
    grantJobKey(pipeline, props.s3EncryptionKey);
    grantTrainingMetrics(pipeline);
    const vpcConfig = renderVpcConfig(this, props.network, pipeline);
    this.bound = { imageUri, stagedUri, outputPath, vpcConfig };
    this.roleArn = pipeline.role.roleArn;
  }

  protected renderArguments(): any {
    const props = this.props;
    const bound = this.bound!;
    const region = Stack.of(this).region;
    return {
      TrainingJobName: this.jobName,
      RoleArn: this.roleArn,
      RetryStrategy: { MaximumRetryAttempts: props.maxRetryAttempts ?? 1 },
      StoppingCondition: { MaxRuntimeInSeconds: (props.maxRuntime ?? Duration.days(2)).toSeconds() },
      EnableInterContainerTrafficEncryption: props.encryptInterContainerTraffic ?? true,
      AlgorithmSpecification: { TrainingImage: bound.imageUri, TrainingInputMode: 'File', ContainerEntrypoint: [SCHEDULER_ENTRYPOINT] },
      InputDataConfig: [{
        ChannelName: STAGED_CHANNEL,
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: bound.stagedUri, S3DataDistributionType: 'FullyReplicated' } },
      }],
      OutputDataConfig: { S3OutputPath: bound.outputPath, KmsKeyId: props.s3EncryptionKey?.keyArn },
      ResourceConfig: {
        VolumeSizeInGB: (props.volumeSize ?? Size.gibibytes(30)).toGibibytes(),
        InstanceCount: 1,
        InstanceType: (props.instanceType ?? InstanceType.of('ml.m5.large')).toString(),
        VolumeKmsKeyId: props.volumeEncryptionKey?.keyArn,
      },
      VpcConfig: bound.vpcConfig,
      Tags: [
        ...Object.entries(props.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        { Key: `${NOTEBOOK_JOB.tagPrefix}name`, Value: this.notebookJobName },
        { Key: 'sagemaker:notebook-name', Value: path.basename(props.inputNotebook) },
        { Key: 'sagemaker:notebook-job-origin', Value: 'PIPELINE_STEP' },
        { Key: 'sagemaker:is-studio-archived', Value: 'false' },
      ],
      Environment: {
        ...props.environment,
        AWS_DEFAULT_REGION: region,
        SM_JOB_DEF_VERSION: '1.0',
        SM_ENV_NAME: 'sagemaker-default-env',
        SM_SKIP_EFS_SIMULATION: 'true',
        SM_EXECUTION_INPUT_PATH: `/opt/ml/input/data/${STAGED_CHANNEL}`,
        SM_KERNEL_NAME: props.kernelName,
        SM_INPUT_NOTEBOOK_NAME: path.basename(props.inputNotebook),
        SM_OUTPUT_NOTEBOOK_NAME: this.outputNotebookName,
        ...(props.initializationScript ? { SM_INIT_SCRIPT: path.basename(props.initializationScript) } : {}),
      },
      HyperParameters: props.parameters && Object.keys(props.parameters).length > 0 ? props.parameters : undefined,
    };
  }

  /** The staged input: the notebook, the initialization script and the dependencies, at a content-addressed prefix. */
  private uploadStagedInput(pipeline: IPipelineHost): string {
    const files = this.stagedFiles();
    const hash = crypto.createHash('sha256');
    for (const [name, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
      hash.update(name).update('\0').update(content).update('\0');
    }
    const prefix = `${CONTENT_PREFIX}/${hash.digest('hex').slice(0, 32)}/`;
    uploadContentAddressed(this, 'NotebookUpload', s3deploy.Source.asset(stageFiles(files)), pipeline, prefix);
    pipeline.artifactBucket.grantRead(pipeline, `${prefix}*`);
    return `s3://${pipeline.artifactBucket.bucketName}/${prefix}`;
  }

  /** The files of the staged input: the notebook and the script by their names, dependencies as the SDK uploads them. */
  private stagedFiles(): Record<string, Buffer> {
    const files: Record<string, Buffer> = {};
    const add = (name: string, file: string) => {
      if (files[name] !== undefined) {
        throw new Error(`${this.node.path}: two files of the notebook job are named '${name}'; the staged input holds one file per name`);
      }
      files[name] = fs.readFileSync(file);
    };
    add(path.basename(this.props.inputNotebook), this.props.inputNotebook);
    if (this.props.initializationScript) {
      add(path.basename(this.props.initializationScript), this.props.initializationScript);
    }
    for (const dep of this.props.additionalDependencies ?? []) {
      if (fs.statSync(dep).isDirectory()) {
        // A folder is uploaded under its own name (its files keep their relative paths), as the SDK uploads it.
        for (const rel of listSourceFiles(dep)) {
          add(`${path.basename(dep)}/${rel}`, path.join(dep, ...rel.split('/')));
        }
      } else {
        add(path.basename(dep), dep);
      }
    }
    return files;
  }
}

/** A staged input: file names in an S3 prefix, nothing local. */
function checkStagedInput(where: string, props: NotebookJobStepConstructProps): void {
  for (const [what, name] of [['inputNotebook', props.inputNotebook], ['initializationScript', props.initializationScript]] as const) {
    if (name !== undefined && (name.includes('/') || name.trim() === '')) {
      throw new Error(`${where}: ${what} '${name}' is not a file name; with stagedInputS3Uri it names a file of that prefix, e.g. report.ipynb`);
    }
  }
  if (!props.inputNotebook.endsWith('.ipynb')) {
    throw new Error(`${where}: inputNotebook '${props.inputNotebook}' is not a notebook; expected the name of an .ipynb file of the staged input`);
  }
  if (props.additionalDependencies !== undefined) {
    throw new Error(`${where}: additionalDependencies are uploaded by the step, but stagedInputS3Uri is given; put them in the staged input instead`);
  }
}

/** The SDK's job name from a notebook job name: leading non-alphanumerics dropped, other characters but '-' turned into '-'. */
function sanitize(name: string): string {
  return name.replace(/^[^a-zA-Z0-9]+/, '').replace(/[^a-zA-Z0-9-]/g, '-');
}
