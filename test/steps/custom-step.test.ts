import { App } from 'aws-cdk-lib';
import { ContainerImage, CustomStepConstruct, FailStepConstruct, MlPipeline, ProcessingStepConstruct } from '../../src';
import { definitionOf, newStack, stepOf } from '../util';

describe('escape hatches', () => {
  test('addOverride sets and replaces fields (objects and list elements made on the way); addDeletionOverride removes one', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'Prep', {
      image: ContainerImage.fromUri('111122223333.dkr.ecr.us-east-1.amazonaws.com/prep:1'),
      arguments: ['--rows', '100'],
    });
    step.addOverride('Arguments.ProcessingResources.ClusterConfig.VolumeSizeInGB', 100);
    step.addOverride('Arguments.AppSpecification.ContainerArguments.1', '200');
    step.addOverride('Arguments.NetworkConfig.EnableInterContainerTrafficEncryption', true);
    step.addDeletionOverride('Arguments.StoppingCondition');
    const rendered = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] })), 'Prep');
    expect(rendered.Arguments.ProcessingResources.ClusterConfig).toEqual({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 100 });
    expect(rendered.Arguments.AppSpecification.ContainerArguments).toEqual(['--rows', '200']);
    expect(rendered.Arguments.NetworkConfig).toEqual({ EnableInterContainerTrafficEncryption: true });
    expect(rendered.Arguments).not.toHaveProperty('StoppingCondition');
  });

  test('an override is checked against the API\'s request shape like the rest of the arguments', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: ContainerImage.fromUri('111122223333.dkr.ecr.us-east-1.amazonaws.com/prep:1') });
    step.addOverride('Arguments.ProcessingResources.ClusterConfig.VolumeSizeInGB', 'big');
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    expect(() => App.of(stack)!.synth()).toThrow(/VolumeSizeInGB/);
  });

  test('override paths that are not paths, or that change the name or type, are errors', () => {
    const step = new FailStepConstruct(newStack(), 'Stop');
    expect(() => step.addOverride('Arguments..ErrorMessage', 'x')).toThrow("TestStack/Stop: override path 'Arguments..ErrorMessage' is not a path");
    expect(() => step.addOverride('Type', 'Training')).toThrow("TestStack/Stop: override path 'Type' changes the step's Type; set stepName");
  });

  test('CustomStepConstruct: a step type the library has no construct for, with its arguments and step-level fields', () => {
    const stack = newStack();
    const deploy = new CustomStepConstruct(stack, 'Deploy', {
      stepType: 'Endpoint',
      arguments: { EndpointConfigName: 'churn-config', EndpointName: 'churn' },
      displayName: 'Deploy the endpoint',
    });
    const rendered = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [deploy] })), 'Deploy');
    expect(rendered).toEqual({
      Name: 'Deploy',
      Type: 'Endpoint',
      DisplayName: 'Deploy the endpoint',
      Arguments: { EndpointConfigName: 'churn-config', EndpointName: 'churn' },
    });
    expect(() => new CustomStepConstruct(stack, 'A', { stepType: 'my step', arguments: {} })).toThrow("TestStack/A: stepType 'my step' is not a step type");
    expect(() => new CustomStepConstruct(stack, 'B', { stepType: 'Endpoint', arguments: [] as any })).toThrow('TestStack/B: arguments is []; expected an object');
    expect(() => new CustomStepConstruct(stack, 'C', { stepType: 'Endpoint', arguments: {}, extraFields: { DependsOn: [] } }))
      .toThrow('TestStack/C: extraFields sets DependsOn; use the step\'s own property for it');
  });
});
