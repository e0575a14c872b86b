import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AbTestEndpoint, AbTestEndpointProps, ContainerImage, EndpointVariant, InstanceType, ModelVersion, ModelVersionModel } from '../../src';
import { actionsOn, newStack } from '../util';

const CHAMPION_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3';
const CHALLENGER_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/4';

function models(stack: Stack) {
  const artifacts = s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifact-bucket');
  const images = [ContainerImage.xgboost('1.7-1')];
  return {
    champion: new ModelVersionModel(stack, 'Champion', { modelVersion: ModelVersion.fromModelPackageArn(CHAMPION_ARN), artifactBuckets: [artifacts], images }),
    challenger: new ModelVersionModel(stack, 'Challenger', { modelVersion: ModelVersion.fromModelPackageArn(CHALLENGER_ARN), artifactBuckets: [artifacts], images }),
  };
}

function abTest(extra: Partial<AbTestEndpointProps> = {}, variants?: (m: ReturnType<typeof models>) => EndpointVariant[]) {
  const stack = newStack();
  const m = models(stack);
  const endpoint = new AbTestEndpoint(stack, 'Churn', {
    variants: variants ? variants(m) : [
      {
        variantName: 'champion',
        model: m.champion,
        weight: 90,
        instanceType: InstanceType.of('ml.c5.xlarge'),
        instanceCount: 2,
        autoScaling: { maxCapacity: 6, maxRequestsPerSecond: 20 },
      },
      { variantName: 'challenger', model: m.challenger, weight: 10, autoScaling: { minCapacity: 1, maxCapacity: 2, maxRequestsPerSecond: 5, safetyFactor: 0.8 } },
    ],
    ...extra,
  });
  return { stack, endpoint, template: Template.fromStack(stack), models: m };
}

function only(template: Template, type: string): any {
  const found = Object.values<any>(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('AbTestEndpoint', () => {
  test('the endpoint config serves each variant with its weight, instances and model, on an encrypted volume', () => {
    const { template, stack, models: m } = abTest();
    const config = only(template, 'AWS::SageMaker::EndpointConfig').Properties;
    expect(config.ProductionVariants).toEqual([
      {
        VariantName: 'champion',
        InitialVariantWeight: 90,
        InitialInstanceCount: 2,
        InstanceType: 'ml.c5.xlarge',
        ModelName: { 'Fn::GetAtt': [stack.getLogicalId(m.champion.node.defaultChild as any), 'ModelName'] },
      },
      {
        VariantName: 'challenger',
        InitialVariantWeight: 10,
        InitialInstanceCount: 1,
        InstanceType: 'ml.m5.large',
        ModelName: { 'Fn::GetAtt': [stack.getLogicalId(m.challenger.node.defaultChild as any), 'ModelName'] },
      },
    ]);
    expect(config.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ChurnStorageKey/), 'Arn'] });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(config.DataCaptureConfig).toBeUndefined();
  });

  test('changing the weights changes the endpoint config (a deploy shifts the traffic), not the endpoint\'s identity', () => {
    const configOf = (challengerWeight: number) => {
      const { template } = abTest({}, (m) => [
        { variantName: 'champion', model: m.champion, weight: 100 - challengerWeight },
        { variantName: 'challenger', model: m.challenger, weight: challengerWeight },
      ]);
      const endpoint = only(template, 'AWS::SageMaker::Endpoint').Properties;
      return { weights: only(template, 'AWS::SageMaker::EndpointConfig').Properties.ProductionVariants.map((v: any) => v.InitialVariantWeight), name: endpoint.EndpointName };
    };
    const before = configOf(10);
    const after = configOf(50);
    expect(before.weights).toEqual([90, 10]);
    expect(after.weights).toEqual([50, 50]);
    expect(after.name).toBe(before.name);
  });

  test('alarms per variant on 5xx errors and model latency, which roll a blue/green canary deployment back', () => {
    const { template, endpoint } = abTest({ alarms: { modelLatency: Duration.millis(250), invocation5xxErrors: 3, evaluationPeriods: 3 } });
    const endpointName = only(template, 'AWS::SageMaker::Endpoint').Properties.EndpointName;
    expect(endpointName).toMatch(/^TestStack-Churn-[0-9A-F]{8}$/);
    const alarms = Object.entries<any>(template.findResources('AWS::CloudWatch::Alarm'));
    const summary = ([, a]: [string, any]) => {
      const p = a.Properties;
      return [p.MetricName, p.Dimensions, p.Statistic, p.ComparisonOperator, p.Threshold, p.EvaluationPeriods, p.Period];
    };
    expect(alarms.map(summary))
      .toEqual(['champion', 'challenger'].flatMap((variant) => [
        ['Invocation5XXErrors', [{ Name: 'EndpointName', Value: endpointName }, { Name: 'VariantName', Value: variant }], 'Sum', 'GreaterThanOrEqualToThreshold', 3, 3, 60],
        ['ModelLatency', [{ Name: 'EndpointName', Value: endpointName }, { Name: 'VariantName', Value: variant }], 'Average', 'GreaterThanThreshold', 250000, 3, 60],
      ]));
    expect(alarms.every(([, a]) => a.Properties.Namespace === 'AWS/SageMaker' && a.Properties.TreatMissingData === 'notBreaching')).toBe(true);
    expect(only(template, 'AWS::SageMaker::Endpoint').Properties.DeploymentConfig).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 300 },
      },
      AutoRollbackConfiguration: { Alarms: alarms.map(([id]) => ({ AlarmName: { Ref: id } })) },
    });
    expect(endpoint.alarmsOf('challenger').modelLatency).toBeDefined();
    expect(() => endpoint.alarmsOf('other')).toThrow(/no variant named 'other'; the variants are: champion, challenger/);
  });

  test('deployment options: all at once, baking and termination waits, no rollback', () => {
    const { template } = abTest({
      deployment: {
        canaryPercent: 100,
        waitInterval: Duration.minutes(10),
        terminationWait: Duration.minutes(2),
        maximumExecutionTimeout: Duration.hours(1),
        autoRollback: false,
      },
    });
    expect(only(template, 'AWS::SageMaker::Endpoint').Properties.DeploymentConfig).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 600 },
        TerminationWaitInSeconds: 120,
        MaximumExecutionTimeoutInSeconds: 3600,
      },
    });
  });

  test('auto scaling per variant on invocations per instance; updates keep the scaled counts and take the new weights', () => {
    const { template } = abTest();
    const targets = Object.entries<any>(template.findResources('AWS::ApplicationAutoScaling::ScalableTarget'));
    expect(targets.map(([, t]) => [t.Properties.ResourceId['Fn::Join'][1][2], t.Properties.MinCapacity, t.Properties.MaxCapacity, t.Properties.ScalableDimension]))
      .toEqual([['/variant/champion', 2, 6, 'sagemaker:variant:DesiredInstanceCount'], ['/variant/challenger', 1, 2, 'sagemaker:variant:DesiredInstanceCount']]);
    expect(targets.every(([, t]) => /AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint$/.test(t.Properties.RoleARN))).toBe(true);
    const policies = Object.values<any>(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));
    // 20 requests/s * 60 * 0.5, and 5 * 60 * 0.8 invocations per instance per minute.
    expect(policies.map((p) => [p.Properties.ScalingTargetId, p.Properties.TargetTrackingScalingPolicyConfiguration]))
      .toEqual(targets.map(([id], i) => [{ Ref: id }, { PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' }, TargetValue: [600, 240][i] }]));
    const endpoint = only(template, 'AWS::SageMaker::Endpoint').Properties;
    expect(endpoint.RetainAllVariantProperties).toBe(true);
    expect(endpoint.ExcludeRetainedVariantProperties).toEqual([{ VariantPropertyType: 'DesiredWeight' }, { VariantPropertyType: 'DataCaptureConfig' }]);
  });

  test('without auto scaling, an update takes every variant property from the new config', () => {
    const { template } = abTest({}, (m) => [{ variantName: 'only', model: m.champion, weight: 1 }]);
    const endpoint = only(template, 'AWS::SageMaker::Endpoint').Properties;
    expect(endpoint.RetainAllVariantProperties).toBeUndefined();
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  test('data capture to an encrypted bucket of its own, written by the models\' roles', () => {
    const { template, stack, endpoint, models: m } = abTest({
      dataCapture: { samplingPercentage: 20, captureResponses: false, prefix: 'capture/churn' },
    });
    const bucketId = stack.getLogicalId(endpoint.dataCaptureBucket!.node.defaultChild as s3.CfnBucket);
    expect(only(template, 'AWS::SageMaker::EndpointConfig').Properties.DataCaptureConfig).toEqual({
      EnableCapture: true,
      InitialSamplingPercentage: 20,
      DestinationS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/capture/churn']] },
      CaptureOptions: [{ CaptureMode: 'Input' }],
    });
    const bucket = template.toJSON().Resources[bucketId];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.LoggingConfiguration.LogFilePrefix).toBe('data-capture/');
    for (const model of [m.champion, m.challenger]) {
      const role = stack.getLogicalId(model.role!.node.defaultChild as any);
      const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(role)).flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(actionsOn(statements, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/capture/churn/*']] })).toEqual(expect.arrayContaining(['s3:PutObject']));
    }
  });

  test('fails on variants SageMaker would refuse or that could never take traffic', () => {
    const cases: Array<[(m: ReturnType<typeof models>) => EndpointVariant[], RegExp]> = [
      [() => [], /0 variants; an endpoint serves 1 to 10/],
      [(m) => [{ variantName: 'a', model: m.champion, weight: 0 }, { variantName: 'b', model: m.challenger, weight: 0 }], /every variant has weight 0, so no variant would take traffic/],
      [(m) => [{ variantName: 'a', model: m.champion, weight: 1 }, { variantName: 'a', model: m.challenger, weight: 1 }], /two variants are named 'a'/],
      [(m) => [{ variantName: 'blue_green', model: m.champion, weight: 1 }], /variant name 'blue_green' is not valid/],
      [(m) => [{ variantName: 'a', model: m.champion, weight: -1 }], /variant 'a' has weight -1; expected a number of 0 or more/],
      [(m) => [{ variantName: 'a', model: m.champion, weight: 1, instanceCount: 5, autoScaling: { maxCapacity: 3, maxRequestsPerSecond: 1 } }], /variant 'a' scales from 5 to 3 instances/],
      [(m) => [{ variantName: 'a', model: m.champion, weight: 1, instanceCount: 5, autoScaling: { minCapacity: 1, maxCapacity: 3, maxRequestsPerSecond: 1 } }], /variant 'a' starts with 5 instances, outside its scaling range 1 to 3/],
      [(m) => [{ variantName: 'a', model: m.champion, weight: 1, autoScaling: { maxCapacity: 3, maxRequestsPerSecond: 1, safetyFactor: 2 } }], /safetyFactor 2; expected a number above 0, at most 1/],
    ];
    for (const [variants, message] of cases) {
      expect(() => abTest({}, variants)).toThrow(message);
    }
    expect(() => abTest({ dataCapture: { samplingPercentage: 120 } })).toThrow(/Churn: dataCapture samplingPercentage is 120; expected an integer from 0 to 100/);
    expect(() => abTest({ dataCapture: { captureRequests: false, captureResponses: false } })).toThrow(/captures neither requests nor responses/);
    expect(() => abTest({ deployment: { canaryPercent: 0 } })).toThrow(/deployment canaryPercent is 0; expected an integer from 1 to 100/);
    expect(() => abTest({ deployment: { waitInterval: Duration.hours(2) } })).toThrow(/deployment waitInterval is 7200 s; SageMaker takes 0 to 3600 s/);
    expect(() => abTest({ endpointName: 'churn_endpoint' })).toThrow(/endpoint name 'churn_endpoint' is not valid/);
    const stack = new Stack(new App(), 'S');
    expect(() => new AbTestEndpoint(stack, 'E', { variants: [] })).toThrow(/^S\/E: 0 variants/);
  });
});
