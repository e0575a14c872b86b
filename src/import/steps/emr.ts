import { StepImportContext, TypedStep } from './context';
import { Expr, THIS, arr, call, cls, lit, obj } from '../code';

/**
 * An EMR step as an EmrStepConstruct: on a running cluster (`ClusterId`), or on a cluster it creates
 * (`ClusterConfig`) that names its service role and instance profile (imported by name). Fields of a cluster
 * configuration the construct does not model come back through the diff's overrides.
 */
export function importEmr(ctx: StepImportContext, s: any, a: any, comments: string[]): TypedStep | undefined {
  const jar = a.StepConfig?.HadoopJarStep;
  if (!jar) {
    return undefined;
  }
  let clusterConfig: Expr | undefined;
  if (a.ClusterConfig !== undefined) {
    clusterConfig = newCluster(ctx, s.Name, a.ClusterConfig);
    if (clusterConfig === undefined) {
      return undefined; // no service role or instance profile, or groups the construct cannot express: kept as written
    }
    comments.push('The cluster\'s service role and instance profile are imported by name: they must exist and allow what EMR does.');
  }
  return {
    cls: 'EmrStepConstruct',
    comments,
    props: [
      ['clusterId', ctx.str(a.ClusterId)],
      ['clusterConfig', clusterConfig],
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

/** A RunJobFlow cluster configuration as the construct's `clusterConfig`, when it has what the construct needs. */
function newCluster(ctx: StepImportContext, stepName: string, c: any): Expr | undefined {
  const groups: any[] = c.Instances?.InstanceGroups ?? [];
  const roles = ['MASTER', 'CORE', 'TASK'];
  if (typeof c.ServiceRole !== 'string' || typeof c.JobFlowRole !== 'string' || typeof c.ReleaseLabel !== 'string' || groups.length === 0
    || groups.some((g) => !roles.includes(g.InstanceRole) || typeof g.InstanceType !== 'string' || typeof g.InstanceCount !== 'number')) {
    return undefined;
  }
  return obj([
    ['releaseLabel', lit(c.ReleaseLabel)],
    ['applications', Array.isArray(c.Applications) ? arr(c.Applications.map((x: any) => lit(x.Name))) : undefined],
    ['instanceGroups', arr(groups.map((g) => obj([
      ['instanceRole', ctx.enumMember('EmrInstanceRole', g.InstanceRole)],
      ['instanceType', lit(g.InstanceType)],
      ['instanceCount', lit(g.InstanceCount)],
      ['name', g.Name !== undefined ? lit(g.Name) : undefined],
    ])))],
    ['serviceRole', call(cls('iam', 'Role'), 'fromRoleName', THIS, lit(`${stepName}ServiceRole`), lit(c.ServiceRole), obj([['mutable', lit(false)]]))],
    ['instanceProfile', call(cls('iam', 'InstanceProfile'), 'fromInstanceProfileName', THIS, lit(`${stepName}InstanceProfile`), lit(c.JobFlowRole))],
    ['subnetId', ctx.str(c.Instances?.Ec2SubnetId)],
    ['logUri', ctx.str(c.LogUri)],
    ['securityConfiguration', ctx.str(c.SecurityConfiguration)],
  ]);
}
