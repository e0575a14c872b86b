import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  AbTestEndpoint, ContainerImage, EndpointVariant, IModelPackageGroup, InstanceType, ModelVersion, ModelVersionModel,
  RegulatedAccount, RegulatedAccountProps,
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

  constructor(scope: Construct, id: string, props: ChampionChallengerStackProps) {
    super(scope, id, props);
    const regulated = props.regulated ? RegulatedAccount.enable(this, props.regulated) : undefined;
    const challengerWeight = props.challengerWeight ?? 10;
    // Both versions were registered by the seed pipeline: XGBoost models in its artifact bucket.
    const modelProps = { artifactBuckets: [props.artifactBucket], images: [ContainerImage.xgboost('1.7-1')], networkIsolation: true };
    const champion = new ModelVersionModel(this, 'Champion', {
      modelVersion: ModelVersion.latestApproved(props.modelPackageGroup, { refreshToken: props.refreshToken }),
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
    NagSuppressions.addResourceSuppressions(regulated?.node.findChild('AwsCustomResourceHandlerRole') ?? champion.node.findChild('LatestApprovedVersion'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'The lookup calls sagemaker:ListModelPackages, which IAM authorizes on "*" only (the Service Authorization '
        + 'Reference lists no resource type for it); the call itself names the seed model group.',
      appliesTo: ['Resource::*'],
    }], true);
  }
}
