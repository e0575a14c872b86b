import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { Join } from '../values/join';
import { PipelineParameter } from '../values/parameter';
import { ConcatValue, PipelineValue, literalOf, splitString } from '../values/pipeline-value';

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
  // A bucket of the app encrypted with a KMS key: objects are read (and written) through the key.
  const key = Token.isUnresolved(loc.bucket) ? bucketOfApp(scope, loc.bucket)?.encryptionKey : undefined;
  if (key) {
    if (write) {
      key.grantEncryptDecrypt(grantee);
    } else {
      key.grantDecrypt(grantee);
    }
  }
  return true;
}

/**
 * The bucket and key of an `s3://bucket/key` URI: the app's bucket construct when the bucket is one of the app's (so
 * its encryption key is known), else the bucket imported by name (created under `scope` as `id`).
 */
export function bucketOfUri(scope: Construct, id: string, uri: string): { bucket: s3.IBucket; key: string } | undefined {
  const loc = parseS3Uri(uri);
  if (!loc || loc.bucket.includes('/')) {
    return undefined;
  }
  const ofApp = Token.isUnresolved(loc.bucket) ? bucketOfApp(scope, loc.bucket) : undefined;
  return { bucket: ofApp ?? s3.Bucket.fromBucketName(scope, id, loc.bucket), key: loc.key };
}

const bucketIndex = new WeakMap<IConstruct, Map<string, s3.IBucket>>();

/** The bucket of the app (created or imported) whose name is this token, if any. */
function bucketOfApp(scope: Construct, bucketName: string): s3.IBucket | undefined {
  const root = scope.node.root;
  const index = () => {
    const byName = new Map<string, s3.IBucket>();
    for (const c of root.node.findAll()) {
      if (c instanceof s3.BucketBase) {
        byName.set(c.bucketName, c);
      }
    }
    bucketIndex.set(root, byName);
    return byName;
  };
  return (bucketIndex.get(root) ?? index()).get(bucketName) ?? index().get(bucketName);
}

/**
 * The literal head of a location: the part of a URI known at synth time, up to its first pipeline value. A
 * CloudFormation value alone (`Fn.join`, `Lazy`, a `CfnParameter`) is read through its resolved form. Undefined when
 * nothing of the location is known, or when it starts with a pipeline value.
 */
function knownHead(scope: Construct, uri: string): string | undefined {
  const parts = splitString(uri);
  const head: string[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') {
      break;
    }
    head.push(p);
  }
  const text = head.join('');
  if (text === '') {
    return undefined;
  }
  if (!Token.isUnresolved(text) || /^s3:\/\//.test(text)) {
    return text;
  }
  // A CloudFormation value as a whole: its resolved form may still show the bucket (Fn::Join of literals and Refs).
  let resolved: any;
  try {
    resolved = Stack.of(scope).resolve(text);
  } catch {
    return undefined;
  }
  if (typeof resolved === 'string') {
    return resolved;
  }
  const join = resolved?.['Fn::Join'];
  if (Array.isArray(join) && join[0] === '' && Array.isArray(join[1])) {
    return join[1].map((p: any) => (typeof p === 'string' ? p : Token.asString(p))).join('');
  }
  return undefined;
}

/**
 * Grants access to an S3 location of a step, whatever its form: a literal URI, text with CloudFormation values
 * (`s3://${bucket.bucketName}/in`), a CloudFormation value (Fn.join, Lazy), text that ends in pipeline values
 * (`s3://bucket/runs/` + the execution id: the literal prefix is granted), or a parameter (its default location).
 * When nothing of the location is known at synth time, the step gets a warning that names it and how to grant it.
 * Values that other steps produce (their outputs) need nothing: those steps were granted their locations.
 */
export function grantS3Location(scope: Construct, grantee: iam.IGrantable, uri: string, write: boolean, what: string): void {
  const parts = splitString(uri);
  const first = parts[0];
  if (parts.length >= 1 && typeof first !== 'string') {
    if (producedByStep(first)) {
      return;
    }
    // A pipeline value first: a parameter (its default location), a Join or a concatenation (the SDK writes default
    // locations as Join("/", ["s3:/", bucket, Execution.PipelineExecutionId, ...])): the literal head, up to the first
    // part known only at run time, names the bucket and a key prefix.
    const head = literalHead(parts);
    if (head.text !== '' && bucketIsKnown(head) && grantS3Uri(scope, grantee, head.text, write)) {
      return;
    }
    const parameter = first instanceof PipelineParameter ? first : undefined;
    const location = parameter
      ? `parameter '${parameter.name}'${parameter.defaultValue === undefined ? ', which has no default,' : ''}`
      : first.describe();
    warnUnknown(scope, what, location, head.unknown ?? first.describe(), write, parameter !== undefined);
    return;
  }
  const head = knownHead(scope, uri);
  if (head === undefined || !bucketIsKnown({ text: head, complete: !parts.some((p) => typeof p !== 'string') }) || !grantS3Uri(scope, grantee, head, write)) {
    const location = Token.isUnresolved(uri) ? 'a value known only at deploy time' : `'${uri}'`;
    warnUnknown(scope, what, location, location, write, false);
  }
}

/**
 * The part of a location known at synth time, as text (CloudFormation values as tokens), up to its first part known
 * only at run time (`unknown` describes that part). A parameter counts as its default location, as when it is the
 * whole location.
 */
function literalHead(parts: Array<string | PipelineValue>, on: string = ''): { text: string; complete: boolean; unknown?: string } {
  let text = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i > 0) {
      text += on;
    }
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    const inner = headOfValue(part);
    text += inner.text;
    if (!inner.complete) {
      return { text, complete: false, unknown: inner.unknown };
    }
  }
  return { text, complete: true };
}

function headOfValue(value: PipelineValue): { text: string; complete: boolean; unknown?: string } {
  const literal = literalOf(value);
  if (literal.isLiteral) {
    return { text: String(literal.value), complete: true };
  }
  if (value instanceof PipelineParameter) {
    return typeof value.defaultValue === 'string'
      ? { text: value.defaultValue, complete: true }
      : { text: '', complete: false, unknown: `parameter '${value.name}' (no default)` };
  }
  if (value instanceof Join) {
    return literalHead(value._values, value.on);
  }
  if (value instanceof ConcatValue) {
    return literalHead(value.parts);
  }
  return { text: '', complete: false, unknown: value.describe() };
}

/**
 * Whether a head names its bucket: an `s3://` URI whose bucket is followed by `/`, or complete (nothing follows it at
 * run time). `s3://data-` followed by a run-time part could be any bucket.
 */
function bucketIsKnown(head: { text: string; complete: boolean }): boolean {
  const m = /^s3:\/\/([^/]*)(\/?)/.exec(head.text);
  return m !== null && m[1] !== '' && (m[2] === '/' || head.complete);
}

/** Whether a value is produced by a step (a property of it), or made of such values. */
function producedByStep(value: PipelineValue): boolean {
  const v = value as any;
  if (v.step !== undefined) {
    return true; // a property of a step (StepProperty, a tuning step's top model)
  }
  const parts: any[] | undefined = v._values ?? v.parts;
  return Array.isArray(parts) && parts.some((p) => typeof p !== 'string' && producedByStep(p));
}

function warnUnknown(scope: Construct, what: string, location: string, unknowable: string, write: boolean, parameter: boolean): void {
  Annotations.of(scope).addWarningV2('cdk-sagemaker-pipelines:s3-location-unknown',
    `${what} is ${location}: its S3 bucket is known only when the pipeline runs (it depends on ${unknowable}), so the pipeline's `
    + `role was granted no ${write ? 'write' : 'read'} access to it: grant it yourself, for example bucket.${write ? 'grantReadWrite' : 'grantRead'}(pipeline)`
    + (parameter ? ', or give the parameter a default location' : ', or write the bucket as a literal or a CloudFormation value'));
}
