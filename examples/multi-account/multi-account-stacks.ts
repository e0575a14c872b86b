import { Aspects, Stack, StackProps, Stage } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  AbTestEndpoint, ContainerImage, IModelPackageGroup, IServingStackFactory, InstanceType, ModelDeploymentPipeline, ModelPackageGroup,
  ModelVersion, ModelVersionModel, ServingStack, ServingTarget,
} from '../../src';
import { policyOf, suppressAwsCdkLibFunction } from '../nag';

/** The accounts of the multi-account example (from context: `-c registryAccount=... -c stagingAccount=... -c productionAccount=...`). */
export interface MultiAccountEnvironments {
  /** The tooling account: the training pipeline, the model registry, the deployment pipeline. */
  readonly registryAccount: string;
  /** The staging account: the endpoint a version is tested on first. */
  readonly stagingAccount: string;
  /** The production account: the endpoint a version serves from after a manual approval. */
  readonly productionAccount: string;
  /** The region of all three. */
  readonly region: string;
}

/** Properties of the `ModelPromotionStack`. */
export interface ModelPromotionStackProps extends StackProps {
  /** The accounts. */
  readonly accounts: MultiAccountEnvironments;
  /** The group the training pipeline registers its versions in (in the registry account). */
  readonly modelPackageGroup: IModelPackageGroup;
  /** The training pipeline's artifact bucket (the versions' model artifacts). */
  readonly artifactBucket: s3.IBucket;
  /** The CodeConnections connection to the app's repository (context `connectionArn`). */
  readonly connectionArn: string;
  /** The app's repository, `owner/name` (context `repository`). */
  readonly repository: string;
}

/**
 * The registry account's deployment pipeline: a version approved in the seed group is deployed to staging, smoke
 * tested, approved by hand, deployed to production and smoke tested again.
 */
export class ModelPromotionStack extends Stack {
  public readonly deployment: ModelDeploymentPipeline;

  constructor(scope: Construct, id: string, props: ModelPromotionStackProps) {
    super(scope, id, props);
    const { accounts } = props;
    const servingStacks = new ServingStacks();
    this.deployment = new ModelDeploymentPipeline(this, 'ModelPromotion', {
      modelPackageGroup: props.modelPackageGroup,
      source: pipelines.CodePipelineSource.connection(props.repository, 'main', { connectionArn: props.connectionArn }),
      synthCommands: ['npm ci', `npx cdk synth -c registryAccount=${accounts.registryAccount} -c stagingAccount=${accounts.stagingAccount} `
        + `-c productionAccount=${accounts.productionAccount} -c region=${accounts.region}`],
      targets: [
        { stageName: 'Staging', env: { account: accounts.stagingAccount, region: accounts.region }, stackFactory: servingStacks },
        { stageName: 'Production', env: { account: accounts.productionAccount, region: accounts.region }, stackFactory: servingStacks },
      ],
      // One record of the seed pipeline's features (header-less CSV, as the model was trained).
      smokeTest: { body: '0.5,1.2,-0.3', contentType: 'text/csv' },
      artifactBuckets: [props.artifactBucket],
    });
    suppressPipelineFindings(this.deployment);
  }
}

/** Each serving account's stack: the group's latest approved version behind an endpoint. */
class ServingStacks implements IServingStackFactory {
  public createServingStack(stage: Stage, target: ServingTarget): ServingStack {
    const stack = new Stack(stage, 'SeedServing', { description: `The seed model's endpoint in ${target.stageName}` });
    // The pipeline synthesizes its stages as it is built, and the app's aspects do not reach into them: checked here.
    Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
    // By ARN: the group is in the registry account (by name it would be looked up in this one).
    const group = ModelPackageGroup.fromModelPackageGroupArn(stack, 'SeedModels', target.modelPackageGroupArn);
    const champion = new ModelVersionModel(stack, 'Champion', {
      modelVersion: ModelVersion.latestApproved(group, { refreshToken: target.deploymentRun }),
      images: [ContainerImage.xgboost('1.7-1')],
      networkIsolation: true,
    });
    const endpoint = new AbTestEndpoint(stack, 'SeedEndpoint', {
      variants: [{ variantName: 'champion', model: champion, weight: 100, instanceType: InstanceType.ML_M5_LARGE }],
    });
    suppressServingFindings(stack, champion);
    return { stack, endpointName: endpoint.endpoint.endpointName, endpointArn: endpoint.endpoint.endpointArn };
  }
}

/** The cdk-nag findings of a serving stack, each with its reason. */
function suppressServingFindings(stack: Stack, champion: ModelVersionModel): void {
  NagSuppressions.addResourceSuppressions(policyOf(champion.role!), [{
    id: 'AwsSolutions-IAM5',
    reason: 'The version is looked up when the stack deploys, so its artifacts\' bucket and key and its image\'s repository are known only '
      + 'then: the model role may read objects of buckets in the registry account (aws:ResourceAccount), decrypt through S3 with its keys '
      + '(kms:ViaService) and pull from its repositories, and the registry account\'s bucket, key and repository policies name what is '
      + 'shared (ModelPackageGroup.shareForServing). It writes the endpoint\'s logs to /aws/sagemaker/Endpoints/ log groups and its metrics '
      + '(cloudwatch:PutMetricData and ecr:GetAuthorizationToken are authorized on "*" only).',
    appliesTo: [
      'Resource::arn:aws:s3:::*/*',
      { regex: '/^Resource::arn:(<AWS::Partition>|aws):(kms|ecr):[a-z0-9-]+:\\d{12}:(key|repository)/\\*$/' },
      { regex: '/^Resource::arn:(<AWS::Partition>|aws):logs:[a-z0-9-]+:\\d{12}:log-group:/aws/sagemaker/Endpoints/\\*$/' },
      'Resource::*',
    ],
  }], true);
  const lookupFunction = stack.node.children.find((c) => c.node.id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'))!;
  suppressAwsCdkLibFunction(lookupFunction, 'AwsCustomResource');
  NagSuppressions.addResourceSuppressions(champion.node.findChild('LatestApprovedVersion'), [{
    id: 'AwsSolutions-IAM5',
    reason: 'The lookup calls sagemaker:ListModelPackages, which IAM authorizes on "*" only (the Service Authorization Reference lists '
      + 'no resource type for it); the call names the registry account\'s group by ARN, which the group\'s policy lets this account list.',
    appliesTo: ['Resource::*'],
  }], true);
}

/** The cdk-nag findings of aws-cdk-lib's CDK Pipelines constructs, each with its reason. */
function suppressPipelineFindings(deployment: ModelDeploymentPipeline): void {
  const stack = Stack.of(deployment);
  NagSuppressions.addResourceSuppressionsByPath(stack, `${deployment.node.path}/Pipeline/Pipeline/ArtifactsBucket/Resource`, [{
    id: 'AwsSolutions-S1',
    reason: 'CDK Pipelines\' artifact bucket holds the synthesized app between the pipeline\'s stages (encrypted with the pipeline\'s '
      + 'rotated key, SSL only, no public access); its access is the pipeline\'s roles\', logged by CloudTrail.',
  }]);
  NagSuppressions.addResourceSuppressions(deployment.pipeline.pipeline, [{
    id: 'AwsSolutions-IAM5',
    reason: 'CDK Pipelines\' roles read and write the pipeline\'s artifact bucket (aws-cdk-lib\'s grantReadWrite action groups on its '
      + 'objects) and encrypt with its key (kms:GenerateDataKey*, kms:ReEncrypt*), assume the target accounts\' bootstrap roles, and '
      + 'run CodeBuild projects whose log streams and report groups are created per build.',
  }], true);
  NagSuppressions.addResourceSuppressions(deployment, [{
    id: 'AwsSolutions-IAM5',
    reason: 'The CodeBuild projects of CDK Pipelines (synth, self-mutation, asset publishing, smoke tests) write log streams and test '
      + 'reports created per build, read and write the pipeline\'s artifact bucket (grantReadWrite action groups), and the self-mutation '
      + 'and asset steps assume the CDK bootstrap roles of each account (cdk-hnb659fds-*), as CDK Pipelines is designed.',
  }], true);
}
