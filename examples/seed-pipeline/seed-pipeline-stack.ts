import * as path from 'path';
import { Duration, RemovalPolicy, Size, Stack, StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  ConditionalRegistration, ContainerImage, CreateModelStepConstruct, InstanceType, Join, MetricComparison, MlPipeline,
  ModelPackageGroup, PipelineParameter, ProcessingCode, ProcessingStepConstruct, PropertyFile, RegistrationModel,
  TrainingStepConstruct,
} from '../../src';
import { ENV, PARTITION, suppressAwsCdkLibFunction } from '../nag';

/**
 * The seed pipeline: preprocess → train (XGBoost) → evaluate into a property file → create the model → register it
 * in `SeedModelGroup` when the accuracy clears `AccuracyThreshold` (a `ConditionalRegistration`), else fail; failed
 * executions are published to an encrypted SNS topic (`cdk synth -c alertEmail=you@example.com` subscribes you).
 */
export class SeedPipelineStack extends Stack {
  public readonly pipeline: MlPipeline;
  public readonly registration: ConditionalRegistration;
  public readonly modelPackageGroup: ModelPackageGroup;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    // Where the raw data is uploaded (`aws s3 cp data.csv s3://<bucket>/raw/data.csv`), and where S3 access logs go.
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const rawData = new s3.Bucket(this, 'RawData', {
      encryption: s3.BucketEncryption.S3_MANAGED,
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
      outputs: ['train', 'validation', 'test'].map((name) => ({ outputName: name, source: `/opt/ml/processing/${name}` })),
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

    const alertEmail: string | undefined = this.node.tryGetContext('alertEmail');
    this.pipeline = new MlPipeline(this, 'SeedPipeline', {
      pipelineName: 'SeedPipeline',
      description: 'Preprocess, train XGBoost, evaluate, and register the model when it is accurate enough',
      parameters: [processingInstanceType, processingInstanceCount, trainingInstanceType, modelApprovalStatus, inputData, accuracyThreshold],
      steps: [preprocess, train, evaluate, createModel],
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
      conditionStepName: 'CheckAccuracy',
      registerStepName: 'RegisterModel',
      failStepName: 'AccuracyTooLow',
    });

    NagSuppressions.addResourceSuppressions(accessLogs, [{
      id: 'AwsSolutions-S1',
      reason: 'This is the bucket that receives the other buckets\' server access logs; logging it to itself would loop.',
    }]);
    // Each suppression sits on the one policy it explains (applied to that policy's own resource only), so a wildcard
    // added anywhere else is still reported.
    NagSuppressions.addResourceSuppressions(this.pipeline.role.node.findChild('DefaultPolicy'), [{
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
      ],
    }], true);
    NagSuppressions.addResourceSuppressions(this.pipeline.notifications!.rule.node.findChild('EventsRole'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'The alert rule publishes to the KMS-encrypted topic through this role; SNS asks the key for data keys of '
        + 'the GenerateDataKey family, which aws-cdk-lib\'s Topic.grantPublish grants as kms:GenerateDataKey* on that one key.',
      appliesTo: ['Action::kms:GenerateDataKey*'],
    }], true);
    // The scripts are copied at deploy time into the artifact bucket under their own names by aws-cdk-lib's
    // BucketDeployment, whose handler (one per stack) is aws-cdk-lib's, with the role and runtime that module gives it.
    const codeUploadHandler = this.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))!;
    suppressAwsCdkLibFunction(codeUploadHandler, 'BucketDeployment', [{
      id: 'AwsSolutions-IAM5',
      reason: 'The BucketDeployment handler reads the uploaded code from the CDK assets bucket and writes it under the '
        + 'artifact bucket; aws-cdk-lib grants these with the Bucket.grantRead/grantReadWrite action groups on the two buckets\' objects.',
      appliesTo: [
        { regex: '/^Action::s3:(GetObject|GetBucket|List|Abort|DeleteObject)\\*$/' },
        { regex: '/^Action::kms:(GenerateDataKey|ReEncrypt)\\*$/' },
        { regex: `/^Resource::arn:${PARTITION}:s3:::cdk-[a-z0-9]+-assets-(<AWS::AccountId>|\\d{12})-(<AWS::Region>|[a-z0-9-]+)/\\*$/` },
        { regex: '/^Resource::<SeedPipelineArtifactBucket[A-Z0-9]+\\.Arn>/\\*$/' },
      ],
    }]);
    NagSuppressions.addResourceSuppressions(this.pipeline.node.findChild('WildcardResourcePolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'This policy holds only actions that IAM authorizes on "*" alone (the Service Authorization Reference lists no '
        + 'resource type for them): ecr:GetAuthorizationToken, to pull the SageMaker framework images, and '
        + 'cloudwatch:PutMetricData, limited by condition to the /aws/sagemaker/ namespaces.',
      appliesTo: ['Resource::*'],
    }], true);
  }
}
