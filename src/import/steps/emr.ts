import { StepImportContext, TypedStep } from './context';
import { THIS, call, cls, lit, obj } from '../code';

/** An EMR step on a running cluster as an EmrStepConstruct (one that creates its cluster stays custom). */
export function importEmr(ctx: StepImportContext, s: any, a: any, comments: string[]): TypedStep | undefined {
  const jar = a.StepConfig?.HadoopJarStep;
  if (a.ClusterConfig !== undefined || !jar) {
    return undefined; // a cluster the step creates names roles and an instance profile: kept as written
  }
  return {
    cls: 'EmrStepConstruct',
    comments,
    props: [
      ['clusterId', ctx.str(a.ClusterId)],
      ['executionRole', typeof a.ExecutionRoleArn === 'string'
        ? call(cls('iam', 'Role'), 'fromRoleArn', THIS, lit(`${s.Name}ExecutionRole`), lit(a.ExecutionRoleArn), obj([['mutable', lit(false)]]))
        : undefined],
      ['jar', ctx.str(jar.Jar)],
      ['args', jar.Args ? ctx.value(jar.Args, 'string') : undefined],
      ['mainClass', ctx.str(jar.MainClass)],
      ['properties', Array.isArray(jar.Properties)
        ? obj(jar.Properties.map((p: any) => [String(p.Key), ctx.value(p.Value, 'string')])) : undefined],
    ],
  };
}
