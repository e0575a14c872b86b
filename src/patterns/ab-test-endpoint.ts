import * as sagemaker_alpha from '@aws-cdk/aws-sagemaker-alpha';
import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatch_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { InstanceType } from '../instance-type';
import { RegulatedAccount } from '../regulated-account';

/** Auto scaling of a variant on its invocations per instance (Application Auto Scaling target tracking). */
export interface VariantAutoScaling {
  /**
   * The fewest instances.
   * @default - the variant's instanceCount
   */
  readonly minCapacity?: number;
  /** The most instances. */
  readonly maxCapacity: number;
  /**
   * The requests per second one instance serves at most (from a load test). The tracked target of
   * `SageMakerVariantInvocationsPerInstance` (invocations per instance per minute) is `maxRequestsPerSecond * 60 *
   * safetyFactor`.
   */
  readonly maxRequestsPerSecond: number;
  /**
   * The share of `maxRequestsPerSecond` to aim at (0 to 1).
   * @default 0.5
   */
  readonly safetyFactor?: number;
  /**
   * The wait after a scale-in before the next.
   * @default - Application Auto Scaling's default (300 s for SageMaker variants)
   */
  readonly scaleInCooldown?: Duration;
  /**
   * The wait after a scale-out before the next.
   * @default - Application Auto Scaling's default (300 s for SageMaker variants)
   */
  readonly scaleOutCooldown?: Duration;
}

/** A production variant of an `AbTestEndpoint`: a model, its share of the traffic and its instances. */
export interface EndpointVariant {
  /**
   * The variant's name (`champion`, `challenger`): keep it stable, a blue/green update keeps the variants whose names
   * stay.
   */
  readonly variantName: string;
  /** The model the variant serves (a `ModelVersionModel`, or any `IModel` of `@aws-cdk/aws-sagemaker-alpha`). */
  readonly model: sagemaker_alpha.IModel;
  /**
   * The variant's weight: its share of the traffic is its weight over the sum of the weights (90 and 10 split 90/10).
   * Change it and deploy to shift traffic.
   */
  readonly weight: number;
  /**
   * The instance type.
   * @default InstanceType.ML_M5_LARGE
   */
  readonly instanceType?: InstanceType;
  /**
   * The number of instances (the initial number with autoScaling).
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Scale the variant's instances on its invocations per instance.
   * @default - a fixed instanceCount
   */
  readonly autoScaling?: VariantAutoScaling;
}

/** Data capture of an endpoint's requests and responses (for Model Monitor, or to compare the variants offline). */
export interface DataCaptureOptions {
  /**
   * The bucket the captured data is written to.
   * @default - a bucket is created: encrypted, SSL only, no public access, versioned, retained, with server access logs
   */
  readonly bucket?: s3.IBucket;
  /**
   * The key prefix in the bucket.
   * @default 'data-capture'
   */
  readonly prefix?: string;
  /**
   * The percentage of requests captured (0 to 100).
   * @default 100
   */
  readonly samplingPercentage?: number;
  /**
   * Capture the requests.
   * @default true
   */
  readonly captureRequests?: boolean;
  /**
   * Capture the responses.
   * @default true
   */
  readonly captureResponses?: boolean;
  /**
   * A KMS key SageMaker encrypts the captured data with.
   * @default - the bucket's default encryption
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Where a created bucket's server access logs go.
   * @default - a logs bucket is created
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/** How an update of the endpoint shifts traffic to the new fleet (a SageMaker blue/green deployment). */
export interface EndpointDeploymentOptions {
  /**
   * The share of capacity that takes traffic first (the canary), in percent (1 to 100; 100 shifts all at once).
   * @default 10
   */
  readonly canaryPercent?: number;
  /**
   * How long the canary takes traffic before the rest shifts (the baking period).
   * @default Duration.minutes(5)
   */
  readonly waitInterval?: Duration;
  /**
   * How long the old fleet is kept after all traffic has shifted.
   * @default Duration.seconds(0)
   */
  readonly terminationWait?: Duration;
  /**
   * The longest the whole deployment may take.
   * @default - SageMaker's default
   */
  readonly maximumExecutionTimeout?: Duration;
  /**
   * Roll back to the old fleet when a variant's alarm (5xx errors, model latency) fires during the deployment.
   * @default true
   */
  readonly autoRollback?: boolean;
}

/** The alarms of each variant. */
export interface VariantAlarmOptions {
  /**
   * The 5xx errors in one minute that set off a variant's error alarm.
   * @default 1
   */
  readonly invocation5xxErrors?: number;
  /**
   * The average model latency over one minute that sets off a variant's latency alarm.
   * @default Duration.seconds(1)
   */
  readonly modelLatency?: Duration;
  /**
   * The consecutive minutes over the threshold before an alarm fires.
   * @default 2
   */
  readonly evaluationPeriods?: number;
}

/** Properties of an `AbTestEndpoint`. */
export interface AbTestEndpointProps {
  /** The production variants (1 to 10): typically the champion and a challenger with a small weight. */
  readonly variants: EndpointVariant[];
  /**
   * The endpoint's name (what clients invoke).
   * @default - made from the construct path (stable across deployments)
   */
  readonly endpointName?: string;
  /**
   * The key that encrypts the instances' storage volumes.
   * @default - a key is created, with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Capture requests and responses to S3.
   * @default - no capture
   */
  readonly dataCapture?: DataCaptureOptions;
  /**
   * How updates shift traffic (blue/green with a canary and automatic rollback on the alarms).
   * @default - a 10% canary for 5 minutes, rolled back when an alarm fires
   */
  readonly deployment?: EndpointDeploymentOptions;
  /**
   * The variants' alarm thresholds.
   * @default - see VariantAlarmOptions
   */
  readonly alarms?: VariantAlarmOptions;
}

/** The alarms of one variant. */
export interface VariantAlarms {
  /** 5xx errors of the variant. */
  readonly invocation5xxErrors: cloudwatch.IAlarm;
  /** The variant's average model latency. */
  readonly modelLatency: cloudwatch.IAlarm;
}

const VARIANT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const ENDPOINT_NAME = VARIANT_NAME;

/**
 * An endpoint that serves two or more model variants side by side (champion/challenger A/B testing), built on the
 * `Endpoint` and `EndpointConfig` of `@aws-cdk/aws-sagemaker-alpha`: weights per variant (change them and deploy to
 * shift traffic), instances and optional auto scaling per variant, alarms per variant on 5xx errors and model
 * latency, updates as blue/green deployments with a canary and automatic rollback on those alarms, an encrypted
 * storage volume, and optional data capture to an encrypted bucket.
 *
 * @example
 * new AbTestEndpoint(this, 'Churn', {
 *   variants: [
 *     { variantName: 'champion', model: champion, weight: 90, autoScaling: { maxCapacity: 4, maxRequestsPerSecond: 20 } },
 *     { variantName: 'challenger', model: challenger, weight: 10 },
 *   ],
 *   dataCapture: { samplingPercentage: 20 },
 * });
 */
export class AbTestEndpoint extends Construct {
  /** The endpoint. */
  public readonly endpoint: sagemaker_alpha.Endpoint;
  /** The endpoint configuration (a new one, and a blue/green update, whenever the variants change). */
  public readonly endpointConfig: sagemaker_alpha.EndpointConfig;
  /** The key of the instances' storage volumes. */
  public readonly encryptionKey: kms.IKey;
  /** The bucket of captured data, with data capture. */
  public readonly dataCaptureBucket?: s3.IBucket;
  /** The key prefix of the captured data in `dataCaptureBucket` (no leading or trailing slash), with data capture. */
  public readonly dataCapturePrefix?: string;
  /** The names of the variants. */
  public readonly variantNames: string[];
  private readonly alarmsByVariant = new Map<string, VariantAlarms>();
  private readonly regulated?: RegulatedAccount;

  constructor(scope: Construct, id: string, props: AbTestEndpointProps) {
    super(scope, id);
    this.checkVariants(props.variants);
    this.variantNames = props.variants.map((v) => v.variantName);

    const regulated = RegulatedAccount._of(this);
    this.regulated = regulated;
    // In a regulated account, the account's key (RegulatedAccount) encrypts the volumes.
    this.encryptionKey = props.encryptionKey ?? regulated?.encryptionKey ?? new kms.Key(this, 'StorageKey', {
      description: `Storage volumes of the instances of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.endpointConfig = new sagemaker_alpha.EndpointConfig(this, 'EndpointConfig', {
      encryptionKey: this.encryptionKey,
      instanceProductionVariants: props.variants.map((v) => ({
        variantName: v.variantName,
        model: v.model,
        initialVariantWeight: v.weight,
        initialInstanceCount: v.instanceCount ?? 1,
        instanceType: sagemaker_alpha.InstanceType.of((v.instanceType ?? InstanceType.ML_M5_LARGE).toString()),
      })),
    });
    // The alpha module's L1 children (escape hatches for what it does not model: data capture, deployment config).
    const cfnConfig = this.endpointConfig.node.findChild('EndpointConfig') as sagemaker.CfnEndpointConfig;
    if (props.dataCapture) {
      this.dataCapturePrefix = (props.dataCapture.prefix ?? 'data-capture').replace(/^\/+|\/+$/g, '');
      this.dataCaptureBucket = this.configureDataCapture(cfnConfig, props.dataCapture, props.variants, this.dataCapturePrefix);
    }

    // The endpoint's name is known at synth time (given, or made from the construct path): the alarms on its metrics
    // then do not depend on the endpoint, and the endpoint's rollback configuration can name them (they exist
    // before the endpoint is created).
    const endpointName = props.endpointName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' });
    if (!Token.isUnresolved(endpointName) && !ENDPOINT_NAME.test(endpointName)) {
      throw new Error(`${this.node.path}: endpoint name '${endpointName}' is not valid; expected 1 to 63 letters and digits, with hyphens between them`);
    }
    this.endpoint = new sagemaker_alpha.Endpoint(this, 'Endpoint', { endpointConfig: this.endpointConfig, endpointName });
    const cfnEndpoint = this.endpoint.node.findChild('Endpoint') as sagemaker.CfnEndpoint;

    const alarmProps = props.alarms ?? {};
    const allAlarms: cloudwatch.IAlarm[] = [];
    for (const v of props.variants) {
      const alarms = this.createAlarms(endpointName, v.variantName, alarmProps);
      this.alarmsByVariant.set(v.variantName, alarms);
      allAlarms.push(alarms.invocation5xxErrors, alarms.modelLatency);
      if (v.autoScaling) {
        this.scale(v.variantName, v.autoScaling, v.instanceCount ?? 1);
      }
    }

    cfnEndpoint.deploymentConfig = this.renderDeployment(props.deployment ?? {}, allAlarms);
    if (props.variants.some((v) => v.autoScaling)) {
      // Auto scaling owns the instance counts: an update keeps them, and takes the weights and the data capture
      // from the new configuration (so a deploy shifts traffic).
      cfnEndpoint.retainAllVariantProperties = true;
      cfnEndpoint.excludeRetainedVariantProperties = [{ variantPropertyType: 'DesiredWeight' }, { variantPropertyType: 'DataCaptureConfig' }];
    }
  }

  /** The alarms of a variant (5xx errors, model latency). */
  public alarmsOf(variantName: string): VariantAlarms {
    const alarms = this.alarmsByVariant.get(variantName);
    if (!alarms) {
      throw new Error(`${this.node.path}: no variant named '${variantName}'; the variants are: ${this.variantNames.join(', ')}`);
    }
    return alarms;
  }

  /** Lets a principal invoke the endpoint. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.endpoint.grantInvoke(grantee);
  }

  private checkVariants(variants: EndpointVariant[]): void {
    const where = this.node.path;
    if (variants.length < 1 || variants.length > 10) {
      throw new Error(`${where}: ${variants.length} variants; an endpoint serves 1 to 10`);
    }
    const names = new Set<string>();
    for (const v of variants) {
      if (!Token.isUnresolved(v.variantName) && !VARIANT_NAME.test(v.variantName)) {
        throw new Error(`${where}: variant name '${v.variantName}' is not valid; expected 1 to 63 letters and digits, with hyphens between them`);
      }
      if (names.has(v.variantName)) {
        throw new Error(`${where}: two variants are named '${v.variantName}'; variant names must be unique`);
      }
      names.add(v.variantName);
      if (!Token.isUnresolved(v.weight) && (!(v.weight >= 0) || !Number.isFinite(v.weight))) {
        throw new Error(`${where}: variant '${v.variantName}' has weight ${v.weight}; expected a number of 0 or more`);
      }
      const count = v.instanceCount ?? 1;
      if (!Token.isUnresolved(count) && (!Number.isInteger(count) || count < 1)) {
        throw new Error(`${where}: variant '${v.variantName}' has instanceCount ${count}; expected an integer of 1 or more`);
      }
      const scaling = v.autoScaling;
      if (scaling) {
        const min = scaling.minCapacity ?? count;
        if (!Number.isInteger(min) || min < 1 || !Number.isInteger(scaling.maxCapacity) || scaling.maxCapacity < min) {
          throw new Error(`${where}: variant '${v.variantName}' scales from ${min} to ${scaling.maxCapacity} instances; expected integers with 1 <= minCapacity <= maxCapacity`);
        }
        if (count < min || count > scaling.maxCapacity) {
          throw new Error(`${where}: variant '${v.variantName}' starts with ${count} instances, outside its scaling range ${min} to ${scaling.maxCapacity}`);
        }
        if (!(scaling.maxRequestsPerSecond > 0)) {
          throw new Error(`${where}: variant '${v.variantName}' has maxRequestsPerSecond ${scaling.maxRequestsPerSecond}; expected a number above 0`);
        }
        if (scaling.safetyFactor !== undefined && !(scaling.safetyFactor > 0 && scaling.safetyFactor <= 1)) {
          throw new Error(`${where}: variant '${v.variantName}' has safetyFactor ${scaling.safetyFactor}; expected a number above 0, at most 1`);
        }
      }
    }
    const weights = variants.map((v) => v.weight);
    if (weights.every((w) => !Token.isUnresolved(w)) && weights.every((w) => w === 0)) {
      throw new Error(`${where}: every variant has weight 0, so no variant would take traffic; give at least one a weight above 0`);
    }
  }

  private configureDataCapture(
    cfnConfig: sagemaker.CfnEndpointConfig, options: DataCaptureOptions, variants: EndpointVariant[], prefix: string,
  ): s3.IBucket {
    const where = this.node.path;
    const sampling = options.samplingPercentage ?? 100;
    if (!Number.isInteger(sampling) || sampling < 0 || sampling > 100) {
      throw new Error(`${where}: dataCapture samplingPercentage is ${sampling}; expected an integer from 0 to 100`);
    }
    const modes = [...(options.captureRequests ?? true ? ['Input'] : []), ...(options.captureResponses ?? true ? ['Output'] : [])];
    if (modes.length === 0) {
      throw new Error(`${where}: dataCapture captures neither requests nor responses; set captureRequests or captureResponses, or leave dataCapture out`);
    }
    if (options.bucket && options.serverAccessLogsBucket) {
      throw new Error(`${where}: dataCapture serverAccessLogsBucket applies to the bucket the endpoint creates, but bucket is given; configure that bucket instead`);
    }
    let bucket = options.bucket;
    if (!bucket) {
      let logs = options.serverAccessLogsBucket;
      if (!logs) {
        logs = new s3.Bucket(this, 'DataCaptureAccessLogs', {
          encryption: s3.BucketEncryption.S3_MANAGED,
          ...this.regulated?._bucketProps(true),
          enforceSSL: true,
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          versioned: true,
          removalPolicy: RemovalPolicy.RETAIN,
        });
        this.regulated?._suppressBucket(logs, true);
      }
      bucket = new s3.Bucket(this, 'DataCaptureBucket', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        // In a regulated account: the account's key, and replication when a destination is given.
        ...this.regulated?._bucketProps(false),
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned: true,
        removalPolicy: RemovalPolicy.RETAIN,
        serverAccessLogsBucket: logs,
        serverAccessLogsPrefix: 'data-capture/',
      });
      this.regulated?._suppressBucket(bucket, false);
    }
    // SageMaker writes the captured data as the model's execution role.
    for (const v of variants) {
      bucket.grantPut(v.model, `${prefix}/*`);
      options.encryptionKey?.grantEncrypt(v.model);
    }
    cfnConfig.dataCaptureConfig = {
      enableCapture: true,
      initialSamplingPercentage: sampling,
      destinationS3Uri: `s3://${bucket.bucketName}/${prefix}`,
      kmsKeyId: options.encryptionKey?.keyArn,
      captureOptions: modes.map((captureMode) => ({ captureMode })),
    };
    return bucket;
  }

  /**
   * The alarms of a variant, on the metrics SageMaker publishes per endpoint and variant (namespace AWS/SageMaker).
   * The metrics name the endpoint as written, not through the endpoint resource, which names the alarms.
   */
  private createAlarms(endpointName: string, variantName: string, options: VariantAlarmOptions): VariantAlarms {
    const evaluationPeriods = options.evaluationPeriods ?? 2;
    const period = Duration.minutes(1);
    const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: endpointName, VariantName: variantName },
      statistic,
      period,
    });
    const errors = new cloudwatch.Alarm(this, `${variantName}Invocation5xxErrors`, {
      alarmDescription: `5xx errors of variant ${variantName} of ${this.node.path}`,
      metric: metric(sagemaker_alpha.InvocationHttpResponseCode.INVOCATION_5XX_ERRORS, 'Sum'),
      threshold: options.invocation5xxErrors ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // ModelLatency is published in microseconds.
    const latency = new cloudwatch.Alarm(this, `${variantName}ModelLatency`, {
      alarmDescription: `Average model latency of variant ${variantName} of ${this.node.path}`,
      metric: metric('ModelLatency', 'Average'),
      threshold: (options.modelLatency ?? Duration.seconds(1)).toMilliseconds() * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // In a regulated account, an alarm notifies the account's alarm topic (an alarm without an action alerts no one).
    if (this.regulated) {
      for (const alarm of [errors, latency]) {
        alarm.addAlarmAction(new cloudwatch_actions.SnsAction(this.regulated.alarmTopic));
      }
    }
    return { invocation5xxErrors: errors, modelLatency: latency };
  }

  /**
   * Target tracking of `SageMakerVariantInvocationsPerInstance` for one variant, at `maxRequestsPerSecond * 60 *
   * safetyFactor` invocations per instance per minute (SageMaker's load-testing guidance), through SageMaker's
   * service-linked role for Application Auto Scaling. One scalable target per variant (the alpha module's
   * `autoScaleInstanceCount` makes one per endpoint).
   */
  private scale(variantName: string, scaling: VariantAutoScaling, instanceCount: number): void {
    const stack = Stack.of(this);
    const target = new appscaling.ScalableTarget(this, `${variantName}Scaling`, {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.endpoint.endpointName}/variant/${variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: scaling.minCapacity ?? instanceCount,
      maxCapacity: scaling.maxCapacity,
      role: iam.Role.fromRoleArn(this, `${variantName}ScalingRole`, stack.formatArn({
        service: 'iam',
        region: '',
        resource: 'role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com',
        resourceName: 'AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
      })),
    });
    target.scaleToTrackMetric('InvocationsPerInstance', {
      predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
      targetValue: scaling.maxRequestsPerSecond * 60 * (scaling.safetyFactor ?? 0.5),
      scaleInCooldown: scaling.scaleInCooldown,
      scaleOutCooldown: scaling.scaleOutCooldown,
    });
  }

  private renderDeployment(options: EndpointDeploymentOptions, alarms: cloudwatch.IAlarm[]): sagemaker.CfnEndpoint.DeploymentConfigProperty {
    const where = this.node.path;
    const canary = options.canaryPercent ?? 10;
    if (!Number.isInteger(canary) || canary < 1 || canary > 100) {
      throw new Error(`${where}: deployment canaryPercent is ${canary}; expected an integer from 1 to 100`);
    }
    const wait = (options.waitInterval ?? Duration.minutes(5)).toSeconds();
    if (wait < 0 || wait > 3600) {
      throw new Error(`${where}: deployment waitInterval is ${wait} s; SageMaker takes 0 to 3600 s`);
    }
    const termination = options.terminationWait?.toSeconds();
    if (termination !== undefined && (termination < 0 || termination > 3600)) {
      throw new Error(`${where}: deployment terminationWait is ${termination} s; SageMaker takes 0 to 3600 s`);
    }
    const timeout = options.maximumExecutionTimeout?.toSeconds();
    if (timeout !== undefined && (timeout < 600 || timeout > 28800)) {
      throw new Error(`${where}: deployment maximumExecutionTimeout is ${timeout} s; SageMaker takes 600 to 28800 s`);
    }
    return {
      blueGreenUpdatePolicy: {
        trafficRoutingConfiguration: canary === 100
          ? { type: 'ALL_AT_ONCE', waitIntervalInSeconds: wait }
          : { type: 'CANARY', canarySize: { type: 'CAPACITY_PERCENT', value: canary }, waitIntervalInSeconds: wait },
        terminationWaitInSeconds: termination,
        maximumExecutionTimeoutInSeconds: timeout,
      },
      autoRollbackConfiguration: options.autoRollback === false ? undefined : { alarms: alarms.map((a) => ({ alarmName: a.alarmName })) },
    };
  }
}
