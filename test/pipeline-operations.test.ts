import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FailStepConstruct, MlPipeline, PipelineExecutionStatus, PipelineParameter } from '../src';
import { newStack } from './util';

const PIPELINE_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/seed-pipeline';
const EXECUTIONS_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/seed-pipeline/execution/*';

function pipelineIn(stack = newStack(), props = {}) {
  const pipeline = new MlPipeline(stack, 'Pipeline', { pipelineName: 'Seed-Pipeline', steps: [new FailStepConstruct(stack, 'F')], ...props });
  return { stack, pipeline };
}

describe('execution notifications', () => {
  test('an encrypted SSL-only topic fed by an EventBridge rule on Failed executions of this pipeline', () => {
    const { stack } = pipelineIn(newStack(), { notifications: { emailAddresses: ['ml-team@example.com'] } });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Building Pipeline Execution Status Change'],
        'detail': { pipelineArn: [PIPELINE_ARN], currentPipelineExecutionStatus: ['Failed'] },
      },
      State: 'ENABLED',
      Targets: [{
        Arn: { Ref: Match.stringLikeRegexp('^PipelineNotificationsTopic') },
        InputTransformer: {
          InputPathsMap: Match.objectLike({
            'detail-pipelineExecutionArn': '$.detail.pipelineExecutionArn',
            'detail-currentPipelineExecutionStatus': '$.detail.currentPipelineExecutionStatus',
            'detail-pipelineArn': '$.detail.pipelineArn',
          }),
          InputTemplate: Match.stringLikeRegexp('SageMaker pipeline Seed-Pipeline: execution <detail-pipelineExecutionArn> is <detail-currentPipelineExecutionStatus>.*console.aws.amazon.com/sagemaker'),
        },
      }],
    });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineNotificationsKey'), 'Arn'] } });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ml-team@example.com' });
    // The topic policy only denies insecure transport: the rule publishes through its own role, the only principal
    // that may publish and use the key; the key's policy names no service.
    const topicPolicy = Object.values<any>(t.findResources('AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(topicPolicy).toEqual([expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]);
    const key = Object.values<any>(t.findResources('AWS::KMS::Key'))[0].Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toEqual([expect.objectContaining({ Action: 'kms:*', Principal: { AWS: expect.anything() } })]);
    const rule = Object.values<any>(t.findResources('AWS::Events::Rule'))[0].Properties;
    const roleId = rule.Targets[0].RoleArn['Fn::GetAtt'][0];
    expect(t.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
    const rolePolicy = Object.values<any>(t.findResources('AWS::IAM::Policy')).find((p) => p.Properties.Roles[0].Ref === roleId).Properties.PolicyDocument.Statement;
    expect(rolePolicy).toEqual([
      { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^PipelineNotificationsTopic/) } },
      { Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineNotificationsKey/), 'Arn'] } },
    ]);
  });

  test('uses a given topic and the statuses picked', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Mine');
    const { pipeline } = pipelineIn(stack);
    const n = pipeline.addExecutionNotifications({ topic, statuses: [PipelineExecutionStatus.FAILED, PipelineExecutionStatus.STOPPED] });
    expect(n.topic).toBe(topic);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { currentPipelineExecutionStatus: ['Failed', 'Stopped'] } },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^Mine') } })],
    });
  });

  test('fails on no statuses, a bad address, or a second call', () => {
    const { pipeline } = pipelineIn();
    expect(() => pipeline.addExecutionNotifications({ statuses: [] })).toThrow(/statuses is empty, so no alert would ever be sent/);
    const { pipeline: p2 } = pipelineIn();
    expect(() => p2.addExecutionNotifications({ emailAddresses: ['not-an-address'] })).toThrow(/'not-an-address' is not an e-mail address/);
    const { pipeline: p3 } = pipelineIn();
    p3.addExecutionNotifications();
    expect(() => p3.addExecutionNotifications()).toThrow(/execution notifications were already added/);
  });
});

describe('onXxx rules', () => {
  test('onExecutionStatusChange, onExecutionFailed, onStepFailed match this pipeline exactly', () => {
    const { stack, pipeline } = pipelineIn();
    const queue = new sqs.Queue(stack, 'Q');
    const r1 = pipeline.onExecutionStatusChange('AnyChange', { target: new targets.SqsQueue(queue) });
    const r2 = pipeline.onExecutionFailed('Failed');
    const r3 = pipeline.onStepFailed('StepFailed', { stepNames: ['Train'] });
    const r4 = pipeline.onStepStatusChange('Steps', { eventPattern: { account: ['123456789012'] } });
    const resolve = (r: events.Rule) => stack.resolve((r.node.defaultChild as events.CfnRule).eventPattern);
    expect(resolve(r1)).toEqual({
      'source': ['aws.sagemaker'],
      'detail-type': ['SageMaker Model Building Pipeline Execution Status Change'],
      'detail': { pipelineArn: [PIPELINE_ARN] },
    });
    expect(resolve(r2).detail).toEqual({ pipelineArn: [PIPELINE_ARN], currentPipelineExecutionStatus: ['Failed'] });
    expect(resolve(r3)).toEqual({
      'source': ['aws.sagemaker'],
      'detail-type': ['SageMaker Model Building Pipeline Execution Step Status Change'],
      'detail': { pipelineArn: [PIPELINE_ARN], currentStepStatus: ['Failed'], stepName: ['Train'] },
    });
    expect(resolve(r4)).toMatchObject({ account: ['123456789012'], detail: { pipelineArn: [PIPELINE_ARN] } });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Q'), 'Arn'] } })] });
  });
});

describe('metrics', () => {
  test('execution and step metrics in SageMaker\'s pipeline namespace with its dimensions', () => {
    const { stack, pipeline } = pipelineIn();
    const m = (x: any) => stack.resolve({
      namespace: x.namespace, metricName: x.metricName, dimensions: x.dimensions, statistic: x.statistic, unit: x.unit, period: x.period.toSeconds(),
    });
    expect(m(pipeline.metricExecutionFailed())).toEqual({
      namespace: 'AWS/Sagemaker/ModelBuildingPipeline', metricName: 'ExecutionFailed', dimensions: { PipelineName: 'Seed-Pipeline' }, statistic: 'Sum', unit: undefined, period: 300,
    });
    expect(m(pipeline.metricExecutionStarted()).metricName).toBe('ExecutionStarted');
    expect(m(pipeline.metricExecutionSucceeded()).metricName).toBe('ExecutionSucceeded');
    expect(m(pipeline.metricExecutionStopped()).metricName).toBe('ExecutionStopped');
    expect(m(pipeline.metricExecutionDuration({ period: Duration.hours(1) }))).toEqual({
      namespace: 'AWS/Sagemaker/ModelBuildingPipeline', metricName: 'ExecutionDuration', dimensions: { PipelineName: 'Seed-Pipeline' }, statistic: 'Average', unit: 'Milliseconds', period: 3600,
    });
    expect(m(pipeline.metricStepFailed('Train')).dimensions).toEqual({ PipelineName: 'Seed-Pipeline', StepName: 'Train' });
    expect(m(pipeline.metricStepDuration('Train')).metricName).toBe('StepDuration');
    expect(m(pipeline.metricStep('StepStarted', 'Prep')).dimensions).toEqual({ PipelineName: 'Seed-Pipeline', StepName: 'Prep' });
  });
});

describe('grants', () => {
  test('start, read and stop give exactly their actions on the pipeline and its executions', () => {
    const { stack, pipeline } = pipelineIn();
    const role = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantStartPipelineExecution(role('Starter'));
    pipeline.grantRead(role('Reader'));
    pipeline.grantStop(role('Stopper'));
    const t = Template.fromStack(stack);
    const statementOf = (id: string) => ({ Roles: [{ Ref: Match.stringLikeRegexp(`^${id}`) }], PolicyDocument: { Statement: Match.anyValue() } });
    const find = (id: string) => Object.values<any>(t.findResources('AWS::IAM::Policy', { Properties: statementOf(id) }))[0].Properties.PolicyDocument.Statement;
    expect(stack.resolve(find('Starter'))).toEqual([{ Action: 'sagemaker:StartPipelineExecution', Effect: 'Allow', Resource: PIPELINE_ARN }]);
    expect(stack.resolve(find('Reader'))).toEqual([{
      Action: [
        'sagemaker:DescribePipeline', 'sagemaker:DescribePipelineDefinitionForExecution', 'sagemaker:DescribePipelineExecution',
        'sagemaker:ListPipelineExecutionSteps', 'sagemaker:ListPipelineExecutions', 'sagemaker:ListPipelineParametersForExecution',
      ],
      Effect: 'Allow',
      Resource: [PIPELINE_ARN, EXECUTIONS_ARN],
    }]);
    expect(stack.resolve(find('Stopper'))).toEqual([{ Action: 'sagemaker:StopPipelineExecution', Effect: 'Allow', Resource: EXECUTIONS_ARN }]);
  });
});

describe('schedules', () => {
  test('EventBridge Scheduler starts the pipeline with parameter values', () => {
    const stack = newStack();
    const threshold = PipelineParameter.ofFloat('AccuracyThreshold', { defaultValue: 0.8 });
    const fail = new FailStepConstruct(stack, 'F', { errorMessage: threshold.valueAsString });
    const pipeline = new MlPipeline(stack, 'Pipeline', { pipelineName: 'Seed-Pipeline', steps: [fail] });
    new scheduler.Schedule(stack, 'Nightly', {
      schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
      target: new schedulerTargets.SageMakerStartPipelineExecution(pipeline, {
        pipelineParameterList: [{ name: 'AccuracyThreshold', value: '0.9' }],
      }),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      Target: {
        Arn: PIPELINE_ARN,
        SageMakerPipelineParameters: { PipelineParameterList: [{ Name: 'AccuracyThreshold', Value: '0.9' }] },
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'sagemaker:StartPipelineExecution', Effect: 'Allow', Resource: PIPELINE_ARN }] },
    });
  });
});
