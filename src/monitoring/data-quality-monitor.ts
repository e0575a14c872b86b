import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ContainerImage } from '../container-image';
import { MonitorBaselines, MonitorKind } from './baselines';
import { MonitorBase, MonitorOptions } from './monitor-base';

/** Properties of a `DataQualityMonitor`. */
export interface DataQualityMonitorProps extends MonitorOptions {
  /** The statistics and constraints to compare with. @default - none: the jobs report statistics without violations */
  readonly baselines?: MonitorBaselines;
}

/**
 * Data quality of an endpoint's captured requests and responses against baseline statistics and constraints
 * (`AWS::SageMaker::DataQualityJobDefinition` and its `AWS::SageMaker::MonitoringSchedule`), on Model Monitor's analyzer
 * image. Drift per feature: `metricFeatureDrift(feature)`.
 */
export class DataQualityMonitor extends MonitorBase {
  /** The job definition. */
  public readonly jobDefinition: sagemaker.CfnDataQualityJobDefinition;

  constructor(scope: Construct, id: string, props: DataQualityMonitorProps) {
    super(scope, id, MonitorKind.DATA_QUALITY, props, props.baselines);
    const c = this._common;
    const { statisticsS3Uri, constraintsS3Uri } = this.baselineFiles;
    this.jobDefinition = new sagemaker.CfnDataQualityJobDefinition(this, 'JobDefinition', {
      jobDefinitionName: this._jobDefinitionName,
      endpointName: this.endpointName,
      roleArn: c.roleArn,
      dataQualityAppSpecification: { imageUri: this._imageUri(ContainerImage.modelMonitorAnalyzer()), environment: c.environment },
      dataQualityBaselineConfig: statisticsS3Uri || constraintsS3Uri ? {
        statisticsResource: statisticsS3Uri ? { s3Uri: statisticsS3Uri } : undefined,
        constraintsResource: constraintsS3Uri ? { s3Uri: constraintsS3Uri } : undefined,
      } : undefined,
      dataQualityJobInput: { endpointInput: c.endpointInput },
      dataQualityJobOutputConfig: c.outputConfig,
      jobResources: c.jobResources,
      networkConfig: c.networkConfig,
      stoppingCondition: c.stoppingCondition,
    });
    this._setJobDefinition(this.jobDefinition, this.jobDefinition.jobDefinitionName!);
  }

  /**
   * The drift of a feature from its baseline distribution, `feature_baseline_drift_<feature>` ("CloudWatch Metrics",
   * https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-interpreting-cloudwatch.html).
   */
  public metricFeatureDrift(feature: string): cloudwatch.Metric {
    return this.metric(`feature_baseline_drift_${feature}`);
  }
}
