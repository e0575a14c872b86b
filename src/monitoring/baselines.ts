import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ModelVersion, deployTimeCall } from '../patterns/model-version';

/** The kinds of Model Monitor, as `MonitoringType` of a schedule names them. */
export enum MonitorKind {
  /** Data quality against statistics and constraints (Model Monitor's analyzer). */
  DATA_QUALITY = 'DataQuality',
  /** Model quality against ground truth (Model Monitor's analyzer). */
  MODEL_QUALITY = 'ModelQuality',
  /** Bias drift (SageMaker Clarify). */
  MODEL_BIAS = 'ModelBias',
  /** Feature attribution drift (SageMaker Clarify). */
  MODEL_EXPLAINABILITY = 'ModelExplainability',
}

/** The baseline files of a monitor, as S3 URIs (any may be a CloudFormation value). */
export interface MonitorBaselineFiles {
  /** The baseline statistics (data and model quality). @default - none */
  readonly statisticsS3Uri?: string;
  /** The baseline constraints. @default - none */
  readonly constraintsS3Uri?: string;
  /** The Clarify analysis config (bias and explainability): facets, label, SHAP baseline. @default - none */
  readonly analysisConfigS3Uri?: string;
}

/** Options of `MonitorBaselines.fromModelVersion`. */
export interface ModelVersionBaselinesOptions {
  /**
   * Any value; when it changes, the next `cdk deploy` reads the version's baselines again (as
   * `ModelVersion.latestApproved`'s refresh token).
   *
   * @default - read when the monitor is created, and again when the version changes
   */
  readonly refreshToken?: string;
}

/**
 * Where a monitor's baselines come from: the drift baselines registered with a model version (the pipeline's check
 * steps computed them, `RegisterModelStepConstruct`'s `driftCheckBaselines`), or S3 URIs.
 */
export abstract class MonitorBaselines {
  /**
   * The `DriftCheckBaselines` of a model version, read at deploy time with `DescribeModelPackage`, so that the monitor
   * compares against the baselines of the version that serves. A version without the baselines of the monitor's kind
   * fails the deployment: the lookup reports the missing field (for example
   * `DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri`).
   */
  public static fromModelVersion(version: ModelVersion, options: ModelVersionBaselinesOptions = {}): MonitorBaselines {
    return new VersionBaselines(version, options);
  }

  /** Baseline files in S3. */
  public static fromS3(files: MonitorBaselineFiles): MonitorBaselines {
    for (const [name, uri] of Object.entries(files)) {
      if (uri !== undefined && !Token.isUnresolved(uri) && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/.test(uri)) {
        throw new Error(`MonitorBaselines.fromS3: ${name} '${uri}' is not an S3 URI; expected s3://<bucket>/<key>, e.g. s3://my-bucket/baselines/statistics.json`);
      }
    }
    return new S3Baselines(files);
  }

  /** The baseline files of a kind of monitor, for a monitor in `scope`. @internal */
  public abstract _bind(scope: Construct, kind: MonitorKind): MonitorBaselineFiles;
}

class S3Baselines extends MonitorBaselines {
  constructor(private readonly files: MonitorBaselineFiles) {
    super();
  }

  /** The files the kind uses (its job definition has a place for): the role reads only those. */
  public _bind(_scope: Construct, kind: MonitorKind): MonitorBaselineFiles {
    const fields = VERSION_FIELDS[kind];
    return {
      statisticsS3Uri: fields.statistics ? this.files.statisticsS3Uri : undefined,
      constraintsS3Uri: this.files.constraintsS3Uri,
      analysisConfigS3Uri: fields.config ? this.files.analysisConfigS3Uri : undefined,
    };
  }
}

/** Where each kind's baselines are in a DescribeModelPackage response (API DriftCheckBaselines). */
const VERSION_FIELDS: Record<MonitorKind, { statistics?: string; constraints: string; config?: string }> = {
  [MonitorKind.DATA_QUALITY]: {
    statistics: 'DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri',
    constraints: 'DriftCheckBaselines.ModelDataQuality.Constraints.S3Uri',
  },
  // A model quality job definition takes constraints only (ModelQualityBaselineConfig).
  [MonitorKind.MODEL_QUALITY]: {
    constraints: 'DriftCheckBaselines.ModelQuality.Constraints.S3Uri',
  },
  [MonitorKind.MODEL_BIAS]: {
    constraints: 'DriftCheckBaselines.Bias.PostTrainingConstraints.S3Uri',
    config: 'DriftCheckBaselines.Bias.ConfigFile.S3Uri',
  },
  [MonitorKind.MODEL_EXPLAINABILITY]: {
    constraints: 'DriftCheckBaselines.Explainability.Constraints.S3Uri',
    config: 'DriftCheckBaselines.Explainability.ConfigFile.S3Uri',
  },
};

class VersionBaselines extends MonitorBaselines {
  constructor(private readonly version: ModelVersion, private readonly options: ModelVersionBaselinesOptions) {
    super();
  }

  public _bind(scope: Construct, kind: MonitorKind): MonitorBaselineFiles {
    const fields = VERSION_FIELDS[kind];
    const paths = [fields.statistics, fields.constraints, fields.config].filter((p): p is string => p !== undefined);
    const arn = this.version.bind(scope).modelPackageArn;
    const call: cr.AwsSdkCall = {
      service: 'SageMaker',
      action: 'DescribeModelPackage',
      parameters: { ModelPackageName: arn },
      // The version is the resource's identity: another version (a new approval) reads its baselines.
      physicalResourceId: cr.PhysicalResourceId.of(arn),
      outputPaths: paths,
    };
    // DescribeModelPackage is authorized on the model package (Service Authorization Reference, resource type
    // model-package): the version, or its group's versions when the version is found at deploy time.
    const describe = new iam.PolicyStatement({ actions: ['sagemaker:DescribeModelPackage'], resources: this.version._describeResources() });
    const lookup = deployTimeCall(scope, 'VersionBaselines', { onCreate: call, onUpdate: call }, describe, this.options.refreshToken);
    return {
      statisticsS3Uri: fields.statistics ? lookup.getResponseField(fields.statistics) : undefined,
      constraintsS3Uri: lookup.getResponseField(fields.constraints),
      analysisConfigS3Uri: fields.config ? lookup.getResponseField(fields.config) : undefined,
    };
  }
}
