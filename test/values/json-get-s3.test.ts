import { Template } from 'aws-cdk-lib/assertions';
import {
  Condition, ConditionStepConstruct, ContainerImage, ExecutionVariable, FailStepConstruct, Join, JsonGet, MlPipeline,
  PipelineExperimentConfig, PipelineParameter, ProcessingStepConstruct, TrainingStepConstruct,
} from '../../src';
import { actionsOn, definitionOf, newStack, stepOf } from '../util';

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1');

function policyStatements(template: Template): any[] {
  return Object.values<any>(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('JsonGet.fromS3Uri', () => {
  function evaluationPipeline(options: { sample?: any; path?: string } = {}) {
    const stack = newStack();
    const evaluate = new ProcessingStepConstruct(stack, 'Evaluate', {
      image: IMAGE,
      outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
    });
    const reportUri = Join.of('/', [evaluate.outputS3Uri('evaluation'), 'evaluation.json']).valueAsString;
    const accuracy = JsonGet.fromS3Uri(reportUri, options.path ?? 'metrics.accuracy.value', { documentName: 'report', sampleDocument: options.sample });
    const check = new ConditionStepConstruct(stack, 'Check', {
      conditions: [Condition.numberGreaterThanOrEqualTo(accuracy.valueAsNumber, 0.8)],
      elseSteps: [new FailStepConstruct(stack, 'TooLow', { errorMessage: Join.of(' ', ['accuracy', accuracy.valueAsString]).valueAsString })],
    });
    return { stack, pipeline: new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [check, evaluate] }) };
  }

  test('renders as the SDK renders it, in a condition and a Fail message; the reading step waits for the writer', () => {
    const { pipeline } = evaluationPipeline();
    const def = definitionOf(pipeline);
    const get = {
      'Std:JsonGet': {
        S3Uri: { 'Std:Join': { On: '/', Values: [{ Get: "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri" }, 'evaluation.json'] } },
        Path: 'metrics.accuracy.value',
      },
    };
    const check = stepOf(def, 'Check');
    expect(check.Arguments.Conditions).toEqual([{ Type: 'GreaterThanOrEqualTo', LeftValue: get, RightValue: 0.8 }]);
    expect(stepOf(def, 'TooLow').Arguments.ErrorMessage).toEqual({ 'Std:Join': { On: ' ', Values: ['accuracy', get] } });
    // Listed first, the condition runs after the step whose output it reads (the reference is the dependency).
    expect(def.Steps.map((s: any) => s.Name)).toEqual(['Evaluate', 'Check']);
  });

  test('as a step argument, with a literal URI: the role may read that object', () => {
    const stack = newStack();
    const threshold = JsonGet.fromS3Uri('s3://shared-config/thresholds/churn.json', 'min_auc');
    const step = new TrainingStepConstruct(stack, 'Train', { image: IMAGE, hyperparameters: { min_auc: threshold.valueAsString } });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] }));
    expect(stepOf(def, 'Train').Arguments.HyperParameters.min_auc).toEqual({
      'Std:Join': { On: '', Values: [{ 'Std:JsonGet': { S3Uri: 's3://shared-config/thresholds/churn.json', Path: 'min_auc' } }] },
    });
    const statements = policyStatements(Template.fromStack(stack));
    expect(actionsOn(statements, 'arn:aws:s3:::shared-config/thresholds/churn.json*')).toContain('s3:GetObject');
  });

  test('the dry run reads the document by name, or its sample; a path the sample lacks fails synthesis', () => {
    const passing = evaluationPipeline({ sample: { metrics: { accuracy: { value: 0.9 } } } }).pipeline;
    expect(passing.dryRun().status).toBe('Succeeded');
    const low = passing.dryRun({ jsonDocuments: { report: { metrics: { accuracy: { value: 0.5 } } } } });
    expect(low).toMatchObject({ status: 'Failed', failedStep: 'TooLow', failureReason: 'accuracy 0.5' });
    expect(() => passing.dryRun({ jsonDocuments: { other: {} } })).toThrow(/no step reads a JSON document named 'other'; the pipeline reads: report/);
    expect(() => evaluationPipeline().pipeline.dryRun()).toThrow(/JSON document report is read \(path 'metrics\.accuracy\.value'\); give its document in jsonDocuments\['report'\]/);
    const wrong = evaluationPipeline({ sample: { metrics: { auc: 0.9 } } }).pipeline;
    expect(() => wrong.renderDefinition()).toThrow(/TestStack\/Check: step 'Check' reads 'metrics\.accuracy\.value' from the document report, whose sample document has no such path/);
  });

  test('fails when the URI is not an S3 URI, or when neither or both of propertyFile and s3Uri are given', () => {
    expect(() => JsonGet.fromS3Uri('reports/eval.json', 'a')).toThrow(/JsonGet: 'reports\/eval\.json' is not the URI of a JSON document; expected s3:\/\/<bucket>\/<key>/);
    expect(() => new JsonGet({ path: 'a' })).toThrow(/JsonGet of 'a': neither propertyFile nor s3Uri is given; expected exactly one/);
    expect(() => JsonGet.fromS3Uri('s3://b/k.json', 'a..b')).toThrow(/JsonGet on the document s3:\/\/b\/k\.json: 'a\.\.b' is not a valid JSON path/);
  });
});

describe('PipelineExperimentConfig', () => {
  function render(experimentConfig?: PipelineExperimentConfig) {
    const stack = newStack();
    const step = new FailStepConstruct(stack, 'F', { errorMessage: 'x' });
    return definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step], experimentConfig }));
  }

  test('by default: experiment = the pipeline name, trial = the execution ID, as the SDK writes', () => {
    const def = render();
    expect(def.PipelineExperimentConfig).toEqual({ ExperimentName: { Get: 'Execution.PipelineName' }, TrialName: { Get: 'Execution.PipelineExecutionId' } });
    expect(Object.keys(def)).toEqual(['Version', 'Metadata', 'Parameters', 'PipelineExperimentConfig', 'Steps']);
  });

  test('settable with literals, parameters and joins (their parameters are declared); off writes null', () => {
    const team = PipelineParameter.ofString('Team', { defaultValue: 'risk' });
    const def = render(PipelineExperimentConfig.of({
      experimentName: Join.of('-', [team.valueAsString, 'churn']).valueAsString,
      trialName: Join.of('-', ['run', ExecutionVariable.PIPELINE_EXECUTION_ID.valueAsString]).valueAsString,
    }));
    expect(def.PipelineExperimentConfig).toEqual({
      ExperimentName: { 'Std:Join': { On: '-', Values: [{ Get: 'Parameters.Team' }, 'churn'] } },
      TrialName: { 'Std:Join': { On: '-', Values: ['run', { Get: 'Execution.PipelineExecutionId' }] } },
    });
    expect(def.Parameters).toEqual([{ Name: 'Team', Type: 'String', DefaultValue: 'risk' }]);
    expect(render(PipelineExperimentConfig.of({ experimentName: 'churn-models' })).PipelineExperimentConfig)
      .toEqual({ ExperimentName: 'churn-models', TrialName: { Get: 'Execution.PipelineExecutionId' } });
    expect(render(PipelineExperimentConfig.none()).PipelineExperimentConfig).toBeNull();
  });

  test('fails on a name SageMaker Experiments refuses, a non-string value, or a step property', () => {
    expect(() => PipelineExperimentConfig.of({ experimentName: 'churn_model' })).toThrow(/experimentName 'churn_model' is not a name SageMaker Experiments takes/);
    expect(() => PipelineExperimentConfig.of({ trialName: PipelineParameter.ofInteger('N').valueAsString })).toThrow(/trialName is Parameters\.N, a Integer; expected a string/);
    const stack = newStack();
    const train = new TrainingStepConstruct(stack, 'Train', { image: IMAGE });
    const pipeline = new MlPipeline(stack, 'P', {
      pipelineName: 'P', steps: [train], experimentConfig: PipelineExperimentConfig.of({ experimentName: train.trainingJobName }),
    });
    expect(() => pipeline.renderDefinition()).toThrow(/P: the experiment config refers to step Train; experiment and trial names are set when the execution starts/);
  });

  test('its values are readable by steps: {"Get": "PipelineExperimentConfig.ExperimentName"}; refused when tracking is off', () => {
    const stack = newStack();
    const train = new TrainingStepConstruct(stack, 'Train', {
      image: IMAGE,
      hyperparameters: {
        experiment: PipelineExperimentConfig.EXPERIMENT_NAME.valueAsString,
        trial: PipelineExperimentConfig.TRIAL_NAME.valueAsString,
      },
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [train] }));
    expect(stepOf(def, 'Train').Arguments.HyperParameters).toEqual({
      experiment: { Get: 'PipelineExperimentConfig.ExperimentName' },
      trial: { Get: 'PipelineExperimentConfig.TrialName' },
    });
    const off = newStack();
    const step = new TrainingStepConstruct(off, 'Train', {
      image: IMAGE, hyperparameters: { experiment: PipelineExperimentConfig.EXPERIMENT_NAME.valueAsString },
    });
    const pipeline = new MlPipeline(off, 'P', { pipelineName: 'P', steps: [step], experimentConfig: PipelineExperimentConfig.none() });
    expect(() => pipeline.renderDefinition()).toThrow(/TestStack\/Train: step 'Train' reads PipelineExperimentConfig\.ExperimentName, but the pipeline's experiment config is none\(\)/);
  });
});
