import { Size, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { InstanceType } from '../instance-type';
import { grantJob, grantJobKey, jobStepProps } from './private/jobs';
import { CompressionType, checkRange, renderEnvironment } from './processing-step';
import { JobStepOptions, PipelineStep, IPipelineHost, StepProperty, StepType } from './step';
import { S3DataType } from './training-step';
import { grantS3Location } from '../shared/s3';
import { ValueKind } from '../values/pipeline-value';

/** How a batch transform splits its input into records. */
export enum SplitType {
  /** Each object is one record. */
  NONE = 'None',
  /** One record per line. */
  LINE = 'Line',
  /** RecordIO records. */
  RECORD_IO = 'RecordIO',
  /** TFRecord records. */
  TF_RECORD = 'TFRecord',
}

/** How a batch transform assembles its output. */
export enum AssemblyType {
  /** As the model returns it. */
  NONE = 'None',
  /** One line per record. */
  LINE = 'Line',
}

/** How many records a batch transform sends per request. */
export enum BatchStrategy {
  /** As many as fit in the payload. */
  MULTI_RECORD = 'MultiRecord',
  /** One. */
  SINGLE_RECORD = 'SingleRecord',
}

/** Which data a batch transform joins to its output. */
export enum JoinSource {
  /** The input record is joined to its prediction. */
  INPUT = 'Input',
  /** Nothing is joined. */
  NONE = 'None',
}

/** The input of a batch transform. */
export interface TransformInput {
  /** The S3 URI of the data: a literal or a token (a processing step's `outputS3Uri(...)`, a parameter). */
  readonly s3Uri: string;
  /**
   * How the data is stored in S3.
   * @default S3DataType.S3_PREFIX
   */
  readonly s3DataType?: S3DataType;
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
   * How the data is split into records.
   * @default SplitType.NONE
   */
  readonly splitType?: SplitType;
}

/** Properties of a `TransformStepConstruct`. */
export interface TransformStepConstructProps extends JobStepOptions {
  /** The name of the model to run, for example a `CreateModelStepConstruct`'s `modelName`. */
  readonly modelName: string;
  /** The data to transform. */
  readonly input: TransformInput;
  /**
   * Where the results are written.
   * @default - the pipeline's artifact bucket: `s3://<bucket>/<pipeline>/<execution id>/<step>/output`
   */
  readonly outputPath?: string;
  /**
   * The MIME type of the results (`text/csv`).
   * @default - the model's
   */
  readonly accept?: string;
  /**
   * How the results are assembled.
   * @default AssemblyType.NONE
   */
  readonly assembleWith?: AssemblyType;
  /**
   * The key that encrypts the results.
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
   * The key that encrypts the instances' storage volumes.
   * @default - SageMaker's default encryption
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * How many requests each instance handles at once.
   * @default - SageMaker's choice
   */
  readonly maxConcurrentTransforms?: number;
  /**
   * The largest payload sent to the model (at most 100 MB).
   * @default - SageMaker's default (6 MB)
   */
  readonly maxPayload?: Size;
  /**
   * How many records are sent per request.
   * @default - SageMaker's choice
   */
  readonly batchStrategy?: BatchStrategy;
  /**
   * Environment variables of the container (at most 16).
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * A JSON path that selects the part of each input record sent to the model (`$[1:]`).
   * @default - the whole record
   */
  readonly inputFilter?: string;
  /**
   * A JSON path that selects the part of the joined result written out.
   * @default - the whole result
   */
  readonly outputFilter?: string;
  /**
   * What is joined to each prediction.
   * @default JoinSource.NONE
   */
  readonly joinSource?: JoinSource;
}

/**
 * A step that runs a batch transform job: a model's predictions over a data set in S3.
 *
 * @example
 * const transform = new TransformStepConstruct(this, 'BatchScore', {
 *   modelName: createModel.modelName,
 *   input: { s3Uri: prep.outputS3Uri('test'), contentType: 'text/csv', splitType: SplitType.LINE },
 * });
 */
export class TransformStepConstruct extends PipelineStep {
  private readonly props: TransformStepConstructProps;

  constructor(scope: Construct, id: string, props: TransformStepConstructProps) {
    super(scope, id, StepType.TRANSFORM, props);
    this.props = jobStepProps(this, props, 'transform');
    if (!Token.isUnresolved(props.input.s3Uri) && !/^(s3|https):\/\/[^/]+/.test(props.input.s3Uri)) {
      throw new Error(`${this.node.path}: input s3Uri is '${props.input.s3Uri}'; expected an S3 URI such as s3://bucket/prefix`);
    }
    if (props.outputPath !== undefined && !Token.isUnresolved(props.outputPath) && !/^(s3|https):\/\/[^/]+/.test(props.outputPath)) {
      throw new Error(`${this.node.path}: outputPath is '${props.outputPath}'; expected an S3 URI such as s3://bucket/prefix`);
    }
    checkRange(this, 'instanceCount', props.instanceCount, 1, 10000);
    if (props.maxPayload) {
      checkRange(this, 'maxPayload (MB)', props.maxPayload.toMebibytes(), 0, 100);
    }
    if (Object.keys(props.environment ?? {}).length > 16) {
      throw new Error(`${this.node.path}: ${Object.keys(props.environment!).length} environment variables; a transform job takes at most 16`);
    }
  }

  /** The S3 URI of the results, once the step has run. */
  public get outputS3Uri(): string {
    return new StepProperty(this, 'TransformOutput.S3OutputPath', ValueKind.STRING).valueAsString;
  }

  /** The name of the transform job, once the step has run. */
  public get transformJobName(): string {
    return this.propertyAsString('TransformJobName');
  }

  protected get runsJob(): boolean {
    return true;
  }

  protected bind(pipeline: IPipelineHost): void {
    const role = pipeline;
    grantJob(this, role, 'transform-job', 'TransformJob');
    grantS3Location(this, role, this.props.input.s3Uri, false, 'input');
    if (this.props.outputPath !== undefined) {
      grantS3Location(this, role, this.props.outputPath, true, 'outputPath');
    }
    grantJobKey(role, this.props.volumeEncryptionKey);
    grantJobKey(role, this.props.outputEncryptionKey);
  }

  protected renderArguments(): any {
    const props = this.props;
    const filters = props.inputFilter !== undefined || props.outputFilter !== undefined || props.joinSource !== undefined;
    return {
      ModelName: props.modelName,
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: props.input.s3DataType ?? S3DataType.S3_PREFIX, S3Uri: props.input.s3Uri } },
        ContentType: props.input.contentType,
        CompressionType: props.input.compression,
        SplitType: props.input.splitType,
      },
      TransformOutput: {
        S3OutputPath: props.outputPath ?? this.pipeline!.defaultOutputUri(this.stepName, 'output'),
        Accept: props.accept,
        AssembleWith: props.assembleWith,
        KmsKeyId: props.outputEncryptionKey?.keyArn,
      },
      TransformResources: {
        InstanceType: (props.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
        InstanceCount: props.instanceCount ?? 1,
        VolumeKmsKeyId: props.volumeEncryptionKey?.keyArn,
      },
      MaxConcurrentTransforms: props.maxConcurrentTransforms,
      MaxPayloadInMB: props.maxPayload?.toMebibytes(),
      BatchStrategy: props.batchStrategy,
      Environment: renderEnvironment(props.environment),
      DataProcessing: filters
        ? { InputFilter: props.inputFilter, OutputFilter: props.outputFilter, JoinSource: props.joinSource }
        : undefined,
    };
  }
}
