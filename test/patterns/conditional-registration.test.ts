import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  ConditionalRegistration, ContainerImage, CreateModelStepConstruct, MetricComparison, MlPipeline, ModelPackageGroup,
  PipelineParameter, ProcessingStepConstruct, PropertyFile, RegistrationModel, TrainingStepConstruct,
} from '../../src';
import { definitionOf, newStack, stepOf } from '../util';

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/eval:1');

function fixture(stack: Stack) {
  const train = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1') });
  const report = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
  const evaluate = new ProcessingStepConstruct(stack, 'Evaluate', {
    image: IMAGE,
    inputs: [{ inputName: 'model', source: train.modelArtifactsS3Uri, destination: '/opt/ml/processing/model' }],
    outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
    propertyFiles: [report],
  });
  return { train, report, evaluate };
}

describe('ConditionalRegistration', () => {
  test('renders one condition step: register when the metric clears the threshold, else fail with a message', () => {
    const stack = newStack();
    const { train, report, evaluate } = fixture(stack);
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train, evaluate] });
    const gate = ConditionalRegistration.addToPipeline(pipeline, 'Gate', {
      evaluationStep: evaluate,
      propertyFile: report,
      metricPath: 'regression_metrics.mse.value',
      comparison: MetricComparison.LESS_THAN_OR_EQUAL_TO,
      threshold: 6,
      model: RegistrationModel.fromTrainingStep(train),
    });
    const def = definitionOf(pipeline);
    expect(def.Steps.map((s: any) => s.Name)).toEqual(['Train', 'Evaluate', 'Gate-Check']);
    const check = stepOf(def, 'Gate-Check');
    expect(check.Arguments.Conditions).toEqual([{
      Type: 'LessThanOrEqualTo',
      LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.Report' }, Path: 'regression_metrics.mse.value' } },
      RightValue: 6,
    }]);
    expect(check.Arguments.IfSteps.map((s: any) => s.Name)).toEqual(['Gate-Register']);
    expect(check.Arguments.ElseSteps).toEqual([{
      Name: 'Gate-Fail',
      Type: 'Fail',
      Arguments: { ErrorMessage: { 'Std:Join': { On: ' ', Values: ['Model not registered: regression_metrics.mse.value in Report is not <=', '6'] } } },
    }]);
    const register = stepOf(def, 'Gate-Register').Arguments;
    // The model of the training step, with its image; approval status from a created parameter; metrics from the report.
    expect(register.InferenceSpecification.Containers).toEqual([{
      Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
      ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' },
    }]);
    expect(register.ModelApprovalStatus).toEqual({ Get: 'Parameters.ModelApprovalStatus' });
    expect(def.Parameters).toContainEqual({
      Name: 'ModelApprovalStatus',
      Type: 'String',
      DefaultValue: 'PendingManualApproval',
      EnumValues: ['Approved', 'Rejected', 'PendingManualApproval'],
      Description: 'Approval status of the registered model version',
    });
    expect(register.ModelMetrics).toEqual({
      ModelQuality: {
        Statistics: {
          S3Uri: { 'Std:Join': { On: '/', Values: [{ Get: "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri" }, 'evaluation.json'] } },
          ContentType: 'application/json',
        },
      },
    });
    expect(register.InferenceSpecification.SupportedContentTypes).toEqual(['text/csv']);
    // A group was created for it, retained.
    Template.fromStack(stack).hasResource('AWS::SageMaker::ModelPackageGroup', { DeletionPolicy: 'Retain' });
    expect(gate.conditionStep.ifSteps).toEqual([gate.registerStep]);
    expect(gate.conditionStep.elseSteps).toEqual([gate.failStep]);
  });

  test('takes a parameter threshold, an imported group, extra passing steps and composes in any pipeline', () => {
    const stack = newStack();
    const { train, report, evaluate } = fixture(stack);
    const threshold = PipelineParameter.ofFloat('MinAuc', { defaultValue: 0.9 });
    const createModel = new CreateModelStepConstruct(stack, 'CreateModel', { containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: train.modelArtifactsS3Uri }] });
    const gate = new ConditionalRegistration(stack, 'Gate', {
      evaluationStep: evaluate,
      propertyFile: report,
      metricPath: 'auc',
      comparison: MetricComparison.GREATER_THAN,
      threshold: threshold.valueAsNumber,
      model: RegistrationModel.fromImage(ContainerImage.xgboost('1.7-1'), train.modelArtifactsS3Uri),
      modelPackageGroup: ModelPackageGroup.fromModelPackageGroupName(stack, 'Existing', 'existing-models'),
      approvalStatus: 'Approved',
      passingSteps: [createModel],
      conditionStepName: 'CheckAuc',
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train, evaluate, gate.conditionStep] }));
    const check = stepOf(def, 'CheckAuc');
    expect(check.Arguments.Conditions[0]).toMatchObject({ Type: 'GreaterThan', RightValue: { Get: 'Parameters.MinAuc' } });
    expect(check.Arguments.IfSteps.map((s: any) => s.Name)).toEqual(['Gate-Register', 'CreateModel']);
    expect(stepOf(def, 'Gate-Register').Arguments).toMatchObject({ ModelPackageGroupName: 'existing-models', ModelApprovalStatus: 'Approved' });
    expect(stepOf(def, 'Gate-Fail').Arguments.ErrorMessage['Std:Join'].Values).toEqual(['Model not registered: auc in Report is not >', { Get: 'Parameters.MinAuc' }]);
    expect(def.Parameters.map((p: any) => p.Name)).not.toContain('ModelApprovalStatus');
    Template.fromStack(stack).resourceCountIs('AWS::SageMaker::ModelPackageGroup', 0);
  });

  test('fails when the threshold is of the wrong kind', () => {
    const stack = newStack();
    const { train, report, evaluate } = fixture(stack);
    const props = { evaluationStep: evaluate, propertyFile: report, metricPath: 'a.b', model: RegistrationModel.fromTrainingStep(train) };
    expect(() => new ConditionalRegistration(stack, 'A', { ...props, threshold: PipelineParameter.ofString('Min', { defaultValue: '0.8' }).valueAsNumber }))
      .toThrow("TestStack/A: the threshold Parameters.Min is a String; a metric is compared with a number: use a number (0.8) or an Integer/Float parameter's valueAsNumber");
    // From JavaScript, a string where the number goes.
    expect(() => new ConditionalRegistration(stack, 'B', { ...props, threshold: '0.8' as any })).toThrow(/TestStack\/B: the threshold is "0.8"; expected a number/);
    expect(() => new ConditionalRegistration(stack, 'C', { ...props, threshold: PipelineParameter.ofBoolean('On').valueAsNumber })).toThrow(/is a Boolean/);
  });

  test('fails when the property file is not on the evaluation step', () => {
    const stack = newStack();
    const { train, evaluate } = fixture(stack);
    const loose = new PropertyFile({ name: 'Loose', outputName: 'evaluation', path: 'x.json' });
    const other = new PropertyFile({ name: 'Other', outputName: 'o', path: 'o.json' });
    new ProcessingStepConstruct(stack, 'OtherStep', { image: IMAGE, outputs: [{ outputName: 'o', source: '/opt/ml/processing/o' }], propertyFiles: [other] });
    const props = {
      evaluationStep: evaluate, metricPath: 'a', threshold: 1, model: RegistrationModel.fromTrainingStep(train),
    };
    expect(() => new ConditionalRegistration(stack, 'A', { ...props, propertyFile: loose }))
      .toThrow("TestStack/A: property file 'Loose' is not attached to the evaluation step TestStack/Evaluate; add it to the evaluation step's propertyFiles");
    expect(() => new ConditionalRegistration(stack, 'B', { ...props, propertyFile: other }))
      .toThrow(/property file 'Other' is not attached to the evaluation step TestStack\/Evaluate but to TestStack\/OtherStep/);
  });

  test('fails when the metric path is not a JSON path, or when a group is both given and named', () => {
    const stack = newStack();
    const { train, report, evaluate } = fixture(stack);
    const props = {
      evaluationStep: evaluate, propertyFile: report, threshold: 1, model: RegistrationModel.fromTrainingStep(train),
    };
    expect(() => new ConditionalRegistration(stack, 'A', { ...props, metricPath: '$.metrics.accuracy' }))
      .toThrow(/TestStack\/A: metricPath '\$.metrics.accuracy' is not a JSON path \(it starts with '\$'/);
    expect(() => new ConditionalRegistration(stack, 'B', { ...props, metricPath: 'metrics..accuracy' })).toThrow(/is not a JSON path \(an empty key/);
    expect(() => new ConditionalRegistration(stack, 'C', {
      ...props,
      metricPath: 'a',
      modelPackageGroup: ModelPackageGroup.fromModelPackageGroupName(stack, 'G', 'g'),
      modelPackageGroupName: 'other',
    })).toThrow(/modelPackageGroupName names a group to create, but modelPackageGroup is given/);
    expect(() => new ConditionalRegistration(stack, 'D', { ...props, metricPath: 'a', modelPackageGroupName: 'bad_name' })).toThrow(/invalid model package group name 'bad_name'/);
  });
});
