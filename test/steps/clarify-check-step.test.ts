import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  ClarifyCheckStepConstruct, ClarifyCheckType, ClarifyDatasetType, ContainerImage, CreateModelStepConstruct, InstanceType, MlPipeline,
  ProcessingStepConstruct, RegisterModelStepConstruct, ModelPackageGroup,
} from '../../src';
import { actionsOn, definitionOf, newStack, stepOf } from '../util';

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1');
const CLARIFY = '205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0';
const HEADERS = ['target', 'age', 'income'];

function setup() {
  const stack = newStack();
  const prep = new ProcessingStepConstruct(stack, 'Prep', { image: IMAGE, outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }] });
  const model = new CreateModelStepConstruct(stack, 'CreateModel', { containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: 's3://b/model.tar.gz' }] });
  return { stack, prep, model, data: { s3Uri: prep.outputS3Uri('train'), datasetType: ClarifyDatasetType.CSV, label: 'target', headers: HEADERS } };
}

/** The uploaded files of a step (file name → parsed JSON), from the cloud assembly. */
function uploadedConfigs(stack: Stack, stepId: string): Record<string, any> {
  const template = Template.fromStack(stack);
  const out: Record<string, any> = {};
  for (const [id, r] of Object.entries<any>(template.findResources('Custom::CDKBucketDeployment'))) {
    if (!id.startsWith(stepId)) {
      continue;
    }
    const dir = path.join(Stage.of(stack)!.outdir, `asset.${r.Properties.SourceObjectKeys[0].replace(/\.zip$/, '')}`);
    out[id.replace(/CustomResource.*$/, '')] = JSON.parse(fs.readFileSync(path.join(dir, 'analysis_config.json'), 'utf-8'));
  }
  return out;
}

describe('ClarifyCheckStepConstruct', () => {
  test('a data bias check: the Clarify job with its uploaded analysis_config.json and the dataset, the SDK\'s step fields', () => {
    const { stack, prep, data } = setup();
    const check = new ClarifyCheckStepConstruct(stack, 'DataBias', {
      checkType: ClarifyCheckType.DATA_BIAS,
      data,
      bias: { labelValuesOrThreshold: ['1'], facetName: 'age', facetValuesOrThreshold: ['40'] },
    });
    const step = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, check] })), 'DataBias');
    expect(step).toMatchObject({
      Type: 'ClarifyCheck',
      CheckType: 'DATA_BIAS',
      ModelPackageGroupName: null,
      SkipCheck: false,
      FailOnViolation: true,
      RegisterNewBaseline: false,
      SuppliedBaselineConstraints: null,
    });
    expect(step.ModelName).toBeUndefined();
    const args = step.Arguments;
    expect(args.AppSpecification).toEqual({ ImageUri: CLARIFY });
    expect(args.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.LocalPath, i.S3Input.S3CompressionType])).toEqual([
      ['analysis_config', '/opt/ml/processing/input/config', 'None'],
      ['dataset', '/opt/ml/processing/input/data', 'None'],
    ]);
    expect(args.ProcessingInputs[0].S3Input.S3Uri).toMatch(/\/pipeline-code\/[0-9a-f]{32}\/analysis_config\.json$/);
    expect(args.ProcessingOutputConfig.Outputs.map((o: any) => [o.OutputName, o.S3Output.LocalPath, o.S3Output.S3UploadMode]))
      .toEqual([['analysis_result', '/opt/ml/processing/output', 'EndOfJob']]);
    expect(args.StoppingCondition).toBeUndefined();
    const configs = uploadedConfigs(stack, 'DataBias');
    expect(configs.DataBiasAnalysisConfigUpload).toEqual({
      dataset_type: 'text/csv',
      headers: HEADERS,
      label: 'target',
      label_values_or_threshold: [1],
      facet: [{ name_or_index: 'age', value_or_threshold: [40] }],
      methods: { pre_training_bias: { methods: 'all' }, report: { name: 'report', title: 'Analysis Report' } },
    });
    // The monitoring configuration (for the register step's bias config file): the bias settings alone.
    expect(configs.DataBiasMonitoringConfigUpload).toEqual({
      headers: HEADERS, label: 'target', label_values_or_threshold: [1], facet: [{ name_or_index: 'age', value_or_threshold: [40] }],
    });
    expect(check.monitoringAnalysisConfigS3Uri).toMatch(/analysis_config\.json$/);
  });

  test('a model bias check: the predictor in the config, the model name at step level, and the shadow endpoint grants', () => {
    const { stack, prep, model, data } = setup();
    const check = new ClarifyCheckStepConstruct(stack, 'ModelBias', {
      checkType: ClarifyCheckType.MODEL_BIAS,
      data,
      bias: { labelValuesOrThreshold: ['1'], facetName: 'age', facetValuesOrThreshold: ['40'] },
      model: { modelName: model.modelName, instanceType: InstanceType.ML_M5_LARGE, predictedLabel: '0', probabilityThreshold: 0.6 },
      biasMethods: ['DPPL', 'DI'],
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, model, check] });
    const def = definitionOf(pipeline);
    expect(stepOf(def, 'ModelBias').ModelName).toEqual({ Get: 'Steps.CreateModel.ModelName' });
    // The model name makes the check wait for the model's step.
    expect(def.Steps.map((s: any) => s.Name).indexOf('ModelBias')).toBeGreaterThan(def.Steps.map((s: any) => s.Name).indexOf('CreateModel'));
    const config = uploadedConfigs(stack, 'ModelBias').ModelBiasAnalysisConfigUpload;
    expect(config.methods).toEqual({ post_training_bias: { methods: ['DPPL', 'DI'] }, report: { name: 'report', title: 'Analysis Report' } });
    expect(config.predictor).toEqual({ instance_type: 'ml.m5.large', initial_instance_count: 1, content_type: 'text/csv', accept_type: 'text/csv', label: 0 });
    expect(config.probability_threshold).toBe(0.6);
    expect(JSON.stringify(config)).not.toContain('model_name');
    const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(actionsOn(statements, 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/sm-clarify-*'))
      .toEqual(expect.arrayContaining(['sagemaker:CreateEndpoint', 'sagemaker:DeleteEndpoint', 'sagemaker:InvokeEndpoint']));
    expect(actionsOn(statements, 'arn:aws:ecr:us-east-1:205585389593:repository/sagemaker-clarify-processing')).toEqual(expect.arrayContaining(['ecr:BatchGetImage']));
  });

  test('an explainability check: SHAP settings, and its constraints and config as the register step\'s drift baselines', () => {
    const { stack, prep, model, data } = setup();
    const check = new ClarifyCheckStepConstruct(stack, 'Explain', {
      checkType: ClarifyCheckType.MODEL_EXPLAINABILITY,
      data,
      model: { modelName: model.modelName },
      shap: { baselineRecords: [[35, 50000]], numSamples: 100 },
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, model, check] });
    const register = new RegisterModelStepConstruct(stack, 'Register', {
      modelPackageGroup: ModelPackageGroup.fromModelPackageGroupName(stack, 'G', 'churn'),
      containers: [{ image: ContainerImage.xgboost('1.7-1'), modelDataUrl: 's3://b/model.tar.gz' }],
      driftCheckBaselines: {
        explainabilityConstraints: { s3Uri: check.baselineUsedForDriftCheckConstraints, contentType: 'application/json' },
        explainabilityConfigFile: { s3Uri: check.monitoringAnalysisConfigS3Uri, contentType: 'application/json' },
      },
    });
    pipeline.addStep(register);
    const def = definitionOf(pipeline);
    expect(stepOf(def, 'Register').Arguments.DriftCheckBaselines.Explainability).toEqual({
      Constraints: { S3Uri: { Get: 'Steps.Explain.BaselineUsedForDriftCheckConstraints' }, ContentType: 'application/json' },
      ConfigFile: { S3Uri: expect.stringMatching(/analysis_config\.json$/), ContentType: 'application/json' },
    });
    const configs = uploadedConfigs(stack, 'Explain');
    expect(configs.ExplainAnalysisConfigUpload.methods.shap).toEqual({
      baseline: [[35, 50000]], num_samples: 100, agg_method: 'mean_abs', use_logit: false, save_local_shap_values: true,
    });
    expect(configs.ExplainMonitoringConfigUpload.headers).toEqual(['age', 'income']);
  });

  test('fails on what the analysis cannot run with', () => {
    const stack = new Stack(new App(), 'S');
    const data = { s3Uri: 's3://b/data/', datasetType: ClarifyDatasetType.CSV, label: 'y' };
    const bias = { labelValuesOrThreshold: ['1'], facetName: 'age' };
    expect(() => new ClarifyCheckStepConstruct(stack, 'A', { checkType: ClarifyCheckType.DATA_BIAS, data }))
      .toThrow(/S\/A: a DATA_BIAS check needs bias/);
    expect(() => new ClarifyCheckStepConstruct(stack, 'B', { checkType: ClarifyCheckType.MODEL_BIAS, data, bias }))
      .toThrow(/S\/B: a MODEL_BIAS check needs model \(the model Clarify serves on a shadow endpoint/);
    expect(() => new ClarifyCheckStepConstruct(stack, 'C', { checkType: ClarifyCheckType.DATA_BIAS, data, bias, model: { modelName: 'm' } }))
      .toThrow(/S\/C: model applies to MODEL_BIAS and MODEL_EXPLAINABILITY checks/);
    expect(() => new ClarifyCheckStepConstruct(stack, 'D', { checkType: ClarifyCheckType.MODEL_EXPLAINABILITY, data, model: { modelName: 'm' } }))
      .toThrow(/S\/D: a MODEL_EXPLAINABILITY check needs shap/);
    expect(() => new ClarifyCheckStepConstruct(stack, 'E', {
      checkType: ClarifyCheckType.MODEL_EXPLAINABILITY, data, model: { modelName: 'm' }, shap: { numSamples: 10, aggMethod: 'max' },
    })).toThrow(/S\/E: shap aggMethod is 'max'; expected one of: mean_abs, median, mean_sq/);
    expect(() => new ClarifyCheckStepConstruct(stack, 'F', { checkType: ClarifyCheckType.DATA_BIAS, data: { ...data, label: undefined }, bias }))
      .toThrow(/S\/F: a DATA_BIAS check needs data\.label/);
  });
});
