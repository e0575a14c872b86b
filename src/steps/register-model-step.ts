import { Stack, Token, TokenComparison } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { IModelPackageGroup, ModelApprovalStatus } from '../model-package-group';
import { ModelContainer, bindContainers, checkContainers } from './model-container';
import { asStringArgument, checkEnum } from './private/jobs';
import { PipelineStep, RetryableStepOptions, IPipelineHost, StepProperty, StepType } from './step';
import { DRIFT_CHECK_SLOTS, MODEL_METRICS_SLOTS, renderSlots } from '../shared/model-metrics';
import { ValueKind, splitString } from '../values/pipeline-value';


/** A metrics report in S3. */
export interface MetricsSource {
  /** The report's S3 URI (a literal, or a token such as a `Join` of a step's output URI and a file name). */
  readonly s3Uri: string;
  /** The report's MIME type (`application/json`). */
  readonly contentType: string;
  /**
   * A hash of the report.
   * @default - none
   */
  readonly contentDigest?: string;
}

/** Metrics reports attached to a model version. */
export interface ModelMetrics {
  /** Model quality statistics (for example the evaluation report). @default - none */
  readonly modelQualityStatistics?: MetricsSource;
  /** Model quality constraints. @default - none */
  readonly modelQualityConstraints?: MetricsSource;
  /** Data quality statistics. @default - none */
  readonly modelDataQualityStatistics?: MetricsSource;
  /** Data quality constraints. @default - none */
  readonly modelDataQualityConstraints?: MetricsSource;
  /** Bias report. @default - none */
  readonly biasReport?: MetricsSource;
  /** Pre-training bias report (a DATA_BIAS check's analysis). @default - none */
  readonly biasPreTrainingReport?: MetricsSource;
  /** Post-training bias report (a MODEL_BIAS check's analysis). @default - none */
  readonly biasPostTrainingReport?: MetricsSource;
  /** Explainability report. @default - none */
  readonly explainabilityReport?: MetricsSource;
}

/**
 * The baselines later drift checks of this version compare against (the register step's `DriftCheckBaselines`):
 * usually the `baselineUsedForDriftCheck*` properties of the pipeline's check steps.
 */
export interface DriftCheckBaselines {
  /** Model quality statistics (a MODEL_QUALITY check's). @default - none */
  readonly modelQualityStatistics?: MetricsSource;
  /** Model quality constraints (a MODEL_QUALITY check's). @default - none */
  readonly modelQualityConstraints?: MetricsSource;
  /** Data quality statistics (a DATA_QUALITY check's). @default - none */
  readonly modelDataQualityStatistics?: MetricsSource;
  /** Data quality constraints (a DATA_QUALITY check's). @default - none */
  readonly modelDataQualityConstraints?: MetricsSource;
  /** The bias analysis configuration (a bias check's analysis_config.json). @default - none */
  readonly biasConfigFile?: MetricsSource;
  /** Pre-training bias constraints (a DATA_BIAS check's). @default - none */
  readonly biasPreTrainingConstraints?: MetricsSource;
  /** Post-training bias constraints (a MODEL_BIAS check's). @default - none */
  readonly biasPostTrainingConstraints?: MetricsSource;
  /** Explainability constraints (a MODEL_EXPLAINABILITY check's). @default - none */
  readonly explainabilityConstraints?: MetricsSource;
  /** The explainability analysis configuration. @default - none */
  readonly explainabilityConfigFile?: MetricsSource;
}

/** The check types whose properties may fill each slot of ModelMetrics and DriftCheckBaselines. */
const SLOT_CHECKS: Record<string, string[]> = {
  modelQualityStatistics: ['MODEL_QUALITY'],
  modelQualityConstraints: ['MODEL_QUALITY'],
  modelDataQualityStatistics: ['DATA_QUALITY'],
  modelDataQualityConstraints: ['DATA_QUALITY'],
  biasReport: ['DATA_BIAS', 'MODEL_BIAS'],
  biasPreTrainingReport: ['DATA_BIAS'],
  biasPostTrainingReport: ['MODEL_BIAS'],
  biasConfigFile: ['DATA_BIAS', 'MODEL_BIAS'],
  biasPreTrainingConstraints: ['DATA_BIAS'],
  biasPostTrainingConstraints: ['MODEL_BIAS'],
  explainabilityReport: ['MODEL_EXPLAINABILITY'],
  explainabilityConstraints: ['MODEL_EXPLAINABILITY'],
  explainabilityConfigFile: ['MODEL_EXPLAINABILITY'],
};

/** Properties of a `RegisterModelStepConstruct`. */
export interface RegisterModelStepConstructProps extends RetryableStepOptions {
  /** The model package group the version is registered in. */
  readonly modelPackageGroup: IModelPackageGroup;
  /** The model's inference containers. */
  readonly containers: ModelContainer[];
  /**
   * MIME types of the requests the model takes (`text/csv`).
   * @default - none
   */
  readonly contentTypes?: string[];
  /**
   * MIME types of the model's responses (`text/csv`).
   * @default - none
   */
  readonly responseTypes?: string[];
  /**
   * Instance types for real-time endpoints.
   * @default - none
   */
  readonly inferenceInstanceTypes?: string[];
  /**
   * Instance types for batch transform.
   * @default - none
   */
  readonly transformInstanceTypes?: string[];
  /**
   * The version's approval status: a `ModelApprovalStatus` value, or a parameter's `valueAsString`.
   * @default ModelApprovalStatus.PENDING_MANUAL_APPROVAL
   */
  readonly approvalStatus?: string;
  /**
   * A description of the model version.
   * @default - none
   */
  readonly modelPackageDescription?: string;
  /**
   * Metrics reports.
   * @default - none
   */
  readonly modelMetrics?: ModelMetrics;
  /**
   * The baselines later drift checks of this version compare against.
   * @default - none
   */
  readonly driftCheckBaselines?: DriftCheckBaselines;
  /**
   * Key-value metadata of the version.
   * @default - none
   */
  readonly customerMetadata?: { [key: string]: string };
  /**
   * The ML domain (`COMPUTER_VISION`, `NATURAL_LANGUAGE_PROCESSING`, `MACHINE_LEARNING`).
   * @default - none
   */
  readonly domain?: string;
  /**
   * The ML task (`CLASSIFICATION`, `REGRESSION`, ...).
   * @default - none
   */
  readonly task?: string;
  /**
   * The S3 URI of a sample payload.
   * @default - none
   */
  readonly samplePayloadUrl?: string;
  /**
   * Skip SageMaker's validation of the model package.
   * @default false
   */
  readonly skipModelValidation?: boolean;
}

/**
 * A step that registers a model version in a model package group.
 */
export class RegisterModelStepConstruct extends PipelineStep {
  /** The group the version is registered in. */
  public readonly modelPackageGroup: IModelPackageGroup;
  private readonly props: RegisterModelStepConstructProps;
  private containers: Array<() => any> = [];

  constructor(scope: Construct, id: string, props: RegisterModelStepConstructProps) {
    super(scope, id, StepType.REGISTER_MODEL, props);
    checkContainers(this, props.containers, 15);
    checkEnum(this, 'approvalStatus', props.approvalStatus, Object.values(ModelApprovalStatus));
    if (props.transformInstanceTypes !== undefined && props.transformInstanceTypes.length === 0) {
      throw new Error(`${this.node.path}: transformInstanceTypes is empty; give at least one instance type or leave it out`);
    }
    const metadata = Object.keys(props.customerMetadata ?? {});
    if (props.customerMetadata !== undefined && (metadata.length === 0 || metadata.length > 50)) {
      throw new Error(`${this.node.path}: customerMetadata has ${metadata.length} entries; expected 1 to 50 (or leave it out)`);
    }
    this.checkBaselineSources('modelMetrics', props.modelMetrics);
    this.checkBaselineSources('driftCheckBaselines', props.driftCheckBaselines);
    this.props = props;
    this.modelPackageGroup = props.modelPackageGroup;
  }

  /** The ARN of the registered model version, once the step has run. */
  public get modelPackageArn(): string {
    return new StepProperty(this, 'ModelPackageArn', ValueKind.STRING).valueAsString;
  }

  /**
   * A metrics or baseline slot filled with a property of a check step of another kind (a data quality check's
   * statistics as the model quality baseline) would make SageMaker compare the wrong files: refused.
   */
  private checkBaselineSources(what: string, slots: ModelMetrics | DriftCheckBaselines | undefined): void {
    for (const [slot, source] of Object.entries(slots ?? {}) as Array<[string, MetricsSource | undefined]>) {
      if (!source || !Token.isUnresolved(source.s3Uri)) {
        continue;
      }
      for (const part of splitString(source.s3Uri)) {
        const step = typeof part === 'string' ? undefined : (part as any).step;
        const checkType: string | undefined = step?.checkType;
        if (checkType !== undefined && !SLOT_CHECKS[slot].includes(checkType)) {
          throw new Error(`${this.node.path}: ${what}.${slot} is a property of ${step.node.path}, a ${checkType} check; `
            + `it takes the baseline of a ${SLOT_CHECKS[slot].join(' or ')} check`);
        }
      }
    }
  }

  protected bind(pipeline: IPipelineHost): void {
    this.props.modelPackageGroup.grantRegister(pipeline);
    this.containers = bindContainers(this, this.props.containers, pipeline);
  }

  protected renderArguments(): any {
    const props = this.props;
    const source = (m?: MetricsSource) => (m ? { S3Uri: m.s3Uri, ContentType: m.contentType, ContentDigest: m.contentDigest } : undefined);
    const modelMetrics = props.modelMetrics ? renderSlots(props.modelMetrics, MODEL_METRICS_SLOTS, source) : undefined;
    const driftCheckBaselines = props.driftCheckBaselines ? renderSlots(props.driftCheckBaselines, DRIFT_CHECK_SLOTS, source) : undefined;
    return {
      ModelPackageGroupName: groupReference(this, props.modelPackageGroup),
      ModelPackageDescription: props.modelPackageDescription,
      InferenceSpecification: {
        Containers: this.containers.map((c) => c()),
        SupportedContentTypes: props.contentTypes,
        SupportedResponseMIMETypes: props.responseTypes,
        SupportedRealtimeInferenceInstanceTypes: props.inferenceInstanceTypes,
        SupportedTransformInstanceTypes: props.transformInstanceTypes,
      },
      ModelApprovalStatus: asStringArgument(props.approvalStatus ?? ModelApprovalStatus.PENDING_MANUAL_APPROVAL),
      ModelMetrics: modelMetrics,
      DriftCheckBaselines: driftCheckBaselines,
      CustomerMetadataProperties: props.customerMetadata,
      Domain: props.domain,
      Task: props.task,
      SamplePayloadUrl: props.samplePayloadUrl,
      SkipModelValidation: props.skipModelValidation === undefined ? undefined : (props.skipModelValidation ? 'All' : 'None'),
    };
  }
}

/**
 * How the register step names its group: by name in the pipeline's own account, by ARN in another account
 * (CreateModelPackage takes either; a name alone would register in the pipeline's account).
 */
function groupReference(scope: Construct, group: IModelPackageGroup): string {
  const account = Stack.of(scope).account;
  const other = Token.compareStrings(group.env.account, account) === TokenComparison.DIFFERENT;
  return other ? group.modelPackageGroupArn : group.modelPackageGroupName;
}
