import { CfnElement, CfnMapping, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * How long a pipeline definition is once CloudFormation has put its deploy-time values in, and how much room it
 * takes in the template.
 */
export interface DefinitionSize {
  /** The definition's length in characters when every deploy-time value is as short as it can be. */
  readonly minLength: number;
  /** The definition's length in characters when every deploy-time value is as long as it can be. */
  readonly maxLength: number;
  /** Bytes the definition takes in the template when it is written inline (as aws-cdk-lib writes templates). */
  readonly templateBytes: number;
}

/** [shortest, longest] a deploy-time value can be. */
type Bounds = [number, number];

/** A value of unknown shape: at most the longest string an IAM ARN can be (2048), the bound used for anything unknown. */
const UNKNOWN: Bounds = [0, 2048];

/**
 * Pseudo parameters. Regions: from 9 (us-east-1) to 14 characters (ap-southeast-5, us-isob-east-1), bounded at 16;
 * partitions: aws (3) to aws-us-gov (10); URL suffixes: c2s.ic.gov (10) to amazonaws.com.cn (16). Source: AWS
 * General Reference, "AWS service endpoints" and "Amazon Resource Names (ARNs)" (partition list).
 */
const PSEUDO: Record<string, Bounds> = {
  'AWS::Region': [9, 16],
  'AWS::AccountId': [12, 12],
  'AWS::Partition': [3, 10],
  'AWS::URLSuffix': [10, 16],
  'AWS::StackName': [1, 128],
  'AWS::NoValue': [0, 0],
};

const add = (a: Bounds, b: Bounds): Bounds => [a[0] + b[0], a[1] + b[1]];
const fixed = (n: number): Bounds => [n, n];

/** `arn:<partition>:<service>:<region>:<account>:` with the region and account present or empty. */
function arnHead(service: string, regional: boolean, account: boolean): Bounds {
  let b: Bounds = add(fixed(`arn::${service}:::`.length), PSEUDO['AWS::Partition']);
  if (regional) b = add(b, PSEUDO['AWS::Region']);
  if (account) b = add(b, PSEUDO['AWS::AccountId']);
  return b;
}

/**
 * Bounds of a resource's Ref and Fn::GetAtt values by resource type, from the names' length limits in each
 * service's API reference (S3 bucket names 3-63; IAM role names 1-64 with a path of at most 512; Lambda function
 * names 1-64; SQS queue names 1-80; KMS key ids are UUIDs of 36; SageMaker names 1-63).
 */
function resourceValue(resource: CfnResource, attribute: string | undefined): Bounds {
  const type = resource.cfnResourceType;
  switch (type) {
    case 'AWS::S3::Bucket': {
      const name: Bounds = [3, 63];
      if (attribute === undefined) return name;
      if (attribute === 'Arn') return add(arnHead('s3', false, false), name);
      if (attribute === 'DomainName') return add(name, fixed('.s3.amazonaws.com'.length + 6));
      return UNKNOWN;
    }
    case 'AWS::IAM::Role': {
      const name: Bounds = [1, 64];
      if (attribute === undefined) return name;
      if (attribute === 'Arn') {
        const given = (resource as iam.CfnRole).path;
        const rolePath: Bounds = given === undefined ? fixed(1) : typeof given === 'string' && !given.includes('${Token') ? fixed(given.length) : [1, 512];
        return add(add(add(arnHead('iam', false, true), fixed('role'.length)), rolePath), name);
      }
      if (attribute === 'RoleId') return [16, 128];
      return UNKNOWN;
    }
    case 'AWS::Lambda::Function': {
      const name: Bounds = [1, 64];
      if (attribute === undefined) return name;
      if (attribute === 'Arn') return add(add(arnHead('lambda', true, true), fixed('function:'.length)), name);
      return UNKNOWN;
    }
    case 'AWS::SQS::Queue': {
      const name: Bounds = [1, 80];
      if (attribute === 'Arn') return add(arnHead('sqs', true, true), name);
      if (attribute === 'QueueName') return name;
      // Ref: https://sqs.<region>.<url suffix>/<account>/<name>
      return add(add(add(add(fixed('https://sqs.../'.length), PSEUDO['AWS::Region']), PSEUDO['AWS::URLSuffix']), PSEUDO['AWS::AccountId']), name);
    }
    case 'AWS::KMS::Key': {
      if (attribute === undefined || attribute === 'KeyId') return fixed(36);
      if (attribute === 'Arn') return add(arnHead('kms', true, true), fixed('key/'.length + 36));
      return UNKNOWN;
    }
    case 'AWS::SageMaker::ModelPackageGroup':
      // Ref and ModelPackageGroupArn are the ARN: arn:...:model-package-group/<name of at most 63>.
      if (attribute === undefined || attribute === 'ModelPackageGroupArn') {
        return add(arnHead('sagemaker', true, true), [1 + 'model-package-group/'.length, 63 + 'model-package-group/'.length]);
      }
      if (attribute === 'ModelPackageGroupName') return [1, 63];
      return UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/** Measures resolved CloudFormation values against the elements of one stack. */
class Measurer {
  private readonly elements = new Map<string, CfnElement>();

  constructor(stack: Stack) {
    for (const c of stack.node.findAll()) {
      if (CfnElement.isCfnElement(c) && Stack.of(c) === stack) {
        this.elements.set(stack.resolve(c.logicalId), c);
      }
    }
  }

  public value(v: any): Bounds {
    if (typeof v === 'string') return fixed(v.length);
    if (typeof v === 'number' || typeof v === 'boolean') return fixed(String(v).length);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return UNKNOWN;
    const keys = Object.keys(v);
    if (keys.length !== 1) return UNKNOWN;
    const arg = v[keys[0]];
    switch (keys[0]) {
      case 'Ref':
        return this.ref(arg, undefined);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
        return this.ref(id, attribute);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, any[]];
        if (!Array.isArray(parts)) return UNKNOWN;
        let b: Bounds = fixed(Math.max(0, parts.length - 1) * sep.length);
        for (const p of parts) b = add(b, this.value(p));
        return b;
      }
      case 'Fn::FindInMap':
        return this.findInMap(arg);
      case 'Fn::Sub':
        return this.sub(arg);
      default:
        return UNKNOWN;
    }
  }

  private ref(id: string, attribute: string | undefined): Bounds {
    if (attribute === undefined && PSEUDO[id]) return PSEUDO[id];
    const el = this.elements.get(id);
    if (el instanceof CfnParameter) {
      // A template parameter's value is at most 4,096 bytes (CloudFormation quotas).
      return [0, 4096];
    }
    if (el instanceof CfnResource) return resourceValue(el, attribute);
    return UNKNOWN;
  }

  private findInMap(arg: any): Bounds {
    const [mapId, , second] = arg as [any, any, any];
    const el = typeof mapId === 'string' ? this.elements.get(mapId) : undefined;
    if (!(el instanceof CfnMapping)) return UNKNOWN;
    const rendered = (el as any)._toCloudFormation()?.Mappings?.[mapId] as Record<string, Record<string, unknown>> | undefined;
    const values: number[] = [];
    for (const row of Object.values(rendered ?? {})) {
      for (const [key, value] of Object.entries(row)) {
        if (typeof second !== 'string' || key === second) {
          values.push(String(value).length);
        }
      }
    }
    return values.length > 0 ? [Math.min(...values), Math.max(...values)] : UNKNOWN;
  }

  private sub(arg: any): Bounds {
    const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
    if (typeof text !== 'string') return UNKNOWN;
    let b: Bounds = [0, 0];
    const literal = text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
      const bound = vars?.[name] !== undefined ? this.value(vars[name])
        : name.includes('.') ? this.ref(name.split('.')[0], name.split('.').slice(1).join('.')) : this.ref(name, undefined);
      b = add(b, bound);
      return '';
    });
    return add(b, fixed(literal.length));
  }
}

/**
 * Measures a definition as `stack.resolve(stack.toJsonString(definition))` renders it: a string, or an Fn::Join of
 * JSON text and CloudFormation values that CloudFormation puts in as they are at deploy time.
 */
export function measureDefinition(stack: Stack, resolved: any): DefinitionSize {
  const measurer = new Measurer(stack);
  const [minLength, maxLength] = measurer.value(resolved);
  // aws-cdk-lib writes templates indented by one space per level; the body sits five levels deep (Resources, the
  // pipeline, Properties, PipelineDefinition, PipelineDefinitionBody).
  const text = JSON.stringify(resolved, undefined, 1);
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return { minLength, maxLength, templateBytes: Buffer.byteLength(text) + 5 * lines };
}

/**
 * Measures a definition rendered as text with markers (see definition-source.ts) and the resolved value of each
 * marker, without resolving the whole definition. The template bytes are estimated as aws-cdk-lib writes an inline
 * body: the text between values as JSON strings, each value as its expression, one per line.
 */
export function measureMarkedDefinition(stack: Stack, text: string, resolvedMarkers: Record<string, any>): DefinitionSize {
  const measurer = new Measurer(stack);
  const names = Object.keys(resolvedMarkers);
  if (names.length === 0) {
    const bytes = Buffer.byteLength(JSON.stringify(text));
    return { minLength: text.length, maxLength: text.length, templateBytes: bytes };
  }
  const pattern = new RegExp(names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const bounds = new Map(names.map((n) => [n, measurer.value(resolvedMarkers[n])]));
  // An expression's lines are indented eight levels deep like the parts around them.
  const expressions = new Map(names.map((n) => {
    const pretty = JSON.stringify(resolvedMarkers[n], undefined, 1);
    return [n, Buffer.byteLength(pretty) + 8 * (pretty.split('\n').length - 1)];
  }));
  let min = 0;
  let max = 0;
  let bytes = 0;
  let last = 0;
  let parts = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const literal = text.slice(last, m.index);
    min += literal.length;
    max += literal.length;
    bytes += Buffer.byteLength(JSON.stringify(literal)) + expressions.get(m[0])!;
    const [lo, hi] = bounds.get(m[0])!;
    min += lo;
    max += hi;
    parts += 2;
    last = m.index + m[0].length;
  }
  const tail = text.slice(last);
  min += tail.length;
  max += tail.length;
  bytes += Buffer.byteLength(JSON.stringify(tail));
  // Each part on its own line, indented eight levels deep, followed by a comma.
  bytes += (parts + 1) * 10;
  return { minLength: min, maxLength: max, templateBytes: bytes };
}
