import * as crypto from 'crypto';
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { uploadGeneratedFile, uploadGeneratedFileTo } from '../code';
import { ContainerImage, ImageUsage } from '../container-image';
import { InstanceType } from '../instance-type';
import { renderVpcConfig } from './network';
import { grantJob, grantJobKey, jobStepProps } from './private/jobs';
import { CompressionType, ProcessingJobOptions, checkProcessingJob } from './processing-step';
import {
  CheckStepOptions, checkCheckSwitches, renderCheckJob, renderCheckSwitches,
} from './quality-check-step';
import { IPipelineHost, PipelineStep, StepProperty, StepType } from './step';
import { bucketOfUri, grantS3Location, parseS3Uri } from '../shared/s3';
import { CLARIFY_JOB } from '../shared/sdk-forms';
import { PipelineValue, ValueKind } from '../values/pipeline-value';

/** What a clarify check step analyses. */
export enum ClarifyCheckType {
  /** Bias in the data, before training (pre-training bias metrics). */
  DATA_BIAS = 'DATA_BIAS',
  /** Bias in the model's predictions (post-training bias metrics; the model is served on a shadow endpoint). */
  MODEL_BIAS = 'MODEL_BIAS',
  /** Feature attributions of the model's predictions (SHAP; the model is served on a shadow endpoint). */
  MODEL_EXPLAINABILITY = 'MODEL_EXPLAINABILITY',
}

/** The MIME type of a Clarify dataset. */
export enum ClarifyDatasetType {
  /** CSV. */
  CSV = 'text/csv',
  /** JSON Lines. */
  JSON_LINES = 'application/jsonlines',
  /** JSON. */
  JSON = 'application/json',
  /** Parquet. */
  PARQUET = 'application/x-parquet',
  /** Images (computer vision explainability; the analysis is uploaded as it is written). */
  IMAGE = 'application/x-image',
}

/** A segment of the dataset on which Clarify computes the metrics separately (`segment_config`). */
export interface ClarifySegmentConfig {
  /** The column that defines the segments (name, or index as a string). */
  readonly nameOrIndex: string;
  /**
   * The segments: each a list of values (categorical column) or of intervals (`'[1, 4]'`, `'(5, 6]'`, continuous
   * column). The rows not covered by any make a `__default__` segment.
   */
  readonly segments: string[][];
  /**
   * A name for this segmentation.
   * @default - none
   */
  readonly configName?: string;
  /**
   * Display names of the segments: one per segment, or one more for the default segment.
   * @default - the segments' values
   */
  readonly displayAliases?: string[];
}

/** The dataset a clarify check analyses. */
export interface ClarifyDataConfig {
  /** The dataset's S3 URI (a step's output, a parameter). */
  readonly s3Uri: string;
  /**
   * The dataset's type.
   * @default - none: required unless the step reads your own `analysisConfigS3Uri`
   */
  readonly datasetType?: ClarifyDatasetType;
  /**
   * The target column (name, or index as a string): required for bias checks.
   * @default - none
   */
  readonly label?: string;
  /**
   * The column names.
   * @default - none (the dataset has a header, or columns are referred to by index)
   */
  readonly headers?: string[];
  /**
   * JSON and JSON Lines: the JMESPath of the features (required for JSON).
   * @default - none
   */
  readonly features?: string;
  /**
   * Where the analysis is written.
   * @default - the pipeline's artifact bucket: `s3://<bucket>/<pipeline>/<execution id>/<step>/analysis_result`
   */
  readonly outputS3Uri?: string;
  /**
   * Where `analysis_config.json` is written and read from: `<analysisConfigOutputS3Uri>/analysis_config.json`, and the
   * monitoring configuration under `<analysisConfigOutputS3Uri>/bias-monitoring-configuration/` (or
   * `model-explainability-monitoring-configuration/`), as the SDK's `s3_analysis_config_output_path`. A literal
   * `s3://bucket/prefix` or a deploy-time one (`bucket.s3UrlForObject('clarify')`); not a pipeline value: the file
   * is uploaded when the stack deploys. The pipeline's role may read what is uploaded there.
   * @default - the pipeline's artifact bucket, under a prefix named after the file's content
   */
  readonly analysisConfigOutputS3Uri?: string;
  /**
   * The dataset's compression.
   * @default CompressionType.NONE
   */
  readonly compressionType?: CompressionType;
  /**
   * The identifier column (name, or index as a string) that joins the dataset with the facet and predicted-label
   * datasets, or the files of a dataset whose local SHAP values are saved; not used in the analysis.
   * @default - none
   */
  readonly joinSource?: string;
  /**
   * A dataset holding the facet columns (CSV only), when the dataset has none.
   * @default - the facets are columns of the dataset
   */
  readonly facetDatasetS3Uri?: string;
  /**
   * The column names of the facet dataset.
   * @default - none
   */
  readonly facetHeaders?: string[];
  /**
   * A dataset holding the predicted labels (CSV only): Clarify reads them instead of querying the model.
   * @default - the model is queried
   */
  readonly predictedLabelDatasetS3Uri?: string;
  /**
   * The column names of the predicted-label dataset.
   * @default - none
   */
  readonly predictedLabelHeaders?: string[];
  /**
   * The column of the dataset that holds the predicted label (name, index as a string, or JMESPath): Clarify reads
   * it instead of querying the model. Not for images.
   * @default - none
   */
  readonly predictedLabel?: string;
  /**
   * Columns (names, or indices as strings) not sent to the model. Not for images.
   * @default - none
   */
  readonly excludedColumns?: string[];
  /**
   * Segments of the dataset on which the metrics are computed separately.
   * @default - none
   */
  readonly segments?: ClarifySegmentConfig[];
}

/** A sensitive column of a bias check. */
export interface ClarifyFacet {
  /** The column (name, or index as a string). */
  readonly nameOrIndex: string;
  /**
   * The values (or threshold) of the sensitive group.
   * @default - every value is a group
   */
  readonly valuesOrThreshold?: string[];
}

/** The sensitive group a bias check measures. */
export interface BiasConfig {
  /** The label values (or threshold) of the favorable outcome (`['1']`, `['>50K']`). */
  readonly labelValuesOrThreshold: string[];
  /**
   * The facet: the sensitive column (name or index as a string). Give this or `facets`.
   * @default - none
   */
  readonly facetName?: string;
  /**
   * The facet's values (or threshold) of the sensitive group.
   * @default - every value is a group
   */
  readonly facetValuesOrThreshold?: string[];
  /**
   * Several sensitive columns, each with its group, for metrics per facet. Give this or `facetName`.
   * @default - none
   */
  readonly facets?: ClarifyFacet[];
  /**
   * A column of subgroups for conditional demographic disparity.
   * @default - none
   */
  readonly groupName?: string;
}

/** The model a MODEL_BIAS or MODEL_EXPLAINABILITY check queries on a shadow endpoint. */
export interface ClarifyModelConfig {
  /** The model's name: a `CreateModelStepConstruct`'s `modelName`, or a literal. */
  readonly modelName: string;
  /**
   * The shadow endpoint's instance type.
   * @default InstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: InstanceType;
  /**
   * The shadow endpoint's instance count.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * The MIME type of the requests: `text/csv`, `application/jsonlines`, `application/json`, `image/jpeg`,
   * `image/jpg`, `image/png` or `application/x-npy`.
   * @default - the dataset's type
   */
  readonly contentType?: string;
  /**
   * The MIME type of the responses: `text/csv`, `application/jsonlines` or `application/json`.
   * @default - the request's type
   */
  readonly acceptType?: string;
  /**
   * How a request is built from records (JSON Lines and JSON requests, where it is required): with `$features`
   * (JSON Lines), or `$record` / `$records` (JSON), e.g. `{"instances": $records}`.
   * @default - none
   */
  readonly contentTemplate?: string;
  /**
   * How each record of a JSON request is built: `$features`, `$features_kvp`, or `"${name}"` per feature.
   * @default - none
   */
  readonly recordTemplate?: string;
  /**
   * Opaque information sent with each request (the `CustomAttributes` header), up to 1024 visible ASCII characters.
   * @default - none
   */
  readonly customAttributes?: string;
  /**
   * The prefix of the shadow endpoint's name.
   * @default - Clarify's
   */
  readonly endpointNamePrefix?: string;
  /**
   * The model to invoke on a multi-model endpoint.
   * @default - none
   */
  readonly targetModel?: string;
  /**
   * The predicted label (bias) or the scores (explainability) in the model's response: an index (as a string) or a
   * JMESPath.
   * @default - the response is the prediction
   */
  readonly predictedLabel?: string;
  /**
   * The predicted score(s) in the model's response (index as a string, or JMESPath).
   * @default - none
   */
  readonly probability?: string;
  /**
   * The probability above which a prediction is the positive label (a binary classifier that returns a score),
   * between 0 and 1.
   * @default - Clarify's (0.5)
   */
  readonly probabilityThreshold?: number;
  /**
   * The label of each score in the model's response (the highest score's label is the prediction; reports use them).
   * @default - none
   */
  readonly labelHeaders?: string[];
}

/** How text features are broken down for SHAP. */
export enum ClarifyTextGranularity {
  /** Tokens. */
  TOKEN = 'token',
  /** Sentences. */
  SENTENCE = 'sentence',
  /** Paragraphs. */
  PARAGRAPH = 'paragraph',
}

/** Text features of a SHAP analysis (natural language explainability). */
export interface ClarifyTextConfig {
  /** The unit SHAP values are computed for. */
  readonly granularity: ClarifyTextGranularity;
  /** The language (`english` or `en`, ..., `multi-language` or `xx`). */
  readonly language: string;
}

/** The kind of computer vision model a SHAP analysis explains. */
export enum ClarifyImageModelType {
  /** Image classification. */
  IMAGE_CLASSIFICATION = 'IMAGE_CLASSIFICATION',
  /** Object detection. */
  OBJECT_DETECTION = 'OBJECT_DETECTION',
}

/** Images of a SHAP analysis (computer vision explainability). */
export interface ClarifyImageConfig {
  /** The kind of model. */
  readonly modelType: ClarifyImageModelType;
  /**
   * The approximate number of segments (superpixels) of an image.
   * @default - Clarify's (20)
   */
  readonly numSegments?: number;
  /**
   * How features are extracted from the image.
   * @default - Clarify's (`segmentation`)
   */
  readonly featureExtractionMethod?: string;
  /**
   * How square the segments are (higher: more square), above 0.
   * @default - Clarify's (5)
   */
  readonly segmentCompactness?: number;
  /**
   * Object detection: the most objects shown.
   * @default - Clarify's (3)
   */
  readonly maxObjects?: number;
  /**
   * Object detection: the least intersection over union of a box to count, between 0 and 1.
   * @default - Clarify's (0.5)
   */
  readonly iouThreshold?: number;
  /**
   * Object detection: how much of the image outside the box is used, between 0 and 1.
   * @default - Clarify's (1)
   */
  readonly context?: number;
}

/** SHAP settings of a MODEL_EXPLAINABILITY check. */
export interface ShapConfig {
  /**
   * The S3 URI of a baseline file (the dataset's format, features only).
   * @default - Clarify computes one from the dataset (k-means or k-prototypes)
   */
  readonly baselineS3Uri?: string;
  /**
   * Baseline records given inline (one row per record).
   * @default - none
   */
  readonly baselineRecords?: any[];
  /**
   * The number of samples per record in the Kernel SHAP algorithm.
   * @default - Clarify chooses from the number of features
   */
  readonly numSamples?: number;
  /**
   * How the global attributions aggregate the local ones: `mean_abs`, `median` or `mean_sq`.
   * @default - Clarify's (`mean_abs`)
   */
  readonly aggMethod?: string;
  /**
   * Apply the logit function to the predictions.
   * @default false
   */
  readonly useLogit?: boolean;
  /**
   * Save the local (per record) SHAP values.
   * @default true
   */
  readonly saveLocalShapValues?: boolean;
  /**
   * The seed of the random generator, for results that repeat.
   * @default - none
   */
  readonly seed?: number;
  /**
   * The number of clusters of the computed baseline (not with a given baseline).
   * @default - Clarify's
   */
  readonly numClusters?: number;
  /**
   * Text features.
   * @default - none
   */
  readonly textConfig?: ClarifyTextConfig;
  /**
   * Images.
   * @default - none
   */
  readonly imageConfig?: ClarifyImageConfig;
  /**
   * The features (names, or indices as strings) to explain; not with text or images.
   * @default - all
   */
  readonly featuresToExplain?: string[];
}

/** Partial dependence plots of a MODEL_EXPLAINABILITY check. */
export interface PdpConfig {
  /**
   * The features (names, or indices as strings) to plot; required without SHAP.
   * @default - the top features by SHAP attribution
   */
  readonly features?: string[];
  /**
   * The number of buckets a numerical feature's range is divided into.
   * @default 15
   */
  readonly gridResolution?: number;
  /**
   * The number of top SHAP features plotted (when `features` is not given).
   * @default 10
   */
  readonly topKFeatures?: number;
}

/** Properties of a `ClarifyCheckStepConstruct`. */
export interface ClarifyCheckStepConstructProps extends CheckStepOptions, ProcessingJobOptions {
  /** Data bias, model bias, or model explainability. */
  readonly checkType: ClarifyCheckType;
  /** The dataset. */
  readonly data: ClarifyDataConfig;
  /**
   * The sensitive group (bias checks).
   * @default - none (required for DATA_BIAS and MODEL_BIAS)
   */
  readonly bias?: BiasConfig;
  /**
   * The model (MODEL_BIAS and MODEL_EXPLAINABILITY).
   * @default - none
   */
  readonly model?: ClarifyModelConfig;
  /**
   * SHAP settings (MODEL_EXPLAINABILITY).
   * @default - none (a MODEL_EXPLAINABILITY check needs shap, pdp or both)
   */
  readonly shap?: ShapConfig;
  /**
   * Partial dependence plots (MODEL_EXPLAINABILITY).
   * @default - none
   */
  readonly pdp?: PdpConfig;
  /**
   * The bias metrics to compute (`['CI', 'DPL']`).
   * @default - all
   */
  readonly biasMethods?: string[];
  /**
   * Constraints to check against (an S3 URI of an analysis constraints file).
   * @default - none
   */
  readonly suppliedBaselineConstraints?: string;
  /**
   * An analysis configuration you wrote (the S3 URI of its `analysis_config.json`): the job reads it instead of one the
   * step writes, and `bias`, `shap`, `pdp`, the model's endpoint settings and the data's columns are in that file, not
   * props (the model's name still goes at step level). The pipeline's role may read it. The step then has no
   * monitoring configuration of its own (`monitoringAnalysisConfigS3Uri`).
   * @default - the step writes the analysis configuration from its props
   */
  readonly analysisConfigS3Uri?: string;
  /**
   * A KMS key the uploaded analysis configurations are encrypted with (SSE-KMS), as the SDK's `kms_key`; the
   * pipeline's role may decrypt with it.
   * @default - the destination bucket's default encryption
   */
  readonly analysisConfigEncryptionKey?: kms.IKey;
}

const CONFIG_INPUT = CLARIFY_JOB.configInput;
const CONFIG_FILE = 'analysis_config.json';
const DATA_INPUT = CLARIFY_JOB.dataInput;
const OUTPUT_NAME = CLARIFY_JOB.output;
const AGG_METHODS = ['mean_abs', 'median', 'mean_sq'];
const CONTENT_TYPES = ['text/csv', 'application/jsonlines', 'application/json', 'image/jpeg', 'image/jpg', 'image/png', 'application/x-npy'];
const ACCEPT_TYPES = ['text/csv', 'application/jsonlines', 'application/json'];
/** The languages of Clarify's text explainability: names and their ISO 639-1 codes. */
const TEXT_LANGUAGES = (
  'chinese zh danish da dutch nl english en french fr german de greek el italian it japanese ja lithuanian lt '
  + 'multi-language xx polish pl portuguese pt romanian ro russian ru spanish es afrikaans af albanian sq arabic ar '
  + 'armenian hy basque eu bengali bn bulgarian bg catalan ca croatian hr czech cs estonian et finnish fi gujarati gu '
  + 'hebrew he hindi hi hungarian hu icelandic is indonesian id irish ga kannada kn kyrgyz ky latvian lv ligurian lij '
  + 'luxembourgish lb macedonian mk malayalam ml marathi mr nepali ne persian fa sanskrit sa serbian sr setswana tn '
  + 'sinhala si slovak sk slovenian sl swedish sv tagalog tl tamil ta tatar tt telugu te thai th turkish tr '
  + 'ukrainian uk urdu ur vietnamese vi yoruba yo').split(' ').concat(['norwegian bokmål', 'nb']);
/** Where the monitoring configuration goes under a given analysis config location, per kind (the SDK's names). */
const MONITORING_CONFIG_DIR = { bias: 'bias-monitoring-configuration', explainability: 'model-explainability-monitoring-configuration' };
/** The analysis config locations the app's steps write, by S3 key: two steps must not write the same file. */
const configLocations = new WeakMap<IConstruct, Map<string, string>>();

/**
 * A step that runs a SageMaker Clarify analysis — pre-training bias, post-training bias, or SHAP and partial
 * dependence explainability — and checks it against the previous baseline: Type `ClarifyCheck`, as the SageMaker
 * Python SDK's `ClarifyCheckStep` renders it. The analysis configuration (`analysis_config.json`, with every option
 * of the SDK's data, bias, model, SHAP and PDP configs) is written at synth time and uploaded when the stack deploys,
 * to the artifact bucket or where `data.analysisConfigOutputS3Uri` says; for the model checks, the model name goes
 * at step level (`ModelName`) and Clarify serves the model on a shadow endpoint.
 *
 * @example
 * const bias = new ClarifyCheckStepConstruct(this, 'DataBias', {
 *   checkType: ClarifyCheckType.DATA_BIAS,
 *   data: { s3Uri: prep.outputS3Uri('train'), datasetType: ClarifyDatasetType.CSV, label: 'target', headers },
 *   bias: { labelValuesOrThreshold: ['1'], facetName: 'age', facetValuesOrThreshold: ['40'] },
 * });
 */
export class ClarifyCheckStepConstruct extends PipelineStep {
  /** What the step analyses. */
  public readonly checkType: ClarifyCheckType;
  private readonly props: ClarifyCheckStepConstructProps;
  private imageUri?: string;
  private vpcConfig?: any;
  private configUri?: string;
  private monitoringConfigUri?: string;

  constructor(scope: Construct, id: string, props: ClarifyCheckStepConstructProps) {
    super(scope, id, StepType.CLARIFY_CHECK, props);
    this.props = jobStepProps(this, props, 'processing');
    this.checkType = props.checkType;
    checkCheckSwitches(this, props);
    checkProcessingJob(this, props);
    if (props.analysisConfigS3Uri !== undefined) {
      checkOwnConfig(this, props);
    } else {
      this.checkOwnProps(props);
    }
  }

  /** The S3 URI of the constraints the step calculated, once it has run. */
  public get calculatedBaselineConstraints(): string {
    return new StepProperty(this, 'CalculatedBaselineConstraints', ValueKind.STRING).valueAsString;
  }

  /** The S3 URI of the constraints used for the drift check. */
  public get baselineUsedForDriftCheckConstraints(): string {
    return new StepProperty(this, 'BaselineUsedForDriftCheckConstraints', ValueKind.STRING).valueAsString;
  }

  /**
   * The S3 URI of the monitoring analysis configuration (the bias or explainability config a monitoring schedule
   * uses): the `biasConfigFile` / `explainabilityConfigFile` of the register step's drift-check baselines. Known once
   * the step is part of a pipeline (it is uploaded when the stack deploys).
   */
  public get monitoringAnalysisConfigS3Uri(): string {
    if (this.props.analysisConfigS3Uri !== undefined) {
      throw new Error(`${this.node.path}: the step reads your analysis configuration (analysisConfigS3Uri), so it writes no monitoring configuration; `
        + 'give the register step your own monitoring config file');
    }
    if (!this.monitoringConfigUri) {
      throw new Error(`${this.node.path}: the monitoring analysis configuration is uploaded to the pipeline's artifact bucket; add the step to a pipeline first`);
    }
    return this.monitoringConfigUri;
  }

  /**
   * The S3 URI of the analysis configuration the Clarify job reads (`analysis_config.json`). Known once the step is
   * part of a pipeline.
   */
  public get analysisConfigS3Uri(): string {
    if (!this.configUri) {
      throw new Error(`${this.node.path}: the analysis configuration is uploaded when the step is part of a pipeline; add the step to a pipeline first`);
    }
    return this.configUri;
  }

  /** The analysis configuration the step writes (`analysis_config.json`), as JSON. */
  public analysisConfigJson(): string {
    if (this.props.analysisConfigS3Uri !== undefined) {
      throw new Error(`${this.node.path}: the step reads your analysis configuration (analysisConfigS3Uri '${this.props.analysisConfigS3Uri}'); it writes none`);
    }
    return JSON.stringify(this.analysisConfig());
  }

  /** The monitoring schedule's analysis configuration (the bias or the explainability config), as JSON. */
  public monitoringAnalysisConfigJson(): string {
    return JSON.stringify(this.monitoringAnalysisConfig());
  }

  protected bind(pipeline: IPipelineHost): void {
    const props = this.props;
    grantJob(this, pipeline, 'processing-job', 'ProcessingJob');
    this.imageUri = ContainerImage.clarify().bind(this, ImageUsage.TRAINING, pipeline).imageUri;
    grantS3Location(this, pipeline, props.data.s3Uri, false, 'data.s3Uri');
    const reads: Array<[string, string | undefined]> = [
      ['data.facetDatasetS3Uri', props.data.facetDatasetS3Uri],
      ['data.predictedLabelDatasetS3Uri', props.data.predictedLabelDatasetS3Uri],
      ['suppliedBaselineConstraints', props.suppliedBaselineConstraints],
      ['shap.baselineS3Uri', props.shap?.baselineS3Uri],
    ];
    for (const [what, uri] of reads) {
      if (uri !== undefined) {
        grantS3Location(this, pipeline, uri, false, what);
      }
    }
    if (props.data.outputS3Uri !== undefined) {
      grantS3Location(this, pipeline, props.data.outputS3Uri, true, 'data.outputS3Uri');
    }
    props.modelPackageGroup?.grantRead(pipeline);
    if (props.model) {
      // Clarify serves the model on an ephemeral shadow endpoint named sm-clarify-..., as the job's role.
      const stack = Stack.of(pipeline);
      pipeline.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: [
          'sagemaker:CreateEndpointConfig', 'sagemaker:DeleteEndpointConfig', 'sagemaker:DescribeEndpointConfig',
          'sagemaker:CreateEndpoint', 'sagemaker:DeleteEndpoint', 'sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint',
          'sagemaker:AddTags',
        ],
        resources: [
          stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: `${props.model.endpointNamePrefix ?? 'sm-clarify'}-*` }),
          stack.formatArn({ service: 'sagemaker', resource: 'endpoint-config', resourceName: `${props.model.endpointNamePrefix ?? 'sm-clarify'}-*` }),
        ],
      }));
    }
    grantJobKey(pipeline, props.volumeEncryptionKey);
    grantJobKey(pipeline, props.outputEncryptionKey);
    this.vpcConfig = renderVpcConfig(this, props.network, pipeline);
    if (props.analysisConfigS3Uri !== undefined) {
      grantS3Location(this, pipeline, props.analysisConfigS3Uri, false, 'analysisConfigS3Uri');
      this.configUri = props.analysisConfigS3Uri;
    } else {
      this.uploadConfigs(pipeline);
    }
  }

  protected renderArguments(): any {
    const props = this.props;
    const pipeline = this.pipeline!;
    const input = (name: string, s3Uri: string, localPath: string, compression: string) => ({
      InputName: name,
      AppManaged: false,
      S3Input: {
        S3Uri: s3Uri,
        LocalPath: localPath,
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
        S3DataDistributionType: 'FullyReplicated',
        S3CompressionType: compression,
      },
    });
    return renderCheckJob(this, props, {
      imageUri: this.imageUri!,
      inputs: [
        input(CONFIG_INPUT, this.configUri!, '/opt/ml/processing/input/config', CompressionType.NONE),
        input(DATA_INPUT, props.data.s3Uri, '/opt/ml/processing/input/data', props.data.compressionType ?? CompressionType.NONE),
      ],
      outputName: OUTPUT_NAME,
      outputS3Uri: props.data.outputS3Uri ?? pipeline.defaultOutputUri(this.stepName, OUTPUT_NAME),
      // Image analyses are uploaded as they are written (the SDK's ProcessingOutputHandler).
      outputUploadMode: props.data.datasetType === ClarifyDatasetType.IMAGE ? 'Continuous' : 'EndOfJob',
      vpcConfig: this.vpcConfig,
    });
  }

  protected renderExtraFields(): Record<string, any> {
    const props = this.props;
    return {
      CheckType: props.checkType,
      ...renderCheckSwitches(props),
      SuppliedBaselineConstraints: props.suppliedBaselineConstraints ?? null,
      ...(props.model ? { ModelName: props.model.modelName } : {}),
    };
  }

  protected get runsJob(): boolean {
    return true;
  }

  /**
   * Uploads the job's and the monitoring schedule's configurations: where the user said (the SDK's paths), or
   * content-addressed in the artifact bucket.
   */
  private uploadConfigs(pipeline: IPipelineHost): void {
    const key = this.props.analysisConfigEncryptionKey;
    const job = this.analysisConfigJson();
    const monitoring = this.monitoringAnalysisConfigJson();
    const where = this.props.data.analysisConfigOutputS3Uri;
    if (where === undefined) {
      this.configUri = uploadGeneratedFile(this, pipeline, 'AnalysisConfigUpload', CONFIG_FILE, job, key);
      this.monitoringConfigUri = uploadGeneratedFile(this, pipeline, 'MonitoringConfigUpload', CONFIG_FILE, monitoring, key);
      return;
    }
    const location = bucketOfUri(this, 'AnalysisConfigBucket', where)!;
    const prefix = location.key === '' ? '' : location.key.replace(/\/*$/, '/');
    this.claimConfigLocation(`${location.bucket.bucketName}/${prefix}${CONFIG_FILE}`);
    this.configUri = uploadGeneratedFileTo(this, pipeline, 'AnalysisConfigUpload', CONFIG_FILE, job,
      { bucket: location.bucket, prefix, encryptionKey: key });
    const dir = MONITORING_CONFIG_DIR[this.checkType === ClarifyCheckType.MODEL_EXPLAINABILITY ? 'explainability' : 'bias'];
    const hash = crypto.createHash('sha256').update(monitoring).digest('hex').slice(0, 32);
    this.monitoringConfigUri = uploadGeneratedFileTo(this, pipeline, 'MonitoringConfigUpload', CONFIG_FILE, monitoring,
      { bucket: location.bucket, prefix: `${prefix}${dir}/${hash}/`, encryptionKey: key });
  }

  /** Two steps that write `analysis_config.json` to one place would each run with the other's analysis. */
  private claimConfigLocation(objectKey: string): void {
    const root = this.node.root;
    const claims = configLocations.get(root) ?? new Map<string, string>();
    configLocations.set(root, claims);
    const other = claims.get(objectKey);
    if (other !== undefined && other !== this.node.path) {
      throw new Error(`${this.node.path}: data.analysisConfigOutputS3Uri '${this.props.data.analysisConfigOutputS3Uri}' is also the analysis config `
        + `location of ${other}; each writes analysis_config.json there and one would run with the other's analysis: give each check its own prefix`);
    }
    claims.set(objectKey, this.node.path);
  }

  /** The props the step writes its analysis configuration from. */
  private checkOwnProps(props: ClarifyCheckStepConstructProps): void {
    const where = this.node.path;
    const isBias = props.checkType !== ClarifyCheckType.MODEL_EXPLAINABILITY;
    const needsModel = props.checkType !== ClarifyCheckType.DATA_BIAS;
    if (props.data.datasetType === undefined) {
      throw new Error(`${where}: data.datasetType is missing; the analysis configuration the step writes names the dataset's type (or give your own analysisConfigS3Uri)`);
    }
    if (isBias && !props.bias) {
      throw new Error(`${where}: a ${props.checkType} check needs bias (the label values and the facet of the sensitive group)`);
    }
    if (isBias && props.data.label === undefined) {
      throw new Error(`${where}: a ${props.checkType} check needs data.label, the target column`);
    }
    if (!isBias && props.bias) {
      throw new Error(`${where}: bias applies to DATA_BIAS and MODEL_BIAS checks; this is a MODEL_EXPLAINABILITY check`);
    }
    if (needsModel && !props.model) {
      throw new Error(`${where}: a ${props.checkType} check needs model (the model Clarify serves on a shadow endpoint to get predictions)`);
    }
    if (!needsModel && props.model) {
      throw new Error(`${where}: model applies to MODEL_BIAS and MODEL_EXPLAINABILITY checks; a DATA_BIAS check analyses the data alone`);
    }
    if (props.checkType === ClarifyCheckType.MODEL_EXPLAINABILITY && !props.shap && !props.pdp) {
      throw new Error(`${where}: a MODEL_EXPLAINABILITY check needs shap (SHAP attributions), pdp (partial dependence plots) or both`);
    }
    for (const [what, value] of [['shap', props.shap], ['pdp', props.pdp]] as const) {
      if (props.checkType !== ClarifyCheckType.MODEL_EXPLAINABILITY && value) {
        throw new Error(`${where}: ${what} applies to a MODEL_EXPLAINABILITY check; this is a ${props.checkType} check`);
      }
    }
    if (props.bias) {
      checkBias(where, props.bias);
    }
    checkData(where, props.data);
    if (props.model) {
      checkModel(where, props.model, props.data.datasetType);
    }
    if (props.shap) {
      this.checkShap(props.shap);
    }
    if (props.pdp) {
      checkPdp(where, props.pdp, props.shap !== undefined);
    }
    this.analysisConfig(); // throws now on what cannot be rendered
  }

  private checkShap(shap: ShapConfig): void {
    const where = this.node.path;
    if (shap.baselineS3Uri !== undefined && shap.baselineRecords !== undefined) {
      throw new Error(`${where}: shap has both baselineS3Uri and baselineRecords; give one`);
    }
    if (shap.aggMethod !== undefined && !AGG_METHODS.includes(shap.aggMethod)) {
      throw new Error(`${where}: shap aggMethod is '${shap.aggMethod}'; expected one of: ${AGG_METHODS.join(', ')}`);
    }
    checkCount(where, 'shap numSamples', shap.numSamples, 1);
    checkCount(where, 'shap numClusters', shap.numClusters, 1);
    checkCount(where, 'shap seed', shap.seed, 0);
    if (shap.numClusters !== undefined && (shap.baselineS3Uri !== undefined || shap.baselineRecords !== undefined)) {
      throw new Error(`${where}: shap has a baseline and numClusters; numClusters sizes the baseline Clarify computes when none is given: give one`);
    }
    if (shap.featuresToExplain !== undefined && (shap.textConfig || shap.imageConfig)) {
      throw new Error(`${where}: shap featuresToExplain is not supported with text or image features; remove it or the text/image config`);
    }
    if (shap.textConfig && !TEXT_LANGUAGES.includes(shap.textConfig.language.toLowerCase())) {
      throw new Error(`${where}: shap textConfig language is '${shap.textConfig.language}'; expected a language Clarify supports, by name or `
        + 'ISO 639-1 code (english or en, german or de, multi-language or xx, ...)');
    }
    if (shap.textConfig && shap.saveLocalShapValues === false) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:clarify-text-global-shap',
        'shap.saveLocalShapValues is false with text features: Clarify does not aggregate text SHAP values globally, so the analysis will hold '
        + 'no text explanation; set it to true to inspect the local ones');
    }
    const image = shap.imageConfig;
    if (image) {
      checkCount(where, 'shap imageConfig numSegments', image.numSegments, 1);
      checkCount(where, 'shap imageConfig maxObjects', image.maxObjects, 1);
      if (image.segmentCompactness !== undefined && !(image.segmentCompactness > 0)) {
        throw new Error(`${where}: shap imageConfig segmentCompactness is ${image.segmentCompactness}; expected a number above 0`);
      }
      for (const [what, value] of [['iouThreshold', image.iouThreshold], ['context', image.context]] as const) {
        checkFraction(where, `shap imageConfig ${what}`, value);
      }
      if (image.modelType !== ClarifyImageModelType.OBJECT_DETECTION && (image.maxObjects ?? image.iouThreshold ?? image.context) !== undefined) {
        throw new Error(`${where}: shap imageConfig maxObjects, iouThreshold and context apply to OBJECT_DETECTION models; this is ${image.modelType}`);
      }
    }
    if (shap.textConfig && shap.imageConfig) {
      throw new Error(`${where}: shap has both textConfig and imageConfig; a dataset holds text features or images, give one`);
    }
  }

  /** The dataset's part of the analysis configuration, as the SDK's DataConfig writes it. */
  private dataPart(): Record<string, any> {
    const data = this.props.data;
    const config: Record<string, any> = {
      dataset_type: data.datasetType,
      ...definedAs(data, {
        features: 'features',
        headers: 'headers',
        label: 'label',
        joinSource: 'joinsource_name_or_index',
        facetDatasetS3Uri: 'facet_dataset_uri',
        facetHeaders: 'facet_headers',
        predictedLabelDatasetS3Uri: 'predicted_label_dataset_uri',
        predictedLabelHeaders: 'predicted_label_headers',
        predictedLabel: 'predicted_label',
        excludedColumns: 'excluded_columns',
      }),
    };
    set(config, 'segment_config', data.segments?.map((seg) => ({
      name_or_index: seg.nameOrIndex,
      segments: seg.segments.map((values) => values.map(asNumberIfNumeric)),
      ...(seg.configName ? { config_name: seg.configName } : {}),
      ...(seg.displayAliases?.length ? { display_aliases: seg.displayAliases } : {}),
    })));
    return config;
  }

  /** The bias part (the SDK's BiasConfig). */
  private biasPart(): Record<string, any> {
    const bias = this.props.bias!;
    const facets: ClarifyFacet[] = bias.facets ?? [{ nameOrIndex: bias.facetName!, valuesOrThreshold: bias.facetValuesOrThreshold }];
    const config: Record<string, any> = {
      label_values_or_threshold: bias.labelValuesOrThreshold.map(asNumberIfNumeric),
      facet: facets.map((f) => ({
        name_or_index: f.nameOrIndex,
        ...(f.valuesOrThreshold ? { value_or_threshold: f.valuesOrThreshold.map(asNumberIfNumeric) } : {}),
      })),
    };
    set(config, 'group_variable', bias.groupName);
    return config;
  }

  /** The endpoint Clarify serves the model on (the SDK's ModelConfig, without the model name). */
  private modelPredictor(): Record<string, any> {
    const model = this.props.model!;
    return {
      instance_type: (model.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
      initial_instance_count: model.instanceCount ?? 1,
      ...definedAs(model, {
        endpointNamePrefix: 'endpoint_name_prefix',
        acceptType: 'accept_type',
        contentType: 'content_type',
        contentTemplate: 'content_template',
        recordTemplate: 'record_template',
        customAttributes: 'custom_attributes',
        targetModel: 'target_model',
      }),
    };
  }

  /** The predictor with where the prediction is in the response (the SDK's ModelPredictedLabelConfig). */
  private predictor(): Record<string, any> {
    const model = this.props.model!;
    const predictor = this.modelPredictor();
    set(predictor, 'label', model.predictedLabel === undefined ? undefined : asNumberIfNumeric(model.predictedLabel));
    set(predictor, 'probability', model.probability === undefined ? undefined : asNumberIfNumeric(model.probability));
    set(predictor, 'label_headers', model.labelHeaders);
    return predictor;
  }

  /** The explainability methods: SHAP, partial dependence plots, or both. */
  private explainabilityMethods(): Record<string, any> {
    const { shap, pdp } = this.props;
    const methods: Record<string, any> = {};
    if (shap) {
      const config: Record<string, any> = {
        use_logit: shap.useLogit ?? false,
        save_local_shap_values: shap.saveLocalShapValues ?? true,
        ...definedAs(shap, { numSamples: 'num_samples', aggMethod: 'agg_method', seed: 'seed', numClusters: 'num_clusters' }),
      };
      set(config, 'baseline', shap.baselineS3Uri ?? shap.baselineRecords);
      if (shap.textConfig) {
        config.text_config = { granularity: shap.textConfig.granularity, language: shap.textConfig.language };
      }
      const image = shap.imageConfig;
      if (image) {
        config.image_config = {
          model_type: image.modelType,
          ...definedAs(image, {
            numSegments: 'num_segments',
            featureExtractionMethod: 'feature_extraction_method',
            segmentCompactness: 'segment_compactness',
            maxObjects: 'max_objects',
            iouThreshold: 'iou_threshold',
            context: 'context',
          }),
        };
      }
      set(config, 'features_to_explain', shap.featuresToExplain);
      methods.shap = config;
    }
    if (pdp) {
      methods.pdp = { grid_resolution: pdp.gridResolution ?? 15, top_k_features: pdp.topKFeatures ?? 10 };
      set(methods.pdp, 'features', pdp.features);
    }
    return methods;
  }

  /** The job's analysis configuration, as the SDK writes it (the model's name is at step level, not here). */
  private analysisConfig(): Record<string, any> {
    const props = this.props;
    const config = this.dataPart();
    const methods = props.biasMethods ?? 'all';
    switch (props.checkType) {
      case ClarifyCheckType.DATA_BIAS:
        Object.assign(config, this.biasPart());
        config.methods = { pre_training_bias: { methods } };
        break;
      case ClarifyCheckType.MODEL_BIAS:
        Object.assign(config, this.biasPart());
        config.methods = { post_training_bias: { methods } };
        config.predictor = this.predictor();
        break;
      default:
        config.methods = this.explainabilityMethods();
        config.predictor = this.predictor();
    }
    set(config, 'probability_threshold', props.model?.probabilityThreshold);
    config.methods.report = REPORT;
    if (PipelineValue.isPipelineToken(JSON.stringify(config))) {
      throw new Error(`${this.node.path}: the analysis configuration holds a pipeline value; it is a file written at synth time: give literal columns, labels and settings`);
    }
    return config;
  }

  /**
   * The monitoring schedule's analysis configuration: the bias config with the headers and label, or the
   * explainability methods with the endpoint and the feature headers (the label left out), as the SDK writes them.
   */
  private monitoringAnalysisConfig(): Record<string, any> {
    const data = this.props.data;
    if (this.props.checkType === ClarifyCheckType.MODEL_EXPLAINABILITY) {
      const headers = data.headers?.filter((h) => h !== data.label);
      return { methods: this.explainabilityMethods(), predictor: this.modelPredictor(), ...(headers ? { headers } : {}) };
    }
    const config = this.biasPart();
    set(config, 'headers', data.headers);
    set(config, 'label', data.label);
    return config;
  }
}

const REPORT = { name: 'report', title: 'Analysis Report' };

/** Clarify reads label and facet values as numbers when they are numbers. */
function asNumberIfNumeric(value: string): string | number {
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/** The given (defined) props of `source`, under the analysis configuration's names (the SDK's `_set` of each). */
function definedAs<T extends object>(source: T, names: Partial<Record<keyof T, string>>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [prop, key] of Object.entries(names) as Array<[keyof T, string]>) {
    if (source[prop] !== undefined) {
      out[key] = source[prop];
    }
  }
  return out;
}

/** Sets a key when the value is given (the SDK's `_set`). */
function set(config: Record<string, any>, key: string, value: unknown): void {
  if (value !== undefined) {
    config[key] = value;
  }
}

function checkCount(where: string, what: string, value: number | undefined, least: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < least)) {
    throw new Error(`${where}: ${what} is ${value}; expected an integer of at least ${least}`);
  }
}

function checkFraction(where: string, what: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0 && value <= 1)) {
    throw new Error(`${where}: ${what} is ${value}; expected a number from 0 to 1`);
  }
}

function checkBias(where: string, bias: BiasConfig): void {
  if ((bias.facetName === undefined) === (bias.facets === undefined)) {
    throw new Error(`${where}: bias needs one of facetName (one sensitive column) and facets (several); ${bias.facets ? 'both are' : 'neither is'} given`);
  }
  if (bias.facets && (bias.facetValuesOrThreshold !== undefined || bias.facets.length === 0)) {
    throw new Error(`${where}: bias facets ${bias.facets.length === 0 ? 'is empty' : 'is given with facetValuesOrThreshold'}; `
      + 'give each facet its valuesOrThreshold in facets');
  }
  if (bias.labelValuesOrThreshold.length === 0) {
    throw new Error(`${where}: bias labelValuesOrThreshold is empty; expected the label value(s) of the favorable outcome, or a threshold`);
  }
}

/** With the user's own analysis configuration, what would go in it is not a prop; the step still needs its dataset. */
function checkOwnConfig(step: ClarifyCheckStepConstruct, props: ClarifyCheckStepConstructProps): void {
  const where = step.node.path;
  const { s3Uri: _s3Uri, outputS3Uri: _out, compressionType: _c, datasetType: _t, ...inConfig } = props.data;
  const model = props.model ? (({ modelName: _m, ...rest }) => rest)(props.model) : {};
  const given = [
    ...Object.entries(inConfig).filter(([, x]) => x !== undefined).map(([k]) => `data.${k}`),
    ...Object.entries(model).filter(([, x]) => x !== undefined).map(([k]) => `model.${k}`),
    ...(['bias', 'shap', 'pdp', 'biasMethods'] as const).filter((k) => props[k] !== undefined),
  ];
  if (given.length > 0) {
    throw new Error(`${where}: ${given.join(', ')} ${given.length === 1 ? 'goes' : 'go'} in the analysis configuration, and the step reads yours `
      + '(analysisConfigS3Uri): put them in that file, or leave analysisConfigS3Uri out for the step to write one');
  }
  if (PipelineValue.isPipelineToken(props.analysisConfigS3Uri!)) {
    return; // a parameter or a step's output: read at run time
  }
  if (!/^s3:\/\/[^/]+\/.+\.json$/.test(props.analysisConfigS3Uri!) && !Token.isUnresolved(props.analysisConfigS3Uri)) {
    throw new Error(`${where}: analysisConfigS3Uri '${props.analysisConfigS3Uri}' is not the S3 URI of a JSON file; expected s3://<bucket>/<key>.json, `
      + 'e.g. s3://my-bucket/clarify/analysis_config.json');
  }
  const needsModel = props.checkType !== ClarifyCheckType.DATA_BIAS;
  if (needsModel && props.model === undefined) {
    throw new Error(`${where}: a ${props.checkType} check needs model.modelName (the step names the model Clarify serves)`);
  }
  if (!needsModel && props.model !== undefined) {
    throw new Error(`${where}: model applies to MODEL_BIAS and MODEL_EXPLAINABILITY checks; a DATA_BIAS check analyses the data alone`);
  }
}

function checkData(where: string, data: ClarifyDataConfig): void {
  const type = data.datasetType;
  if (type === ClarifyDatasetType.IMAGE) {
    for (const [what, value] of [['predictedLabel', data.predictedLabel], ['excludedColumns', data.excludedColumns]] as const) {
      if (value !== undefined) {
        throw new Error(`${where}: data.${what} is not supported for an image dataset (${type}); it applies to tabular data`);
      }
    }
  }
  if (type !== ClarifyDatasetType.CSV) {
    const csvOnly = {
      facetDatasetS3Uri: data.facetDatasetS3Uri,
      facetHeaders: data.facetHeaders,
      predictedLabelDatasetS3Uri: data.predictedLabelDatasetS3Uri,
      predictedLabelHeaders: data.predictedLabelHeaders,
    };
    for (const [what, value] of Object.entries(csvOnly)) {
      if (value !== undefined) {
        throw new Error(`${where}: data.${what} is supported for CSV datasets only; this dataset is ${type}`);
      }
    }
  }
  if (type === ClarifyDatasetType.JSON && data.features === undefined) {
    throw new Error(`${where}: a JSON dataset needs data.features, the JMESPath of the feature values (e.g. 'data[*].features')`);
  }
  if (data.compressionType === CompressionType.GZIP && type === ClarifyDatasetType.IMAGE) {
    throw new Error(`${where}: data.compressionType Gzip is for tabular datasets; an image dataset is read as it is`);
  }
  for (const seg of data.segments ?? []) {
    if (seg.segments.length === 0 || seg.segments.some((values) => values.length === 0)) {
      throw new Error(`${where}: data.segments of '${seg.nameOrIndex}' has an empty segment list; expected lists of values or intervals, e.g. [['A', 'B']] or [['[1, 4]']]`);
    }
    const aliases = seg.displayAliases?.length;
    if (aliases !== undefined && aliases !== seg.segments.length && aliases !== seg.segments.length + 1) {
      throw new Error(`${where}: data.segments of '${seg.nameOrIndex}' has ${aliases} display aliases for ${seg.segments.length} segments; `
        + 'expected one per segment, or one more for the default segment');
    }
  }
  const out = data.analysisConfigOutputS3Uri;
  if (out !== undefined) {
    if (PipelineValue.isPipelineToken(out)) {
      throw new Error(`${where}: data.analysisConfigOutputS3Uri holds a pipeline value; the analysis config is uploaded when the stack deploys: `
        + 'give an S3 URI known then (s3://bucket/prefix, or bucket.s3UrlForObject(\'prefix\'))');
    }
    const loc = parseS3Uri(out);
    if (!loc || loc.bucket.includes('/') || Token.isUnresolved(loc.key)) {
      throw new Error(`${where}: data.analysisConfigOutputS3Uri '${out}' is not an S3 URI with a written-out key; expected s3://<bucket>/<prefix> `
        + '(the bucket may be a deploy-time value: bucket.s3UrlForObject(\'clarify\'))');
    }
  }
}

function checkModel(where: string, model: ClarifyModelConfig, datasetType: ClarifyDatasetType): void {
  checkCount(where, 'model.instanceCount', model.instanceCount, 1);
  if (model.acceptType !== undefined && !ACCEPT_TYPES.includes(model.acceptType)) {
    throw new Error(`${where}: model.acceptType is '${model.acceptType}'; expected one of: ${ACCEPT_TYPES.join(', ')}`);
  }
  if (model.contentType !== undefined && !CONTENT_TYPES.includes(model.contentType)) {
    throw new Error(`${where}: model.contentType is '${model.contentType}'; expected one of: ${CONTENT_TYPES.join(', ')}`);
  }
  const contentType = model.contentType ?? datasetType;
  if (model.contentType === undefined && datasetType === ClarifyDatasetType.IMAGE) {
    throw new Error(`${where}: an image dataset needs model.contentType, the images' type the model takes (image/jpeg, image/png, ...)`);
  }
  if (contentType === 'application/jsonlines' && !model.contentTemplate?.includes('$features')) {
    const given = model.contentTemplate === undefined ? 'none is given' : `'${model.contentTemplate}' has none`;
    throw new Error(`${where}: JSON Lines requests need model.contentTemplate with the placeholder $features (e.g. '{"features": $features}'); ${given}`);
  }
  if (contentType === 'application/json' && (model.contentTemplate === undefined || model.recordTemplate === undefined || !model.contentTemplate.includes('$record'))) {
    throw new Error(`${where}: JSON requests need model.contentTemplate with $records or $record (e.g. '{"instances": $records}') and model.recordTemplate `
      + '(e.g. \'$features_kvp\')');
  }
  if (model.endpointNamePrefix !== undefined && !/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(model.endpointNamePrefix)) {
    throw new Error(`${where}: model.endpointNamePrefix '${model.endpointNamePrefix}' is not an endpoint name prefix; expected letters, digits and `
      + 'hyphens, starting and ending with a letter or digit, e.g. churn-clarify');
  }
  if (model.customAttributes !== undefined && !/^[\x21-\x7e]{0,1024}$/.test(model.customAttributes)) {
    throw new Error(`${where}: model.customAttributes is not up to 1024 visible US-ASCII characters (the CustomAttributes header)`);
  }
  checkFraction(where, 'model.probabilityThreshold', model.probabilityThreshold);
}

function checkPdp(where: string, pdp: PdpConfig, withShap: boolean): void {
  if (!withShap && !pdp.features?.length) {
    throw new Error(`${where}: pdp needs features without shap; Clarify plots the top SHAP features only when SHAP runs too`);
  }
  checkCount(where, 'pdp gridResolution', pdp.gridResolution, 1);
  checkCount(where, 'pdp topKFeatures', pdp.topKFeatures, 1);
}
