import { Annotations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ContainerImage } from '../container-image';
import { IModelPackageGroup, ModelPackageGroup, ModelApprovalStatus } from '../model-package-group';
import { MlPipeline } from '../pipeline';
import { ConditionStepConstruct } from '../steps/condition-step';
import { FailStepConstruct } from '../steps/fail-step';
import { ModelContainer } from '../steps/model-container';
import { ProcessingStepConstruct } from '../steps/processing-step';
import { DriftCheckBaselines, ModelMetrics, RegisterModelStepConstruct } from '../steps/register-model-step';
import { PipelineStep, RetryPolicy } from '../steps/step';
import { TrainingStepConstruct } from '../steps/training-step';
import { Condition } from '../values/condition';
import { Join } from '../values/join';
import { PipelineParameter } from '../values/parameter';
import { PipelineValue, ValueKind, literalOf } from '../values/pipeline-value';
import { checkJsonPath } from '../values/private/json-path';
import { JsonGet, PropertyFile } from '../values/property-file';

/** How the metric is compared with the threshold: the model is registered when `metric <op> threshold`. */
export enum MetricComparison {
  /** metric >= threshold (accuracy, AUC, F1, ...). */
  GREATER_THAN_OR_EQUAL_TO = 'GreaterThanOrEqualTo',
  /** metric > threshold. */
  GREATER_THAN = 'GreaterThan',
  /** metric <= threshold (error, loss, RMSE, ...). */
  LESS_THAN_OR_EQUAL_TO = 'LessThanOrEqualTo',
  /** metric < threshold. */
  LESS_THAN = 'LessThan',
  /** metric == threshold. */
  EQUAL_TO = 'Equals',
}

const SYMBOLS: Record<MetricComparison, string> = {
  [MetricComparison.GREATER_THAN_OR_EQUAL_TO]: '>=',
  [MetricComparison.GREATER_THAN]: '>',
  [MetricComparison.LESS_THAN_OR_EQUAL_TO]: '<=',
  [MetricComparison.LESS_THAN]: '<',
  [MetricComparison.EQUAL_TO]: '==',
};

/** Options of `RegistrationModel.fromTrainingStep`. */
export interface TrainingModelOptions {
  /**
   * The inference image.
   * @default - the training step's image (right for SageMaker's built-in and framework images)
   */
  readonly image?: ContainerImage;
  /**
   * Environment variables of the inference container.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
}

/** The model that `ConditionalRegistration` registers. */
export abstract class RegistrationModel {
  /** The model a training step produced: its artifacts, with its image (or another). */
  public static fromTrainingStep(step: TrainingStepConstruct, options: TrainingModelOptions = {}): RegistrationModel {
    return new ContainersModel([{
      image: options.image ?? step.image,
      modelDataUrl: step.modelArtifactsS3Uri,
      environment: options.environment,
    }]);
  }

  /** An image and model data (an S3 URI or a token). */
  public static fromImage(image: ContainerImage, modelDataUrl: string): RegistrationModel {
    return new ContainersModel([{ image, modelDataUrl }]);
  }

  /** Any containers. */
  public static fromContainers(containers: ModelContainer[]): RegistrationModel {
    return new ContainersModel(containers);
  }

  /** The containers of the model version. */
  public abstract readonly containers: ModelContainer[];
}

class ContainersModel extends RegistrationModel {
  constructor(public readonly containers: ModelContainer[]) {
    super();
  }
}

/** Properties of a `ConditionalRegistration`. */
export interface ConditionalRegistrationProps {
  /** The processing step that evaluates the model and writes the property file. */
  readonly evaluationStep: ProcessingStepConstruct;
  /** The property file with the metric; it must be attached to `evaluationStep`. */
  readonly propertyFile: PropertyFile;
  /** The JSON path of the metric in the file (`binary_classification_metrics.accuracy.value`). */
  readonly metricPath: string;
  /**
   * How the metric is compared with the threshold.
   * @default MetricComparison.GREATER_THAN_OR_EQUAL_TO
   */
  readonly comparison?: MetricComparison;
  /** The threshold: a number (`0.8`), or an Integer or Float parameter's `valueAsNumber`. */
  readonly threshold: number;
  /** The model to register. */
  readonly model: RegistrationModel;
  /**
   * The group to register in.
   * @default - a group is created (see `modelPackageGroupName`)
   */
  readonly modelPackageGroup?: IModelPackageGroup;
  /**
   * The name of the group created when `modelPackageGroup` is not given.
   * @default - a name generated from the construct path
   */
  readonly modelPackageGroupName?: string;
  /**
   * The approval status of registered versions: a literal or a parameter's `valueAsString`.
   * @default - a String parameter `ModelApprovalStatus`, default PendingManualApproval
   */
  readonly approvalStatus?: string;
  /** MIME types of the requests the model takes. @default ['text/csv'] */
  readonly contentTypes?: string[];
  /** MIME types of the model's responses. @default ['text/csv'] */
  readonly responseTypes?: string[];
  /** Instance types for real-time endpoints. @default - none */
  readonly inferenceInstanceTypes?: string[];
  /** Instance types for batch transform. @default - none */
  readonly transformInstanceTypes?: string[];
  /**
   * Metrics reports attached to the version.
   * @default - model quality statistics: the property file in the evaluation output (application/json)
   */
  readonly modelMetrics?: ModelMetrics;
  /**
   * The baselines later drift checks of the registered version compare against (the check steps'
   * `baselineUsedForDriftCheck*` properties).
   * @default - none
   */
  readonly driftCheckBaselines?: DriftCheckBaselines;
  /** Retry policies of the registration step. @default - none */
  readonly retryPolicies?: RetryPolicy[];
  /**
   * More steps of the passing branch, run with the registration (a CreateModel step, ...).
   * @default - none
   */
  readonly passingSteps?: PipelineStep[];
  /**
   * The message of the Fail step.
   * @default - states the metric path, the comparison and the threshold
   */
  readonly failureMessage?: string;
  /** The condition step's name. @default - `<id>-Check` */
  readonly conditionStepName?: string;
  /** The registration step's name. @default - `<id>-Register` */
  readonly registerStepName?: string;
  /** The Fail step's name. @default - `<id>-Fail` */
  readonly failStepName?: string;
}

/**
 * Registers a model only when a metric of its evaluation clears a threshold; otherwise fails the execution with a
 * message that states the metric and the threshold. One condition step whose if-branch registers the model (plus
 * any `passingSteps`) and whose else-branch is a Fail step. Add `conditionStep` to a pipeline, or create it in a
 * pipeline in one call with `ConditionalRegistration.addToPipeline`.
 *
 * @example
 * const gate = ConditionalRegistration.addToPipeline(pipeline, 'Gate', {
 *   evaluationStep: evaluate,
 *   propertyFile: report,
 *   metricPath: 'binary_classification_metrics.accuracy.value',
 *   threshold: 0.8,
 *   model: RegistrationModel.fromTrainingStep(train),
 * });
 */
export class ConditionalRegistration extends Construct {
  /**
   * Creates a `ConditionalRegistration` as a child of a pipeline and adds its condition step to the pipeline.
   */
  public static addToPipeline(pipeline: MlPipeline, id: string, props: ConditionalRegistrationProps): ConditionalRegistration {
    const registration = new ConditionalRegistration(pipeline, id, props);
    pipeline.addStep(registration.conditionStep);
    return registration;
  }

  /** The condition step: the one top-level step of the pattern. */
  public readonly conditionStep: ConditionStepConstruct;
  /** The registration step (if-branch). */
  public readonly registerStep: RegisterModelStepConstruct;
  /** The Fail step (else-branch). */
  public readonly failStep: FailStepConstruct;
  /** The group the model is registered in. */
  public readonly modelPackageGroup: IModelPackageGroup;
  /** The metric read from the property file. */
  public readonly metric: JsonGet;
  /** The approval status parameter, when the pattern created it. */
  public readonly approvalStatusParameter?: PipelineParameter;

  constructor(scope: Construct, id: string, props: ConditionalRegistrationProps) {
    super(scope, id);
    const where = this.node.path;
    if (props.propertyFile._writer !== props.evaluationStep) {
      const owner = props.propertyFile._writer;
      throw new Error(`${where}: property file '${props.propertyFile.name}' is not attached to the evaluation step ${props.evaluationStep.node.path}`
        + `${owner ? ` but to ${owner.node.path}` : ''}; add it to the evaluation step's propertyFiles`);
    }
    const pathProblem = checkJsonPath(props.metricPath);
    if (pathProblem) {
      throw new Error(`${where}: metricPath '${props.metricPath}' is not a JSON path (${pathProblem}); expected a path such as 'metrics.accuracy.value'`);
    }
    if (typeof props.threshold !== 'number') {
      throw new Error(`${where}: the threshold is ${JSON.stringify(props.threshold)}; expected a number (0.8) or an Integer/Float parameter's valueAsNumber`);
    }
    const threshold = PipelineValue.fromNumber(props.threshold);
    if (threshold.kind === ValueKind.STRING || threshold.kind === ValueKind.BOOLEAN) {
      throw new Error(`${where}: the threshold ${threshold.describe()} is a ${threshold.kind}; a metric is compared with a number: `
        + 'use a number (0.8) or an Integer/Float parameter\'s valueAsNumber');
    }
    const comparison = props.comparison ?? MetricComparison.GREATER_THAN_OR_EQUAL_TO;

    if (props.modelPackageGroup && props.modelPackageGroupName) {
      throw new Error(`${where}: modelPackageGroupName names a group to create, but modelPackageGroup is given; give one of them`);
    }
    this.modelPackageGroup = props.modelPackageGroup
      ?? new ModelPackageGroup(this, 'ModelPackageGroup', { modelPackageGroupName: props.modelPackageGroupName });

    let approvalStatus = props.approvalStatus;
    if (approvalStatus === undefined) {
      this.approvalStatusParameter = PipelineParameter.ofString('ModelApprovalStatus', {
        defaultValue: ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
        enumValues: Object.values(ModelApprovalStatus),
        description: 'Approval status of the registered model version',
      });
      approvalStatus = this.approvalStatusParameter.valueAsString;
    }

    const pf = props.propertyFile;
    this.metric = new JsonGet({ propertyFile: pf, path: props.metricPath });
    this.registerStep = new RegisterModelStepConstruct(this, 'Register', {
      stepName: props.registerStepName ?? `${id}-Register`,
      modelPackageGroup: this.modelPackageGroup,
      containers: props.model.containers,
      approvalStatus,
      contentTypes: props.contentTypes ?? ['text/csv'],
      responseTypes: props.responseTypes ?? ['text/csv'],
      inferenceInstanceTypes: props.inferenceInstanceTypes,
      transformInstanceTypes: props.transformInstanceTypes,
      modelMetrics: props.modelMetrics ?? {
        modelQualityStatistics: {
          s3Uri: Join.of('/', [props.evaluationStep.outputS3Uri(pf.outputName), pf.path]).valueAsString,
          contentType: 'application/json',
        },
      },
      driftCheckBaselines: props.driftCheckBaselines,
      retryPolicies: props.retryPolicies,
    });
    const lit = literalOf(threshold);
    const thresholdText = lit.isLiteral ? String(lit.value) : threshold.valueAsString;
    this.failStep = new FailStepConstruct(this, 'Fail', {
      stepName: props.failStepName ?? `${id}-Fail`,
      errorMessage: props.failureMessage
        ?? Join.of(' ', [`Model not registered: ${props.metricPath} in ${pf.name} is not ${SYMBOLS[comparison]}`, thresholdText]).valueAsString,
    });
    this.conditionStep = new ConditionStepConstruct(this, 'Check', {
      stepName: props.conditionStepName ?? `${id}-Check`,
      conditions: [conditionOf(comparison, this.metric.valueAsNumber, props.threshold)],
      ifSteps: [this.registerStep, ...(props.passingSteps ?? [])],
      elseSteps: [this.failStep],
    });
    this.node.addValidation({
      validate: () => {
        if (!this.conditionStep.pipeline) {
          Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:registration-not-in-pipeline',
            'this ConditionalRegistration is not part of any pipeline, so it never registers a model: create it with '
            + 'ConditionalRegistration.addToPipeline, or add its conditionStep to an MlPipeline');
        }
        return [];
      },
    });
  }
}

function conditionOf(comparison: MetricComparison, metric: number, threshold: number): Condition {
  switch (comparison) {
    case MetricComparison.GREATER_THAN: return Condition.numberGreaterThan(metric, threshold);
    case MetricComparison.LESS_THAN_OR_EQUAL_TO: return Condition.numberLessThanOrEqualTo(metric, threshold);
    case MetricComparison.LESS_THAN: return Condition.numberLessThan(metric, threshold);
    case MetricComparison.EQUAL_TO: return Condition.numberEquals(metric, threshold);
    default: return Condition.numberGreaterThanOrEqualTo(metric, threshold);
  }
}
