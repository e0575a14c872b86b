import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AbTestEndpoint, ContainerImage, DataQualityMonitor, InstanceType, MlPipeline, ModelBiasMonitor, ModelExplainabilityMonitor, ModelPackageGroup,
  ModelQualityMonitor, ModelVersion, ModelVersionModel, MonitoredEndpoint, MonitoredProblemType, MonitorBaselines, MonitoringScheduleExpression,
  PipelineParameter, ProcessingCode, ProcessingStepConstruct,
} from '../../src';
import { actionsOn, newStack } from '../util';

const VERSION_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3';
const BASELINES = MonitorBaselines.fromS3({
  statisticsS3Uri: 's3://baseline-bucket/churn/statistics.json',
  constraintsS3Uri: 's3://baseline-bucket/churn/constraints.json',
  analysisConfigS3Uri: 's3://baseline-bucket/churn/analysis_config.json',
});

function endpointStack(dataCapture = true) {
  const stack = newStack();
  const model = new ModelVersionModel(stack, 'Model', {
    modelVersion: ModelVersion.fromModelPackageArn(VERSION_ARN),
    artifactBuckets: [s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifact-bucket')],
    images: [ContainerImage.xgboost('1.7-1')],
  });
  const endpoint = new AbTestEndpoint(stack, 'Churn', {
    endpointName: 'churn',
    variants: [{ variantName: 'champion', model, weight: 100 }],
    dataCapture: dataCapture ? { samplingPercentage: 50 } : undefined,
  });
  return { stack, endpoint, monitored: MonitoredEndpoint.fromAbTestEndpoint(endpoint) };
}

function only(template: Template, type: string): any {
  const found = Object.values<any>(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

function roleStatements(template: Template, rolePrefix: string): any[] {
  const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((k) => k.startsWith(rolePrefix))!;
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('DataQualityMonitor', () => {
  const { stack, endpoint, monitored } = endpointStack();
  const monitor = new DataQualityMonitor(stack, 'DataQuality', { endpoint: monitored, baselines: BASELINES });
  const t = Template.fromStack(stack);

  test('renders the job definition and an hourly schedule that runs it', () => {
    const job = only(t, 'AWS::SageMaker::DataQualityJobDefinition');
    expect(job).toEqual({
      JobDefinitionName: monitor.monitoringSchedule.monitoringScheduleName,
      EndpointName: { 'Fn::GetAtt': [expect.stringMatching(/^ChurnEndpoint/), 'EndpointName'] },
      RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^DataQualityRole/), 'Arn'] },
      DataQualityAppSpecification: {
        ImageUri: '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest',
        Environment: { publish_cloudwatch_metrics: 'Enabled' },
      },
      DataQualityBaselineConfig: {
        StatisticsResource: { S3Uri: 's3://baseline-bucket/churn/statistics.json' },
        ConstraintsResource: { S3Uri: 's3://baseline-bucket/churn/constraints.json' },
      },
      DataQualityJobInput: {
        EndpointInput: {
          EndpointName: { 'Fn::GetAtt': [expect.stringMatching(/^ChurnEndpoint/), 'EndpointName'] },
          LocalPath: '/opt/ml/processing/input/endpoint',
          S3DataDistributionType: 'FullyReplicated',
          S3InputMode: 'File',
        },
      },
      DataQualityJobOutputConfig: {
        MonitoringOutputs: [{
          S3Output: {
            LocalPath: '/opt/ml/processing/output',
            S3Uri: { 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^ChurnDataCaptureBucket/) }, '/monitoring/data-quality']] },
            S3UploadMode: 'EndOfJob',
          },
        }],
      },
      JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20 } },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });
    const schedule = t.findResources('AWS::SageMaker::MonitoringSchedule');
    const [[, s]] = Object.entries<any>(schedule);
    expect(s.Properties).toEqual({
      MonitoringScheduleName: monitor.monitoringScheduleName,
      EndpointName: { 'Fn::GetAtt': [expect.stringMatching(/^ChurnEndpoint/), 'EndpointName'] },
      MonitoringScheduleConfig: {
        MonitoringType: 'DataQuality',
        MonitoringJobDefinitionName: monitor.monitoringSchedule.monitoringScheduleName,
        ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
      },
    });
    expect(s.DependsOn).toEqual([expect.stringMatching(/^DataQualityJobDefinition/)]);
    expect(monitor.monitoringScheduleName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    expect(endpoint.dataCapturePrefix).toBe('data-capture');
  });

  test('its role reads the captured data and the baselines, writes the reports, its logs and its namespace\'s metrics', () => {
    const statements = roleStatements(t, 'DataQualityRole');
    const capture = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^ChurnDataCaptureBucket/), 'Arn'] }, '/data-capture/', expect.anything(), '/*']] };
    expect(actionsOn(statements, 'arn:aws:s3:::baseline-bucket/churn/statistics.json')).toEqual(['s3:GetObject']);
    expect(actionsOn(statements, 'arn:aws:s3:::baseline-bucket/churn/constraints.json')).toEqual(['s3:GetObject']);
    // The analysis config is a Clarify file: a data quality job does not read it.
    expect(actionsOn(statements, 'arn:aws:s3:::baseline-bucket/churn/analysis_config.json')).toEqual([]);
    expect(actionsOn(statements, '*', { StringLike: { 'cloudwatch:namespace': 'aws/sagemaker/Endpoints/data-metrics' } })).toEqual(['cloudwatch:PutMetricData']);
    expect(actionsOn(statements, 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/ProcessingJobs*')).toEqual(
      expect.arrayContaining(['logs:CreateLogStream', 'logs:PutLogEvents']));
    const captureStatement = statements.find((st) => JSON.stringify(st.Resource).includes('/data-capture/'));
    expect(captureStatement.Resource).toEqual(expect.arrayContaining([capture]));
    expect(captureStatement.Action).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
    const reports = statements.find((st) => JSON.stringify(st.Resource).includes('/monitoring/data-quality/*'));
    expect(reports.Action).toEqual(expect.arrayContaining(['s3:PutObject']));
    // The analyzer image is pulled from its registry.
    expect(actionsOn(statements, 'arn:aws:ecr:us-east-1:156813124566:repository/sagemaker-model-monitor-analyzer'))
      .toEqual(expect.arrayContaining(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']));
    // No PassRole: the schedule runs the job with the role; no one passes it but CloudFormation's caller.
    expect(JSON.stringify(statements)).not.toContain('iam:PassRole');
  });

  test('metrics in the data-metrics namespace with the endpoint and schedule dimensions', () => {
    const drift = Stack.of(monitor).resolve(monitor.metricFeatureDrift('age').toMetricConfig().metricStat);
    expect(drift).toMatchObject({
      namespace: 'aws/sagemaker/Endpoints/data-metrics',
      metricName: 'feature_baseline_drift_age',
      dimensions: [
        { name: 'Endpoint', value: { 'Fn::GetAtt': [expect.stringMatching(/^ChurnEndpoint/), 'EndpointName'] } },
        { name: 'MonitoringSchedule', value: monitor.monitoringScheduleName },
      ],
    });
  });
});

describe('drift → alarm → retrain', () => {
  const { stack, monitored } = endpointStack();
  const monitor = new DataQualityMonitor(stack, 'DataQuality', { endpoint: monitored, baselines: BASELINES, schedule: MonitoringScheduleExpression.daily(3) });
  const step = new ProcessingStepConstruct(stack, 'Prep', {
    image: ContainerImage.sklearn('1.2-1'),
    code: ProcessingCode.fromS3Uri('s3://code-bucket/prep.py'),
    inputs: [{ inputName: 'in', source: PipelineParameter.ofString('InputData', { defaultValue: 's3://data-bucket/raw.csv' }).valueAsString, destination: '/opt/ml/processing/in' }],
  });
  const pipeline = new MlPipeline(stack, 'Pipeline', { pipelineName: 'churn-training', steps: [step], notifications: {} });
  monitor.retrainOnDrift(pipeline, {
    metrics: [monitor.metricFeatureDrift('age'), monitor.metricFeatureDrift('income')],
    threshold: 0.2,
    parameters: { InputData: 's3://data-bucket/latest.csv' },
  });
  const t = Template.fromStack(stack);

  test('an alarm per metric above the threshold', () => {
    const alarms = Object.values<any>(t.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties)
      .filter((a) => a.Namespace !== 'AWS/SageMaker');
    expect(alarms.map((a) => [a.Namespace, a.MetricName, a.Threshold, a.ComparisonOperator])).toEqual([
      ['aws/sagemaker/Endpoints/data-metrics', 'feature_baseline_drift_age', 0.2, 'GreaterThanThreshold'],
      ['aws/sagemaker/Endpoints/data-metrics', 'feature_baseline_drift_income', 0.2, 'GreaterThanThreshold'],
    ]);
    expect(t.findResources('AWS::SageMaker::MonitoringSchedule')).toEqual({
      [Object.keys(t.findResources('AWS::SageMaker::MonitoringSchedule'))[0]]: expect.objectContaining({
        Properties: expect.objectContaining({ MonitoringScheduleConfig: expect.objectContaining({ ScheduleConfig: { ScheduleExpression: 'cron(0 3 ? * * *)' } }) }),
      }),
    });
  });

  test('a rule on their change to ALARM starts the pipeline with the parameters, through a role that may start only it, and tells the pipeline\'s topic', () => {
    const rules = Object.values<any>(t.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern.source?.[0] === 'aws.cloudwatch');
    expect(rules).toHaveLength(1);
    const rule = rules[0].Properties;
    expect(rule.EventPattern).toEqual({
      'source': ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      'resources': [{ 'Fn::GetAtt': [expect.stringMatching(/Alarm0/), 'Arn'] }, { 'Fn::GetAtt': [expect.stringMatching(/Alarm1/), 'Arn'] }],
      'detail': { state: { value: ['ALARM'] } },
    });
    expect(rule.Targets[0]).toMatchObject({
      Arn: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn-training',
      RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^DataQualityRetrainRole/), 'Arn'] },
      SageMakerPipelineParameters: { PipelineParameterList: [{ Name: 'InputData', Value: 's3://data-bucket/latest.csv' }] },
    });
    expect(rule.Targets[1].Arn).toEqual({ Ref: expect.stringMatching(/^PipelineNotificationsTopic/) });
    const statements = roleStatements(t, 'DataQualityRetrainRole');
    expect(statements).toEqual([expect.objectContaining({ Action: 'sagemaker:StartPipelineExecution', Resource: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn-training' })]);
  });

  test('fails at synth when a parameter is not the pipeline\'s', () => {
    const s = endpointStack();
    const m = new DataQualityMonitor(s.stack, 'DQ', { endpoint: s.monitored });
    const p = new MlPipeline(s.stack, 'P', { steps: [] });
    m.retrainOnDrift(p, { metrics: [m.metricFeatureDrift('x')], threshold: 1, parameters: { Nope: 'x' } });
    expect(() => Template.fromStack(s.stack)).toThrow(/TestStack\/DQ.*retrainOnDrift: pipeline TestStack\/P has no parameter 'Nope'; its parameters are: \(none\)/);
  });
});

describe('baselines from the registered model version', () => {
  test('DescribeModelPackage at deploy time reads the version\'s DriftCheckBaselines; the role reads the artifact bucket', () => {
    const { stack, monitored } = endpointStack();
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
    const artifacts = s3.Bucket.fromBucketName(stack, 'PipelineArtifacts', 'pipeline-artifacts');
    new DataQualityMonitor(stack, 'DataQuality', {
      endpoint: monitored,
      baselines: MonitorBaselines.fromModelVersion(ModelVersion.latestApproved(group), { refreshToken: '2' }),
      baselineBuckets: [artifacts],
    });
    const t = Template.fromStack(stack);
    const lookups = Object.values<any>(t.findResources('Custom::AWS')).map((r) => r.Properties);
    const describe = lookups.find((l) => JSON.stringify(l.Create).includes('DescribeModelPackage'));
    // The call, with the deploy-time ARN of the version as a placeholder.
    const call = JSON.parse(describe.Create['Fn::Join'][1].map((x: any) => (typeof x === 'string' ? x : 'ARN')).join(''));
    expect(call).toMatchObject({
      service: 'SageMaker',
      action: 'DescribeModelPackage',
      outputPaths: ['DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri', 'DriftCheckBaselines.ModelDataQuality.Constraints.S3Uri'],
    });
    expect(describe.RefreshToken).toBe('2');
    const job = only(t, 'AWS::SageMaker::DataQualityJobDefinition');
    expect(job.DataQualityBaselineConfig.StatisticsResource.S3Uri).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/VersionBaselines/), 'DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri'] });
    // The lookup may describe the group's versions (both forms of the name in ARNs).
    const lookupStatements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().includes('sagemaker:DescribeModelPackage'));
    expect(lookupStatements).toHaveLength(1);
    expect(lookupStatements[0].Resource).toBe('arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/*');
    const statements = roleStatements(t, 'DataQualityRole');
    expect(actionsOn(statements, 'arn:aws:s3:::pipeline-artifacts/*')).toEqual(expect.arrayContaining(['s3:GetObject*']));
  });

  test('fails when the baselines are known only at deploy time and no bucket is given to read them from', () => {
    const { stack, monitored } = endpointStack();
    expect(() => new DataQualityMonitor(stack, 'DataQuality', { endpoint: monitored, baselines: MonitorBaselines.fromModelVersion(ModelVersion.fromModelPackageArn(VERSION_ARN)) }))
      .toThrow("TestStack/DataQuality: the baselines' statisticsS3Uri is known only at deploy time, so the monitor's role cannot be granted read access to it from its URI; give baselineBuckets");
  });
});

describe('model quality, bias and explainability', () => {
  test('ModelQualityMonitor: problem type, attributes, window, ground truth merged by SageMaker', () => {
    const { stack, monitored } = endpointStack();
    const labels = s3.Bucket.fromBucketName(stack, 'Labels', 'label-bucket');
    new ModelQualityMonitor(stack, 'Quality', {
      endpoint: monitored,
      problemType: MonitoredProblemType.BINARY_CLASSIFICATION,
      groundTruth: { bucket: labels, prefix: 'ground-truth/churn' },
      inferenceAttribute: '0',
      probabilityAttribute: '1',
      probabilityThreshold: 0.5,
      window: { startOffset: Duration.hours(25), endOffset: Duration.hours(1) },
      baselines: BASELINES,
      schedule: MonitoringScheduleExpression.everyHours(6),
    });
    const t = Template.fromStack(stack);
    const job = only(t, 'AWS::SageMaker::ModelQualityJobDefinition');
    expect(job.ModelQualityAppSpecification).toEqual({
      ImageUri: '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest',
      ProblemType: 'BinaryClassification',
      Environment: { publish_cloudwatch_metrics: 'Enabled' },
    });
    expect(job.ModelQualityJobInput).toEqual({
      EndpointInput: expect.objectContaining({
        InferenceAttribute: '0', ProbabilityAttribute: '1', ProbabilityThresholdAttribute: 0.5, StartTimeOffset: '-PT25H', EndTimeOffset: '-PT1H',
      }),
      GroundTruthS3Input: { S3Uri: 's3://label-bucket/ground-truth/churn' },
    });
    expect(job.ModelQualityBaselineConfig).toEqual({ ConstraintsResource: { S3Uri: 's3://baseline-bucket/churn/constraints.json' } });
    t.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
      MonitoringScheduleConfig: Match.objectLike({ MonitoringType: 'ModelQuality', ScheduleConfig: { ScheduleExpression: 'cron(0 0/6 ? * * *)' } }),
    });
    expect(actionsOn(roleStatements(t, 'QualityRole'), 'arn:aws:s3:::label-bucket/ground-truth/churn/*')).toEqual(expect.arrayContaining(['s3:GetObject*']));
  });

  test('ModelBiasMonitor and ModelExplainabilityMonitor on Clarify\'s image with the analysis config', () => {
    const { stack, monitored } = endpointStack();
    const labels = s3.Bucket.fromBucketName(stack, 'Labels', 'label-bucket');
    new ModelBiasMonitor(stack, 'Bias', { endpoint: monitored, baselines: BASELINES, groundTruth: { bucket: labels, prefix: 'gt' } });
    new ModelExplainabilityMonitor(stack, 'Explain', { endpoint: monitored, baselines: BASELINES, featuresAttribute: 'features' });
    const t = Template.fromStack(stack);
    const clarify = '205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0';
    expect(only(t, 'AWS::SageMaker::ModelBiasJobDefinition').ModelBiasAppSpecification).toEqual({
      ImageUri: clarify, ConfigUri: 's3://baseline-bucket/churn/analysis_config.json', Environment: { publish_cloudwatch_metrics: 'Enabled' },
    });
    expect(only(t, 'AWS::SageMaker::ModelExplainabilityJobDefinition').ModelExplainabilityJobInput.EndpointInput.FeaturesAttribute).toBe('features');
    const types = Object.values<any>(t.findResources('AWS::SageMaker::MonitoringSchedule')).map((s) => s.Properties.MonitoringScheduleConfig.MonitoringType).sort();
    expect(types).toEqual(['ModelBias', 'ModelExplainability']);
  });
});

describe('bad input', () => {
  test.each([
    ['cron(*/5 * ? * * *)'], ['cron(0 24 ? * * *)'], ['cron(0 0/25 ? * * *)'], ['rate(1 hour)'],
  ])('fails on the schedule %s', (expression) => {
    expect(() => MonitoringScheduleExpression.expression(expression)).toThrow(
      `MonitoringScheduleExpression.expression: '${expression}' is not a schedule SageMaker Model Monitor accepts; expected cron(0 * ? * * *) (hourly)`);
  });

  test('fails on hours outside the day, and on intervals SageMaker does not run', () => {
    expect(() => MonitoringScheduleExpression.daily(24)).toThrow('MonitoringScheduleExpression.daily: hourUtc is 24; expected a whole hour from 0 to 23 (UTC)');
    expect(() => MonitoringScheduleExpression.everyHours(0)).toThrow('MonitoringScheduleExpression.everyHours: hours is 0; expected a whole number from 1 to 24 (SageMaker runs a monitor at most hourly)');
    expect(MonitoringScheduleExpression.expression('cron(0 17/12 ? * * *)').toString()).toBe('cron(0 17/12 ? * * *)');
  });

  test('fails on an endpoint without data capture, naming it and the prop to set', () => {
    const { stack, monitored } = endpointStack(false);
    expect(() => new DataQualityMonitor(stack, 'DQ', { endpoint: monitored }))
      .toThrow('TestStack/DQ: endpoint TestStack/Churn does not capture data, so there is nothing to monitor; set its dataCapture prop');
  });

  test('fails on two monitors of a kind on one endpoint', () => {
    const { stack, monitored } = endpointStack();
    new DataQualityMonitor(stack, 'DQ', { endpoint: monitored });
    expect(() => new DataQualityMonitor(stack, 'DQ2', { endpoint: monitored }))
      .toThrow('TestStack/DQ2: endpoint TestStack/Churn already has a DataQuality monitor (TestStack/DQ); an endpoint takes one monitoring schedule of each kind');
  });

  test('fails on a baseline URI that is not an S3 URI', () => {
    expect(() => MonitorBaselines.fromS3({ statisticsS3Uri: 'https://bucket/statistics.json' }))
      .toThrow("MonitorBaselines.fromS3: statisticsS3Uri 'https://bucket/statistics.json' is not an S3 URI; expected s3://<bucket>/<key>");
  });

  test('fails on a bias or explainability monitor without the analysis config (facets, label)', () => {
    const { stack, monitored } = endpointStack();
    const labels = s3.Bucket.fromBucketName(stack, 'Labels', 'label-bucket');
    const noConfig = MonitorBaselines.fromS3({ constraintsS3Uri: 's3://b-bucket/c.json' });
    expect(() => new ModelBiasMonitor(stack, 'Bias', { endpoint: monitored, baselines: noConfig, groundTruth: { bucket: labels, prefix: 'gt' } }))
      .toThrow('TestStack/Bias: a bias monitor needs the Clarify analysis config (facets and label)');
    expect(() => new ModelExplainabilityMonitor(stack, 'Explain', { endpoint: monitored, baselines: noConfig }))
      .toThrow('TestStack/Explain: a explainability monitor needs the Clarify analysis config (SHAP baseline and features)');
  });

  test('fails on a model quality monitor without ground truth, and on a threshold outside 0-1', () => {
    const { stack, monitored } = endpointStack();
    const labels = s3.Bucket.fromBucketName(stack, 'Labels', 'label-bucket');
    expect(() => new ModelQualityMonitor(stack, 'Q', { endpoint: monitored, problemType: MonitoredProblemType.REGRESSION } as any))
      .toThrow('TestStack/Q: a model quality monitor needs groundTruth');
    expect(() => new ModelQualityMonitor(stack, 'Q2', {
      endpoint: MonitoredEndpoint.fromName('other', labels, 'capture'),
      problemType: MonitoredProblemType.BINARY_CLASSIFICATION,
      groundTruth: { bucket: labels, prefix: 'gt' },
      probabilityThreshold: 2,
    })).toThrow('TestStack/Q2: probabilityThreshold is 2; expected 0 to 1');
  });

  test('fails on job resources outside the API\'s ranges', () => {
    const { stack, monitored } = endpointStack();
    expect(() => new DataQualityMonitor(stack, 'DQ', { endpoint: monitored, maxRuntime: Duration.days(2) }))
      .toThrow('TestStack/DQ: maxRuntime is 172800 s; expected 1 s to 24 hours (MaxRuntimeInSeconds 1-86400)');
    const other = endpointStack();
    expect(() => new DataQualityMonitor(other.stack, 'DQ', { endpoint: other.monitored, instanceCount: 0, instanceType: InstanceType.ML_M5_LARGE }))
      .toThrow('TestStack/DQ: instanceCount is 0; expected a whole number from 1 to 100');
  });
});
