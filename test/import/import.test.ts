import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ts from 'typescript';
import * as lib from '../../src';
import { main } from '../../src/import/cli';
import { importDefinition, parseDefinitionText } from '../../src/import/importer';
import { readPipelineSource } from '../../src/import/source';
import { definitionOf, definitionsOf } from '../util';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'import');
const OUT_DIR = path.join(__dirname, '__imported__');
const ROOT = path.join(__dirname, '..', '..');

function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf-8'));
}

/** Writes the generated stack where the project's tsconfig and eslint config cover it. */
function writeGenerated(name: string, source: string): string {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, `${name}.ts`);
  fs.writeFileSync(file, source);
  return file;
}

/**
 * Type-checks generated files against the library's sources (the package name mapped to src/index.ts), with tsc in a
 * process of its own: the program holds aws-cdk-lib's declarations, which would otherwise stay in the test worker.
 */
function typeErrors(files: string[]): string[] {
  // Outside the generated files' folder, so that eslint's project service keeps reading them with test/tsconfig.json.
  const tsconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'import-tsc-')), 'tsconfig.json');
  fs.writeFileSync(tsconfig, JSON.stringify({
    compilerOptions: {
      target: 'ES2020',
      module: 'commonjs',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      noUnusedLocals: true,
      baseUrl: ROOT,
      paths: { 'cdk-sagemaker-pipelines': ['src/index.ts'] },
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      types: ['node'],
    },
    files,
  }));
  const run = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig, '--pretty', 'false'], { encoding: 'utf-8' });
  const errors: string[] = [];
  for (const line of run.stdout.split('\n')) {
    const file = files.find((f) => line.startsWith(`${path.relative(ROOT, f)}(`) || line.startsWith(`${f}(`));
    if (file) {
      errors.push(`${path.basename(file)}${line.slice(line.indexOf('('))}`);
    }
  }
  // tsc failing on anything else (the library's sources, its own crash) is not a pass either.
  if (run.status !== 0 && errors.length === 0) {
    throw new Error(`tsc exited with ${run.status}:\n${run.stdout}${run.stderr}`);
  }
  return errors;
}

/** Runs a generated stack: transpiled, with the package name resolved to the library's sources. */
function synthesize(source: string, className: string): any {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const module = { exports: {} as any };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFor = (id: string) => (id === 'cdk-sagemaker-pipelines' ? lib : require(id));
  new Function('require', 'module', 'exports', js)(requireFor, module, module.exports);
  const app = new App();
  const stack = new module.exports[className](app, 'Imported', { env: { account: '111122223333', region: 'us-east-1' } });
  locationWarnings.set(className, Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data)));
  return definitionOf(stack.pipeline);
}

/** The synth warnings of each generated stack (the SDK's pipelines with literal locations have none). */
const locationWarnings = new Map<string, string[]>();

/** The documented normalizations: the steps' role becomes the pipeline's own role. */
function normalize(definition: any): any {
  return JSON.parse(JSON.stringify(definition, (key, value) => (key === 'RoleArn' || key === 'ExecutionRoleArn' ? '<role>' : value)));
}

/** Every leaf path where two definitions differ ("field by field"). */
function differences(a: any, b: any, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) {
    return [];
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences(a[k], b[k], `${at}/${k}`));
  }
  return [`${at}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`];
}

/**
 * The definitions, each in the form the SageMaker Python SDK's step classes write (sagemaker-mlops
 * src/sagemaker/mlops/workflow/, as fetched: Step.to_request in steps.py L132 for the step-level fields, and each
 * class's `arguments`/`to_request`). The SDK cannot run here: each is written as that source renders it.
 */
const CASES: Array<[string, string]> = [
  // ProcessingStep (steps.py L573), TrainingStep (L391), ModelStep's CreateModel and RegisterModel (model_step.py L36,
  // arguments L182), ConditionStep (condition_step.py L30, arguments L75), FailStep (fail_step.py L26, arguments L60),
  // property files and JsonGet.
  ['seed-pipeline', 'SeedPipelineStack'],
  // TuningStep (steps.py L672; the tuner's config and training job definition: sagemaker-train tuner.py,
  // _build_tuning_job_config and _build_training_job_definition), TransformStep (steps.py L483), a RegisterModel.
  ['tuning-transform-register', 'TuningTransformRegisterStack'],
  // LambdaStep (lambda_step.py L74, arguments L125, to_request L134: OutputParameters and FunctionArn at step level),
  // CallbackStep (callback_step.py L76, arguments L125, to_request L134), nested ConditionSteps.
  ['lambda-callback-nested-conditions', 'LabelingStack'],
  // QualityCheckStep (quality_check_step.py L122, arguments L242, to_request L318) feeding drift baselines.
  ['check-steps-drift-baselines', 'DriftBaselinesStack'],
  // EMRStep on a running cluster (emr_step.py, arguments L257, to_request L271), AutoMLStep (automl_step.py L31,
  // arguments L91, to_request L134).
  ['emr-automl', 'EmrAutoMlStack'],
  // A step type the library has no construct for: a custom step on purpose.
  ['unknown-step-type', 'EndpointStack'],
  // ClarifyCheck steps that read the analysis_config.json the definition names (the SDK's ClarifyCheckStep uploads it
  // before it writes the definition: clarify_check_step.py, _generate_processing_job_parameters; to_request for the
  // step-level fields).
  ['clarify-checks', 'ClarifyChecksStack'],
  // An EMR step that creates its cluster: the SDK's EMRStep writes ClusterConfig as given, beside StepConfig
  // (emr_step.py, EMRStep.__init__, emr_step_args).
  ['emr-new-cluster', 'EmrNewClusterStack'],
  // A notebook job: a Training step with the scheduler's entry point, SM_* environment, sagemaker:* tags and the staged
  // input channel, as the SDK's NotebookJobStep writes it (notebook_job_step.py L63, arguments L445).
  ['notebook-job', 'NotebookJobStack'],
];

describe('import: a definition to a typed stack and back', () => {
  const generated: Record<string, { file: string; source: string; summary: string[]; hatches: Record<string, string[]> }> = {};
  beforeAll(() => {
    for (const [name, className] of CASES) {
      const result = importDefinition(fixture(name), { className, pipelineName: 'imported' });
      generated[name] = { file: writeGenerated(name, result.source), source: result.source, summary: result.summary, hatches: result.escapeHatches };
    }
  });

  test.each(CASES)('%s: the generated stack synthesizes the same definition, field by field, the role ARNs kept', (name, className) => {
    const input = fixture(name);
    const output = synthesize(generated[name].source, className);
    const expected = { ...input, PipelineExperimentConfig: input.PipelineExperimentConfig ?? null };
    expect(differences(expected, output)).toEqual([]);
  });

  test('every definition in the SDK\'s form imports with no override and no custom step (the unknown step type aside)', () => {
    const sdkForm = CASES.map(([name]) => name).filter((name) => name !== 'unknown-step-type');
    expect(sdkForm).toHaveLength(8);
    for (const name of sdkForm) {
      expect([name, generated[name].hatches]).toEqual([name, {}]);
      expect(generated[name].source).not.toMatch(/addOverride|addDeletionOverride|CustomStepConstruct/);
    }
  });

  test('the role is kept by default (imported, not modified); --new-role gives the pipeline a role of its own', () => {
    const seed = generated['seed-pipeline'];
    const seedRole = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole';
    expect(seed.source).toMatch(new RegExp(`const role = iam\\.Role\\.fromRoleArn\\(\\s*this,\\s*'Role',\\s*'${seedRole}',\\s*\\{ mutable: false \\},?\\s*\\);`));
    expect(seed.source).toMatch(/new MlPipeline\(this, 'Pipeline', \{\n\s+pipelineName: 'imported',\n\s+role: role,/);
    const fresh = importDefinition(fixture('seed-pipeline'), { className: 'SeedPipelineStack', pipelineName: 'imported', newRole: true });
    expect(fresh.source).not.toContain('fromRoleArn');
    expect(fresh.summary).toContain(`normalized: RoleArn/ExecutionRoleArn (${seedRole}) become the pipeline's own role`);
    const output = synthesize(fresh.source, 'SeedPipelineStack');
    const input = fixture('seed-pipeline');
    expect(differences(normalize({ ...input, PipelineExperimentConfig: input.PipelineExperimentConfig ?? null }), normalize(output))).toEqual([]);
    expect(JSON.stringify(output)).not.toContain(seedRole);
  });

  test('no synth warning in any generated stack: the SDK\'s default locations (Join over a literal bucket) are granted, the kept role acknowledged', () => {
    expect(locationWarnings.size).toBe(CASES.length);
    expect([...locationWarnings.values()].flat()).toEqual([]);
  });

  test('the generated stacks compile against the library (strict, no unused locals)', () => {
    expect(typeErrors(CASES.map(([name]) => generated[name].file))).toEqual([]);
  });

  test('the generated stacks pass the project\'s eslint configuration', () => {
    // The package cannot resolve its own name inside its repository (it is not installed there); in a user's project,
    // where the package is installed, import/no-unresolved applies. Every other rule is the project's. eslint runs in a
    // process of its own, as for the type-check.
    const run = spawnSync(process.execPath, [
      path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--no-ignore', '--format', 'json', '--rule', 'import/no-unresolved: off',
      ...CASES.map(([name]) => generated[name].file),
    ], { cwd: ROOT, encoding: 'utf-8', env: { ...process.env, ESLINT_USE_FLAT_CONFIG: 'false' } });
    const results = JSON.parse(run.stdout);
    const problems = results.flatMap((r: any) => r.messages.map((m: any) => `${path.basename(r.filePath)}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(problems).toEqual([]);
  });

  test('typed constructs and the library\'s accessors, not raw references', () => {
    const seed = generated['seed-pipeline'];
    expect(seed.source).toContain("new ProcessingStepConstruct(this, 'Preprocess', {");
    expect(seed.source).toContain("s3Uri: preprocess.outputS3Uri('train')");
    expect(seed.source).toContain('modelDataUrl: train.modelArtifactsS3Uri');
    expect(seed.source).toContain("const evaluationReportFile = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });");
    expect(seed.source).toMatch(/Condition\.numberGreaterThanOrEqualTo\(\s*evaluationReportFile\.jsonGet\('binary_classification_metrics\.accuracy\.value'\)\.valueAsNumber,\s*accuracyThreshold\.valueAsNumber/);
    expect(seed.source).toContain("enumValues: ['PendingManualApproval', 'Approved', 'Rejected']");
    expect(seed.source).not.toContain('{ Get:');
    // The seed pipeline maps completely: no escape hatch.
    expect(seed.hatches).toEqual({});
    // Code stays where the definition has it, with a comment on the CDK way.
    expect(seed.source).toContain("ProcessingCode.fromAsset('<script>') ships a local script with the stack");

    const labeling = generated['lambda-callback-nested-conditions'];
    expect(labeling.source).toContain("inputs: { input: fetch.outputAsString('location') }");
    expect(labeling.source).toMatch(/Condition\.anyOf\(\s*Condition\.numberGreaterThan\(label\.outputAsNumber\('score'\), threshold\.valueAsNumber\)/);
    expect(labeling.source).toContain("Condition.negate(Condition.stringIn(mode.valueAsString, ['skip']))");
    expect(labeling.source).toContain("experimentConfig: PipelineExperimentConfig.of({ experimentName: 'labeling' })");
    expect(labeling.source).toContain("cacheConfig: { enabled: true, expireAfter: Duration.parse('PT12H') }");

    const tuning = generated['tuning-transform-register'];
    expect(tuning.source).toContain('dependsOn: [batchScore]');
    expect(tuning.source).toContain('modelName: bestModel.modelName');
    expect(tuning.source).toContain("new TuningStepConstruct(this, 'Tune', {");
    expect(tuning.source).toContain('modelDataUrl: tune.topModelS3Uri(0)');
    expect(tuning.source).toContain("continuousRanges: [{ name: 'eta', min: 0.1, max: 0.5, scaling: ScalingType.AUTO }]");
    expect(tuning.source).toContain('exceptionTypes: [RetryExceptionType.STEP_SERVICE_FAULT, RetryExceptionType.STEP_THROTTLING]');
  });

  test('EMR and AutoML steps become their constructs; the best candidate\'s properties read through the accessors', () => {
    const emr = generated['emr-automl'];
    expect(emr.hatches).toEqual({});
    expect(emr.source).toContain("new EmrStepConstruct(this, 'Features', {");
    expect(emr.source).toContain("clusterId: 'j-3SD91U2E1L2QX'");
    expect(emr.source).toContain("args: ['spark-submit', featuresScript.valueAsString, '--out', 's3://ml-data-111122223333/features/']");
    expect(emr.source).toContain("new AutoMlStepConstruct(this, 'AutoMl', {");
    expect(emr.source).toMatch(/role: iam\.Role\.fromRoleArn\(\s*this,\s*'AutoMlRole',\s*'arn:aws:iam::111122223333:role\/AutopilotRole',\s*\{ mutable: false \},?\s*\)/);
    expect(emr.source).toContain('objectiveMetric: AutoMlObjectiveMetric.F1');
    expect(emr.source).toContain('image: ContainerImage.fromUri(autoMl.bestCandidateImage)');
    expect(emr.source).toContain('modelDataUrl: autoMl.bestCandidateModelDataUrl');
    expect(emr.source).toContain("MODEL_NAME: autoMl.bestCandidateEnvironment('MODEL_NAME')");
  });

  test('what the library does not model goes through an escape hatch, with a comment and a summary line', () => {
    const unknown = generated['unknown-step-type'];
    expect(unknown.source).toContain("new CustomStepConstruct(this, 'Deploy', {");
    expect(unknown.source).toContain("stepType: 'Endpoint'");
    expect(unknown.source).toContain('// Endpoint: the library has no construct for Endpoint steps');
    expect(unknown.summary).toContain('Steps[1] Deploy (Endpoint): CustomStepConstruct (escape hatch: the library has no construct for Endpoint steps; no permission derived)');
    expect(unknown.hatches).toEqual({ Deploy: ['CustomStepConstruct'] });

    // The SDK's empty lists and maps are typed props the constructs render as given (an empty Environment, empty
    // CategoricalParameterRanges, OutputParameters: []): no override. A field the construct renders otherwise is one.
    const tuning = generated['tuning-transform-register'];
    expect(tuning.hatches.BestModel).toBeUndefined();
    expect(tuning.source).toMatch(/bestModel = new CreateModelStepConstruct\(this, 'BestModel', \{[^]*environment: \{\},/);
    expect(tuning.source).toContain('categoricalRanges: [],');
    expect(generated['lambda-callback-nested-conditions'].hatches).toEqual({});
    // The SDK's tuner writes ResourceConfig and TrainingJobEarlyStoppingType 'Off' (sagemaker-train tuner.py,
    // _build_tuning_job_config and _build_training_job_definition): typed props, no override.
    expect(tuning.hatches).toEqual({});
    expect(tuning.source).toContain('earlyStopping: false,');
    expect(tuning.summary).toContain('Steps[0] Tune (Tuning): TuningStepConstruct');
    const checks = generated['check-steps-drift-baselines'];
    expect(checks.summary).toContain('Steps[1] DataQuality (QualityCheck): QualityCheckStepConstruct');
    expect(checks.source).toContain("datasetFormat: DatasetFormat.csv({ header: true, outputColumnsPosition: 'START' })");
    expect(checks.source).toContain("baselineDataset: prep.outputS3Uri('train')");
    expect(checks.source).toMatch(/s3Uri: dataQuality\.calculatedBaselineStatistics/);
    expect(tuning.summary.filter((s) => s.includes('RoleArn'))).toEqual([]);
  });

  test('a malformed definition is an error naming the path in the JSON and what was expected', () => {
    const bad = (def: any) => () => importDefinition(def, { fileName: 'def.json' });
    expect(bad({ Version: '2020-12-01' })).toThrow('def.json: Steps: expected a list of steps, got undefined');
    expect(bad({ Steps: [{ Name: 'A', Type: 'Fail', Arguments: {} }, { Name: 'A', Type: 'Fail', Arguments: {} }] }))
      .toThrow('def.json: Steps[1].Name: expected a name no other step has, got "A"');
    expect(bad({ Steps: [{ Name: 'bad name', Type: 'Fail' }] })).toThrow('def.json: Steps[0].Name: expected a step name (1 to 64 of A-Z, a-z, 0-9, -, _), got "bad name"');
    expect(bad({ Steps: [{ Name: 'C', Type: 'Condition', Arguments: { Conditions: [], IfSteps: [{ Name: 'D', Type: 7 }] } }] }))
      .toThrow('def.json: Steps[0].Arguments.IfSteps[0].Type: expected a step type such as Processing or Training, got 7');
    expect(bad({ Parameters: [], Steps: [{ Name: 'F', Type: 'Fail', Arguments: { ErrorMessage: { Get: 'Parameters.Missing' } } }] }))
      .toThrow('def.json: Steps[0].Arguments.ErrorMessage: expected a declared parameter (none declared), got "Parameters.Missing"');
    expect(bad({ Steps: [{ Name: 'F', Type: 'Fail', DependsOn: ['Nope'], Arguments: {} }] }))
      .toThrow('def.json: Steps[0].DependsOn[0]: expected the name of a step of this definition, got "Nope"');
    expect(bad({ Parameters: [{ Name: 'P', Type: 'Text' }], Steps: [] })).toThrow('def.json: Parameters[0].Type: expected String, Integer, Float or Boolean, got "Text"');
    expect(() => parseDefinitionText('{"Steps": [', 'def.json')).toThrow(/^def\.json: not JSON: /);
    const condition = (c: any) => ({ Steps: [{ Name: 'C', Type: 'Condition', Arguments: { Conditions: [{ Type: 'Not', Condition: c }] } }] });
    expect(bad(condition({ Type: 'Between', LeftValue: 1, RightValue: 2 })))
      .toThrow('def.json: Steps[0].Arguments.Conditions[0].Condition.Type: expected one of Equals, GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo, In, Not, Or, got "Between"');
    expect(bad(condition({ Type: 'Or', Conditions: [{ Type: 'Equals', LeftValue: 1 }] })))
      .toThrow('def.json: Steps[0].Arguments.Conditions[0].Condition.Conditions[0]: expected a Equals condition with LeftValue and RightValue');
  });

  test('a DescribePipeline response is read through its PipelineDefinition', () => {
    const described = JSON.stringify({ PipelineName: 'x', PipelineDefinition: JSON.stringify(fixture('unknown-step-type')) });
    expect(parseDefinitionText(described).Steps[1].Name).toBe('Deploy');
  });

  test('a DescribePipeline response gives the pipeline\'s name and role as well', () => {
    const read = readPipelineSource(JSON.stringify({
      PipelineName: 'churn', RoleArn: 'arn:aws:iam::111122223333:role/PipelineRole', PipelineDefinition: JSON.stringify(fixture('seed-pipeline')),
    }), 'described.json');
    expect(read.kind).toBe('describe-pipeline');
    const result = importDefinition(read.definition, { className: 'ChurnStack', pipelineName: read.pipelineName, pipelineRoleArn: read.roleArn });
    expect(result.source).toContain("pipelineName: 'churn'");
    expect(result.source).toMatch(/fromRoleArn\(\s*this,\s*'Role',\s*'arn:aws:iam::111122223333:role\/PipelineRole'/);
  });

  test('a CloudFormation template (JSON): the pipeline picked by --pipeline, its bucket created by the generated stack, other values parameters', () => {
    // A template this library synthesized: two pipelines, the definition a Fn::Join over the artifact bucket's Ref.
    const app = new App();
    const stack = new Stack(app, 'Source', { env: { account: '111122223333', region: 'us-east-1' } });
    const prep = new lib.ProcessingStepConstruct(stack, 'Prep', {
      image: lib.ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/prep:1'),
      outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }], // its default location names the artifact bucket
    });
    const source = new lib.MlPipeline(stack, 'Churn', { pipelineName: 'churn', steps: [prep] });
    new lib.MlPipeline(stack, 'Other', { pipelineName: 'other', steps: [new lib.FailStepConstruct(stack, 'Halt', { errorMessage: 'halt' })] });
    const template = app.synth().getStackByName('Source').template;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-template-'));
    const file = path.join(dir, 'Source.template.json');
    fs.writeFileSync(file, JSON.stringify(template));
    const errors: string[] = [];
    expect(main(['import', file], () => undefined, (e) => errors.push(e))).toBe(1);
    expect(errors.join('')).toMatch(/the template has 2 pipelines: .*\(churn\), .*\(other\); pick one with --pipeline <logical ID or name>/);
    const out = path.join(OUT_DIR, 'from-template.ts');
    expect(main(['import', file, '--pipeline', 'churn', '--out', out, '--class', 'FromTemplateStack'], () => undefined, () => undefined)).toBe(0);
    const fromTemplate = fs.readFileSync(out, 'utf-8');
    expect(fromTemplate).toContain("pipelineName: 'churn'");
    // The role (Fn::GetAtt) of the source template is a parameter; its bucket (Ref of an AWS::S3::Bucket) a bucket the
    // generated stack creates, the pipeline's artifact bucket, named in the definition through bucketName.
    expect(fromTemplate).toMatch(/new CfnParameter\(this, 'ChurnRole[A-Z0-9]+Arn', \{/);
    expect(fromTemplate).toMatch(/const churnArtifactBucket = new s3\.Bucket\(this, 'ChurnArtifactBucket', \{/);
    expect(fromTemplate).toContain('artifactBucket: churnArtifactBucket,');
    expect(fromTemplate).not.toMatch(/new CfnParameter\(this, 'ChurnArtifactBucket/);
    expect(fromTemplate).toMatch(/fromRoleArn\(this, 'Role', [a-zA-Z0-9]+Value\.valueAsString, \{ mutable: false \}\)/);
    expect(typeErrors([out])).toEqual([]);
    // It synthesizes: the same definition, the source's values in place of its own.
    const output = synthesize(fromTemplate, 'FromTemplateStack');
    const input = definitionsOf(stack).find((d) => d.Steps[0].Name === 'Prep');
    expect(source.node.id).toBe('Churn');
    const sameBut = (d: any) => JSON.parse(JSON.stringify(d).replace(/<<(Ref|GetAtt):[A-Za-z0-9.]+>>/g, '<value>'));
    expect(differences(sameBut(input), sameBut(output))).toEqual([]);
  });

  test('a CloudFormation template in YAML (short forms), and a definition in S3 the template does not hold', () => {
    const body = JSON.stringify(fixture('unknown-step-type'));
    const yaml = [
      'Resources:',
      '  Role:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: sagemaker.amazonaws.com }, Action: sts:AssumeRole }] }',
      '  Endpoints:',
      '    Type: AWS::SageMaker::Pipeline',
      '    Properties:',
      '      PipelineName: endpoints',
      '      RoleArn: !GetAtt Role.Arn',
      '      PipelineDefinition:',
      `        PipelineDefinitionBody: '${body.replace(/'/g, "''")}'`,
    ].join('\n');
    const read = readPipelineSource(yaml, 'template.yaml');
    expect(read.kind).toBe('template');
    expect(read.pipelineName).toBe('endpoints');
    expect(read.roleArn).toBe('@@cfn:RoleArn@@');
    expect(read.cfnValues).toEqual({ RoleArn: '{"Fn::GetAtt":"Role.Arn"}' });
    expect(read.definition.Steps[1].Name).toBe('Deploy');
    const s3 = JSON.stringify({ Resources: { P: { Type: 'AWS::SageMaker::Pipeline', Properties: { PipelineDefinition: { PipelineDefinitionS3Location: { Bucket: 'b', Key: 'k' } } } } } });
    expect(() => readPipelineSource(s3, 't.json')).toThrow(/t.json: P: the definition is in S3 \(PipelineDefinitionS3Location\), which the template does not hold/);
  });

  test('the command writes the stack and prints the summary; bad input exits 1 with the error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-cli-'));
    const out = path.join(dir, 'my-pipeline-stack.ts');
    const errors: string[] = [];
    expect(main(['import', path.join(FIXTURES, 'unknown-step-type.json'), '--out', out], () => undefined, (s) => errors.push(s))).toBe(0);
    expect(fs.readFileSync(out, 'utf-8')).toContain('export class MyPipelineStack extends Stack {');
    expect(errors.join('')).toContain('CustomStepConstruct (escape hatch');
    expect(errors.join('')).toContain(`wrote ${out}: class MyPipelineStack; 1 step(s) with an escape hatch`);

    const malformed = path.join(dir, 'bad.json');
    fs.writeFileSync(malformed, JSON.stringify({ Steps: [{ Name: 'X', Type: 'Fail', Arguments: [] }] }));
    const messages: string[] = [];
    expect(main(['import', malformed], () => undefined, (s) => messages.push(s))).toBe(1);
    expect(messages.join('')).toBe(`error: ${malformed}: Steps[0].Arguments: expected an object, got []\n`);
    expect(main(['export', malformed], () => undefined, () => undefined)).toBe(2);
    expect(main(['import'], () => undefined, () => undefined)).toBe(2);
  });

  test('--help prints the usage and exits 0; "-" reads the definition from standard input', () => {
    for (const args of [['--help'], ['import', '--help'], ['-h']]) {
      const printed: string[] = [];
      expect(main(args, (s) => printed.push(s), () => undefined)).toBe(0);
      expect(printed.join('')).toMatch(/^usage: cdk-sagemaker-pipelines import <file \| -> /);
    }
    const cli = path.join(ROOT, 'src', 'import', 'cli.ts');
    const run = spawnSync(process.execPath, ['-r', path.join(ROOT, 'examples', 'register.js'), cli, 'import', '-', '--class', 'FromStdinStack'], {
      input: fs.readFileSync(path.join(FIXTURES, 'unknown-step-type.json'), 'utf-8'), encoding: 'utf-8', cwd: ROOT,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('export class FromStdinStack extends Stack {');
  });

  test('readable names: a repeated part reads once, a leading acronym in lower case', () => {
    const definition = {
      Version: '2020-12-01',
      Steps: [
        { Name: 'HPTuning', Type: 'Fail', Arguments: { ErrorMessage: 'x' } },
        { Name: 'CreateModel-CreateModel', Type: 'Fail', Arguments: { ErrorMessage: 'y' } },
        { Name: 'Churn-RegisterModel', Type: 'Fail', Arguments: { ErrorMessage: 'z' } },
      ],
    };
    const { source } = importDefinition(definition, { className: 'NamesStack', fileName: 'names.json' });
    expect(source).toContain("const hpTuning = new FailStepConstruct(this, 'HPTuning'");
    expect(source).toContain("const createModel = new FailStepConstruct(this, 'CreateModel-CreateModel'");
    expect(source).toContain("const churnRegisterModel = new FailStepConstruct(this, 'Churn-RegisterModel'");
  });
});
