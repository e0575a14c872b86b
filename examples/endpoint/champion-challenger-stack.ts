import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  AbTestEndpoint, ContainerImage, EndpointVariant, IModelPackageGroup, InstanceType, ModelVersion, ModelVersionModel,
  DataQualityMonitor, MlPipeline, MonitorBaselines, MonitoredEndpoint, MonitoringScheduleExpression, RegulatedAccount,
  RegulatedAccountProps,
} from '../../src';
import { ENV, PARTITION, policyOf, suppressAwsCdkLibFunction, suppressRegulatedBucket, suppressRegulatedHandlerRoles } from '../nag';

/** Properties of the `ChampionChallengerStack`. */
export interface ChampionChallengerStackProps extends StackProps {
  /** The group the seed pipeline registers its models in. */
  readonly modelPackageGroup: IModelPackageGroup;
  /** The bucket the seed pipeline writes its model artifacts to. */
  readonly artifactBucket: s3.IBucket;
  /** A model package ARN to serve as the challenger (context `challengerModelPackageArn`); none: the champion alone. */
  readonly challengerModelPackageArn?: string;
  /** The challenger's share of the traffic in percent (context `challengerWeight`). */
  readonly challengerWeight?: number;
  /** Changes to look the latest approved version up again (context `modelRefresh`). */
  readonly refreshToken?: string;
  /**
   * The pipeline that trains the model: retrained when the champion's data drifts (a data quality monitor on the
   * endpoint, against the baselines registered with the approved version).
   *
   * @default - no monitor
   */
  readonly retrainPipeline?: MlPipeline;
  /**
   * The stack is in a regulated account (NIST 800-53 R5, HIPAA): `RegulatedAccount` with these properties.
   *
   * @default - not regulated
   */
  readonly regulated?: RegulatedAccountProps;
}

/**
 * The second half of the loop: the seed group's latest approved version serves as the champion of an endpoint, and,
 * when a challenger version is given, a challenger takes a share of the traffic (A/B). A changed share is a new
 * endpoint configuration, rolled out as a blue/green canary that rolls back on the variants' alarms.
 */
export class ChampionChallengerStack extends Stack {
  public readonly endpoint: AbTestEndpoint;
  /** The data quality monitor of the endpoint, with a retraining pipeline. */
  public readonly dataQualityMonitor?: DataQualityMonitor;

  constructor(scope: Construct, id: string, props: ChampionChallengerStackProps) {
    super(scope, id, props);
    const regulated = props.regulated ? RegulatedAccount.enable(this, props.regulated) : undefined;
    const challengerWeight = props.challengerWeight ?? 10;
    // Both versions were registered by the seed pipeline: XGBoost models in its artifact bucket.
    const modelProps = { artifactBuckets: [props.artifactBucket], images: [ContainerImage.xgboost('1.7-1')], networkIsolation: true };
    const championVersion = ModelVersion.latestApproved(props.modelPackageGroup, { refreshToken: props.refreshToken });
    const champion = new ModelVersionModel(this, 'Champion', {
      modelVersion: championVersion,
      ...modelProps,
    });
    const variants: EndpointVariant[] = [{
      variantName: 'champion',
      model: champion,
      weight: props.challengerModelPackageArn ? 100 - challengerWeight : 100,
      instanceType: InstanceType.ML_M5_LARGE,
      autoScaling: { minCapacity: 1, maxCapacity: 4, maxRequestsPerSecond: 20 },
    }];
    const models = [champion];
    if (props.challengerModelPackageArn) {
      const challenger = new ModelVersionModel(this, 'Challenger', {
        modelVersion: ModelVersion.fromModelPackageArn(props.challengerModelPackageArn),
        ...modelProps,
      });
      models.push(challenger);
      variants.push({ variantName: 'challenger', model: challenger, weight: challengerWeight, instanceType: InstanceType.ML_M5_LARGE });
    }

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.endpoint = new AbTestEndpoint(this, 'SeedEndpoint', {
      variants,
      dataCapture: { samplingPercentage: 20, serverAccessLogsBucket: accessLogs },
    });

    if (props.retrainPipeline) {
      // Every hour, the captured requests against the data quality baseline registered with the serving version (read
      // from the registry when the stack deploys); a feature that drifts past 0.2 retrains the seed pipeline.
      this.dataQualityMonitor = new DataQualityMonitor(this, 'DataQualityMonitor', {
        endpoint: MonitoredEndpoint.fromAbTestEndpoint(this.endpoint),
        // The version the champion serves (its lookup's result): its baselines, read with DescribeModelPackage.
        baselines: MonitorBaselines.fromModelVersion(ModelVersion.fromModelPackageArn(champion.modelPackageArn), {
          refreshToken: props.refreshToken,
        }),
        baselineBuckets: [props.artifactBucket],
        schedule: MonitoringScheduleExpression.hourly(),
        instanceType: InstanceType.ML_M5_LARGE,
      });
      this.dataQualityMonitor.retrainOnDrift(props.retrainPipeline, {
        // Header-less CSV: the analyzer names the features _c0, _c1, ...
        metrics: ['_c0', '_c1', '_c2'].map((feature) => this.dataQualityMonitor!.metricFeatureDrift(feature)),
        threshold: 0.2,
      });
      NagSuppressions.addResourceSuppressions(policyOf(this.dataQualityMonitor.role), [{
        id: 'AwsSolutions-IAM5',
        reason: 'The monitoring job reads the data the endpoint captured under its prefix and the baselines under the seed pipeline\'s '
          + 'artifact bucket (aws-cdk-lib\'s Bucket.grantRead action groups on their objects), writes its reports under its prefix '
          + '(grantPut), writes logs to the /aws/sagemaker/ProcessingJobs log group SageMaker names per job, and PutMetricData '
          + '(authorized on "*" only, limited to its namespace) and ecr:GetAuthorizationToken (on "*" only).',
        appliesTo: [
          { regex: '/^Action::s3:(GetObject|GetBucket|List|Abort)\\*$/' },
          ...(regulated ? [{ regex: '/^Action::kms:(GenerateDataKey|ReEncrypt)\\*$/' }] : []),
          { regex: '/^Resource::<SeedEndpointDataCaptureBucket[A-Z0-9]+\\.Arn>/(data-capture/<SeedEndpoint[A-Z0-9]+\\.EndpointName>|monitoring/data-quality)/\\*$/' },
          { regex: '/^Resource::<SeedPipelineArtifactBucket[A-Z0-9]+\\.Arn>/\\*$/' },
          { regex: '/^Resource::\\{"Fn::GetStackOutput":\\{"StackName":"SeedPipelineStack",[^}]*"OutputName":"[A-Za-z]*SeedPipelineArtifactBucket[A-Za-z0-9]*"\\}\\}/\\*$/' },
          { regex: `/^Resource::arn:${PARTITION}:logs:${ENV}:log-group:/aws/sagemaker/ProcessingJobs\\*$/` },
          'Resource::*',
        ],
      }], true);
      // The notifying role: aws-cdk-lib's under the rule, or in a regulated account the monitor's own (managed policy).
      const notifyRole = this.dataQualityMonitor.node.tryFindChild('NotifyRole') ?? this.dataQualityMonitor.node.findChild('RetrainOnDrift');
      NagSuppressions.addResourceSuppressions(notifyRole, [{
        id: 'AwsSolutions-IAM5',
        reason: 'The drift rule tells the pipeline\'s KMS-encrypted alert topic through this role; SNS asks the key for data keys of '
          + 'the GenerateDataKey family, which aws-cdk-lib\'s Topic.grantPublish grants as kms:GenerateDataKey* on that one key.',
        appliesTo: ['Action::kms:GenerateDataKey*'],
      }], true);
    }

    NagSuppressions.addResourceSuppressions(accessLogs, [{
      id: 'AwsSolutions-S1',
      reason: 'This is the bucket that receives the data capture bucket\'s server access logs; logging it to itself would loop.',
    }]);
    if (regulated) {
      suppressRegulatedBucket(accessLogs, true);
      suppressRegulatedHandlerRoles(regulated);
    }
    for (const model of models) {
      NagSuppressions.addResourceSuppressions(policyOf(model.role!), [{
        id: 'AwsSolutions-IAM5',
        reason: 'SageMaker reads the model artifacts under the seed pipeline\'s artifact bucket (aws-cdk-lib\'s Bucket.grantRead '
          + 'action groups on its objects), writes the endpoint\'s logs to /aws/sagemaker/Endpoints/ log groups and its metrics '
          + '(cloudwatch:PutMetricData is authorized on "*" only, limited by namespace), and the data capture under its prefix; '
          + 'ecr:GetAuthorizationToken is authorized on "*" only.',
        appliesTo: [
          { regex: '/^Action::s3:(GetObject|GetBucket|List|Abort)\\*$/' },
          // In the regulated configuration the buckets are encrypted with the account's key, whose data keys S3 asks for.
          ...(regulated ? [{ regex: '/^Action::kms:(GenerateDataKey|ReEncrypt)\\*$/' }] : []),
          // The artifact bucket of the pipeline's stack, as cdk-nag spells a cross-stack reference (a reference, or the weak
          // reference of the defaultCrossStackReferences flag).
          { regex: '/^Resource::<SeedPipelineArtifactBucket[A-Z0-9]+\\.Arn>/\\*$/' },
          { regex: '/^Resource::\\{"Fn::GetStackOutput":\\{"StackName":"SeedPipelineStack",[^}]*"OutputName":"[A-Za-z]*SeedPipelineArtifactBucket[A-Za-z0-9]*"\\}\\}/\\*$/' },
          { regex: '/^Resource::<SeedEndpointDataCaptureBucket[A-Z0-9]+\\.Arn>/data-capture/\\*$/' },
          { regex: `/^Resource::arn:${PARTITION}:logs:${ENV}:log-group:/aws/sagemaker/Endpoints/\\*$/` },
          'Resource::*',
        ],
      }], true);
    }
    // The deploy-time lookup of the latest approved version is aws-cdk-lib's AwsCustomResource (one function per stack).
    const lookupFunction = this.node.children.find((c) => c.node.id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'))!;
    suppressAwsCdkLibFunction(lookupFunction, 'AwsCustomResource');
    // The lookup's permission: aws-cdk-lib's policy, or in a regulated account a managed policy of the lookup's own.
    NagSuppressions.addResourceSuppressions(champion.node.tryFindChild('LatestApprovedVersionPolicy') ?? champion.node.findChild('LatestApprovedVersion'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'The lookup calls sagemaker:ListModelPackages, which IAM authorizes on "*" only (the Service Authorization '
        + 'Reference lists no resource type for it); the call itself names the seed model group.',
      appliesTo: ['Resource::*'],
    }], true);
  }
}
