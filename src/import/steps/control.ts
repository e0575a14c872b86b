import { StepImportContext, TypedStep } from './context';
import { THIS, arr, call, cls, lit, obj, v } from '../code';

/** A Condition step as a ConditionStepConstruct (its branches are steps of their own). */
export function importCondition(ctx: StepImportContext, _s: any, a: any, _comments: string[]): TypedStep | undefined {
  return {
    cls: 'ConditionStepConstruct',
    props: [
      ['conditions', arr(a.Conditions.map((c: any) => ctx.condition(c)))],
      ['ifSteps', arr((a.IfSteps ?? []).map((b: any) => v(ctx.stepVar(b.Name))))],
      ['elseSteps', arr((a.ElseSteps ?? []).map((b: any) => v(ctx.stepVar(b.Name))))],
    ],
  };
}

/** A Fail step as a FailStepConstruct. */
export function importFail(ctx: StepImportContext, _s: any, a: any, _comments: string[]): TypedStep | undefined {
  return { cls: 'FailStepConstruct', props: [['errorMessage', ctx.str(a.ErrorMessage)]] };
}

/** A Lambda or Callback step as its construct (the function or queue imported by ARN and URL). */
export function importLambdaOrCallback(ctx: StepImportContext, s: any, a: any, _comments: string[]): TypedStep | undefined {
  const outputs = s.OutputParameters ? arr(s.OutputParameters.map((o: any) => obj([
    ['name', lit(o.OutputName)],
    ['type', o.OutputType ? ctx.enumMember('OutputParameterType', o.OutputType) : undefined],
  ]))) : undefined;
  const inputs = Object.keys(a).length > 0 ? obj(Object.entries(a).map(([k, x]) => [k, ctx.value(x, 'any')])) : undefined;
  if (s.Type === 'Lambda') {
    return {
      cls: 'LambdaStepConstruct',
      comments: ['The pipeline\'s role may invoke the function; a function of another account also needs its own resource policy to allow it.'],
      props: [
        ['lambdaFunction', call(cls('lambda', 'Function'), 'fromFunctionAttributes', THIS, lit(`${s.Name}Function`), obj([
          ['functionArn', ctx.value(s.FunctionArn, 'string')],
          ['skipPermissions', lit(true)],
        ]))],
        ['inputs', inputs], ['outputs', outputs],
      ],
    };
  }
  const url = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/(.+)$/.exec(s.SqsQueueUrl ?? '');
  if (!url) {
    return undefined;
  }
  const partition = (s.SqsQueueUrl as string).includes('.amazonaws.com.cn') ? 'aws-cn' : 'aws';
  return {
    cls: 'CallbackStepConstruct',
    props: [
      ['queue', call(cls('sqs', 'Queue'), 'fromQueueAttributes', THIS, lit(`${s.Name}Queue`), obj([
        ['queueArn', lit(`arn:${partition}:sqs:${url[1]}:${url[2]}:${url[3]}`)],
        ['queueUrl', lit(s.SqsQueueUrl)],
      ]))],
      ['inputs', inputs], ['outputs', outputs],
    ],
  };
}
