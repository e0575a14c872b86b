import { Template, Match } from 'aws-cdk-lib/assertions';
import {
  ContainerImage, CreateModelStepConstruct, InferenceExecutionMode, Join, MlPipeline, ModelApprovalStatus,
  ModelPackageGroup, PipelineParameter, RegisterModelStepConstruct, RetryExceptionType, TrainingStepConstruct,
} from '../../src';
import { definitionOf, newStack } from '../util';

describe('CreateModelStepConstruct', () => {
  test('one container is the primary container, with the role and the model data', () => {
    const stack = newStack();
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    const model = new CreateModelStepConstruct(stack, 'CreateModel', {
      containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri, environment: { A: 'b' } }],
      retryPolicies: [{ exceptionTypes: [RetryExceptionType.STEP_SERVICE_FAULT] }],
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train, model] }));
    expect(def.Steps[1]).toEqual({
      Name: 'CreateModel',
      Type: 'Model',
      RetryPolicies: [{ ExceptionType: ['Step.SERVICE_FAULT'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 5 }],
      Arguments: {
        ExecutionRoleArn: expect.stringMatching(/^<<GetAtt:PRole/),
        PrimaryContainer: {
          Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
          ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' },
          Environment: { A: 'b' },
        },
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['sagemaker:AddTags', 'sagemaker:CreateModel', 'sagemaker:DescribeModel'] })]) },
    });
  });

  test('several containers with an execution mode', () => {
    const stack = newStack();
    const image = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1');
    const model = new CreateModelStepConstruct(stack, 'M', {
      containers: [{ image, containerHostname: 'first' }, { image, containerHostname: 'second', modelDataUrl: 's3://b/model.tar.gz' }],
      inferenceExecutionMode: InferenceExecutionMode.DIRECT,
    });
    const args = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [model] })).Steps[0].Arguments;
    expect(args.Containers.map((c: any) => c.ContainerHostname)).toEqual(['first', 'second']);
    expect(args.InferenceExecutionConfig).toEqual({ Mode: 'Direct' });
    expect(args.PrimaryContainer).toBeUndefined();
  });

  test('fails without containers, with a SageMaker retry type, or with a bad model URL', () => {
    const stack = newStack();
    const image = ContainerImage.xgboost('1.7-1');
    expect(() => new CreateModelStepConstruct(stack, 'A', { containers: [] })).toThrow(/TestStack\/A: no containers given/);
    expect(() => new CreateModelStepConstruct(stack, 'B', { containers: [{ image }], retryPolicies: [{ exceptionTypes: [RetryExceptionType.SAGEMAKER_RESOURCE_LIMIT] }] }))
      .toThrow(/SageMaker.RESOURCE_LIMIT apply only to steps that run SageMaker jobs/);
    expect(() => new CreateModelStepConstruct(stack, 'C', { containers: [{ image, modelDataUrl: 'model.tar.gz' }] })).toThrow(/modelDataUrl is 'model.tar.gz'; expected an S3 URI/);
    expect(() => new CreateModelStepConstruct(stack, 'D', { containers: [{ image }], inferenceExecutionMode: InferenceExecutionMode.SERIAL }))
      .toThrow(/inferenceExecutionMode applies to models with several containers/);
  });
});

describe('RegisterModelStepConstruct', () => {
  test('renders the inference specification, approval status, metrics and metadata', () => {
    const stack = newStack();
    const status = PipelineParameter.ofString('ModelApprovalStatus', { defaultValue: 'PendingManualApproval' });
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'MyGroup' });
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
    const register = new RegisterModelStepConstruct(stack, 'Register', {
      modelPackageGroup: group,
      approvalStatus: status.valueAsString,
      containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri }],
      contentTypes: ['text/csv'],
      responseTypes: ['text/csv'],
      inferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.large'],
      transformInstanceTypes: ['ml.m5.large'],
      modelPackageDescription: 'a model',
      modelMetrics: {
        modelQualityStatistics: { s3Uri: Join.of('/', ['s3://b/eval', 'evaluation.json']).valueAsString, contentType: 'application/json' },
        biasReport: { s3Uri: 's3://b/bias.json', contentType: 'application/json' },
      },
      customerMetadata: { team: 'ml' },
      domain: 'MACHINE_LEARNING',
      task: 'CLASSIFICATION',
      samplePayloadUrl: 's3://b/sample.csv',
      skipModelValidation: true,
    });
    const args = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train, register] })).Steps[1].Arguments;
    expect(args).toEqual({
      ModelPackageGroupName: 'MyGroup',
      ModelPackageDescription: 'a model',
      InferenceSpecification: {
        Containers: [{ Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
        SupportedRealtimeInferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.large'],
        SupportedTransformInstanceTypes: ['ml.m5.large'],
      },
      ModelApprovalStatus: { Get: 'Parameters.ModelApprovalStatus' },
      ModelMetrics: {
        ModelQuality: { Statistics: { S3Uri: { 'Std:Join': { On: '/', Values: ['s3://b/eval', 'evaluation.json'] } }, ContentType: 'application/json' } },
        Bias: { Report: { S3Uri: 's3://b/bias.json', ContentType: 'application/json' } },
      },
      CustomerMetadataProperties: { team: 'ml' },
      Domain: 'MACHINE_LEARNING',
      Task: 'CLASSIFICATION',
      SamplePayloadUrl: 's3://b/sample.csv',
      SkipModelValidation: 'All',
    });
    // The role may register versions in that group only (names are lower case in ARNs).
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['sagemaker:CreateModelPackage']),
          Resource: Match.arrayWith(['arn:aws:sagemaker:us-east-1:123456789012:model-package/mygroup/*']),
        })]),
      },
    });
  });

  test('defaults to PendingManualApproval', () => {
    const stack = newStack();
    const group = ModelPackageGroup.fromModelPackageGroupName(stack, 'G', 'existing-group');
    const register = new RegisterModelStepConstruct(stack, 'Register', {
      modelPackageGroup: group,
      containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: 's3://b/model.tar.gz' }],
    });
    const args = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [register] })).Steps[0].Arguments;
    expect(args.ModelApprovalStatus).toBe(ModelApprovalStatus.PENDING_MANUAL_APPROVAL);
    expect(args.ModelPackageGroupName).toBe('existing-group');
  });

  test('fails on an unknown approval status, empty transform types or too much metadata', () => {
    const stack = newStack();
    const group = ModelPackageGroup.fromModelPackageGroupName(stack, 'G', 'g');
    const containers = [{ image: ContainerImage.xgboost('1.7-1') }];
    expect(() => new RegisterModelStepConstruct(stack, 'A', { modelPackageGroup: group, containers, approvalStatus: 'Maybe' }))
      .toThrow(/TestStack\/A: approvalStatus is 'Maybe'; expected one of: Approved, Rejected, PendingManualApproval/);
    expect(() => new RegisterModelStepConstruct(stack, 'B', { modelPackageGroup: group, containers, transformInstanceTypes: [] })).toThrow(/transformInstanceTypes is empty/);
    const metadata: Record<string, string> = {};
    for (let i = 0; i < 51; i++) {
      metadata[`k${i}`] = 'v';
    }
    expect(() => new RegisterModelStepConstruct(stack, 'C', { modelPackageGroup: group, containers, customerMetadata: metadata })).toThrow(/customerMetadata has 51 entries; expected 1 to 50/);
  });
});
