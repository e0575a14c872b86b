import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Read access to exactly one object (no wildcard). A job input of type S3Prefix lists the prefix before it reads, so
 * the listing is allowed too, for that key only.
 */
export function grantObjectRead(grantee: iam.IGrantable, bucket: s3.IBucket, key: string): void {
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [bucket.arnForObjects(key)] });
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [key] } },
  }));
  bucket.encryptionKey?.grantDecrypt(grantee);
}

/** The bucket and key of an `s3://bucket/key` URI whose bucket part is known (a literal or a CloudFormation token). */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) {
    return undefined;
  }
  return { bucket: m[1], key: m[2] };
}

/**
 * Grants access to the objects under an S3 URI (`s3://bucket/prefix`): read, or read and write. Returns false
 * when the URI's bucket cannot be told at synth time.
 */
export function grantS3Uri(scope: Construct, grantee: iam.IGrantable, uri: string, write: boolean): boolean {
  const loc = parseS3Uri(uri);
  if (!loc) {
    return false;
  }
  const partition = Stack.of(scope).partition;
  const bucketArn = `arn:${partition}:s3:::${loc.bucket}`;
  const objects = loc.key === '' ? `${bucketArn}/*` : `${bucketArn}/${loc.key}${loc.key.endsWith('*') ? '' : '*'}`;
  const actions = write ? ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'] : ['s3:GetObject'];
  iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [objects] });
  const listCondition = loc.key === '' || Token.isUnresolved(loc.key) ? undefined : { StringLike: { 's3:prefix': [`${loc.key}*`] } };
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucketArn],
    ...(listCondition ? { conditions: listCondition } : {}),
  }));
  return true;
}
