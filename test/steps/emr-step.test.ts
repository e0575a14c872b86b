import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EmrInstanceRole, EmrStepConstruct, MlPipeline, PipelineParameter } from '../../src';
import { actionsOn, definitionOf, newStack, stepOf } from '../util';

function statementsOf(stack: Stack): any[] {
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('EmrStepConstruct', () => {
  test('a step on a running cluster: the SDK\'s EMRStep arguments, pipeline values in Args, display name and description set', () => {
    const stack = newStack();
    const input = PipelineParameter.ofString('InputData', { defaultValue: 's3://data/raw/' });
    const step = new EmrStepConstruct(stack, 'Features', {
      clusterId: 'j-3SD91U2E1L2QX',
      jar: 'command-runner.jar',
      args: ['spark-submit', 's3://code/features.py', '--input', input.valueAsString],
      properties: { 'spark.executor.memory': '4g' },
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] }));
    expect(stepOf(def, 'Features')).toEqual({
      Name: 'Features',
      Type: 'EMR',
      DisplayName: 'Features',
      Description: 'EMR step Features',
      Arguments: {
        ClusterId: 'j-3SD91U2E1L2QX',
        StepConfig: {
          HadoopJarStep: {
            Jar: 'command-runner.jar',
            Args: ['spark-submit', 's3://code/features.py', '--input', { Get: 'Parameters.InputData' }],
            Properties: [{ Key: 'spark.executor.memory', Value: '4g' }],
          },
        },
      },
    });
    expect(actionsOn(statementsOf(stack), 'arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/j-3SD91U2E1L2QX'))
      .toEqual(['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:DescribeCluster', 'elasticmapreduce:DescribeStep']);
  });

  test('a runtime role on a cluster chosen by parameter: the role is passed, the cluster is any of the account', () => {
    const stack = newStack();
    const cluster = PipelineParameter.ofString('ClusterId');
    const runtime = iam.Role.fromRoleArn(stack, 'Runtime', 'arn:aws:iam::123456789012:role/emr-runtime', { mutable: false });
    const step = new EmrStepConstruct(stack, 'Job', { clusterId: cluster.valueAsString, jar: 's3://jars/job.jar', mainClass: 'com.example.Job', executionRole: runtime });
    const args = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] })), 'Job').Arguments;
    expect(args).toEqual({
      ClusterId: { Get: 'Parameters.ClusterId' },
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/emr-runtime',
      StepConfig: { HadoopJarStep: { Jar: 's3://jars/job.jar', MainClass: 'com.example.Job' } },
    });
    const statements = statementsOf(stack);
    expect(actionsOn(statements, 'arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/*')).toContain('elasticmapreduce:AddJobFlowSteps');
    expect(actionsOn(statements, 'arn:aws:iam::123456789012:role/emr-runtime')).toContain('iam:PassRole');
  });

  test('a cluster the step creates: the RunJobFlow configuration, and passing its roles', () => {
    const stack = newStack();
    const serviceRole = new iam.Role(stack, 'EmrService', { assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com') });
    const instanceRole = new iam.Role(stack, 'EmrInstances', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const instanceProfile = new iam.InstanceProfile(stack, 'Profile', { role: instanceRole });
    const step = new EmrStepConstruct(stack, 'Spark', {
      clusterConfig: {
        releaseLabel: 'emr-6.15.0',
        applications: ['Spark'],
        instanceGroups: [
          { instanceRole: EmrInstanceRole.MASTER, instanceType: 'm5.xlarge', instanceCount: 1 },
          { instanceRole: EmrInstanceRole.CORE, instanceType: 'm5.xlarge', instanceCount: 2 },
        ],
        serviceRole,
        instanceProfile,
        logUri: 's3://logs/emr/',
      },
      jar: 'command-runner.jar',
      args: ['spark-submit', 's3://code/job.py'],
    });
    const args = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] })), 'Spark').Arguments;
    expect(args.ClusterId).toBeUndefined();
    expect(args.ClusterConfig).toEqual({
      ReleaseLabel: 'emr-6.15.0',
      Applications: [{ Name: 'Spark' }],
      Instances: {
        InstanceGroups: [
          { InstanceRole: 'MASTER', InstanceType: 'm5.xlarge', InstanceCount: 1 },
          { InstanceRole: 'CORE', InstanceType: 'm5.xlarge', InstanceCount: 2 },
        ],
      },
      ServiceRole: expect.stringMatching(/^<<Ref:EmrService/),
      JobFlowRole: expect.stringMatching(/^<<Ref:Profile/),
      LogUri: 's3://logs/emr/',
    });
    const statements = statementsOf(stack);
    expect(actionsOn(statements, '*')).toContain('elasticmapreduce:RunJobFlow');
    expect(actionsOn(statements, 'arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/*')).toEqual(expect.arrayContaining(['elasticmapreduce:TerminateJobFlows', 'elasticmapreduce:AddJobFlowSteps']));
    for (const role of [serviceRole, instanceRole]) {
      expect(actionsOn(statements, { 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as iam.CfnRole), 'Arn'] })).toContain('iam:PassRole');
    }
  });

  test('fails with both or neither of cluster id and cluster config, and on a malformed cluster', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new EmrStepConstruct(stack, 'A', { jar: 'command-runner.jar' }))
      .toThrow(/S\/A: neither clusterId nor clusterConfig is given; expected exactly one/);
    const serviceRole = iam.Role.fromRoleName(stack, 'R', 'EMR_DefaultRole');
    const instanceProfile = iam.InstanceProfile.fromInstanceProfileName(stack, 'IP', 'EMR_EC2_DefaultRole');
    const clusterConfig = { releaseLabel: 'emr-6.15.0', instanceGroups: [], serviceRole, instanceProfile };
    expect(() => new EmrStepConstruct(stack, 'B', { jar: 'x.jar', clusterId: 'j-ABC', clusterConfig }))
      .toThrow(/S\/B: both clusterId and clusterConfig are given; expected exactly one/);
    expect(() => new EmrStepConstruct(stack, 'C', { jar: 'x.jar', clusterConfig }))
      .toThrow(/S\/C: clusterConfig has 0 MASTER instance groups; a cluster has exactly one/);
    expect(() => new EmrStepConstruct(stack, 'D', { jar: 'x.jar', clusterId: 'cluster-1' }))
      .toThrow(/S\/D: clusterId 'cluster-1' is not an EMR cluster ID/);
  });
});
