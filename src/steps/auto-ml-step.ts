import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ModelContainer } from './model-container';
import { NetworkConfig, renderVpcConfig } from './network';
import { grantJobKey } from './private/jobs';
import { CompressionType, checkRange } from './processing-step';
import { IPipelineHost, JobStepOptions, PipelineStep, StepType } from './step';
import { S3DataType } from './training-step';
import { ContainerImage } from '../container-image';
import { RegulatedAccount } from '../regulated-account';
import { grantS3Location } from '../shared/s3';

/** The kind of supervised learning problem an AutoML job solves. */
export enum AutoMlProblemType {
  /** Two classes. */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** More than two classes. */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** A number. */
  REGRESSION = 'Regression',
}

/**
 * The metric an AutoML job optimizes: the metrics SageMaker Pipelines' definition schema accepts in an AutoML step.
 */
export enum AutoMlObjectiveMetric {
  /** Accuracy (binary and multiclass classification). */
  ACCURACY = 'Accuracy',
  /** Mean squared error (regression). */
  MSE = 'MSE',
  /** F1 score (binary classification). */
  F1 = 'F1',
  /** Macro-averaged F1 score (multiclass classification). */
  F1_MACRO = 'F1macro',
  /** Area under the ROC curve (binary classification). */
  AUC = 'AUC',
}

/** The format of an AutoML job's data. */
export enum AutoMlContentType {
  /** CSV with a header row. */
  CSV = 'text/csv;header=present',
  /** Apache Parquet. */
  PARQUET = 'x-application/vnd.amazon+parquet',
}

/** A data set of an AutoML job. */
export interface AutoMlChannel {
  /** The S3 URI of the data: a literal or a token (a processing step's `outputS3Uri(...)`, a parameter). */
  readonly s3Uri: string;
  /**
   * How the data is stored in S3.
   * @default S3DataType.S3_PREFIX
   */
  readonly s3DataType?: S3DataType;
  /**
   * The format of the data.
   * @default - CSV with a header row (SageMaker's default)
   */
  readonly contentType?: AutoMlContentType;
  /**
   * Compression of the data.
   * @default - none
   */
  readonly compression?: CompressionType;
}

/** Properties of an `AutoMlStepConstruct`. */
export interface AutoMlStepConstructProps extends JobStepOptions {
  /**
   * The role Autopilot runs as: it reads the data, writes the results and starts the processing, training, tuning
   * and transform jobs of its candidates with it. The step grants it the reads and writes of the data and output
   * locations it is given; the permissions to start Autopilot's own jobs are the role's (AWS documents them under
   * "CreateAutoMLJob and CreateAutoMLJobV2 API: Execution Role Permissions" in
   * https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html). The pipeline's role may pass it.
   */
  readonly role: iam.IRole;
  /** The training data (at least 500 rows). */
  readonly trainingData: AutoMlChannel;
  /**
   * Separate validation data.
   * @default - Autopilot splits the training data (see validationFraction)
   */
  readonly validationData?: AutoMlChannel;
  /** The name of the column to predict. */
  readonly targetAttributeName: string;
  /**
   * The name of a column of per-row weights.
   * @default - every row weighs the same
   */
  readonly sampleWeightAttributeName?: string;
  /**
   * The problem type; give it with objectiveMetric, or neither (Autopilot infers both).
   * @default - inferred from the data
   */
  readonly problemType?: AutoMlProblemType;
  /**
   * The metric to optimize; give it with problemType, or neither.
   * @default - the problem type's usual metric
   */
  readonly objectiveMetric?: AutoMlObjectiveMetric;
  /**
   * Where the job writes its artifacts (candidates, reports, models).
   * @default - the pipeline's artifact bucket: `s3://<bucket>/<pipeline>/<execution id>/<step>/output`
   */
  readonly outputPath?: string;
  /**
   * The key that encrypts the output.
   * @default - the bucket's default encryption
   */
  readonly outputEncryptionKey?: kms.IKey;
  /**
   * The most candidates Autopilot tries (1 to 750).
   * @default - Autopilot's default
   */
  readonly maxCandidates?: number;
  /**
   * The longest a candidate's training job may run.
   * @default - Autopilot's default
   */
  readonly maxRuntimePerTrainingJob?: Duration;
  /**
   * The longest the whole AutoML job may run.
   * @default - Autopilot's default
   */
  readonly maxAutoMlJobRuntime?: Duration;
  /**
   * The fraction of the training data kept for validation (between 0 and 1), when no validationData is given.
   * @default 0.2 (Autopilot's default)
   */
  readonly validationFraction?: number;
  /**
   * The S3 URI of a JSON file naming the features to use (`{"FeatureAttributeNames": [...]}`).
   * @default - every column
   */
  readonly featureSpecificationS3Uri?: string;
  /**
   * The key that encrypts the storage volumes of Autopilot's jobs.
   * @default - SageMaker's default encryption
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * The VPC Autopilot's jobs run in, and whether traffic between their instances is encrypted.
   * (`enableNetworkIsolation` does not apply: Autopilot's jobs choose their own.)
   * @default - SageMaker's network
   */
  readonly network?: NetworkConfig;
}

/** The environment variables the SageMaker Python SDK copies from the best candidate's container into its model. */
const BEST_CANDIDATE_ENVIRONMENT = [
  'MODEL_NAME', 'SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT', 'SAGEMAKER_SUBMIT_DIRECTORY', 'SAGEMAKER_INFERENCE_SUPPORTED',
  'SAGEMAKER_INFERENCE_OUTPUT', 'SAGEMAKER_PROGRAM',
];

const METRICS_OF: Record<AutoMlProblemType, AutoMlObjectiveMetric[]> = {
  [AutoMlProblemType.BINARY_CLASSIFICATION]: [AutoMlObjectiveMetric.ACCURACY, AutoMlObjectiveMetric.F1, AutoMlObjectiveMetric.AUC],
  [AutoMlProblemType.MULTICLASS_CLASSIFICATION]: [AutoMlObjectiveMetric.ACCURACY, AutoMlObjectiveMetric.F1_MACRO],
  [AutoMlProblemType.REGRESSION]: [AutoMlObjectiveMetric.MSE],
};

/**
 * A step that runs a SageMaker Autopilot (AutoML) job in ensembling mode, the mode SageMaker Pipelines runs: it
 * explores models for a tabular data set and keeps the best candidate. Make a model of it with
 * `bestCandidateContainer()`.
 *
 * @example
 * const autoMl = new AutoMlStepConstruct(this, 'AutoMl', {
 *   role: autopilotRole,
 *   trainingData: { s3Uri: prep.outputS3Uri('train') },
 *   targetAttributeName: 'churn',
 *   problemType: AutoMlProblemType.BINARY_CLASSIFICATION,
 *   objectiveMetric: AutoMlObjectiveMetric.F1,
 *   maxCandidates: 20,
 * });
 * const model = new CreateModelStepConstruct(this, 'BestModel', { containers: [autoMl.bestCandidateContainer()] });
 */
export class AutoMlStepConstruct extends PipelineStep {
  private readonly props: AutoMlStepConstructProps;
  private vpcConfig: any;

  constructor(scope: Construct, id: string, props: AutoMlStepConstructProps) {
    super(scope, id, StepType.AUTO_ML, props);
    // In a regulated account, the account's key encrypts the job's outputs (Autopilot chooses the instance types, so
    // the volume key is left to the props).
    this.props = RegulatedAccount._of(this)?._withJobKeys(props, undefined, '', false) ?? props;
    const channels: Array<[string, AutoMlChannel | undefined]> = [['trainingData', props.trainingData], ['validationData', props.validationData]];
    for (const [what, channel] of channels) {
      if (channel && !Token.isUnresolved(channel.s3Uri) && !/^(s3|https):\/\/[^/]+/.test(channel.s3Uri)) {
        throw new Error(`${this.node.path}: ${what} s3Uri is '${channel.s3Uri}'; expected an S3 URI such as s3://bucket/prefix`);
      }
    }
    for (const [what, uri] of [['outputPath', props.outputPath], ['featureSpecificationS3Uri', props.featureSpecificationS3Uri]]) {
      if (uri !== undefined && !Token.isUnresolved(uri) && !/^(s3|https):\/\/[^/]+/.test(uri)) {
        throw new Error(`${this.node.path}: ${what} is '${uri}'; expected an S3 URI such as s3://bucket/key`);
      }
    }
    if (!Token.isUnresolved(props.targetAttributeName) && props.targetAttributeName.length === 0) {
      throw new Error(`${this.node.path}: targetAttributeName is empty; expected the name of the column to predict`);
    }
    const weight = props.sampleWeightAttributeName;
    if (weight !== undefined && !Token.isUnresolved(weight) && !/^[a-zA-Z0-9_-]{1,256}$/.test(weight)) {
      throw new Error(`${this.node.path}: sampleWeightAttributeName is '${weight}'; expected 1 to 256 of a-z, A-Z, 0-9, '_', '-'`);
    }
    if ((props.problemType === undefined) !== (props.objectiveMetric === undefined)) {
      const given = props.problemType !== undefined ? `problemType ${props.problemType}` : `objectiveMetric ${props.objectiveMetric}`;
      throw new Error(`${this.node.path}: ${given} given alone; Autopilot takes problemType and objectiveMetric together, or neither (it infers both)`);
    }
    if (props.problemType !== undefined && !METRICS_OF[props.problemType].includes(props.objectiveMetric!)) {
      throw new Error(`${this.node.path}: objectiveMetric ${props.objectiveMetric} does not measure a ${props.problemType} problem; expected one of ${METRICS_OF[props.problemType].join(', ')}`);
    }
    checkRange(this, 'maxCandidates', props.maxCandidates, 1, 750);
    for (const [what, d] of [['maxRuntimePerTrainingJob', props.maxRuntimePerTrainingJob], ['maxAutoMlJobRuntime', props.maxAutoMlJobRuntime]] as const) {
      if (d !== undefined && !d.isUnresolved() && (d.toMilliseconds() < 1000 || d.toMilliseconds() % 1000 !== 0)) {
        throw new Error(`${this.node.path}: ${what} is ${d.toHumanString()}; expected a whole number of seconds, at least 1`);
      }
    }
    if (props.validationFraction !== undefined && !Token.isUnresolved(props.validationFraction)
      && !(props.validationFraction > 0 && props.validationFraction < 1)) {
      throw new Error(`${this.node.path}: validationFraction is ${props.validationFraction}; expected a number between 0 and 1 (exclusive)`);
    }
    if (props.validationFraction !== undefined && props.validationData) {
      throw new Error(`${this.node.path}: validationFraction and validationData both given; the fraction splits the training data when there is no validation data: give one`);
    }
    if (props.network?.enableNetworkIsolation) {
      throw new Error(`${this.node.path}: network.enableNetworkIsolation is set; an AutoML job does not take it (Autopilot decides its jobs' isolation): remove it`);
    }
  }

  /** The name of the AutoML job, once the step has run. */
  public get autoMlJobName(): string {
    return this.propertyAsString('AutoMLJobName');
  }

  /** The name of the best candidate. */
  public get bestCandidateName(): string {
    return this.propertyAsString('BestCandidate.CandidateName');
  }

  /** The best candidate's value of the objective metric, as a number for conditions. */
  public get bestCandidateObjectiveValue(): number {
    return this.propertyAsNumber('BestCandidate.FinalAutoMLJobObjectiveMetric.Value');
  }

  /** The image of the best candidate's (first) inference container. */
  public get bestCandidateImage(): string {
    return this.propertyAsString('BestCandidate.InferenceContainers[0].Image');
  }

  /** The S3 URI of the best candidate's model artifacts. */
  public get bestCandidateModelDataUrl(): string {
    return this.propertyAsString('BestCandidate.InferenceContainers[0].ModelDataUrl');
  }

  /** The S3 URI of the best candidate's model insights report (JSON). */
  public get modelInsightsJsonReportPath(): string {
    return this.propertyAsString('BestCandidateProperties.ModelInsightsJsonReportPath');
  }

  /** The S3 URI of the best candidate's explainability report (JSON). */
  public get explainabilityJsonReportPath(): string {
    return this.propertyAsString('BestCandidateProperties.ExplainabilityJsonReportPath');
  }

  /** A variable of the best candidate's inference container's environment. */
  public bestCandidateEnvironment(name: string): string {
    return this.propertyAsString(`BestCandidate.InferenceContainers[0].Environment['${name}']`);
  }

  /**
   * The best candidate as a model container, for a `CreateModelStepConstruct` or a registration: its image, model
   * data and the environment variables its inference code reads (those the SageMaker Python SDK's
   * `get_best_auto_ml_model` copies).
   */
  public bestCandidateContainer(): ModelContainer {
    const environment: { [name: string]: string } = {};
    for (const name of BEST_CANDIDATE_ENVIRONMENT) {
      environment[name] = this.bestCandidateEnvironment(name);
    }
    return {
      image: ContainerImage.fromUri(this.bestCandidateImage),
      modelDataUrl: this.bestCandidateModelDataUrl,
      environment,
    };
  }

  protected get runsJob(): boolean {
    return true;
  }

  protected bind(pipeline: IPipelineHost): void {
    const props = this.props;
    const stack = Stack.of(this);
    // SageMaker Pipelines names the AutoML job itself (a generated name of at most 32 characters, without a
    // documented prefix), so the resource is scoped to the job type.
    iam.Grant.addToPrincipal({
      grantee: pipeline,
      actions: ['sagemaker:CreateAutoMLJob', 'sagemaker:DescribeAutoMLJob', 'sagemaker:StopAutoMLJob', 'sagemaker:AddTags'],
      resourceArns: [stack.formatArn({ service: 'sagemaker', resource: 'automl-job', resourceName: '*' })],
    });
    iam.Grant.addToPrincipal({
      grantee: pipeline,
      actions: ['iam:PassRole'],
      resourceArns: [props.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    });
    grantS3Location(this, props.role, props.trainingData.s3Uri, false, 'trainingData');
    if (props.validationData) {
      grantS3Location(this, props.role, props.validationData.s3Uri, false, 'validationData');
    }
    if (props.featureSpecificationS3Uri !== undefined) {
      grantS3Location(this, props.role, props.featureSpecificationS3Uri, false, 'featureSpecificationS3Uri');
    }
    if (props.outputPath !== undefined) {
      grantS3Location(this, props.role, props.outputPath, true, 'outputPath');
    } else {
      pipeline.artifactBucket.grantReadWrite(props.role);
    }
    grantJobKey(props.role, props.volumeEncryptionKey);
    grantJobKey(props.role, props.outputEncryptionKey);
    this.vpcConfig = renderVpcConfig(this, props.network, props.role);
  }

  protected renderArguments(): any {
    const props = this.props;
    const channel = (c: AutoMlChannel, type: string | undefined) => ({
      DataSource: { S3DataSource: { S3DataType: c.s3DataType ?? S3DataType.S3_PREFIX, S3Uri: c.s3Uri } },
      TargetAttributeName: props.targetAttributeName,
      ContentType: c.contentType,
      CompressionType: c.compression,
      ChannelType: type,
      SampleWeightAttributeName: props.sampleWeightAttributeName,
    });
    const completion = props.maxCandidates !== undefined || props.maxRuntimePerTrainingJob || props.maxAutoMlJobRuntime
      ? {
        MaxCandidates: props.maxCandidates,
        MaxRuntimePerTrainingJobInSeconds: props.maxRuntimePerTrainingJob?.toSeconds(),
        MaxAutoMLJobRuntimeInSeconds: props.maxAutoMlJobRuntime?.toSeconds(),
      }
      : undefined;
    const encrypt = props.network?.encryptInterContainerTraffic;
    const security = props.volumeEncryptionKey || encrypt !== undefined || this.vpcConfig
      ? { VolumeKmsKeyId: props.volumeEncryptionKey?.keyArn, EnableInterContainerTrafficEncryption: encrypt, VpcConfig: this.vpcConfig }
      : undefined;
    return {
      InputDataConfig: props.validationData
        ? [channel(props.trainingData, 'training'), channel(props.validationData, 'validation')]
        : [channel(props.trainingData, undefined)],
      OutputDataConfig: {
        S3OutputPath: props.outputPath ?? this.pipeline!.defaultOutputUri(this.stepName, 'output'),
        KmsKeyId: props.outputEncryptionKey?.keyArn,
      },
      ProblemType: props.problemType,
      AutoMLJobObjective: props.objectiveMetric ? { MetricName: props.objectiveMetric } : undefined,
      AutoMLJobConfig: {
        CompletionCriteria: completion,
        SecurityConfig: security,
        CandidateGenerationConfig: props.featureSpecificationS3Uri !== undefined
          ? { FeatureSpecificationS3Uri: props.featureSpecificationS3Uri }
          : undefined,
        DataSplitConfig: props.validationFraction !== undefined ? { ValidationFraction: props.validationFraction } : undefined,
        Mode: 'ENSEMBLING',
      },
      RoleArn: props.role.roleArn,
    };
  }
}
