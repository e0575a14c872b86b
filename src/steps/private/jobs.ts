import { Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { InstanceType } from '../../instance-type';
import { RegulatedAccount } from '../../regulated-account';
import { PipelineParameter } from '../../values/parameter';
import { ConcatValue, PipelineToken, PipelineValue, ValueKind, literalOf, splitString } from '../../values/pipeline-value';

/**
 * Lets the pipeline's role create, describe and stop the jobs a step runs. SageMaker Pipelines names the processing,
 * training and transform jobs it starts `pipelines-<execution id>-<step>-...`, so those are scoped to that prefix.
 *
 * A hyper-parameter tuning job name is at most 32 characters (CreateHyperParameterTuningJob's
 * HyperParameterTuningJobName), too short for that prefix and a 12-character execution id: Pipelines gives tuning
 * jobs a generated name without a documented prefix, so the tuning job resource can only be scoped to its type
 * (`hyper-parameter-tuning-job/*`). Pipelines also lists the tuning job's training jobs with the role to fill the
 * step's `TrainingJobSummaries` (`topModelS3Uri`).
 */
export function grantJob(scope: Construct, grantee: iam.IGrantable, resourceType: string, jobAction: string, jobNamePrefix?: string): void {
  const stack = Stack.of(scope);
  const tuning = resourceType === 'hyper-parameter-tuning-job';
  const resourceName = jobNamePrefix !== undefined ? `${jobNamePrefix}*` : tuning ? '*' : 'pipelines-*';
  iam.Grant.addToPrincipal({
    grantee,
    actions: [
      `sagemaker:Create${jobAction}`, `sagemaker:Describe${jobAction}`, `sagemaker:Stop${jobAction}`, 'sagemaker:AddTags',
      ...(tuning ? ['sagemaker:ListTrainingJobsForHyperParameterTuningJob'] : []),
    ],
    resourceArns: [stack.formatArn({ service: 'sagemaker', resource: resourceType, resourceName })],
  });
}

/** Training jobs publish their metrics to CloudWatch under /aws/sagemaker/ (PutMetricData is authorized on "*" only). */
export function grantTrainingMetrics(grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
  }));
}

/** What `jobStepProps` reads of a job step's props. */
interface JobKeysAndType {
  readonly instanceType?: InstanceType;
  readonly volumeEncryptionKey?: kms.IKey;
  readonly outputEncryptionKey?: kms.IKey;
}

/**
 * The props of a job step as the step keeps them: a known instance type checked against the job kind, and in a
 * regulated account (RegulatedAccount) the account's key as the default key of the outputs and, on EBS-only
 * instance types, of the volumes.
 */
export function jobStepProps<T extends JobKeysAndType>(scope: Construct, props: T, kind: 'processing' | 'training' | 'transform'): T {
  props.instanceType?._checkJobKind(scope, kind);
  return RegulatedAccount._of(scope)?._withJobKeys(props, props.instanceType, 'ml.m5.xlarge') ?? props;
}

/**
 * Lets the role use a KMS key for a job's storage volume or output: SageMaker encrypts with it and creates grants
 * on it for the instances it launches, so besides encrypt/decrypt it needs kms:CreateGrant (for AWS resources only)
 * and kms:DescribeKey ("CreateProcessingJob / CreateTrainingJob / CreateTransformJob API: Execution Role
 * Permissions", https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html).
 */
export function grantJobKey(grantee: iam.IGrantable, key: kms.IKey | undefined): void {
  if (!key) {
    return;
  }
  key.grantEncryptDecrypt(grantee);
  iam.Grant.addToPrincipal({ grantee, actions: ['kms:DescribeKey'], resourceArns: [key.keyArn] });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:CreateGrant'],
    resourceArns: [key.keyArn],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
  });
}

/**
 * A value for a member of type string: numbers, booleans, and pipeline values of another kind are turned into
 * strings (SageMaker refuses a reference of another type where a string is expected: "Cannot assign property
 * reference [Parameters.x] to argument of type [String]").
 */
export function asStringArgument(value: any): any {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (typeof value === 'number') {
    if (Token.isUnresolved(value) && !(Tokenization.reverseNumber(value) instanceof PipelineToken)) {
      return Tokenization.stringifyNumber(value); // a CloudFormation number (CfnParameter.valueAsNumber), as a string
    }
    const v = PipelineValue.fromNumber(value);
    return v.kind === ValueKind.STRING ? v : stringified(v);
  }
  if (typeof value === 'string') {
    const parts = splitString(value);
    if (parts.length === 1 && typeof parts[0] !== 'string') {
      const v = parts[0];
      return v.kind === ValueKind.STRING ? v : stringified(v);
    }
    return value;
  }
  if (value instanceof PipelineValue) {
    return value.kind === ValueKind.STRING ? value : stringified(value);
  }
  return value;
}

function stringified(v: PipelineValue): any {
  const lit = literalOf(v);
  if (lit.isLiteral) {
    return String(lit.value);
  }
  // A Std:Join of the value alone makes it a string.
  return new ConcatValue([v]);
}

/** Literal strings that must be one of a set. */
export function checkEnum(scope: Construct, what: string, value: string | undefined, allowed: string[]): void {
  if (value === undefined) {
    return;
  }
  if (Token.isUnresolved(value)) {
    // A pipeline value stands for one of the strings: it must be a string, and a parameter's default and enum
    // values must be among them.
    const parts = splitString(value);
    const v = parts.length === 1 && typeof parts[0] !== 'string' ? parts[0] : undefined;
    if (v && v.kind !== ValueKind.STRING && v.kind !== ValueKind.ANY) {
      throw new Error(`${scope.node.path}: ${what} is ${v.describe()}, a ${v.kind}; SageMaker expects one of the strings ${allowed.join(', ')}: `
        + 'use a String parameter (PipelineParameter.ofString with enumValues)');
    }
    const literals = v instanceof PipelineParameter ? [v.defaultValue, ...(v.enumValues ?? [])] : [];
    for (const literal of literals.filter((l) => l !== undefined)) {
      if (!allowed.includes(literal)) {
        throw new Error(`${scope.node.path}: ${what} is ${v!.describe()}, which may take '${literal}'; expected one of: ${allowed.join(', ')}`);
      }
    }
    return;
  }
  if (!allowed.includes(value)) {
    throw new Error(`${scope.node.path}: ${what} is '${value}'; expected one of: ${allowed.join(', ')}`);
  }
}
