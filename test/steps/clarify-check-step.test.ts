import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ClarifyCheckStepConstruct, ClarifyCheckType, ClarifyDatasetType, ContainerImage, CreateModelStepConstruct, InstanceType, MlPipeline,
  ProcessingStepConstruct, RegisterModelStepConstruct, ModelPackageGroup, CompressionType, ClarifyImageModelType, ClarifyTextGranularity,
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

/** Where an uploaded file went (bucket and key prefix), beside its content in uploadedConfigs. */
const DESTINATION = Symbol('destination');

/** The uploaded files of a step (file name → parsed JSON), from the cloud assembly. */
function uploadedConfigs(stack: Stack, stepId: string): Record<string, any> {
  // (the destination is kept under a non-enumerable symbol, so toEqual on the content ignores it)
  const template = Template.fromStack(stack);
  const out: Record<string, any> = {};
  for (const [id, r] of Object.entries<any>(template.findResources('Custom::CDKBucketDeployment'))) {
    if (!id.startsWith(stepId)) {
      continue;
    }
    const dir = path.join(Stage.of(stack)!.outdir, `asset.${r.Properties.SourceObjectKeys[0].replace(/\.zip$/, '')}`);
    const content = JSON.parse(fs.readFileSync(path.join(dir, 'analysis_config.json'), 'utf-8'));
    const destination = [r.Properties.DestinationBucketName, r.Properties.DestinationBucketKeyPrefix];
    Object.defineProperty(content, DESTINATION, { value: destination, enumerable: false });
    out[id.replace(/CustomResource.*$/, '')] = content;
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
    // As the SDK's ModelConfig: the request and response types only when given (Clarify defaults them to the dataset's).
    expect(config.predictor).toEqual({ instance_type: 'ml.m5.large', initial_instance_count: 1, label: 0 });
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
      baseline: [[35, 50000]], num_samples: 100, use_logit: false, save_local_shap_values: true,
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
      .toThrow(/S\/D: a MODEL_EXPLAINABILITY check needs shap \(SHAP attributions\), pdp \(partial dependence plots\) or both/);
    expect(() => new ClarifyCheckStepConstruct(stack, 'E', {
      checkType: ClarifyCheckType.MODEL_EXPLAINABILITY, data, model: { modelName: 'm' }, shap: { numSamples: 10, aggMethod: 'max' },
    })).toThrow(/S\/E: shap aggMethod is 'max'; expected one of: mean_abs, median, mean_sq/);
    expect(() => new ClarifyCheckStepConstruct(stack, 'F', { checkType: ClarifyCheckType.DATA_BIAS, data: { ...data, label: undefined }, bias }))
      .toThrow(/S\/F: a DATA_BIAS check needs data\.label/);
  });
  test('a data bias check with every data and bias option, its config written where the SDK writes it (s3_analysis_config_output_path)', () => {
    const { stack, prep } = setup();
    const check = new ClarifyCheckStepConstruct(stack, 'DataBias', {
      checkType: ClarifyCheckType.DATA_BIAS,
      data: {
        s3Uri: prep.outputS3Uri('train'),
        datasetType: ClarifyDatasetType.CSV,
        label: 'target',
        headers: HEADERS,
        compressionType: CompressionType.GZIP,
        analysisConfigOutputS3Uri: 's3://clarify-configs/churn/data-bias',
        joinSource: 'id',
        facetDatasetS3Uri: 's3://facets-bucket/facets/',
        facetHeaders: ['id', 'gender'],
        predictedLabelDatasetS3Uri: 's3://facets-bucket/predictions/',
        predictedLabelHeaders: ['id', 'prediction'],
        excludedColumns: ['id'],
        segments: [{ nameOrIndex: 'age', segments: [['[18, 30]'], ['(30, 60]']], configName: 'by-age', displayAliases: ['young', 'middle', 'older'] }],
      },
      bias: { labelValuesOrThreshold: ['1'], facets: [{ nameOrIndex: 'gender', valuesOrThreshold: ['F'] }, { nameOrIndex: 'age', valuesOrThreshold: ['40'] }], groupName: 'region' },
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, check] });
    const args = stepOf(definitionOf(pipeline), 'DataBias').Arguments;
    // The SDK uploads the job's config to <s3_analysis_config_output_path>/analysis_config.json and reads it from there.
    expect(args.ProcessingInputs[0].S3Input.S3Uri).toBe('s3://clarify-configs/churn/data-bias/analysis_config.json');
    expect(args.ProcessingInputs[1].S3Input.S3CompressionType).toBe('Gzip');
    const configs = uploadedConfigs(stack, 'DataBias');
    const job = configs.DataBiasAnalysisConfigUpload;
    expect(job[DESTINATION]).toEqual(['clarify-configs', 'churn/data-bias/']);
    expect(job).toEqual({
      dataset_type: 'text/csv',
      headers: HEADERS,
      label: 'target',
      joinsource_name_or_index: 'id',
      facet_dataset_uri: 's3://facets-bucket/facets/',
      facet_headers: ['id', 'gender'],
      predicted_label_dataset_uri: 's3://facets-bucket/predictions/',
      predicted_label_headers: ['id', 'prediction'],
      excluded_columns: ['id'],
      segment_config: [{ name_or_index: 'age', segments: [['[18, 30]'], ['(30, 60]']], config_name: 'by-age', display_aliases: ['young', 'middle', 'older'] }],
      label_values_or_threshold: [1],
      facet: [{ name_or_index: 'gender', value_or_threshold: ['F'] }, { name_or_index: 'age', value_or_threshold: [40] }],
      group_variable: 'region',
      methods: { pre_training_bias: { methods: 'all' }, report: { name: 'report', title: 'Analysis Report' } },
    });
    // The monitoring config under <path>/bias-monitoring-configuration/ (the SDK's folder; a content hash, not a run's uuid).
    const monitoring = configs.DataBiasMonitoringConfigUpload;
    expect(monitoring[DESTINATION]).toEqual(['clarify-configs', expect.stringMatching(/^churn\/data-bias\/bias-monitoring-configuration\/[0-9a-f]{32}\/$/)]);
    expect(check.monitoringAnalysisConfigS3Uri).toBe(`s3://clarify-configs/${monitoring[DESTINATION][1]}analysis_config.json`);
    expect(check.analysisConfigS3Uri).toBe('s3://clarify-configs/churn/data-bias/analysis_config.json');
    expect(monitoring).toEqual({
      headers: HEADERS,
      label: 'target',
      label_values_or_threshold: [1],
      group_variable: 'region',
      facet: [{ name_or_index: 'gender', value_or_threshold: ['F'] }, { name_or_index: 'age', value_or_threshold: [40] }],
    });
    // The job reads the config, the facet and predicted-label datasets with the pipeline's role.
    const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(actionsOn(statements, 'arn:aws:s3:::clarify-configs/churn/data-bias/analysis_config.json')).toEqual(['s3:GetObject']);
    expect(actionsOn(statements, 'arn:aws:s3:::facets-bucket/facets/*')).toEqual(['s3:GetObject']);
    expect(actionsOn(statements, 'arn:aws:s3:::facets-bucket/predictions/*')).toEqual(['s3:GetObject']);
    // The pipeline waits for the uploads.
    const pipelineResource = Object.values<any>(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline'))[0];
    expect(pipelineResource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^DataBiasAnalysisConfigUploadCustomResource/)]));
  });

  test('a model bias check: a deploy-time config bucket of the app and a KMS key for the upload; every predictor option', () => {
    const { stack, prep, model } = setup();
    const configBucket = new s3.Bucket(stack, 'ConfigBucket', { encryption: s3.BucketEncryption.KMS });
    const key = new kms.Key(stack, 'ConfigKey');
    const check = new ClarifyCheckStepConstruct(stack, 'ModelBias', {
      checkType: ClarifyCheckType.MODEL_BIAS,
      data: {
        s3Uri: prep.outputS3Uri('train'),
        datasetType: ClarifyDatasetType.JSON_LINES,
        label: 'target',
        features: 'features',
        analysisConfigOutputS3Uri: configBucket.s3UrlForObject('clarify/model-bias'),
      },
      bias: { labelValuesOrThreshold: ['1'], facetName: 'age', facetValuesOrThreshold: ['40'] },
      model: {
        modelName: model.modelName,
        instanceCount: 2,
        contentType: 'application/jsonlines',
        acceptType: 'application/json',
        contentTemplate: '{"features": $features}',
        customAttributes: 'trace=1',
        endpointNamePrefix: 'churn-clarify',
        targetModel: 'm1.tar.gz',
        predictedLabel: 'predicted_label',
        probability: 'probabilities',
        labelHeaders: ['no', 'yes'],
        probabilityThreshold: 0.7,
      },
      analysisConfigEncryptionKey: key,
    });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, model, check] });
    const args = stepOf(definitionOf(pipeline), 'ModelBias').Arguments;
    expect(args.ProcessingInputs[0].S3Input.S3Uri).toBe('s3://<<Ref:ConfigBucket2112C5EC>>/clarify/model-bias/analysis_config.json');
    const config = uploadedConfigs(stack, 'ModelBias').ModelBiasAnalysisConfigUpload;
    expect(config.predictor).toEqual({
      instance_type: 'ml.m5.xlarge',
      initial_instance_count: 2,
      endpoint_name_prefix: 'churn-clarify',
      accept_type: 'application/json',
      content_type: 'application/jsonlines',
      content_template: '{"features": $features}',
      custom_attributes: 'trace=1',
      target_model: 'm1.tar.gz',
      label: 'predicted_label',
      probability: 'probabilities',
      label_headers: ['no', 'yes'],
    });
    expect(config.probability_threshold).toBe(0.7);
    expect(config.features).toBe('features');
    const template = Template.fromStack(stack);
    // The upload goes to the app's bucket, encrypted with the given key; its handler may encrypt with that key.
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: 'ConfigBucket2112C5EC' },
      DestinationBucketKeyPrefix: 'clarify/model-bias/',
      SystemMetadata: { 'sse': 'aws:kms', 'sse-kms-key-id': { 'Fn::GetAtt': ['ConfigKey331CCF85', 'Arn'] } },
    });
    const statements = Object.values<any>(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const keyArn = { 'Fn::GetAtt': ['ConfigKey331CCF85', 'Arn'] };
    expect(actionsOn(statements, keyArn)).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt']));
    // The shadow endpoint has the given prefix: the grant follows it.
    expect(actionsOn(statements, 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-clarify-*')).toEqual(expect.arrayContaining(['sagemaker:CreateEndpoint']));
  });

  test('an explainability check with every SHAP option and partial dependence plots; the monitoring config as the SDK writes it', () => {
    const { stack, prep, model, data } = setup();
    const check = new ClarifyCheckStepConstruct(stack, 'Explain', {
      checkType: ClarifyCheckType.MODEL_EXPLAINABILITY,
      data: { ...data, analysisConfigOutputS3Uri: 's3://clarify-configs/explain/' },
      model: { modelName: model.modelName, predictedLabel: '0', probabilityThreshold: 0.4 },
      shap: { numSamples: 50, aggMethod: 'median', useLogit: true, saveLocalShapValues: false, seed: 7, numClusters: 3, featuresToExplain: ['age'] },
      pdp: { features: ['age', 'income'], gridResolution: 20 },
    });
    new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, model, check] });
    const configs = uploadedConfigs(stack, 'Explain');
    const job = configs.ExplainAnalysisConfigUpload;
    expect(job.methods).toEqual({
      shap: { num_samples: 50, agg_method: 'median', use_logit: true, save_local_shap_values: false, seed: 7, num_clusters: 3, features_to_explain: ['age'] },
      pdp: { features: ['age', 'income'], grid_resolution: 20, top_k_features: 10 },
      report: { name: 'report', title: 'Analysis Report' },
    });
    expect(job.predictor).toEqual({ instance_type: 'ml.m5.xlarge', initial_instance_count: 1, label: 0 });
    expect(job.probability_threshold).toBe(0.4);
    const monitoring = configs.ExplainMonitoringConfigUpload;
    expect(monitoring[DESTINATION][1]).toMatch(/^explain\/model-explainability-monitoring-configuration\/[0-9a-f]{32}\/$/);
    // The SDK's ExplainabilityAnalysisConfig: the methods, the endpoint (no label), the feature headers without the label.
    expect(monitoring).toEqual({
      methods: { shap: job.methods.shap, pdp: job.methods.pdp },
      predictor: { instance_type: 'ml.m5.xlarge', initial_instance_count: 1 },
      headers: ['age', 'income'],
    });
  });

  test('images and text: the image config, output uploaded continuously for images, the text config and its warning', () => {
    const { stack, prep, model } = setup();
    const images = new ClarifyCheckStepConstruct(stack, 'Images', {
      checkType: ClarifyCheckType.MODEL_EXPLAINABILITY,
      data: { s3Uri: 's3://images-bucket/val/', datasetType: ClarifyDatasetType.IMAGE },
      model: { modelName: model.modelName, contentType: 'image/jpeg', acceptType: 'application/json' },
      shap: {
        numSamples: 100,
        imageConfig: {
          modelType: ClarifyImageModelType.OBJECT_DETECTION,
          numSegments: 30,
          featureExtractionMethod: 'segmentation',
          segmentCompactness: 10,
          maxObjects: 5,
          iouThreshold: 0.6,
          context: 0.8,
        },
      },
    });
    const text = new ClarifyCheckStepConstruct(stack, 'Text', {
      checkType: ClarifyCheckType.MODEL_EXPLAINABILITY,
      data: { s3Uri: 's3://text-bucket/val/', datasetType: ClarifyDatasetType.CSV, headers: ['review'] },
      model: { modelName: model.modelName },
      shap: { baselineRecords: [['<UNK>']], textConfig: { granularity: ClarifyTextGranularity.SENTENCE, language: 'english' }, saveLocalShapValues: false },
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, model, images, text] }));
    expect(stepOf(def, 'Images').Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3UploadMode).toBe('Continuous');
    expect(stepOf(def, 'Text').Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3UploadMode).toBe('EndOfJob');
    expect(uploadedConfigs(stack, 'Images').ImagesAnalysisConfigUpload.methods.shap.image_config).toEqual({
      model_type: 'OBJECT_DETECTION',
      num_segments: 30,
      feature_extraction_method: 'segmentation',
      segment_compactness: 10,
      max_objects: 5,
      iou_threshold: 0.6,
      context: 0.8,
    });
    expect(uploadedConfigs(stack, 'Text').TextAnalysisConfigUpload.methods.shap).toEqual({
      baseline: [['<UNK>']], use_logit: false, save_local_shap_values: false, text_config: { granularity: 'sentence', language: 'english' },
    });
    Annotations.fromStack(stack).hasWarning('/TestStack/Text', Match.stringLikeRegexp('Clarify does not aggregate text SHAP values globally'));
  });

  test('fails on every option Clarify or the SDK rejects, naming the construct and what is expected', () => {
    const stack = new Stack(new App(), 'S');
    const csv = { s3Uri: 's3://b/data/', datasetType: ClarifyDatasetType.CSV, label: 'y' };
    const bias = { labelValuesOrThreshold: ['1'], facetName: 'age' };
    const model = { modelName: 'm' };
    const explain = (id: string, extra: any) => () => new ClarifyCheckStepConstruct(stack, id, {
      checkType: ClarifyCheckType.MODEL_EXPLAINABILITY, data: csv, model, shap: { numSamples: 10 }, ...extra,
    });
    const dataBias = (id: string, extra: any) => () => new ClarifyCheckStepConstruct(stack, id, {
      checkType: ClarifyCheckType.DATA_BIAS, data: csv, bias, ...extra,
    });
    expect(dataBias('A', { bias: { labelValuesOrThreshold: ['1'] } })).toThrow('S/A: bias needs one of facetName (one sensitive column) and facets (several); neither is given');
    expect(dataBias('B', { bias: { ...bias, facets: [{ nameOrIndex: 'x' }] } })).toThrow(/S\/B: bias needs one of facetName .*; both are given/);
    expect(dataBias('C', { data: { ...csv, datasetType: ClarifyDatasetType.JSON_LINES, facetDatasetS3Uri: 's3://b/f/' } }))
      .toThrow('S/C: data.facetDatasetS3Uri is supported for CSV datasets only; this dataset is application/jsonlines');
    expect(dataBias('D', { data: { ...csv, datasetType: ClarifyDatasetType.JSON } })).toThrow(/S\/D: a JSON dataset needs data.features/);
    expect(dataBias('E', { data: { ...csv, segments: [{ nameOrIndex: 'age', segments: [['A']], displayAliases: ['a', 'b', 'c'] }] } }))
      .toThrow("S/E: data.segments of 'age' has 3 display aliases for 1 segments; expected one per segment, or one more for the default segment");
    expect(dataBias('F', { data: { ...csv, analysisConfigOutputS3Uri: 'clarify/configs' } }))
      .toThrow(/S\/F: data.analysisConfigOutputS3Uri 'clarify\/configs' is not an S3 URI with a written-out key; expected s3:\/\/<bucket>\/<prefix>/);
    expect(explain('G', { shap: { baselineS3Uri: 's3://b/base.csv', numClusters: 4 } })).toThrow(/S\/G: shap has a baseline and numClusters/);
    expect(explain('H', { shap: { numSamples: 0 } })).toThrow('S/H: shap numSamples is 0; expected an integer of at least 1');
    expect(explain('I', { shap: { textConfig: { granularity: ClarifyTextGranularity.TOKEN, language: 'klingon' } } }))
      .toThrow(/S\/I: shap textConfig language is 'klingon'; expected a language Clarify supports/);
    expect(explain('J', { shap: { featuresToExplain: ['a'], textConfig: { granularity: ClarifyTextGranularity.TOKEN, language: 'en' } } }))
      .toThrow(/S\/J: shap featuresToExplain is not supported with text or image features/);
    expect(explain('K', { shap: undefined, pdp: { gridResolution: 10 } })).toThrow(/S\/K: pdp needs features without shap/);
    expect(explain('L', { model: { modelName: 'm', contentType: 'application/json' } })).toThrow(/S\/L: JSON requests need model.contentTemplate with \$records or \$record/);
    expect(explain('M', { data: { ...csv, datasetType: ClarifyDatasetType.JSON_LINES } })).toThrow(/S\/M: JSON Lines requests need model.contentTemplate with the placeholder \$features.*none is given/);
    expect(explain('N', { model: { modelName: 'm', acceptType: 'text/plain' } })).toThrow('S/N: model.acceptType is \'text/plain\'; expected one of: text/csv, application/jsonlines, application/json');
    expect(explain('O', { model: { modelName: 'm', endpointNamePrefix: 'churn_clarify' } })).toThrow(/S\/O: model.endpointNamePrefix 'churn_clarify' is not an endpoint name prefix/);
    expect(explain('P', { model: { modelName: 'm', probabilityThreshold: 1.5 } })).toThrow('S/P: model.probabilityThreshold is 1.5; expected a number from 0 to 1');
    expect(explain('Q', { data: { s3Uri: 's3://b/img/', datasetType: ClarifyDatasetType.IMAGE } })).toThrow(/S\/Q: an image dataset needs model.contentType/);
    expect(explain('R', {
      data: { s3Uri: 's3://b/img/', datasetType: ClarifyDatasetType.IMAGE },
      model: { modelName: 'm', contentType: 'image/png' },
      shap: { imageConfig: { modelType: ClarifyImageModelType.IMAGE_CLASSIFICATION, maxObjects: 3 } },
    })).toThrow('S/R: shap imageConfig maxObjects, iouThreshold and context apply to OBJECT_DETECTION models; this is IMAGE_CLASSIFICATION');
    expect(dataBias('T', { pdp: { features: ['a'] } })).toThrow('S/T: pdp applies to a MODEL_EXPLAINABILITY check; this is a DATA_BIAS check');
  });

  test('two checks that would write analysis_config.json to one place fail at synth time', () => {
    const { stack, prep, data } = setup();
    const bias = { labelValuesOrThreshold: ['1'], facetName: 'age' };
    const where = { ...data, analysisConfigOutputS3Uri: 's3://clarify-configs/shared' };
    const a = new ClarifyCheckStepConstruct(stack, 'A', { checkType: ClarifyCheckType.DATA_BIAS, data: where, bias });
    const b = new ClarifyCheckStepConstruct(stack, 'B', { checkType: ClarifyCheckType.DATA_BIAS, data: { ...where, analysisConfigOutputS3Uri: 's3://clarify-configs/shared/' }, bias });
    expect(() => new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, a, b] }))
      .toThrow(/TestStack\/B: data.analysisConfigOutputS3Uri 's3:\/\/clarify-configs\/shared\/' is also the analysis config location of TestStack\/A; .*give each check its own prefix/);
  });
  test('your own analysis configuration: the job reads it as it is, the step writes none; what would go in it is refused', () => {
    const { stack, prep, model } = setup();
    const check = new ClarifyCheckStepConstruct(stack, 'Explain', {
      checkType: ClarifyCheckType.MODEL_EXPLAINABILITY,
      data: { s3Uri: prep.outputS3Uri('train') },
      model: { modelName: model.modelName },
      analysisConfigS3Uri: 's3://clarify-configs/explain/analysis_config.json',
    });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [prep, model, check] }));
    const args = stepOf(def, 'Explain').Arguments;
    expect(args.ProcessingInputs[0]).toMatchObject({ InputName: 'analysis_config', S3Input: { S3Uri: 's3://clarify-configs/explain/analysis_config.json' } });
    expect(stepOf(def, 'Explain').ModelName).toEqual({ Get: 'Steps.CreateModel.ModelName' });
    expect(Object.keys(Template.fromStack(stack).findResources('Custom::CDKBucketDeployment')).filter((id) => id.startsWith('Explain'))).toEqual([]);
    const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(actionsOn(statements, 'arn:aws:s3:::clarify-configs/explain/analysis_config.json*')).toEqual(['s3:GetObject']);
    expect(() => check.monitoringAnalysisConfigS3Uri).toThrow(/TestStack\/Explain: the step reads your analysis configuration \(analysisConfigS3Uri\), so it writes no monitoring configuration/);
    const other = new Stack(new App(), 'S');
    expect(() => new ClarifyCheckStepConstruct(other, 'A', {
      checkType: ClarifyCheckType.DATA_BIAS,
      data: { s3Uri: 's3://b/d/', label: 'y' },
      bias: { labelValuesOrThreshold: ['1'], facetName: 'age' },
      analysisConfigS3Uri: 's3://b/analysis_config.json',
    })).toThrow('S/A: data.label, bias go in the analysis configuration, and the step reads yours (analysisConfigS3Uri): put them in that file, '
      + 'or leave analysisConfigS3Uri out for the step to write one');
    expect(() => new ClarifyCheckStepConstruct(other, 'B', { checkType: ClarifyCheckType.DATA_BIAS, data: { s3Uri: 's3://b/d/' }, analysisConfigS3Uri: 'b/config' }))
      .toThrow(/S\/B: analysisConfigS3Uri 'b\/config' is not the S3 URI of a JSON file/);
    expect(() => new ClarifyCheckStepConstruct(other, 'C', { checkType: ClarifyCheckType.DATA_BIAS, data: { s3Uri: 's3://b/d/' }, bias: { labelValuesOrThreshold: ['1'], facetName: 'a' } }))
      .toThrow(/S\/C: data.datasetType is missing/);
  });
});
