import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * Lets a principal pull an image from an ECR repository, as SageMaker does with the execution role for a job or a
 * model ("CreateProcessingJob / CreateTrainingJob / CreateModel API: Execution Role Permissions" in the SageMaker
 * Developer Guide, https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html, list ecr:BatchGetImage,
 * ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability and ecr:GetAuthorizationToken).
 */
export function grantEcrPull(scope: Construct, grantee: iam.IGrantable, account: string, region: string, repository: string): void {
  const stack = Stack.of(scope);
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
    resourceArns: [stack.formatArn({ service: 'ecr', account, region, resource: 'repository', resourceName: repository })],
  });
  // ecr:GetAuthorizationToken has no resource type in the Service Authorization Reference ("Actions, resources, and
  // condition keys for Amazon Elastic Container Registry"): only "*" authorizes it. The token alone pulls nothing.
  iam.Grant.addToPrincipal({ grantee, actions: ['ecr:GetAuthorizationToken'], resourceArns: ['*'] });
}
