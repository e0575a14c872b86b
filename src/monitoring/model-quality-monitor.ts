import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ContainerImage } from '../container-image';
import { MonitorBaselines, MonitorKind } from './baselines';
import { AnalysisWindow, GroundTruthLocation, PredictionAttributes, renderLabelledInput, bindGroundTruth } from './ground-truth';
import { MonitorBase, MonitorOptions } from './monitor-base';

/** The problem a model solves, for its quality metrics. */
export enum MonitoredProblemType {
  /** Two classes. */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** More than two classes. */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** A number. */
  REGRESSION = 'Regression',
}

/** Properties of a `ModelQualityMonitor`. */
export interface ModelQualityMonitorProps extends MonitorOptions, PredictionAttributes {
  /** The problem type. */
  readonly problemType: MonitoredProblemType;
  /** Where the ground truth labels are: SageMaker merges them with the captured predictions. */
  readonly groundTruth: GroundTruthLocation;
  /** The window of captured data each job analyzes. @default - the last hour */
  readonly window?: AnalysisWindow;
  /** The constraints to compare with. @default - none */
  readonly baselines?: MonitorBaselines;
}

/**
 * Model quality of an endpoint's predictions against ground truth (`AWS::SageMaker::ModelQualityJobDefinition`), on
 * Model Monitor's analyzer image; metrics such as `accuracy` or `rmse` in `aws/sagemaker/Endpoints/model-metrics`.
 */
export class ModelQualityMonitor extends MonitorBase {
  /** The job definition. */
  public readonly jobDefinition: sagemaker.CfnModelQualityJobDefinition;

  constructor(scope: Construct, id: string, props: ModelQualityMonitorProps) {
    super(scope, id, MonitorKind.MODEL_QUALITY, props, props.baselines);
    if (!props.groundTruth) {
      throw new Error(`${this.node.path}: a model quality monitor needs groundTruth (the bucket and prefix of the labels SageMaker merges with the predictions)`);
    }
    if (props.probabilityThreshold !== undefined && props.problemType !== MonitoredProblemType.BINARY_CLASSIFICATION) {
      throw new Error(`${this.node.path}: probabilityThreshold applies to BinaryClassification, not ${props.problemType}`);
    }
    const groundTruth = bindGroundTruth(this.role, props.groundTruth);
    const c = this._common;
    this.jobDefinition = new sagemaker.CfnModelQualityJobDefinition(this, 'JobDefinition', {
      jobDefinitionName: this._jobDefinitionName,
      endpointName: this.endpointName,
      roleArn: c.roleArn,
      modelQualityAppSpecification: {
        imageUri: this._imageUri(ContainerImage.modelMonitorAnalyzer()),
        problemType: props.problemType,
        environment: c.environment,
      },
      modelQualityBaselineConfig: this._constraintsBaseline,
      modelQualityJobInput: {
        endpointInput: renderLabelledInput(this.node.path, c.endpointInput, props, props.window),
        groundTruthS3Input: groundTruth,
      },
      modelQualityJobOutputConfig: c.outputConfig,
      jobResources: c.jobResources,
      networkConfig: c.networkConfig,
      stoppingCondition: c.stoppingCondition,
    });
    this._setJobDefinition(this.jobDefinition, this.jobDefinition.jobDefinitionName!);
  }
}
