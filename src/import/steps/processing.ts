import { StepImportContext, TypedStep } from './context';
import { arr, cls, lit, newOf, obj, v } from '../code';

/** A Processing step as a ProcessingStepConstruct (its property files declared before it). */
export function importProcessing(ctx: StepImportContext, s: any, a: any, comments: string[]): TypedStep | undefined {
  const cluster = a.ProcessingResources?.ClusterConfig ?? {};
  const app = a.AppSpecification ?? {};
  const codeInput = (a.ProcessingInputs ?? []).find((i: any) => i.InputName === 'code');
  if (codeInput) {
    comments.push(`The code input reads ${typeof codeInput.S3Input?.S3Uri === 'string' ? codeInput.S3Input.S3Uri : 'S3'}: ProcessingCode.fromAsset('<script>') ships a local script with the stack.`);
  }
  const files = (s.PropertyFiles ?? []).map((pf: any) => {
    const name = ctx.propertyFileVar(`${s.Name}/${pf.PropertyFileName}`);
    ctx.addStatement({
      name,
      expr: newOf(cls('lib', 'PropertyFile'), obj([['name', lit(pf.PropertyFileName)], ['outputName', lit(pf.OutputName)], ['path', lit(pf.FilePath)]])),
    });
    return v(name);
  });
  return {
    cls: 'ProcessingStepConstruct',
    comments,
    props: [
      ['image', ctx.image(app.ImageUri, comments)],
      ['entrypoint', app.ContainerEntrypoint ? ctx.value(app.ContainerEntrypoint, 'string') : undefined],
      ['arguments', app.ContainerArguments ? ctx.value(app.ContainerArguments, 'string') : undefined],
      ['environment', ctx.strMap(a.Environment)],
      ['inputs', a.ProcessingInputs ? arr(a.ProcessingInputs.map((i: any) => obj([
        ['inputName', lit(i.InputName)],
        ['source', ctx.str(i.S3Input?.S3Uri)],
        ['destination', ctx.str(i.S3Input?.LocalPath)],
        ['s3DataType', i.S3Input?.S3DataType ? ctx.enumMember('ProcessingS3DataType', i.S3Input.S3DataType) : undefined],
        ['inputMode', i.S3Input?.S3InputMode ? ctx.enumMember('InputMode', i.S3Input.S3InputMode) : undefined],
        ['distribution', i.S3Input?.S3DataDistributionType ? ctx.enumMember('DataDistribution', i.S3Input.S3DataDistributionType) : undefined],
        ['compression', i.S3Input?.S3CompressionType ? ctx.enumMember('CompressionType', i.S3Input.S3CompressionType) : undefined],
      ]))) : undefined],
      ['outputs', a.ProcessingOutputConfig?.Outputs ? arr(a.ProcessingOutputConfig.Outputs.map((o: any) => obj([
        ['outputName', lit(o.OutputName)],
        ['source', ctx.str(o.S3Output?.LocalPath)],
        ['destination', ctx.str(o.S3Output?.S3Uri)],
        ['uploadMode', o.S3Output?.S3UploadMode ? ctx.enumMember('S3UploadMode', o.S3Output.S3UploadMode) : undefined],
      ]))) : undefined],
      ['propertyFiles', files.length > 0 ? arr(files) : undefined],
      ...ctx.jobResources(cluster, a.StoppingCondition),
    ],
  };
}
