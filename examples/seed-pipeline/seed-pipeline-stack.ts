import * as path from 'path';
import { CfnResource, Duration, RemovalPolicy, Size, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagPackSuppression, NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  ConditionalRegistration, ContainerImage, CreateModelStepConstruct, InstanceType, Join, MetricComparison, MlPipeline,
  DatasetFormat, ModelPackageGroup, PipelineParameter, PipelineValue, ProcessingCode, ProcessingStepConstruct, PropertyFile,
  QualityCheckStepConstruct, QualityCheckType, RegistrationModel,
  RegulatedAccount, RegulatedAccountProps, TrainingStepConstruct,
} from '../../src';
import { ENV, PARTITION, policyOf, suppressAwsCdkLibFunction, suppressRegulatedBucket, suppressRegulatedHandlerRoles } from '../nag';

/**
 * The seed pipeline: preprocess → train (XGBoost) → evaluate into a property file → create the model → register it
 * in `SeedModelGroup` when the accuracy clears `AccuracyThreshold` (a `ConditionalRegistration`), else fail; failed
 * executions are published to an encrypted SNS topic (`cdk synth -c alertEmail=you@example.com` subscribes you).
 */
export interface SeedPipelineStackProps extends StackProps {
  /**
   * The stack is in a regulated account (NIST 800-53 R5, HIPAA): `RegulatedAccount` with these properties, and a
   * VPC for the handlers when none is given (isolated subnets with S3 and SageMaker API endpoints, flow logs).
   *
   * @default - not regulated
   */
  readonly regulated?: RegulatedAccountProps;
}

export class SeedPipelineStack extends Stack {
  public readonly pipeline: MlPipeline;
  public readonly registration: ConditionalRegistration;
  public readonly modelPackageGroup: ModelPackageGroup;
  /** The regulated configuration, when the stack is regulated. */
  public readonly regulated?: RegulatedAccount;

  constructor(scope: Construct, id: string, props: SeedPipelineStackProps = {}) {
    super(scope, id, props);

    const vpc = props.regulated ? props.regulated.vpc ?? regulatedVpc(this) : undefined;
    if (props.regulated) {
      this.regulated = RegulatedAccount.enable(this, { ...props.regulated, vpc });
    }
    // Where the raw data is uploaded (`aws s3 cp data.csv s3://<bucket>/raw/data.csv`), and where S3 access logs go.
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const rawData = new s3.Bucket(this, 'RawData', {
      ...(this.regulated
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.regulated.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'raw-data/',
    });

    // Parameters.
    const processingInstanceType = PipelineParameter.ofString('ProcessingInstanceType', { defaultValue: 'ml.m5.xlarge' });
    const processingInstanceCount = PipelineParameter.ofInteger('ProcessingInstanceCount', { defaultValue: 1 });
    const trainingInstanceType = PipelineParameter.ofString('TrainingInstanceType', { defaultValue: 'ml.m5.xlarge' });
    const modelApprovalStatus = PipelineParameter.ofString('ModelApprovalStatus', {
      defaultValue: 'PendingManualApproval',
      enumValues: ['PendingManualApproval', 'Approved', 'Rejected'],
    });
    const inputData = PipelineParameter.ofString('InputData', {
      defaultValue: rawData.s3UrlForObject('raw/data.csv'),
      description: 'S3 URI of the raw CSV data (label first)',
    });
    const accuracyThreshold = PipelineParameter.ofFloat('AccuracyThreshold', { defaultValue: 0.8 });

    const xgboost = ContainerImage.xgboost('1.7-1');
    const scripts = path.join(__dirname, 'scripts');

    // Preprocess.
    const preprocess = new ProcessingStepConstruct(this, 'Preprocess', {
      image: ContainerImage.sklearn('1.2-1'),
      code: ProcessingCode.fromAsset(path.join(scripts, 'preprocess.py')),
      inputs: [{ inputName: 'input', source: inputData.valueAsString, destination: '/opt/ml/processing/input' }],
      outputs: ['train', 'validation', 'test', 'baseline'].map((name) => ({ outputName: name, source: `/opt/ml/processing/${name}` })),
      instanceType: InstanceType.of(processingInstanceType.valueAsString),
      instanceCount: processingInstanceCount.valueAsNumber,
      volumeSize: Size.gibibytes(30),
    });

    // Train.
    const train = new TrainingStepConstruct(this, 'Train', {
      image: xgboost,
      hyperparameters: { objective: 'binary:logistic', num_round: 50, max_depth: 5, eta: 0.2 },
      channels: ['train', 'validation'].map((name) => ({
        channelName: name,
        s3Uri: preprocess.outputS3Uri(name),
        contentType: 'text/csv',
      })),
      instanceType: InstanceType.of(trainingInstanceType.valueAsString),
      instanceCount: 1,
      volumeSize: Size.gibibytes(30),
      maxRuntime: Duration.seconds(86400),
    });

    // Evaluate.
    const evaluationReport = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = new ProcessingStepConstruct(this, 'Evaluate', {
      image: xgboost,
      code: ProcessingCode.fromAsset(path.join(scripts, 'evaluate.py')),
      inputs: [
        { inputName: 'model', source: train.modelArtifactsS3Uri, destination: '/opt/ml/processing/model' },
        { inputName: 'test', source: preprocess.outputS3Uri('test'), destination: '/opt/ml/processing/test' },
      ],
      outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
      propertyFiles: [evaluationReport],
      instanceType: InstanceType.of(processingInstanceType.valueAsString),
      instanceCount: 1,
    });

    // The model, and its registration when it is accurate enough (else the execution fails, and the alert topic
    // tells whoever is subscribed).
    const createModel = new CreateModelStepConstruct(this, 'CreateModel', {
      containers: [{ image: xgboost, modelDataUrl: train.modelArtifactsS3Uri }],
    });
    const group = new ModelPackageGroup(this, 'SeedModelGroup', {
      modelPackageGroupName: 'SeedModelGroup',
      description: 'Models of the seed pipeline',
    });
    this.modelPackageGroup = group;

    // The data quality baseline of the features the endpoint will receive (statistics and constraints, on Model
    // Monitor's analyzer), registered with the model as its drift baseline: the endpoint's monitor compares the
    // captured requests with the baseline of the version that serves.
    const dataQuality = new QualityCheckStepConstruct(this, 'DataQualityBaseline', {
      checkType: QualityCheckType.DATA_QUALITY,
      baselineDataset: preprocess.outputS3Uri('baseline'),
      datasetFormat: DatasetFormat.csv({ header: false }),
      // Each run computes the baseline of its own training data and registers it with its model.
      skipCheck: PipelineValue.fromBoolean(true),
      registerNewBaseline: PipelineValue.fromBoolean(true),
      instanceType: InstanceType.ML_M5_XLARGE,
    });

    const alertEmail: string | undefined = this.node.tryGetContext('alertEmail');
    this.pipeline = new MlPipeline(this, 'SeedPipeline', {
      pipelineName: 'SeedPipeline',
      description: 'Preprocess, train XGBoost, evaluate, and register the model when it is accurate enough',
      parameters: [processingInstanceType, processingInstanceCount, trainingInstanceType, modelApprovalStatus, inputData, accuracyThreshold],
      steps: [preprocess, dataQuality, train, evaluate, createModel],
      serverAccessLogsBucket: accessLogs,
      notifications: { emailAddresses: alertEmail ? [alertEmail] : undefined },
    });
    this.registration = ConditionalRegistration.addToPipeline(this.pipeline, 'AccuracyGate', {
      evaluationStep: evaluate,
      propertyFile: evaluationReport,
      metricPath: 'binary_classification_metrics.accuracy.value',
      comparison: MetricComparison.GREATER_THAN_OR_EQUAL_TO,
      threshold: accuracyThreshold.valueAsNumber,
      model: RegistrationModel.fromTrainingStep(train),
      modelPackageGroup: group,
      approvalStatus: modelApprovalStatus.valueAsString,
      contentTypes: ['text/csv'],
      responseTypes: ['text/csv'],
      inferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.large'],
      transformInstanceTypes: ['ml.m5.large'],
      failureMessage: Join.of(' ', ['Accuracy below', accuracyThreshold.valueAsString]).valueAsString,
      driftCheckBaselines: {
        modelDataQualityStatistics: { s3Uri: dataQuality.baselineUsedForDriftCheckStatistics, contentType: 'application/json' },
        modelDataQualityConstraints: { s3Uri: dataQuality.baselineUsedForDriftCheckConstraints, contentType: 'application/json' },
      },
      conditionStepName: 'CheckAccuracy',
      registerStepName: 'RegisterModel',
      failStepName: 'AccuracyTooLow',
    });

    NagSuppressions.addResourceSuppressions(accessLogs, [{
      id: 'AwsSolutions-S1',
      reason: 'This is the bucket that receives the other buckets\' server access logs; logging it to itself would loop.',
    }]);
    if (this.regulated) {
      suppressRegulatedBucket(accessLogs, true);
      suppressRegulatedBucket(rawData, false);
      suppressRegulatedHandlerRoles(this.regulated);
      if (vpc instanceof ec2.Vpc) {
        vpc.addFlowLog('FlowLogs', { destination: ec2.FlowLogDestination.toS3(accessLogs, 'vpc-flow-logs/') });
      }
    }
    // Each suppression sits on the one policy it explains (applied to that policy's own resource only), so a wildcard
    // added anywhere else is still reported.
    NagSuppressions.addResourceSuppressions(policyOf(this.pipeline.role), [{
      id: 'AwsSolutions-IAM5',
      reason: 'SageMaker Pipelines names the jobs it starts pipelines-<execution>-<step>-..., so job permissions are scoped '
        + 'to that prefix; job outputs are written under per-execution prefixes of the artifact bucket; logs go to the '
        + '/aws/sagemaker/ log groups; models get names chosen by SageMaker; registered versions are model-package/<group>/*; '
        + 'the input data parameter defaults to the raw data object (its versions are listed under the same key prefix).',
      appliesTo: [
        { regex: `/^Resource::arn:${PARTITION}:sagemaker:${ENV}:(processing|training)-job/pipelines-\\*$/` },
        { regex: `/^Resource::arn:${PARTITION}:sagemaker:${ENV}:model/\\*$/` },
        // Both forms of the group name: see nameForms in src/model-package-group.ts.
        { regex: `/^Resource::arn:${PARTITION}:sagemaker:${ENV}:model-package/(SeedModelGroup|seedmodelgroup)/\\*$/` },
        { regex: '/^Resource::<SeedPipelineArtifactBucket[A-Z0-9]+\\.Arn>/\\*$/' },
        { regex: `/^Resource::arn:${PARTITION}:logs:${ENV}:log-group:/aws/sagemaker/\\*$/` },
        { regex: `/^Resource::arn:${PARTITION}:s3:::<RawData[A-Z0-9]+>/raw/data\\.csv\\*$/` },
        // In the regulated configuration the buckets are encrypted with the account's key, whose data keys S3 asks for.
        ...(this.regulated ? [{ regex: '/^Action::kms:(GenerateDataKey|ReEncrypt)\\*$/' }] : []),
      ],
    }], true);
    NagSuppressions.addResourceSuppressions(this.pipeline.notifications!.rule.node.tryFindChild('EventsRole') ?? this.pipeline.notifications!.node.findChild('EventsRole'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'The alert rule publishes to the KMS-encrypted topic through this role; SNS asks the key for data keys of '
        + 'the GenerateDataKey family, which aws-cdk-lib\'s Topic.grantPublish grants as kms:GenerateDataKey* on that one key.',
      appliesTo: ['Action::kms:GenerateDataKey*'],
    }], true);
    // The scripts are copied at deploy time into the artifact bucket under their own names by aws-cdk-lib's
    // BucketDeployment, whose handler (one per stack) is aws-cdk-lib's, with the role and runtime that module gives it.
    const codeUploadHandler = this.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))!;
    // In a regulated account, the handler runs with the account configuration's role (of managed policies).
    const codeUploadWildcards: NagPackSuppression[] = [{
      id: 'AwsSolutions-IAM5',
      reason: 'The BucketDeployment handler reads the uploaded code from the CDK assets bucket and writes it under the '
        + 'artifact bucket; aws-cdk-lib grants these with the Bucket.grantRead/grantReadWrite action groups on the two buckets\' objects.',
      appliesTo: [
        { regex: '/^Action::s3:(GetObject|GetBucket|List|Abort|DeleteObject)\\*$/' },
        { regex: '/^Action::kms:(GenerateDataKey|ReEncrypt)\\*$/' },
        { regex: `/^Resource::arn:${PARTITION}:s3:::cdk-[a-z0-9]+-assets-(<AWS::AccountId>|\\d{12})-(<AWS::Region>|[a-z0-9-]+)/\\*$/` },
        { regex: '/^Resource::<SeedPipelineArtifactBucket[A-Z0-9]+\\.Arn>/\\*$/' },
      ],
    }];
    const regulatedHandlerRole = this.regulated?.node.findChild('BucketDeploymentHandlerRole');
    suppressAwsCdkLibFunction(codeUploadHandler, 'BucketDeployment', regulatedHandlerRole ? [] : codeUploadWildcards);
    if (regulatedHandlerRole) {
      NagSuppressions.addResourceSuppressions(regulatedHandlerRole, codeUploadWildcards, true);
    }
    NagSuppressions.addResourceSuppressions(this.pipeline.node.findChild('WildcardResourcePolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'This policy holds only actions that IAM authorizes on "*" alone (the Service Authorization Reference lists no '
        + 'resource type for them): ecr:GetAuthorizationToken, to pull the SageMaker framework images, and '
        + 'cloudwatch:PutMetricData, limited by condition to the /aws/sagemaker/ namespaces.',
      appliesTo: ['Resource::*'],
    }], true);
  }
}

/**
 * The network of the regulated example: isolated subnets (no internet route) in two zones, an S3 gateway endpoint (the
 * BucketDeployment handler copies code and definitions, and answers CloudFormation through S3), a SageMaker API
 * interface endpoint (the model-version lookup), flow logs into an encrypted log group.
 */
function regulatedVpc(scope: Construct): ec2.IVpc {
  const cidr = '10.0.0.0/16';
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr(cidr),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
  });
  // HTTPS from the VPC's own addresses (written out, so that the security group's rule is a literal cdk-nag can check).
  const endpoint = vpc.addInterfaceEndpoint('SageMakerApi', { service: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API, open: false });
  endpoint.connections.allowFrom(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
  // aws-cdk-lib closes the VPC's default security group (@aws-cdk/aws-ec2:restrictDefaultSecurityGroup) with a custom
  // resource whose role has an inline policy, which cdk-nag does not see (it is not an iam.CfnRole) but AWS Config's
  // iam-no-inline-policy-check would: the same permissions as a managed policy instead.
  const provider = Stack.of(scope).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
  const providerRole = provider?.node.tryFindChild('Role') as CfnResource | undefined;
  if (providerRole) {
    providerRole.addPropertyDeletionOverride('Policies');
    new iam.CfnManagedPolicy(scope, 'VpcRestrictDefaultSGPolicy', {
      roles: [providerRole.ref],
      policyDocument: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({
          actions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
          resources: [Stack.of(scope).formatArn({ service: 'ec2', resource: 'security-group', resourceName: vpc.vpcDefaultSecurityGroup })],
        })],
      }),
    });
  }
  return vpc;
}
