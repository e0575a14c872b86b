import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FileSystem, IgnoreMode, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { RegulatedAccount } from './regulated-account';
import { grantObjectRead, parseS3Uri } from './shared/s3';
import { listSourceFiles, stageFiles, tarGz } from './shared/source-archive';
import type { IPipelineHost } from './steps/step';

/** Where a processing step's code is, once bound. */
export interface ProcessingCodeConfig {
  /**
   * The S3 URI the step's `code` input reads: the script's object (it lands in the container under the last
   * segment of its key), or the prefix of a directory (its files land under their paths relative to it).
   */
  readonly s3Uri: string;
  /** The script to run, as a path relative to `/opt/ml/processing/input/code/` (`preprocess.py`, `jobs/prep.py`). */
  readonly entryPoint: string;
  /**
   * A pip requirements file to install before the script runs, relative to the code directory.
   * @default - none
   */
  readonly requirementsFile?: string;
}

/** Which files of a source directory are shipped. */
export interface SourceDirectoryOptions {
  /**
   * Glob patterns of files and directories to leave out (in the syntax of `ignoreMode`).
   * @default - Python caches, virtual environments and Git metadata: `__pycache__`, `*.pyc`, `.venv`, `.git`
   */
  readonly exclude?: string[];
  /**
   * The syntax of `exclude`.
   * @default IgnoreMode.GLOB
   */
  readonly ignoreMode?: IgnoreMode;
}

/** Options of a processing step's source directory. */
export interface ProcessingDirectoryOptions extends SourceDirectoryOptions {
  /**
   * A pip requirements file of the directory (a path relative to it) to install before the entry point runs.
   * @default - `requirements.txt` when the directory has one at its top; else nothing is installed
   */
  readonly requirementsFile?: string;
}

/** What the source directory defaults leave out. */
const DEFAULT_EXCLUDE = ['__pycache__', '*.pyc', '.venv', '.git'];
/** Where code a processing step uploads goes in the pipeline's artifact bucket: one prefix per content. */
const CODE_PREFIX = 'pipeline-code';
/** Entry points and requirement files that a shell command line can name as they are. */
const SHELL_SAFE_PATH = /^[A-Za-z0-9._+\-/]+$/;

/**
 * The script a processing step runs: a local file or directory (uploaded by `cdk deploy`), or an object in S3.
 * It is mounted at `/opt/ml/processing/input/code/` and run by the step's entrypoint under its own name, as the
 * SageMaker Python SDK runs it (`python3 /opt/ml/processing/input/code/preprocess.py`).
 */
export abstract class ProcessingCode {
  /**
   * A local script, run under its own file name. `cdk deploy` uploads it to the pipeline's artifact bucket, at
   * `pipeline-code/<hash of the script>/<file name>` (written by a deployment custom resource); the pipeline is
   * created or updated once the script is there.
   */
  public static fromAsset(filePath: string): ProcessingCode {
    return new FileAssetCode(filePath);
  }

  /**
   * A local directory of code: helper modules next to the entry point, and a pip requirements file. `cdk deploy`
   * uploads the directory's files to the pipeline's artifact bucket (`pipeline-code/<hash of the files>/...`); the
   * step mounts them all at `/opt/ml/processing/input/code/` with their relative paths, and runs the entry point
   * from there, after `pip install -r <requirements file>` when the directory has one (what the SDK's
   * `FrameworkProcessor` does with `source_dir`).
   *
   * @param directory the local directory
   * @param entryPoint the script to run, relative to the directory (`preprocess.py`, `jobs/prep.py`)
   */
  public static fromDirectory(directory: string, entryPoint: string, options: ProcessingDirectoryOptions = {}): ProcessingCode {
    return new DirectoryAssetCode(directory, entryPoint, options);
  }

  /**
   * A script in an S3 bucket; the pipeline's role gets read access to it.
   */
  public static fromBucket(bucket: s3.IBucket, key: string): ProcessingCode {
    return new BucketCode(bucket, key);
  }

  /**
   * A script at an S3 URI, `s3://bucket/key`: the bucket may be a CloudFormation value
   * (`s3://${bucket.bucketName}/scripts/prep.py`), the key must be written out (its file name decides how the script
   * is run). The pipeline's role gets read access to exactly that object.
   */
  public static fromS3Uri(uri: string): ProcessingCode {
    const loc = Token.isUnresolved(uri) && !uri.startsWith('s3://') ? undefined : parseS3Uri(uri);
    if (!loc || loc.key === '' || loc.key.endsWith('/') || Token.isUnresolved(loc.key) || Token.isUnresolved(loc.bucket) && !/^\$\{Token\[[^\]]+\]\}$/.test(loc.bucket)) {
      throw new Error(`ProcessingCode.fromS3Uri: '${uri}' is not the URI of a script; expected s3://<bucket>/<key> with the key written out `
        + '(its file name decides how the script is run), for example s3://my-bucket/scripts/preprocess.py');
    }
    return new UriCode(loc.bucket, loc.key);
  }

  /**
   * Binds the code to a step of a pipeline: uploads it where needed and grants the pipeline's role read access.
   */
  public abstract bind(scope: Construct, pipeline: IPipelineHost): ProcessingCodeConfig;
}

/** Where files are copied at deploy time, and how they are encrypted. @internal */
export interface UploadDestination {
  /** The bucket. */
  readonly bucket: s3.IBucket;
  /** The key prefix the files land under. */
  readonly prefix: string;
  /** A KMS key to encrypt the objects with (SSE-KMS); else the bucket's default encryption. */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Copies files into a bucket at deploy time and makes the pipeline wait for the copy. Objects stay when the stack
 * goes (executions of older versions of the pipeline may read them). @internal
 */
export function uploadFiles(
  scope: Construct, id: string, source: s3deploy.ISource, pipeline: IPipelineHost, to: UploadDestination,
): s3deploy.BucketDeployment {
  const regulated = RegulatedAccount._of(scope);
  const upload = new s3deploy.BucketDeployment(scope, id, {
    sources: [source],
    destinationBucket: to.bucket,
    destinationKeyPrefix: to.prefix,
    prune: false,
    retainOnDelete: true,
    ...(to.encryptionKey
      ? { serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS, serverSideEncryptionAwsKmsKeyId: to.encryptionKey.keyArn }
      : {}),
    ...regulated?._handlerOptions('BucketDeployment'),
  });
  if (to.encryptionKey && upload.handlerRole) {
    to.encryptionKey.grantEncrypt(upload.handlerRole);
  }
  regulated?._suppressHandlers('BucketDeployment');
  pipeline.addResourceDependency(upload);
  return upload;
}

/**
 * Copies files into the pipeline's artifact bucket at deploy time, under a prefix named after their content
 * (`pipeline-code/<hash>/`), and makes the pipeline wait for the copy: what is there is those files, and executions of
 * older versions of the pipeline keep reading theirs. Processing code and notebook jobs upload this way. @internal
 */
export function uploadContentAddressed(
  scope: Construct, id: string, source: s3deploy.ISource, pipeline: IPipelineHost, prefix: string, encryptionKey?: kms.IKey,
): s3deploy.BucketDeployment {
  return uploadFiles(scope, id, source, pipeline, { bucket: pipeline.artifactBucket, prefix, encryptionKey });
}

/** The prefix of content-addressed uploads in the artifact bucket. @internal */
export const CONTENT_PREFIX = CODE_PREFIX;

abstract class UploadedCode extends ProcessingCode {
  /** The construct ID of the upload in the step (one per file a step uploads). */
  public uploadId = 'CodeUpload';
  /** A KMS key the upload encrypts the objects with. */
  public encryptionKey?: kms.IKey;
  private readonly uploads = new Map<s3.IBucket, { config: ProcessingCodeConfig; upload: s3deploy.BucketDeployment }>();

  public bind(scope: Construct, pipeline: IPipelineHost): ProcessingCodeConfig {
    const bucket = pipeline.artifactBucket;
    const known = this.uploads.get(bucket);
    if (known) {
      pipeline.addResourceDependency(known.upload);
      grantObjectRead(pipeline, bucket, this.readPattern(known.config));
      return known.config;
    }
    const prefix = `${CODE_PREFIX}/${this.contentHash()}/`;
    const upload = uploadContentAddressed(scope, this.uploadId, this.source(), pipeline, prefix, this.encryptionKey);
    const config = this.config(bucket, prefix);
    grantObjectRead(pipeline, bucket, this.readPattern(config));
    this.encryptionKey?.grantDecrypt(pipeline);
    this.uploads.set(bucket, { config, upload });
    return config;
  }

  protected abstract contentHash(): string;
  protected abstract source(): s3deploy.ISource;
  protected abstract config(bucket: s3.IBucket, prefix: string): ProcessingCodeConfig;
  protected abstract readPattern(config: ProcessingCodeConfig): string;
}

/**
 * A file the library writes at synth time (a check step's analysis configuration), uploaded like a script under its
 * own name into the pipeline's artifact bucket (content-addressed); returns its S3 URI. @internal
 */
export function uploadGeneratedFile(
  scope: Construct, pipeline: IPipelineHost, id: string, fileName: string, content: string, encryptionKey?: kms.IKey,
): string {
  const dir = stageFiles({ [fileName]: Buffer.from(content) });
  const file = new FileAssetCode(path.join(dir, fileName));
  file.uploadId = id;
  file.encryptionKey = encryptionKey;
  return file.bind(scope, pipeline).s3Uri;
}

/**
 * A file the library writes at synth time, uploaded to a location the user chose (`<prefix><fileName>`); the pipeline
 * role may read it. Returns its S3 URI. @internal
 */
export function uploadGeneratedFileTo(
  scope: Construct, pipeline: IPipelineHost, id: string, fileName: string, content: string, to: UploadDestination,
): string {
  uploadFiles(scope, id, s3deploy.Source.data(fileName, content), pipeline, to);
  grantObjectRead(pipeline, to.bucket, `${to.prefix}${fileName}`);
  to.encryptionKey?.grantDecrypt(pipeline);
  return to.bucket.s3UrlForObject(`${to.prefix}${fileName}`);
}

class FileAssetCode extends UploadedCode {
  private readonly fileName: string;

  constructor(private readonly filePath: string) {
    super();
    if (!fs.existsSync(filePath) || !fs.statSync(filePath).isFile()) {
      throw new Error(`ProcessingCode.fromAsset: '${filePath}' is not a file; expected the path of the script to run `
        + '(for a directory of code, use ProcessingCode.fromDirectory(directory, entryPoint))');
    }
    this.fileName = path.basename(filePath);
  }

  protected contentHash(): string {
    return sha256([Buffer.from(this.fileName), fs.readFileSync(this.filePath)]);
  }

  protected source(): s3deploy.ISource {
    // The deployment unpacks a directory asset: one holding just the script, under its name.
    return s3deploy.Source.asset(stageFiles({ [this.fileName]: fs.readFileSync(this.filePath) }));
  }

  protected config(bucket: s3.IBucket, prefix: string): ProcessingCodeConfig {
    return { s3Uri: `s3://${bucket.bucketName}/${prefix}${this.fileName}`, entryPoint: this.fileName };
  }

  protected readPattern(config: ProcessingCodeConfig): string {
    return keyOf(config.s3Uri);
  }
}

class DirectoryAssetCode extends UploadedCode {
  private readonly exclude: string[];
  private readonly requirementsFile?: string;

  constructor(private readonly directory: string, private readonly entryPoint: string, private readonly options: ProcessingDirectoryOptions) {
    super();
    this.exclude = options.exclude ?? DEFAULT_EXCLUDE;
    const files = checkSourceDirectory('ProcessingCode.fromDirectory', directory, entryPoint, this.exclude, options.ignoreMode);
    const requirements = options.requirementsFile ?? (files.includes('requirements.txt') ? 'requirements.txt' : undefined);
    if (requirements !== undefined && !files.includes(requirements)) {
      throw new Error(`ProcessingCode.fromDirectory: requirementsFile '${requirements}' is not a file of '${directory}' `
        + '(after exclude); expected a path relative to the directory, such as requirements.txt');
    }
    for (const [what, value] of [['entryPoint', entryPoint], ['requirementsFile', requirements]]) {
      if (value !== undefined && requirements !== undefined && !SHELL_SAFE_PATH.test(value)) {
        throw new Error(`ProcessingCode.fromDirectory: ${what} '${value}' is run by a shell command line (the requirements are installed first); `
          + 'expected a path of letters, digits and . _ + - / only');
      }
    }
    this.requirementsFile = requirements;
  }

  protected contentHash(): string {
    return FileSystem.fingerprint(this.directory, { exclude: this.exclude, ignoreMode: this.options.ignoreMode }).slice(0, 32);
  }

  protected source(): s3deploy.ISource {
    return s3deploy.Source.asset(this.directory, { exclude: this.exclude, ignoreMode: this.options.ignoreMode });
  }

  protected config(bucket: s3.IBucket, prefix: string): ProcessingCodeConfig {
    return { s3Uri: `s3://${bucket.bucketName}/${prefix}`, entryPoint: this.entryPoint, requirementsFile: this.requirementsFile };
  }

  protected readPattern(config: ProcessingCodeConfig): string {
    return `${keyOf(config.s3Uri)}*`;
  }
}

class BucketCode extends ProcessingCode {
  constructor(private readonly bucket: s3.IBucket, private readonly key: string) {
    super();
  }

  public bind(_scope: Construct, pipeline: IPipelineHost): ProcessingCodeConfig {
    grantObjectRead(pipeline, this.bucket, this.key);
    return { s3Uri: this.bucket.s3UrlForObject(this.key), entryPoint: path.posix.basename(this.key) };
  }
}

class UriCode extends ProcessingCode {
  private bucket?: s3.IBucket;

  constructor(private readonly bucketName: string, private readonly key: string) {
    super();
  }

  public bind(scope: Construct, pipeline: IPipelineHost): ProcessingCodeConfig {
    this.bucket ??= s3.Bucket.fromBucketName(scope, 'CodeBucket', this.bucketName);
    grantObjectRead(pipeline, this.bucket, this.key);
    return { s3Uri: `s3://${this.bucketName}/${this.key}`, entryPoint: path.posix.basename(this.key) };
  }
}

/** Where a training step's code is, once bound. */
export interface TrainingCodeConfig {
  /** The S3 URI of the source archive (a gzipped tar of the source directory). */
  readonly sourceArchiveS3Uri: string;
  /** The script to run, relative to the archive's top (`train.py`). */
  readonly entryPoint: string;
}

/**
 * The code of a training job in script mode, run by the training toolkit of the SageMaker framework images
 * (scikit-learn, XGBoost, PyTorch, TensorFlow, Hugging Face): a source directory, shipped as a gzipped tar, and its
 * entry point. The step passes them as the SDK's framework estimators do, in the `sagemaker_submit_directory` and
 * `sagemaker_program` hyperparameters; the toolkit unpacks the archive into `/opt/ml/code`, installs its top
 * `requirements.txt` if it has one, and runs the entry point with the other hyperparameters as `--name value`
 * arguments.
 */
export abstract class TrainingCode {
  /**
   * A local source directory. It is packed at synth time into a gzipped tar (the same bytes for the same files),
   * which `cdk deploy` uploads as an asset.
   *
   * @param directory the local directory
   * @param entryPoint the script to run, relative to the directory (`train.py`)
   */
  public static fromDirectory(directory: string, entryPoint: string, options: SourceDirectoryOptions = {}): TrainingCode {
    const files = checkSourceDirectory('TrainingCode.fromDirectory', directory, entryPoint, options.exclude ?? DEFAULT_EXCLUDE, options.ignoreMode);
    return new DirectoryTrainingCode(directory, entryPoint, files);
  }

  /**
   * A local script alone: a source directory of one file.
   */
  public static fromAsset(filePath: string): TrainingCode {
    if (!fs.existsSync(filePath) || !fs.statSync(filePath).isFile()) {
      throw new Error(`TrainingCode.fromAsset: '${filePath}' is not a file; expected the path of the training script `
        + '(for a directory of code, use TrainingCode.fromDirectory(directory, entryPoint))');
    }
    return new DirectoryTrainingCode(path.dirname(filePath), path.basename(filePath), [path.basename(filePath)]);
  }

  /**
   * A source archive already in S3 (a gzipped tar, such as the SDK's `sourcedir.tar.gz`): the bucket may be a
   * CloudFormation value, the key must be written out. The pipeline's role gets read access to exactly that object.
   *
   * @param uri `s3://bucket/key` of the archive
   * @param entryPoint the script to run, relative to the archive's top
   */
  public static fromS3Uri(uri: string, entryPoint: string): TrainingCode {
    const loc = Token.isUnresolved(uri) && !uri.startsWith('s3://') ? undefined : parseS3Uri(uri);
    if (!loc || loc.key === '' || loc.key.endsWith('/') || Token.isUnresolved(loc.key) || Token.isUnresolved(loc.bucket) && !/^\$\{Token\[[^\]]+\]\}$/.test(loc.bucket)) {
      throw new Error(`TrainingCode.fromS3Uri: '${uri}' is not the URI of a source archive; expected s3://<bucket>/<key> with the key written out, `
        + 'for example s3://my-bucket/code/sourcedir.tar.gz');
    }
    checkEntryPoint('TrainingCode.fromS3Uri', entryPoint);
    return new UriTrainingCode(loc.bucket, loc.key, entryPoint);
  }

  /**
   * Binds the code to a step, granting the role read access.
   */
  public abstract bind(scope: Construct, grantee: iam.IGrantable): TrainingCodeConfig;
}

class DirectoryTrainingCode extends TrainingCode {
  private asset?: s3_assets.Asset;

  /** @param files the files to pack, relative to the directory */
  constructor(private readonly directory: string, private readonly entryPoint: string, private readonly files: string[]) {
    super();
  }

  public bind(scope: Construct, grantee: iam.IGrantable): TrainingCodeConfig {
    if (!this.asset) {
      const archive = stageFiles({ 'sourcedir.tar.gz': tarGz(this.directory, this.files) });
      this.asset = new s3_assets.Asset(scope, 'SourceDir', { path: path.join(archive, 'sourcedir.tar.gz') });
    }
    grantObjectRead(grantee, this.asset.bucket, this.asset.s3ObjectKey);
    return { sourceArchiveS3Uri: this.asset.s3ObjectUrl, entryPoint: this.entryPoint };
  }
}

class UriTrainingCode extends TrainingCode {
  private bucket?: s3.IBucket;

  constructor(private readonly bucketName: string, private readonly key: string, private readonly entryPoint: string) {
    super();
  }

  public bind(scope: Construct, grantee: iam.IGrantable): TrainingCodeConfig {
    this.bucket ??= s3.Bucket.fromBucketName(scope, 'SourceBucket', this.bucketName);
    grantObjectRead(grantee, this.bucket, this.key);
    return { sourceArchiveS3Uri: `s3://${this.bucketName}/${this.key}`, entryPoint: this.entryPoint };
  }
}

/** Checks a source directory and its entry point; returns its files (relative paths, after exclusion). */
function checkSourceDirectory(what: string, directory: string, entryPoint: string, exclude: string[], ignoreMode?: IgnoreMode): string[] {
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
    throw new Error(`${what}: '${directory}' is not a directory; expected the directory of the code to ship`);
  }
  checkEntryPoint(what, entryPoint);
  const files = listSourceFiles(directory, exclude, ignoreMode);
  if (!files.includes(entryPoint)) {
    throw new Error(`${what}: entry point '${entryPoint}' is not a file of '${directory}' (after exclude); `
      + `expected a path relative to the directory, one of: ${files.slice(0, 10).join(', ') || '(no files)'}${files.length > 10 ? ', ...' : ''}`);
  }
  return files;
}

function checkEntryPoint(what: string, entryPoint: string): void {
  if (Token.isUnresolved(entryPoint) || entryPoint === '' || entryPoint.startsWith('/') || entryPoint.split('/').includes('..')) {
    throw new Error(`${what}: entry point '${entryPoint}' is not a relative path inside the code; expected a path such as train.py or jobs/train.py`);
  }
}

function sha256(parts: Buffer[]): string {
  const hash = crypto.createHash('sha256');
  for (const part of parts) {
    hash.update(part).update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/** The key (or key prefix) of an `s3://` URI the library built from a bucket's `s3UrlForObject`. */
function keyOf(uri: string): string {
  return parseS3Uri(uri)!.key;
}
