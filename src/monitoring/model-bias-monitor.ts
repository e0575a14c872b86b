import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ContainerImage } from '../container-image';
import { MonitorBaselines, MonitorKind } from './baselines';
import { AnalysisWindow, GroundTruthLocation, PredictionAttributes, renderLabelledInput, bindGroundTruth } from './ground-truth';
import { MonitorBase, MonitorOptions } from './monitor-base';
import { requireAnalysisConfig } from './private/clarify-config';

/** Properties of a `ModelBiasMonitor`. */
export interface ModelBiasMonitorProps extends MonitorOptions, PredictionAttributes {
  /**
   * The Clarify analysis config (facets, label, thresholds) and the post-training bias constraints: a model version's
   * `DriftCheckBaselines.Bias`, or S3 URIs (`analysisConfigS3Uri` required).
   */
  readonly baselines: MonitorBaselines;
  /** Where the ground truth labels are. */
  readonly groundTruth: GroundTruthLocation;
  /** The window of captured data each job analyzes. @default - the last hour */
  readonly window?: AnalysisWindow;
}

/**
 * Bias drift of an endpoint's predictions (`AWS::SageMaker::ModelBiasJobDefinition`) on SageMaker Clarify's image;
 * metrics `bias_metric_<name>` in `aws/sagemaker/Endpoints/bias-metrics`
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-model-monitor-bias-drift-cw.html).
 */
export class ModelBiasMonitor extends MonitorBase {
  /** The job definition. */
  public readonly jobDefinition: sagemaker.CfnModelBiasJobDefinition;

  constructor(scope: Construct, id: string, props: ModelBiasMonitorProps) {
    super(scope, id, MonitorKind.MODEL_BIAS, props, props.baselines);
    const config = requireAnalysisConfig(this, 'bias', 'facets and label');
    if (!props.groundTruth) {
      throw new Error(`${this.node.path}: a bias monitor needs groundTruth (the labels post-training bias metrics are measured against)`);
    }
    const groundTruth = bindGroundTruth(this.role, props.groundTruth);
    const c = this._common;
    this.jobDefinition = new sagemaker.CfnModelBiasJobDefinition(this, 'JobDefinition', {
      jobDefinitionName: this._jobDefinitionName,
      endpointName: this.endpointName,
      roleArn: c.roleArn,
      modelBiasAppSpecification: { imageUri: this._imageUri(ContainerImage.clarify()), configUri: config, environment: c.environment },
      modelBiasBaselineConfig: this._constraintsBaseline,
      modelBiasJobInput: {
        endpointInput: renderLabelledInput(this.node.path, c.endpointInput, props, props.window),
        groundTruthS3Input: groundTruth,
      },
      modelBiasJobOutputConfig: c.outputConfig,
      jobResources: c.jobResources,
      networkConfig: c.networkConfig,
      stoppingCondition: c.stoppingCondition,
    });
    this._setJobDefinition(this.jobDefinition, this.jobDefinition.jobDefinitionName!);
  }
}
