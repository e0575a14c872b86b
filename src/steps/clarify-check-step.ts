import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { uploadGeneratedFile } from '../code';
import { ContainerImage, ImageUsage } from '../container-image';
import { InstanceType } from '../instance-type';
import { renderVpcConfig } from './network';
import { grantJob, grantJobKey, jobStepProps } from './private/jobs';
import { ProcessingJobOptions, checkProcessingJob } from './processing-step';
import {
  CheckStepOptions, checkCheckSwitches, renderCheckJob, renderCheckSwitches,
} from './quality-check-step';
import { IPipelineHost, PipelineStep, StepProperty, StepType } from './step';
import { grantS3Location } from '../shared/s3';
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
}

/** The dataset a clarify check analyses. */
export interface ClarifyDataConfig {
  /** The dataset's S3 URI (a step's output, a parameter). */
  readonly s3Uri: string;
  /** The dataset's type. */
  readonly datasetType: ClarifyDatasetType;
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
   * JSON Lines: the JSONPath of the features.
   * @default - none
   */
  readonly features?: string;
  /**
   * Where the analysis is written.
   * @default - the pipeline's artifact bucket: `s3://<bucket>/<pipeline>/<execution id>/<step>/analysis_result`
   */
  readonly outputS3Uri?: string;
}

/** The sensitive group a bias check measures. */
export interface BiasConfig {
  /** The label values (or threshold) of the favorable outcome (`['1']`, `['>50K']`). */
  readonly labelValuesOrThreshold: string[];
  /** The facet: the sensitive column (name or index as a string). */
  readonly facetName: string;
  /**
   * The facet's values (or threshold) of the sensitive group.
   * @default - every value is a group
   */
  readonly facetValuesOrThreshold?: string[];
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
   * The MIME type of the requests.
   * @default - the dataset's type
   */
  readonly contentType?: string;
  /**
   * The MIME type of the responses.
   * @default - the dataset's type
   */
  readonly acceptType?: string;
  /**
   * The predicted label in the model's response (its index or JSONPath).
   * @default - the response is the prediction
   */
  readonly predictedLabel?: string;
  /**
   * The probability above which a prediction is the positive label (model bias of a binary classifier).
   * @default - none
   */
  readonly probabilityThreshold?: number;
}

/** SHAP settings of a MODEL_EXPLAINABILITY check. */
export interface ShapConfig {
  /**
   * The baseline records (one row per record), or the S3 URI of a baseline file.
   * @default - Clarify computes one from the dataset (k-means)
   */
  readonly baselineS3Uri?: string;
  /**
   * Baseline records given inline.
   * @default - none
   */
  readonly baselineRecords?: any[];
  /** The number of samples per record. */
  readonly numSamples: number;
  /**
   * How the global attributions aggregate the local ones.
   * @default 'mean_abs'
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
   * @default - none (required for MODEL_EXPLAINABILITY)
   */
  readonly shap?: ShapConfig;
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
}

const CONFIG_INPUT = 'analysis_config';
const DATA_INPUT = 'dataset';
const OUTPUT_NAME = 'analysis_result';
const AGG_METHODS = ['mean_abs', 'median', 'mean_sq'];

/**
 * A step that runs a SageMaker Clarify analysis — pre-training bias, post-training bias, or SHAP explainability —
 * and checks it against the previous baseline: Type `ClarifyCheck`, as the SageMaker Python SDK's `ClarifyCheckStep`
 * renders it. The analysis configuration is written at synth time and uploaded as `analysis_config.json`; for the
 * model checks, the model name goes at step level (`ModelName`) and Clarify serves the model on a shadow endpoint.
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
    const where = this.node.path;
    const isBias = props.checkType !== ClarifyCheckType.MODEL_EXPLAINABILITY;
    const needsModel = props.checkType !== ClarifyCheckType.DATA_BIAS;
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
    if (props.checkType === ClarifyCheckType.MODEL_EXPLAINABILITY && !props.shap) {
      throw new Error(`${where}: a MODEL_EXPLAINABILITY check needs shap (numSamples and the baseline)`);
    }
    if (props.checkType !== ClarifyCheckType.MODEL_EXPLAINABILITY && props.shap) {
      throw new Error(`${where}: shap applies to a MODEL_EXPLAINABILITY check; this is a ${props.checkType} check`);
    }
    if (props.shap) {
      if (props.shap.baselineS3Uri !== undefined && props.shap.baselineRecords !== undefined) {
        throw new Error(`${where}: shap has both baselineS3Uri and baselineRecords; give one`);
      }
      if (!AGG_METHODS.includes(props.shap.aggMethod ?? 'mean_abs')) {
        throw new Error(`${where}: shap aggMethod is '${props.shap.aggMethod}'; expected one of: ${AGG_METHODS.join(', ')}`);
      }
      if (!Number.isInteger(props.shap.numSamples) || props.shap.numSamples < 1) {
        throw new Error(`${where}: shap numSamples is ${props.shap.numSamples}; expected a positive integer`);
      }
    }
    if (props.model?.probabilityThreshold !== undefined && props.checkType !== ClarifyCheckType.MODEL_BIAS) {
      throw new Error(`${where}: model.probabilityThreshold applies to a MODEL_BIAS check`);
    }
    checkCheckSwitches(this, props);
    checkProcessingJob(this, props);
    this.analysisConfig(); // throws now on what cannot be rendered
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
   * the step is part of a pipeline (it is uploaded to the pipeline's artifact bucket).
   */
  public get monitoringAnalysisConfigS3Uri(): string {
    if (!this.monitoringConfigUri) {
      throw new Error(`${this.node.path}: the monitoring analysis configuration is uploaded to the pipeline's artifact bucket; add the step to a pipeline first`);
    }
    return this.monitoringConfigUri;
  }

  /** The analysis configuration the Clarify job reads (`analysis_config.json`), as JSON. */
  public analysisConfigJson(): string {
    return JSON.stringify(this.analysisConfig());
  }

  protected bind(pipeline: IPipelineHost): void {
    const props = this.props;
    grantJob(this, pipeline, 'processing-job', 'ProcessingJob');
    this.imageUri = ContainerImage.clarify().bind(this, ImageUsage.TRAINING, pipeline).imageUri;
    grantS3Location(this, pipeline, props.data.s3Uri, false, 'data.s3Uri');
    if (props.data.outputS3Uri !== undefined) {
      grantS3Location(this, pipeline, props.data.outputS3Uri, true, 'data.outputS3Uri');
    }
    if (props.suppliedBaselineConstraints !== undefined) {
      grantS3Location(this, pipeline, props.suppliedBaselineConstraints, false, 'suppliedBaselineConstraints');
    }
    if (props.shap?.baselineS3Uri !== undefined) {
      grantS3Location(this, pipeline, props.shap.baselineS3Uri, false, 'shap.baselineS3Uri');
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
          stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: 'sm-clarify-*' }),
          stack.formatArn({ service: 'sagemaker', resource: 'endpoint-config', resourceName: 'sm-clarify-*' }),
        ],
      }));
    }
    grantJobKey(pipeline, props.volumeEncryptionKey);
    grantJobKey(pipeline, props.outputEncryptionKey);
    this.vpcConfig = renderVpcConfig(this, props.network, pipeline);
    this.configUri = uploadGeneratedFile(this, pipeline, 'AnalysisConfigUpload', 'analysis_config.json', JSON.stringify(this.analysisConfig()));
    this.monitoringConfigUri = uploadGeneratedFile(this, pipeline, 'MonitoringConfigUpload', 'analysis_config.json',
      JSON.stringify(this.monitoringAnalysisConfig()));
  }

  protected renderArguments(): any {
    const props = this.props;
    const pipeline = this.pipeline!;
    const input = (name: string, s3Uri: string, localPath: string) => ({
      InputName: name,
      AppManaged: false,
      S3Input: {
        S3Uri: s3Uri,
        LocalPath: localPath,
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
        S3DataDistributionType: 'FullyReplicated',
        S3CompressionType: 'None',
      },
    });
    return renderCheckJob(this, props, {
      imageUri: this.imageUri!,
      inputs: [
        input(CONFIG_INPUT, this.configUri!, '/opt/ml/processing/input/config'),
        input(DATA_INPUT, props.data.s3Uri, '/opt/ml/processing/input/data'),
      ],
      outputName: OUTPUT_NAME,
      outputS3Uri: props.data.outputS3Uri ?? pipeline.defaultOutputUri(this.stepName, OUTPUT_NAME),
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

  /** The data and bias parts shared by the job's and the monitoring schedule's configurations. */
  private dataAndBias(): Record<string, any> {
    const { data, bias } = this.props;
    const config: Record<string, any> = { dataset_type: data.datasetType };
    if (data.headers) {
      config.headers = data.headers;
    }
    if (data.label !== undefined) {
      config.label = data.label;
    }
    if (data.features !== undefined) {
      config.features = data.features;
    }
    if (bias) {
      config.label_values_or_threshold = bias.labelValuesOrThreshold.map(asNumberIfNumeric);
      config.facet = [{
        name_or_index: bias.facetName,
        ...(bias.facetValuesOrThreshold ? { value_or_threshold: bias.facetValuesOrThreshold.map(asNumberIfNumeric) } : {}),
      }];
      if (bias.groupName !== undefined) {
        config.group_variable = bias.groupName;
      }
    }
    return config;
  }

  private predictor(): Record<string, any> {
    const { model, data } = this.props;
    const predictor: Record<string, any> = {
      instance_type: (model!.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
      initial_instance_count: model!.instanceCount ?? 1,
      content_type: model!.contentType ?? data.datasetType,
      accept_type: model!.acceptType ?? data.datasetType,
    };
    if (model!.predictedLabel !== undefined) {
      predictor.label = asNumberIfNumeric(model!.predictedLabel);
    }
    return predictor;
  }

  private shapMethod(): Record<string, any> {
    const shap = this.props.shap!;
    return {
      ...(shap.baselineS3Uri !== undefined ? { baseline: shap.baselineS3Uri } : {}),
      ...(shap.baselineRecords !== undefined ? { baseline: shap.baselineRecords } : {}),
      num_samples: shap.numSamples,
      agg_method: shap.aggMethod ?? 'mean_abs',
      use_logit: shap.useLogit ?? false,
      save_local_shap_values: shap.saveLocalShapValues ?? true,
    };
  }

  /** The job's analysis configuration: data, bias, methods and predictor, as the SDK writes it (no model name). */
  private analysisConfig(): Record<string, any> {
    const props = this.props;
    const config = this.dataAndBias();
    const methods = props.biasMethods ?? 'all';
    switch (props.checkType) {
      case ClarifyCheckType.DATA_BIAS:
        config.methods = { pre_training_bias: { methods }, report: REPORT };
        break;
      case ClarifyCheckType.MODEL_BIAS:
        config.methods = { post_training_bias: { methods }, report: REPORT };
        config.predictor = this.predictor();
        if (props.model!.probabilityThreshold !== undefined) {
          config.probability_threshold = props.model!.probabilityThreshold;
        }
        break;
      default:
        config.methods = { shap: this.shapMethod(), report: REPORT };
        config.predictor = this.predictor();
    }
    if (PipelineValue.isPipelineToken(JSON.stringify(config))) {
      throw new Error(`${this.node.path}: the analysis configuration holds a pipeline value; it is a file written at synth time: give literal columns, labels and settings`);
    }
    return config;
  }

  /** The monitoring schedule's analysis configuration: the bias config, or the explainability config. */
  private monitoringAnalysisConfig(): Record<string, any> {
    if (this.props.checkType === ClarifyCheckType.MODEL_EXPLAINABILITY) {
      const headers = this.props.data.headers?.filter((h) => h !== this.props.data.label);
      return { ...(headers ? { headers } : {}), methods: { shap: this.shapMethod() }, predictor: this.predictor() };
    }
    const { dataset_type: _type, features: _features, ...bias } = this.dataAndBias();
    return bias;
  }
}

const REPORT = { name: 'report', title: 'Analysis Report' };

/** Clarify reads label and facet values as numbers when they are numbers. */
function asNumberIfNumeric(value: string): string | number {
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}
