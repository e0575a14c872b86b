import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  CallbackStepConstruct, Condition, ConditionStepConstruct, ContainerImage, FailStepConstruct, LambdaStepConstruct, MlPipeline,
  OutputParameterType, PipelineParameter, ProcessingStepConstruct, TrainingStepConstruct,
} from '../../src';
import { definitionOf, newStack, stepOf } from '../util';

function fn(stack: any) {
  return new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ rows: 10, status: "ok" });'),
  });
}

describe('LambdaStepConstruct', () => {
  test('renders the function, inputs and outputs; the role may invoke the function', () => {
    const stack = newStack();
    const limit = PipelineParameter.ofInteger('Limit', { defaultValue: 5 });
    const prep = new ProcessingStepConstruct(stack, 'Prep', {
      image: ContainerImage.sklearn('1.2-1'),
      outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }],
    });
    const step = new LambdaStepConstruct(stack, 'CheckData', {
      lambdaFunction: fn(stack),
      inputs: { dataUri: prep.outputS3Uri('train'), limit, note: 'x', strict: true, ratio: 0.5 },
      outputs: [{ name: 'rows', type: OutputParameterType.INTEGER }, { name: 'status' }],
      cacheConfig: { enabled: true },
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, step] }));
    expect(stepOf(def, 'CheckData')).toEqual({
      Name: 'CheckData',
      Type: 'Lambda',
      CacheConfig: { Enabled: true },
      Arguments: {
        dataUri: { Get: "Steps.Prep.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri" },
        limit: { Get: 'Parameters.Limit' },
        note: 'x',
        strict: true,
        ratio: 0.5,
      },
      FunctionArn: expect.stringMatching(/^<<GetAtt:Fn[0-9A-F]+\.Arn>>$/),
      OutputParameters: [{ OutputName: 'rows', OutputType: 'Integer' }, { OutputName: 'status', OutputType: 'String' }],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^PRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction' })]) },
    });
  });

  test('outputs feed conditions and other steps, with their types', () => {
    const stack = newStack();
    const step = new LambdaStepConstruct(stack, 'CheckData', {
      lambdaFunction: fn(stack),
      outputs: [{ name: 'rows', type: OutputParameterType.INTEGER }, { name: 'status' }],
    });
    const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1'), hyperparameters: { note: step.outputAsString('status') } });
    const check = new ConditionStepConstruct(stack, 'Enough', {
      conditions: [Condition.numberGreaterThanOrEqualTo(step.outputAsNumber('rows'), 100)],
      ifSteps: [train],
      elseSteps: [new FailStepConstruct(stack, 'TooFew')],
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step, check] });
    const def = definitionOf(pipeline);
    expect(stepOf(def, 'Enough').Arguments.Conditions[0].LeftValue).toEqual({ Get: "Steps.CheckData.OutputParameters['rows']" });
    expect(stepOf(def, 'Train').Arguments.HyperParameters).toEqual({ note: { Get: "Steps.CheckData.OutputParameters['status']" } });
    expect(pipeline.dryRun({ stepProperties: { "Steps.CheckData.OutputParameters['rows']": 50 } }).conditionSteps[0].branch).toBe('else');
    // A string output cannot be ordered against a number.
    expect(() => new ConditionStepConstruct(stack, 'Bad', {
      conditions: [Condition.numberGreaterThan(step.outputAsNumber('status'), 1)],
      elseSteps: [new FailStepConstruct(stack, 'F2')],
    })).toThrow(/compares Steps.CheckData.OutputParameters\['status'\] \(a String\) with the literal 1; GreaterThan compares numbers/);
  });

  test('fails on an unknown output, duplicate or invalid output names, or an input of the wrong kind', () => {
    const stack = newStack();
    const f = fn(stack);
    const step = new LambdaStepConstruct(stack, 'A', { lambdaFunction: f, outputs: [{ name: 'rows' }] });
    expect(() => step.outputAsString('row')).toThrow("TestStack/A: step 'A' has no output parameter named 'row'; its outputs are: rows");
    expect(() => new LambdaStepConstruct(stack, 'B', { lambdaFunction: f, outputs: [{ name: 'x' }, { name: 'x' }] })).toThrow(/two output parameters are named 'x'/);
    expect(() => new LambdaStepConstruct(stack, 'C', { lambdaFunction: f, outputs: [{ name: 'bad name' }] })).toThrow(/invalid output parameter name 'bad name'/);
    expect(() => new LambdaStepConstruct(stack, 'D', { lambdaFunction: f, inputs: { nested: { a: 1 } } })).toThrow(/TestStack\/D: input 'nested' is \{"a":1\}; expected a string, number, boolean or pipeline value/);
  });
});

describe('CallbackStepConstruct', () => {
  test('renders the queue URL, inputs and outputs; the role may send to the queue; a worker can be granted the callback', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue', { enforceSSL: true });
    const step = new CallbackStepConstruct(stack, 'Approve', {
      queue,
      inputs: { reason: 'manual review' },
      outputs: [{ name: 'approved', type: OutputParameterType.BOOLEAN }],
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    const worker = new iam.Role(stack, 'Worker', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantSendCallback(worker);
    expect(stepOf(definitionOf(pipeline), 'Approve')).toEqual({
      Name: 'Approve',
      Type: 'Callback',
      Arguments: { reason: 'manual review' },
      SqsQueueUrl: expect.stringMatching(/^<<Ref:Queue/),
      OutputParameters: [{ OutputName: 'approved', OutputType: 'Boolean' }],
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^PRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']) })]) },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Worker') }],
      PolicyDocument: {
        Statement: [{
          Action: ['sagemaker:SendPipelineExecutionStepFailure', 'sagemaker:SendPipelineExecutionStepSuccess'],
          Effect: 'Allow',
          Resource: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/*',
        }],
      },
    });
    expect(() => step.outputAsNumber('ok')).toThrow(/has no output parameter named 'ok'; its outputs are: approved/);
  });
});
