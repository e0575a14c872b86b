import { NagPackSuppression, NagSuppressions } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** Region and account as a template writes them: literals when the stack's environment is known, else pseudo-parameters. */
export const ENV = '(?:<AWS::Region>|[a-z0-9-]+):(?:<AWS::AccountId>|\\d{12})';
/** The partition as a template writes it: a literal when the feature flags pin the target partitions. */
export const PARTITION = '(?:<AWS::Partition>|aws(?:-[a-z]+)*)';

/**
 * The cdk-nag findings of a Lambda function that an aws-cdk-lib module creates for itself (one per stack: the
 * BucketDeployment handler, the AwsCustomResource function): its managed basic-execution policy and its runtime are
 * that module's. Further suppressions of the function (its own policy's wildcards) come with their reasons.
 */
export function suppressAwsCdkLibFunction(fn: IConstruct, module: string, more: NagPackSuppression[] = []): void {
  NagSuppressions.addResourceSuppressions(fn, [{
    id: 'AwsSolutions-IAM4',
    reason: `aws-cdk-lib's ${module} function writes its logs through the AWSLambdaBasicExecutionRole managed policy `
      + '(CloudWatch Logs only), which that module attaches.',
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  }, ...more, {
    id: 'AwsSolutions-L1',
    reason: `The ${module} function's runtime is chosen by aws-cdk-lib (it bundles the handler for it); it moves to newer `
      + 'runtimes with aws-cdk-lib upgrades.',
  }], true);
}
