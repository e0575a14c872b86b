import { StepImportContext, TypedStep } from './context';
import { DRIFT_CHECK_SLOTS, MODEL_METRICS_SLOTS } from '../../shared/model-metrics';
import { Expr, THIS, arr, call, cls, lit, obj } from '../code';

/** A Model step as a CreateModelStepConstruct. */
export function importModel(ctx: StepImportContext, _s: any, a: any, comments: string[]): TypedStep | undefined {
  const containers = a.Containers ?? (a.PrimaryContainer ? [a.PrimaryContainer] : []);
  return { cls: 'CreateModelStepConstruct', comments, props: [['containers', arr(containers.map((c: any) => container(ctx, c, comments)))]] };
}

/** A RegisterModel step as a RegisterModelStepConstruct, with its metrics and drift baselines. */
export function importRegisterModel(ctx: StepImportContext, s: any, a: any, comments: string[]): TypedStep | undefined {
  const spec = a.InferenceSpecification ?? {};
  const group = a.ModelPackageGroupName;
  const groupExpr = call(cls('lib', 'ModelPackageGroup'), typeof group === 'string' && group.startsWith('arn:') ? 'fromModelPackageGroupArn' : 'fromModelPackageGroupName',
    THIS, lit(`${s.Name}Group`), ctx.value(group, 'string'));
  const source = (m: any) => (m ? obj([['s3Uri', ctx.str(m.S3Uri)], ['contentType', ctx.str(m.ContentType)], ['contentDigest', ctx.str(m.ContentDigest)]]) : undefined);
  const mm = a.ModelMetrics;
  const dc = a.DriftCheckBaselines;
  const some = (entries: Array<[string, Expr | undefined]>) => (entries.some((e) => e[1] !== undefined) ? obj(entries) : undefined);
  return {
    cls: 'RegisterModelStepConstruct',
    comments,
    props: [
      ['modelPackageGroup', groupExpr],
      ['containers', arr((spec.Containers ?? []).map((c: any) => container(ctx, c, comments)))],
      ['contentTypes', spec.SupportedContentTypes ? ctx.value(spec.SupportedContentTypes) : undefined],
      ['responseTypes', spec.SupportedResponseMIMETypes ? ctx.value(spec.SupportedResponseMIMETypes) : undefined],
      ['inferenceInstanceTypes', spec.SupportedRealtimeInferenceInstanceTypes ? ctx.value(spec.SupportedRealtimeInferenceInstanceTypes) : undefined],
      ['transformInstanceTypes', spec.SupportedTransformInstanceTypes ? ctx.value(spec.SupportedTransformInstanceTypes) : undefined],
      ['approvalStatus', ctx.str(a.ModelApprovalStatus)],
      ['modelPackageDescription', ctx.str(a.ModelPackageDescription)],
      ['modelMetrics', mm ? some(MODEL_METRICS_SLOTS.map(([prop, apiGroup, member]) => [prop, source(mm[apiGroup]?.[member])])) : undefined],
      ['driftCheckBaselines', dc ? some(DRIFT_CHECK_SLOTS.map(([prop, apiGroup, member]) => [prop, source(dc[apiGroup]?.[member])])) : undefined],
      ['customerMetadata', ctx.strMap(a.CustomerMetadataProperties)],
      ['domain', ctx.str(a.Domain)],
      ['task', ctx.str(a.Task)],
      ['samplePayloadUrl', ctx.str(a.SamplePayloadUrl)],
      ['skipModelValidation', a.SkipModelValidation !== undefined ? lit(a.SkipModelValidation === 'All' || a.SkipModelValidation === true) : undefined],
    ],
  };
}

export function container(ctx: StepImportContext, c: any, comments: string[]): Expr {
  return obj([
    ['image', ctx.image(c.Image, comments)],
    ['modelDataUrl', c.ModelDataUrl !== undefined ? ctx.value(c.ModelDataUrl, 'string') : undefined],
    ['environment', c.Environment ? obj(Object.entries(c.Environment).map(([k, x]) => [k, ctx.value(x, 'string')])) : undefined],
  ]);
}
