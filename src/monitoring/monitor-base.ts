import * as sagemaker_alpha from '@aws-cdk/aws-sagemaker-alpha';
import { ArnFormat, CfnResource, Duration, Names, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatch_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IConstruct } from 'constructs';
import { ContainerImage, ImageUsage } from '../container-image';
import { InstanceType } from '../instance-type';
import { AbTestEndpoint } from '../patterns/ab-test-endpoint';
import { MlPipeline } from '../pipeline';
import { RegulatedAccount } from '../regulated-account';
import { MonitorBaselineFiles, MonitorBaselines, MonitorKind } from './baselines';
import { MonitoringScheduleExpression } from './schedule';
import { NetworkConfig, renderVpcConfig } from '../steps/network';

/** The endpoint a monitor watches: its name, and where its captured data is. */
export abstract class MonitoredEndpoint {
  /** An `AbTestEndpoint` of this library: its name, and its data capture bucket and prefix (data capture must be on). */
  public static fromAbTestEndpoint(endpoint: AbTestEndpoint): MonitoredEndpoint {
    return new OwnEndpoint(endpoint);
  }

  /**
   * Any endpoint with data capture on, by name, and the bucket and key prefix its data capture writes to (the monitor's
   * role reads them).
   */
  public static fromName(endpointName: string, dataCaptureBucket: s3.IBucket, dataCapturePrefix: string): MonitoredEndpoint {
    return new NamedEndpoint(endpointName, dataCaptureBucket, dataCapturePrefix);
  }

  /** An endpoint of `@aws-cdk/aws-sagemaker-alpha`, and where its data capture writes (data capture must be on). */
  public static fromSageMakerAlpha(endpoint: sagemaker_alpha.IEndpoint, dataCaptureBucket: s3.IBucket, dataCapturePrefix: string): MonitoredEndpoint {
    return new NamedEndpoint(endpoint.endpointName, dataCaptureBucket, dataCapturePrefix, endpoint);
  }

  /** The endpoint's name, its captured data, and the construct that stands for it (one monitor per kind each). @internal */
  public abstract _bind(where: string): { endpointName: string; bucket: s3.IBucket; prefix: string; key?: IConstruct };
}

class OwnEndpoint extends MonitoredEndpoint {
  constructor(private readonly endpoint: AbTestEndpoint) {
    super();
  }

  public _bind(where: string) {
    if (!this.endpoint.dataCaptureBucket || this.endpoint.dataCapturePrefix === undefined) {
      throw new Error(`${where}: endpoint ${this.endpoint.node.path} does not capture data, so there is nothing to monitor; `
        + 'set its dataCapture prop (e.g. dataCapture: { samplingPercentage: 20 })');
    }
    return {
      endpointName: this.endpoint.endpoint.endpointName,
      bucket: this.endpoint.dataCaptureBucket,
      prefix: this.endpoint.dataCapturePrefix,
      key: this.endpoint,
    };
  }
}

class NamedEndpoint extends MonitoredEndpoint {
  constructor(
    private readonly name: string, private readonly bucket: s3.IBucket, private readonly prefix: string, private readonly key?: IConstruct,
  ) {
    super();
  }

  public _bind() {
    return { endpointName: this.name, bucket: this.bucket, prefix: this.prefix.replace(/^\/+|\/+$/g, ''), key: this.key };
  }
}

/** What every monitor takes. */
export interface MonitorOptions {
  /** The endpoint to watch (data capture on). */
  readonly endpoint: MonitoredEndpoint;
  /** When it runs. @default MonitoringScheduleExpression.hourly() */
  readonly schedule?: MonitoringScheduleExpression;
  /** The instance type of each monitoring job. @default InstanceType.ML_M5_XLARGE */
  readonly instanceType?: InstanceType;
  /** How many instances. @default 1 */
  readonly instanceCount?: number;
  /** The storage volume of each instance. @default 20 GiB */
  readonly volumeSize?: Size;
  /** The key of the volumes. @default - the regulated account's key, else SageMaker's */
  readonly volumeEncryptionKey?: kms.IKey;
  /** The longest a monitoring job may run (1 s to 24 h). @default 1 hour */
  readonly maxRuntime?: Duration;
  /**
   * Where the monitoring reports (statistics, constraint violations) go.
   * @default - the endpoint's data capture bucket, under `monitoring/<kind>/`
   */
  readonly outputBucket?: s3.IBucket;
  /** The key prefix of the reports in `outputBucket`. @default 'monitoring/<kind>' */
  readonly outputPrefix?: string;
  /** The key of the reports. @default - the regulated account's key, else the bucket's default encryption */
  readonly outputEncryptionKey?: kms.IKey;
  /** VPC, network isolation and inter-container encryption of the jobs. @default - no VPC */
  readonly network?: NetworkConfig;
  /**
   * Whether the jobs publish their metrics to CloudWatch (the drift metrics `metric()` reads, and their alarms).
   * @default true
   */
  readonly publishCloudWatchMetrics?: boolean;
  /**
   * The buckets the baselines are in, when they are known only at deploy time (`MonitorBaselines.fromModelVersion`:
   * the pipeline's `artifactBucket`, where its check steps wrote them): the role reads them.
   *
   * @default - none; required with baselines known only at deploy time
   */
  readonly baselineBuckets?: s3.IBucket[];
  /** The jobs' role. @default - a role with what the jobs need, derived from these props */
  readonly role?: iam.IRole;
  /** The schedule's name. @default - a unique name */
  readonly monitoringScheduleName?: string;
}

/** Options of `onDrift`. */
export interface DriftAlarmOptions {
  /** The metrics that signal drift, from `metric()` or `metricFeatureDrift()`. */
  readonly metrics: cloudwatch.IMetric[];
  /** The value above which a metric is drift. */
  readonly threshold: number;
  /** Consecutive evaluations above the threshold. @default 1 */
  readonly evaluationPeriods?: number;
  /** What the rule starts. @default - none yet (add targets to the returned rule) */
  readonly target?: events.IRuleTarget;
}

/** Options of `retrainOnDrift`. */
export interface RetrainOnDriftOptions extends DriftAlarmOptions {
  /** Parameter values of the pipeline's execution. @default - the pipeline's defaults */
  readonly parameters?: { [name: string]: string };
}

/** The CloudWatch namespace each kind publishes to for a real-time endpoint (docs cited per kind in the README). */
const NAMESPACES: Record<MonitorKind, string> = {
  [MonitorKind.DATA_QUALITY]: 'aws/sagemaker/Endpoints/data-metrics',
  [MonitorKind.MODEL_QUALITY]: 'aws/sagemaker/Endpoints/model-metrics',
  [MonitorKind.MODEL_BIAS]: 'aws/sagemaker/Endpoints/bias-metrics',
  [MonitorKind.MODEL_EXPLAINABILITY]: 'aws/sagemaker/Endpoints/explainability-metrics',
};

/** Where the job finds the captured data and writes its reports (Model Monitor's container paths). */
const INPUT_PATH = '/opt/ml/processing/input/endpoint';
const OUTPUT_PATH = '/opt/ml/processing/output';


/**
 * A Model Monitor schedule on an endpoint: one kind's job definition, the schedule that runs it, its role, its metrics
 * and what reacts to drift. The four kinds (`DataQualityMonitor`, `ModelQualityMonitor`, `ModelBiasMonitor`,
 * `ModelExplainabilityMonitor`) build on it.
 */
export abstract class MonitorBase extends Construct {
  /** The schedule. */
  public readonly monitoringSchedule: sagemaker.CfnMonitoringSchedule;
  /** The schedule's name. */
  public readonly monitoringScheduleName: string;
  /** The name of the endpoint watched. */
  public readonly endpointName: string;
  /** The jobs' role. */
  public readonly role: iam.IRole;
  /** The baseline files in use (S3 URIs, possibly deploy-time values). */
  public readonly baselineFiles: MonitorBaselineFiles;
  /** Where the reports go. */
  public readonly outputS3Uri: string;
  /** The kind. */
  public readonly kind: MonitorKind;

  /** @internal */
  protected readonly _options: MonitorOptions;
  /** @internal */
  protected readonly _endpoint: { endpointName: string; bucket: s3.IBucket; prefix: string; key?: IConstruct };
  /** @internal */
  protected readonly _regulated?: RegulatedAccount;

  constructor(scope: Construct, id: string, kind: MonitorKind, options: MonitorOptions, baselines: MonitorBaselines | undefined) {
    super(scope, id);
    this.kind = kind;
    this._options = options;
    this._regulated = RegulatedAccount._of(this);
    this._endpoint = options.endpoint._bind(this.node.path);
    this.endpointName = this._endpoint.endpointName;
    this.checkOneOfKind();
    this.checkResources(options);
    // A monitoring job is a processing job.
    options.instanceType?._checkJobKind(this, 'processing');

    const stack = Stack.of(this);
    this.role = options.role ?? (this._regulated
      ? this._regulated._newRole(this, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') })
      : new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }));
    this.baselineFiles = baselines ? baselines._bind(this, kind) : {};

    // The role reads the captured data, the baselines and the analysis config; writes the reports; writes its logs and
    // metrics. (What a monitoring job does with its role: "Schedule monitoring jobs" and "CreateDataQualityJobDefinition"
    // RoleArn, https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-scheduling.html.)
    this._endpoint.bucket.grantRead(this.role, `${this._endpoint.prefix}/${this.endpointName}/*`);
    for (const [name, uri] of Object.entries(this.baselineFiles)) {
      if (uri !== undefined) {
        this.grantReadOfUri(name, uri, options.baselineBuckets);
      }
    }
    const outputBucket = options.outputBucket ?? this._endpoint.bucket;
    const outputPrefix = (options.outputPrefix ?? `monitoring/${kebab(kind)}`).replace(/^\/+|\/+$/g, '');
    outputBucket.grantPut(this.role, `${outputPrefix}/*`);
    this.outputS3Uri = `s3://${outputBucket.bucketName}/${outputPrefix}`;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/ProcessingJobs*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    if (options.publishCloudWatchMetrics ?? true) {
      // PutMetricData is authorized on "*" only; the condition keeps the role to the monitor's namespace.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': NAMESPACES[kind] } },
      }));
    }
    this.volumeKey?.grantEncryptDecrypt(this.role);
    this.outputKey?.grantEncryptDecrypt(this.role);

    this.monitoringScheduleName = options.monitoringScheduleName
      ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).replace(/[^a-zA-Z0-9-]/g, '-').replace(/^-+|-+$/g, '');
    this.monitoringSchedule = new sagemaker.CfnMonitoringSchedule(this, 'Resource', {
      monitoringScheduleName: this.monitoringScheduleName,
      endpointName: this.endpointName,
      monitoringScheduleConfig: {
        monitoringType: kind,
        monitoringJobDefinitionName: '',
        scheduleConfig: { scheduleExpression: (options.schedule ?? MonitoringScheduleExpression.hourly()).toString() },
      },
    });
  }

  /**
   * A metric this monitor's jobs publish, in the kind's namespace with the endpoint's and schedule's dimensions (for
   * example `feature_baseline_drift_<feature>` for data quality, `accuracy` for model quality, `bias_metric_CI` for bias).
   */
  public metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: NAMESPACES[this.kind],
      metricName,
      dimensionsMap: { Endpoint: this.endpointName, MonitoringSchedule: this.monitoringScheduleName },
      period: Duration.hours(1),
      statistic: 'Maximum',
      ...props,
    });
  }

  /**
   * An alarm for each metric above the threshold, and an EventBridge rule on their change to ALARM (CloudWatch's
   * "CloudWatch Alarm State Change" events, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html):
   * Model Monitor reports drift in these metrics (a monitoring execution's violations are its report in S3, and the
   * executions send no EventBridge event of their own).
   */
  public onDrift(id: string, options: DriftAlarmOptions): events.Rule {
    if (options.metrics.length === 0) {
      throw new Error(`${this.node.path}: onDrift('${id}') has no metrics; give at least one (monitor.metric(...), metricFeatureDrift(...))`);
    }
    const alarms = options.metrics.map((metric, i) => new cloudwatch.Alarm(this, `${id}Alarm${i}`, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Drift seen by ${this.node.path} on endpoint ${this.endpointName}`,
    }));
    if (this._regulated) {
      // In a regulated account, an alarm notifies the account's alarm topic (as the endpoint's alarms do).
      const action = new cloudwatch_actions.SnsAction(this._regulated.alarmTopic);
      alarms.forEach((alarm) => alarm.addAlarmAction(action));
    }
    const rule = new events.Rule(this, id, {
      description: `Drift of ${this.node.path}: its alarms went to ALARM`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: alarms.map((a) => a.alarmArn),
        detail: { state: { value: ['ALARM'] } },
      },
    });
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }

  /**
   * Retrains on drift: an execution of the pipeline (with these parameter values) when a drift alarm goes off,
   * through aws-cdk-lib's SageMaker pipeline target, and a message to the pipeline's alerts topic when it has one.
   */
  public retrainOnDrift(pipeline: MlPipeline, options: RetrainOnDriftOptions): events.Rule {
    // The pipeline is the rule's first target (its parameters are set on Targets.0); the user's target comes after.
    const rule = this.onDrift('RetrainOnDrift', { ...options, target: undefined });
    // The pipeline's parameters are known once its steps are: checked when the app is synthesized.
    this.node.addValidation({
      validate: () => {
        const declared: string[] = (pipeline.renderDefinition().Parameters ?? []).map((p: any) => p.Name);
        return Object.keys(options.parameters ?? {}).filter((name) => !declared.includes(name)).map((name) =>
          `retrainOnDrift: pipeline ${pipeline.node.path} has no parameter '${name}'; its parameters are: ${declared.join(', ') || '(none)'}`);
      },
    });
    // EventBridge starts the execution with a role that may start this pipeline only ("Schedule a pipeline with
    // EventBridge", https://docs.aws.amazon.com/sagemaker/latest/dg/pipeline-eventbridge.html); the parameter values are
    // the target's SageMakerPipelineParameters (the rule's first target).
    const role = this._regulated
      ? this._regulated._newRole(this, 'RetrainRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') })
      : new iam.Role(this, 'RetrainRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') });
    pipeline.grantStartPipelineExecution(role);
    rule.addTarget({ bind: () => ({ arn: pipeline.pipelineArn, role, targetResource: pipeline }) });
    if (options.parameters && Object.keys(options.parameters).length > 0) {
      (rule.node.defaultChild as events.CfnRule).addPropertyOverride('Targets.0.SageMakerPipelineParameters', {
        PipelineParameterList: Object.entries(options.parameters).map(([Name, Value]) => ({ Name, Value })),
      });
    }
    const topic = pipeline.notifications?.topic;
    if (topic) {
      rule.addTarget(new targets.SnsTopic(topic, {
        authorizeUsingRole: true,
        // In a regulated account, the role's permissions are a managed policy.
        role: this._regulated?._newRole(this, 'NotifyRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') }),
        message: events.RuleTargetInput.fromText(`Drift on endpoint ${this.endpointName} (${this.kind} monitor `
          + `${this.monitoringScheduleName}): retraining with SageMaker pipeline ${pipeline.pipelineName}.`),
      }));
    }
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }

  /** The name the kind gives its job definition (`JobDefinitionName`), which the schedule names: the schedule's own. @internal */
  protected get _jobDefinitionName(): string {
    return this.monitoringScheduleName;
  }

  /** The schedule runs the kind's job definition. @internal */
  protected _setJobDefinition(jobDefinition: CfnResource, jobDefinitionName: string): void {
    this.monitoringSchedule.monitoringScheduleConfig = {
      ...(this.monitoringSchedule.monitoringScheduleConfig as sagemaker.CfnMonitoringSchedule.MonitoringScheduleConfigProperty),
      monitoringJobDefinitionName: jobDefinitionName,
    };
    this.monitoringSchedule.node.addDependency(jobDefinition);
  }

  /** The parts every job definition shares, in CloudFormation's shapes. @internal */
  protected get _common() {
    const o = this._options;
    const network = o.network;
    const vpcConfig = renderVpcConfig(this, network, this.role);
    return {
      roleArn: this.role.roleArn,
      jobResources: {
        clusterConfig: {
          instanceCount: o.instanceCount ?? 1,
          instanceType: (o.instanceType ?? InstanceType.ML_M5_XLARGE).toString(),
          volumeSizeInGb: (o.volumeSize ?? Size.gibibytes(20)).toGibibytes(),
          volumeKmsKeyId: this.volumeKey?.keyArn,
        },
      },
      stoppingCondition: { maxRuntimeInSeconds: (o.maxRuntime ?? Duration.hours(1)).toSeconds() },
      networkConfig: network ? {
        enableNetworkIsolation: network.enableNetworkIsolation,
        enableInterContainerTrafficEncryption: network.encryptInterContainerTraffic,
        vpcConfig: vpcConfig ? { securityGroupIds: vpcConfig.SecurityGroupIds, subnets: vpcConfig.Subnets } : undefined,
      } : undefined,
      endpointInput: {
        endpointName: this.endpointName,
        localPath: INPUT_PATH,
        s3DataDistributionType: 'FullyReplicated',
        s3InputMode: 'File',
      },
      outputConfig: {
        kmsKeyId: this.outputKey?.keyArn,
        monitoringOutputs: [{ s3Output: { localPath: OUTPUT_PATH, s3Uri: this.outputS3Uri, s3UploadMode: 'EndOfJob' } }],
      },
      environment: { publish_cloudwatch_metrics: (o.publishCloudWatchMetrics ?? true) ? 'Enabled' : 'Disabled' },
    };
  }

  /** The baseline constraints, where a kind's job definition takes them alone (model quality, bias, explainability). @internal */
  protected get _constraintsBaseline(): { constraintsResource: { s3Uri: string } } | undefined {
    const uri = this.baselineFiles.constraintsS3Uri;
    return uri ? { constraintsResource: { s3Uri: uri } } : undefined;
  }

  /** The image URI of the kind's container, pulled by the role. @internal */
  protected _imageUri(image: ContainerImage): string {
    return image.bind(this, ImageUsage.TRAINING, this.role).imageUri;
  }

  /** Read access to a baseline file: its literal bucket and key, or the given buckets when it is a deploy-time value. */
  private grantReadOfUri(name: string, uri: string, buckets: s3.IBucket[] | undefined): void {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (m && !Token.isUnresolved(m[1])) {
      iam.Grant.addToPrincipal({ grantee: this.role, actions: ['s3:GetObject'], resourceArns: [`arn:${Stack.of(this).partition}:s3:::${m[1]}/${m[2]}`] });
      return;
    }
    if (!buckets || buckets.length === 0) {
      throw new Error(`${this.node.path}: the baselines' ${name} is known only at deploy time, so the monitor's role cannot be granted `
        + 'read access to it from its URI; give baselineBuckets (the pipeline\'s artifactBucket, where its check steps wrote the baselines)');
    }
    for (const bucket of buckets) {
      bucket.grantRead(this.role);
    }
  }

  private get volumeKey(): kms.IKey | undefined {
    return this._options.volumeEncryptionKey ?? this._regulated?.encryptionKey;
  }

  private get outputKey(): kms.IKey | undefined {
    return this._options.outputEncryptionKey ?? this._regulated?.encryptionKey;
  }

  /** One schedule of a kind per endpoint: two would analyze the same captured data twice. */
  private checkOneOfKind(): void {
    const owner = this._endpoint.key;
    if (!owner) {
      return;
    }
    const marker = Symbol.for(`cdk-sagemaker-pipelines.monitor.${this.kind}`);
    const existing: string | undefined = (owner as any)[marker];
    if (existing) {
      throw new Error(`${this.node.path}: endpoint ${owner.node.path} already has a ${this.kind} monitor (${existing}); an endpoint takes `
        + 'one monitoring schedule of each kind: change that monitor instead');
    }
    (owner as any)[marker] = this.node.path;
  }

  private checkResources(o: MonitorOptions): void {
    const where = this.node.path;
    if (o.instanceCount !== undefined && (!Number.isInteger(o.instanceCount) || o.instanceCount < 1 || o.instanceCount > 100)) {
      throw new Error(`${where}: instanceCount is ${o.instanceCount}; expected a whole number from 1 to 100`);
    }
    const gib = o.volumeSize?.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
    if (gib !== undefined && (gib < 1 || gib > 16384)) {
      throw new Error(`${where}: volumeSize is ${gib} GiB; expected 1 to 16384 GiB`);
    }
    const seconds = o.maxRuntime?.toSeconds();
    if (seconds !== undefined && !Token.isUnresolved(seconds) && (seconds < 1 || seconds > 86400)) {
      throw new Error(`${where}: maxRuntime is ${seconds} s; expected 1 s to 24 hours (MaxRuntimeInSeconds 1-86400)`);
    }
  }
}

function kebab(kind: MonitorKind): string {
  return kind.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}
