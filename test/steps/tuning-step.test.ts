import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  ContainerImage, CreateModelStepConstruct, MlPipeline, ObjectiveType, PipelineParameter, ProcessingStepConstruct, ScalingType,
  TuningStepConstruct, TuningStrategy,
} from '../../src';
import { definitionOf, newStack, stepOf } from '../util';

function prepIn(stack: any) {
  return new ProcessingStepConstruct(stack, 'Prep', {
    image: ContainerImage.sklearn('1.2-1'),
    outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }],
  });
}

describe('TuningStepConstruct', () => {
  test('renders the tuning config and the training job definition; its best model feeds a model', () => {
    const stack = newStack();
    const prep = prepIn(stack);
    const maxDepth = PipelineParameter.ofInteger('MaxDepth', { defaultValue: 10 });
    const tune = new TuningStepConstruct(stack, 'Tune', {
      image: ContainerImage.xgboost('1.7-1'),
      hyperparameters: { objective: 'binary:logistic', num_round: 100 },
      channels: [{ channelName: 'train', s3Uri: prep.outputS3Uri('train'), contentType: 'text/csv' }],
      objectiveMetricName: 'validation:auc',
      objectiveType: ObjectiveType.MAXIMIZE,
      integerRanges: [{ name: 'max_depth', min: 3, max: maxDepth.valueAsNumber }],
      continuousRanges: [{ name: 'eta', min: 0.01, max: 0.3, scaling: ScalingType.LOGARITHMIC }],
      categoricalRanges: [{ name: 'tree_method', values: ['auto', 'hist'] }],
      strategy: TuningStrategy.RANDOM,
      maxTrainingJobs: 20,
      maxParallelTrainingJobs: 4,
      earlyStopping: true,
    });
    const model = new CreateModelStepConstruct(stack, 'BestModel', { containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: tune.topModelS3Uri() }] });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, tune, model] }));
    const args = stepOf(def, 'Tune').Arguments;
    expect(args.HyperParameterTuningJobConfig).toEqual({
      Strategy: 'Random',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 20, MaxParallelTrainingJobs: 4 },
      ParameterRanges: {
        IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '3', MaxValue: { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.MaxDepth' }] } }, ScalingType: 'Auto' }],
        ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.01', MaxValue: '0.3', ScalingType: 'Logarithmic' }],
        CategoricalParameterRanges: [{ Name: 'tree_method', Values: ['auto', 'hist'] }],
      },
      TrainingJobEarlyStoppingType: 'Auto',
    });
    expect(args.TrainingJobDefinition).toMatchObject({
      StaticHyperParameters: { objective: 'binary:logistic', num_round: '100' },
      AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
      RoleArn: expect.stringMatching(/^<<GetAtt:PRole/),
      ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    });
    expect(stepOf(def, 'BestModel').Arguments.PrimaryContainer.ModelDataUrl).toEqual({
      'Std:Join': {
        On: '/',
        Values: [
          { 'Std:Join': { On: '/', Values: ['s3:/', expect.stringMatching(/^<<Ref:PArtifactBucket/), 'P', { Get: 'Execution.PipelineExecutionId' }, 'Tune', 'output'] } },
          { Get: 'Steps.Tune.TrainingJobSummaries[0].TrainingJobName' },
          'output/model.tar.gz',
        ],
      },
    });
    expect(def.Steps.map((s: any) => s.Name)).toEqual(['Prep', 'Tune', 'BestModel']);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: [
            'sagemaker:AddTags', 'sagemaker:CreateHyperParameterTuningJob', 'sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:ListTrainingJobsForHyperParameterTuningJob',
            'sagemaker:StopHyperParameterTuningJob',
          ],
          // Tuning job names are at most 32 characters: Pipelines cannot give them the pipelines-<execution id> prefix.
          Resource: 'arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/*',
        })]),
      },
    });
  });

  test('defaults: Bayesian, maximize, one job at a time, early stopping left to SageMaker (Off); a range kind given empty renders empty', () => {
    const stack = newStack();
    const tune = new TuningStepConstruct(stack, 'Tune', {
      image: ContainerImage.xgboost('1.7-1'),
      objectiveMetricName: 'validation:rmse',
      continuousRanges: [{ name: 'eta', min: 0.1, max: 0.5 }],
      categoricalRanges: [],
      maxTrainingJobs: 5,
    });
    const config = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [tune] })), 'Tune').Arguments.HyperParameterTuningJobConfig;
    expect(config).toMatchObject({ Strategy: 'Bayesian', HyperParameterTuningJobObjective: { Type: 'Maximize' }, ResourceLimits: { MaxParallelTrainingJobs: 1 } });
    expect(config.TrainingJobEarlyStoppingType).toBeUndefined();
    expect(config.ParameterRanges).toEqual({ ContinuousParameterRanges: [expect.objectContaining({ Name: 'eta' })], CategoricalParameterRanges: [] });
  });

  test.each([
    [{ continuousRanges: [] }, /no hyperparameter ranges given/],
    [{ integerRanges: [{ name: 'a', min: 1, max: 2 }], continuousRanges: [{ name: 'a', min: 0.1, max: 0.2 }] }, /hyperparameter 'a' has two ranges/],
    [{ hyperparameters: { eta: 0.1 } }, /hyperparameter 'eta' is both static and searched/],
    [{ continuousRanges: [{ name: 'eta', min: 0.5, max: 0.1 }] }, /range of 'eta' has min 0.5 above max 0.1/],
    [{ integerRanges: [{ name: 'depth', min: 1.5, max: 3 }], continuousRanges: [] }, /integer range of 'depth' has the bound 1.5, which is not an integer/],
    [{ categoricalRanges: [{ name: 'm', values: [] }] }, /categorical range of 'm' has no values/],
    [{ maxParallelTrainingJobs: 10 }, /maxParallelTrainingJobs \(10\) is above maxTrainingJobs \(5\)/],
    [{ metricDefinitions: [{ name: 'loss', regex: 'loss=(.*)' }] }, /objective metric 'validation:auc' is not among the metricDefinitions \(loss\)/],
  ])('fails on bad input %#', (extra, message) => {
    const stack = newStack();
    expect(() => new TuningStepConstruct(stack, 'Tune', {
      image: ContainerImage.xgboost('1.7-1'),
      objectiveMetricName: 'validation:auc',
      continuousRanges: [{ name: 'eta', min: 0.1, max: 0.5 }],
      maxTrainingJobs: 5,
      ...(extra as any),
    })).toThrow(message);
  });

  test('the training jobs get the environment (TrainingJobDefinition.Environment, as the SDK writes it)', () => {
    const stack = newStack();
    const mode = PipelineParameter.ofString('Mode', { defaultValue: 'fast' });
    const step = new TuningStepConstruct(stack, 'Tune', {
      image: ContainerImage.xgboost('1.7-1'),
      objectiveMetricName: 'validation:auc',
      continuousRanges: [{ name: 'eta', min: 0.1, max: 0.5 }],
      maxTrainingJobs: 2,
      environment: { MODE: mode.valueAsString, LEVEL: '3' },
    });
    const args = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] })), 'Tune').Arguments;
    expect(args.TrainingJobDefinition.Environment).toEqual({ MODE: { Get: 'Parameters.Mode' }, LEVEL: '3' });
  });
});
