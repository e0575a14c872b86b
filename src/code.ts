import * as fs from 'fs';
import * as path from 'path';
import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { grantObjectRead, parseS3Uri } from './steps/private/s3';

/** Where a step's code is, once bound. */
export interface ProcessingCodeConfig {
  /** The S3 URI of the script. */
  readonly s3Uri: string;
  /** The script's file name, as it appears in the container. */
  readonly fileName: string;
}

/**
 * The script a processing step runs: a local file (uploaded as an asset by `cdk deploy`) or an object in S3.
 * It is mounted at `/opt/ml/processing/input/code/` and run by the step's entrypoint.
 */
export abstract class ProcessingCode {
  /**
   * A local script, uploaded to the CDK assets bucket by `cdk deploy`.
   */
  public static fromAsset(filePath: string, options: s3_assets.AssetOptions = {}): ProcessingCode {
    return new AssetCode(filePath, options);
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
   * Binds the code to a step, granting the role read access.
   */
  public abstract bind(scope: Construct, grantee: iam.IGrantable): ProcessingCodeConfig;
}

class AssetCode extends ProcessingCode {
  private asset?: s3_assets.Asset;

  constructor(private readonly filePath: string, private readonly options: s3_assets.AssetOptions) {
    super();
    if (!fs.existsSync(filePath) || !fs.statSync(filePath).isFile()) {
      throw new Error(`ProcessingCode.fromAsset: '${filePath}' is not a file; expected the path of the script to run (a directory would be uploaded as a zip file, which processing jobs do not unpack)`);
    }
  }

  public bind(scope: Construct, grantee: iam.IGrantable): ProcessingCodeConfig {
    if (!this.asset) {
      this.asset = new s3_assets.Asset(scope, 'Code', { path: this.filePath, ...this.options });
    }
    grantObjectRead(grantee, this.asset.bucket, this.asset.s3ObjectKey);
    // The asset's object key is `<hash><extension>`: that is the file's name in the container.
    return { s3Uri: this.asset.s3ObjectUrl, fileName: path.posix.basename(this.asset.s3ObjectKey) };
  }
}

class BucketCode extends ProcessingCode {
  constructor(private readonly bucket: s3.IBucket, private readonly key: string) {
    super();
  }

  public bind(_scope: Construct, grantee: iam.IGrantable): ProcessingCodeConfig {
    grantObjectRead(grantee, this.bucket, this.key);
    return { s3Uri: this.bucket.s3UrlForObject(this.key), fileName: path.posix.basename(this.key) };
  }
}

class UriCode extends ProcessingCode {
  private bucket?: s3.IBucket;

  constructor(private readonly bucketName: string, private readonly key: string) {
    super();
  }

  public bind(scope: Construct, grantee: iam.IGrantable): ProcessingCodeConfig {
    this.bucket ??= s3.Bucket.fromBucketName(scope, 'CodeBucket', this.bucketName);
    grantObjectRead(grantee, this.bucket, this.key);
    return { s3Uri: `s3://${this.bucketName}/${this.key}`, fileName: path.posix.basename(this.key) };
  }
}
