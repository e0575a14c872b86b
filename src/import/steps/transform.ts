import { StepImportContext, TypedStep } from './context';
import { call, cls, obj } from '../code';

/** A Transform step as a TransformStepConstruct. */
export function importTransform(ctx: StepImportContext, _s: any, a: any, comments: string[]): TypedStep | undefined {
  const input = a.TransformInput ?? {};
  const out = a.TransformOutput ?? {};
  const res = a.TransformResources ?? {};
  return {
    cls: 'TransformStepConstruct',
    comments,
    props: [
      ['modelName', ctx.str(a.ModelName)],
      ['input', obj([
        ['s3Uri', ctx.str(input.DataSource?.S3DataSource?.S3Uri)],
        ['s3DataType', input.DataSource?.S3DataSource?.S3DataType ? ctx.enumMember('S3DataType', input.DataSource.S3DataSource.S3DataType) : undefined],
        ['contentType', ctx.str(input.ContentType)],
        ['compression', input.CompressionType ? ctx.enumMember('CompressionType', input.CompressionType) : undefined],
        ['splitType', input.SplitType ? ctx.enumMember('SplitType', input.SplitType) : undefined],
      ])],
      ['outputPath', ctx.str(out.S3OutputPath)],
      ['accept', ctx.str(out.Accept)],
      ['assembleWith', out.AssembleWith ? ctx.enumMember('AssemblyType', out.AssembleWith) : undefined],
      ...ctx.jobResources(res, undefined),
      ['maxConcurrentTransforms', ctx.num(a.MaxConcurrentTransforms)],
      ['maxPayload', a.MaxPayloadInMB !== undefined ? call(cls('cdk', 'Size'), 'mebibytes', ctx.num(a.MaxPayloadInMB)!) : undefined],
      ['batchStrategy', a.BatchStrategy ? ctx.enumMember('BatchStrategy', a.BatchStrategy) : undefined],
      ['environment', ctx.strMap(a.Environment)],
      ['inputFilter', ctx.str(a.DataProcessing?.InputFilter)],
      ['outputFilter', ctx.str(a.DataProcessing?.OutputFilter)],
      ['joinSource', a.DataProcessing?.JoinSource ? ctx.enumMember('JoinSource', a.DataProcessing.JoinSource) : undefined],
    ],
  };
}
