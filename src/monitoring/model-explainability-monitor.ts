import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ContainerImage } from '../container-image';
import { MonitorBaselines, MonitorKind } from './baselines';
import { MonitorBase, MonitorOptions } from './monitor-base';
import { requireAnalysisConfig } from './private/clarify-config';

/** Properties of a `ModelExplainabilityMonitor`. */
export interface ModelExplainabilityMonitorProps extends MonitorOptions {
  /**
   * The Clarify analysis config (SHAP baseline, features) and the feature attribution constraints: a model version's
   * `DriftCheckBaselines.Explainability`, or S3 URIs (`analysisConfigS3Uri` required).
   */
  readonly baselines: MonitorBaselines;
  /** The attribute of the captured input that holds the features. @default - the whole input */
  readonly featuresAttribute?: string;
  /** The attribute of the captured output that is the prediction. @default - the whole output */
  readonly inferenceAttribute?: string;
}

/**
 * Feature attribution drift of an endpoint (`AWS::SageMaker::ModelExplainabilityJobDefinition`) on SageMaker Clarify's
 * image; metrics in `aws/sagemaker/Endpoints/explainability-metrics`
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-model-monitor-feature-attribute-drift-cw.html).
 */
export class ModelExplainabilityMonitor extends MonitorBase {
  /** The job definition. */
  public readonly jobDefinition: sagemaker.CfnModelExplainabilityJobDefinition;

  constructor(scope: Construct, id: string, props: ModelExplainabilityMonitorProps) {
    super(scope, id, MonitorKind.MODEL_EXPLAINABILITY, props, props.baselines);
    const config = requireAnalysisConfig(this, 'explainability', 'SHAP baseline and features');
    const c = this._common;
    this.jobDefinition = new sagemaker.CfnModelExplainabilityJobDefinition(this, 'JobDefinition', {
      jobDefinitionName: this._jobDefinitionName,
      endpointName: this.endpointName,
      roleArn: c.roleArn,
      modelExplainabilityAppSpecification: { imageUri: this._imageUri(ContainerImage.clarify()), configUri: config, environment: c.environment },
      modelExplainabilityBaselineConfig: this._constraintsBaseline,
      modelExplainabilityJobInput: {
        endpointInput: { ...c.endpointInput, featuresAttribute: props.featuresAttribute, inferenceAttribute: props.inferenceAttribute },
      },
      modelExplainabilityJobOutputConfig: c.outputConfig,
      jobResources: c.jobResources,
      networkConfig: c.networkConfig,
      stoppingCondition: c.stoppingCondition,
    });
    this._setJobDefinition(this.jobDefinition, this.jobDefinition.jobDefinitionName!);
  }
}
