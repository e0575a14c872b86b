import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ContainerImage, MlPipeline, PipelineParameter, ProcessingCode, ProcessingStepConstruct, TrainingCode, TrainingStepConstruct,
  TuningStepConstruct,
} from '../src';
import { actionsOn, definitionOf, newStack, stepOf } from './util';

const SCRIPT = path.join(__dirname, 'fixtures', 'script.py');
const SKLEARN = ContainerImage.sklearn('1.2-1');
const CODE_DIR = '/opt/ml/processing/input/code';

/** A directory of files (relative path → content) in the system's temporary directory. */
function sourceDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-test-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

/** The files under a directory, relative paths sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => fs.readdirSync(d).forEach((n) => {
    const full = path.join(d, n);
    if (fs.statSync(full).isDirectory()) {
      walk(full);
    } else {
      out.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  });
  walk(dir);
  return out.sort();
}

/** The code upload of a step: its properties, and the directory of what it uploads in the cloud assembly. */
function codeUpload(stack: Stack, template: Template): { props: any; logicalId: string; stagedDir: string } {
  const uploads = template.findResources('Custom::CDKBucketDeployment');
  const entries = Object.entries<any>(uploads).filter(([, r]) => String(r.Properties.DestinationBucketKeyPrefix).startsWith('pipeline-code/'));
  expect(entries).toHaveLength(1);
  const [logicalId, resource] = entries[0];
  const key: string = resource.Properties.SourceObjectKeys[0];
  const stagedDir = path.join(Stage.of(stack)!.outdir, `asset.${key.replace(/\.zip$/, '')}`);
  return { props: resource.Properties, logicalId, stagedDir };
}

function pipelineResource(template: Template): any {
  return Object.values<any>(template.findResources('AWS::SageMaker::Pipeline'))[0];
}

function roleStatements(template: Template): any[] {
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes('PRole'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('ProcessingCode.fromAsset', () => {
  test('the script runs under its own name: uploaded to pipeline-code/<hash>/script.py of the artifact bucket, as the SDK runs it', () => {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: SKLEARN, code: ProcessingCode.fromAsset(SCRIPT), arguments: ['--rows', '10'] });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    const args = stepOf(definitionOf(pipeline), 'Prep').Arguments;
    expect(args.AppSpecification.ContainerEntrypoint).toEqual(['python3', `${CODE_DIR}/script.py`]);
    expect(args.AppSpecification.ContainerArguments).toEqual(['--rows', '10']);
    const code = args.ProcessingInputs.find((i: any) => i.InputName === 'code');
    const bucketRef = `<<Ref:${stack.getLogicalId(pipeline.artifactBucket.node.defaultChild as s3.CfnBucket)}>>`;
    expect(code.S3Input).toEqual({
      S3Uri: expect.stringMatching(new RegExp(`^s3://${bucketRef}/pipeline-code/[0-9a-f]{32}/script\\.py$`)),
      LocalPath: CODE_DIR,
      S3DataType: 'S3Prefix',
      S3InputMode: 'File',
      S3DataDistributionType: 'FullyReplicated',
    });
    const prefix = code.S3Input.S3Uri.slice(`s3://${bucketRef}/`.length).replace(/script\.py$/, '');

    const template = Template.fromStack(stack);
    const upload = codeUpload(stack, template);
    expect(upload.props).toMatchObject({
      DestinationBucketName: { Ref: stack.getLogicalId(pipeline.artifactBucket.node.defaultChild as s3.CfnBucket) },
      DestinationBucketKeyPrefix: prefix,
      Prune: false,
      RetainOnDelete: true,
    });
    // What is uploaded is the script alone, under its name (the deployment unpacks it at the prefix).
    expect(filesUnder(upload.stagedDir)).toEqual(['script.py']);
    expect(fs.readFileSync(path.join(upload.stagedDir, 'script.py'), 'utf-8')).toBe(fs.readFileSync(SCRIPT, 'utf-8'));
    // The pipeline is created (and updated) once the script is in place.
    expect(pipelineResource(template).DependsOn).toContain(upload.logicalId);
    // The role reads exactly that object, and may list exactly its key.
    const statements = roleStatements(template);
    const bucketArn = { 'Fn::GetAtt': [stack.getLogicalId(pipeline.artifactBucket.node.defaultChild as s3.CfnBucket), 'Arn'] };
    expect(actionsOn(statements, { 'Fn::Join': ['', [bucketArn, `/${prefix}script.py`]] })).toContain('s3:GetObject');
    expect(actionsOn(statements, bucketArn, { StringLike: { 's3:prefix': [`${prefix}script.py`] } })).toEqual(['s3:ListBucket']);
  });

  test('the prefix is the hash of the name and content: the same script is the same key in another app, a changed one a new key', () => {
    const prefixOf = (file: string) => {
      const stack = newStack();
      const step = new ProcessingStepConstruct(stack, 'Prep', { image: SKLEARN, code: ProcessingCode.fromAsset(file) });
      new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
      return codeUpload(stack, Template.fromStack(stack)).props.DestinationBucketKeyPrefix;
    };
    const dir = sourceDir({ 'script.py': fs.readFileSync(SCRIPT, 'utf-8') });
    expect(prefixOf(path.join(dir, 'script.py'))).toBe(prefixOf(SCRIPT));
    fs.appendFileSync(path.join(dir, 'script.py'), '\nprint("changed")\n');
    expect(prefixOf(path.join(dir, 'script.py'))).not.toBe(prefixOf(SCRIPT));
  });

  test('one code object in two steps of a pipeline is uploaded once', () => {
    const stack = newStack();
    const code = ProcessingCode.fromAsset(SCRIPT);
    const a = new ProcessingStepConstruct(stack, 'A', { image: SKLEARN, code });
    const b = new ProcessingStepConstruct(stack, 'B', { image: SKLEARN, code });
    const def = definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [a, b] }));
    const uri = (name: string) => stepOf(def, name).Arguments.ProcessingInputs[0].S3Input.S3Uri;
    expect(uri('A')).toBe(uri('B'));
    expect(codeUpload(stack, Template.fromStack(stack)).props.DestinationBucketKeyPrefix).toMatch(/^pipeline-code\//);
  });

  test('fails when the path is a directory, naming fromDirectory', () => {
    expect(() => ProcessingCode.fromAsset(path.dirname(SCRIPT))).toThrow(/is not a file; .*ProcessingCode\.fromDirectory\(directory, entryPoint\)/);
  });
});

describe('ProcessingCode.fromDirectory', () => {
  const files = {
    'preprocess.py': [
      'import json, os, sys',
      'from helpers.features import scale',
      'print(json.dumps({"scaled": scale([1, 2]), "argv": sys.argv[1:], "cwd": os.path.basename(os.getcwd()), "file": os.path.basename(__file__)}))',
      '',
    ].join('\n'),
    'helpers/__init__.py': '',
    'helpers/features.py': 'def scale(xs):\n    return [x * 10 for x in xs]\n',
    // Already satisfied wherever Python has pip, so installing it needs no network in the test.
    'requirements.txt': 'pip>=20\n',
    'helpers/__pycache__/features.cpython-311.pyc': 'compiled',
    'notes.pyc': 'compiled',
  };

  function render(code: ProcessingCode, extra: Partial<ConstructorParameters<typeof ProcessingStepConstruct>[2]> = {}) {
    const stack = newStack();
    const step = new ProcessingStepConstruct(stack, 'Prep', { image: SKLEARN, code, ...extra });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    const args = stepOf(definitionOf(pipeline), 'Prep').Arguments;
    return { stack, pipeline, args, template: Template.fromStack(stack) };
  }

  test('ships the directory (helpers, requirements; no caches) and runs the entry point from it after pip install', () => {
    const dir = sourceDir(files);
    const { stack, args, template } = render(ProcessingCode.fromDirectory(dir, 'preprocess.py'), { arguments: ['--rows', '100'] });
    const upload = codeUpload(stack, template);
    expect(filesUnder(upload.stagedDir)).toEqual(['helpers/__init__.py', 'helpers/features.py', 'preprocess.py', 'requirements.txt']);
    const code = args.ProcessingInputs.find((i: any) => i.InputName === 'code');
    expect(code.S3Input.S3Uri).toMatch(new RegExp(`/${upload.props.DestinationBucketKeyPrefix}$`));
    expect(code.S3Input.S3DataType).toBe('S3Prefix');
    expect(args.AppSpecification.ContainerEntrypoint).toEqual([
      '/bin/bash', '-c', `cd ${CODE_DIR} && python3 -m pip install -r requirements.txt && exec python3 preprocess.py "$@"`, 'preprocess.py',
    ]);
    expect(args.AppSpecification.ContainerArguments).toEqual(['--rows', '100']);

    // What the container does: the uploaded files at the code directory (a temporary one standing for it), the
    // entrypoint run with the step's arguments after it, as the container runtime runs them.
    const container = fs.mkdtempSync(path.join(os.tmpdir(), 'container-'));
    fs.cpSync(upload.stagedDir, container, { recursive: true });
    const [shell, flag, command, name] = args.AppSpecification.ContainerEntrypoint;
    const out = execFileSync(shell, [flag, command.replace(CODE_DIR, container), name, ...args.AppSpecification.ContainerArguments], {
      encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'],
    });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toEqual({ scaled: [10, 20], argv: ['--rows', '100'], cwd: path.basename(container), file: 'preprocess.py' });
  });

  test('without a requirements file the entry point runs directly; the role reads the prefix only', () => {
    const dir = sourceDir({ 'jobs/prep.py': 'print(1)\n', 'lib.py': '' });
    const { stack, pipeline, args, template } = render(ProcessingCode.fromDirectory(dir, 'jobs/prep.py'));
    expect(args.AppSpecification.ContainerEntrypoint).toEqual(['python3', `${CODE_DIR}/jobs/prep.py`]);
    const prefix = codeUpload(stack, template).props.DestinationBucketKeyPrefix;
    const bucketArn = { 'Fn::GetAtt': [stack.getLogicalId(pipeline.artifactBucket.node.defaultChild as s3.CfnBucket), 'Arn'] };
    const statements = roleStatements(template);
    expect(actionsOn(statements, { 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] })).toContain('s3:GetObject');
    expect(actionsOn(statements, bucketArn, { StringLike: { 's3:prefix': [`${prefix}*`] } })).toEqual(['s3:ListBucket']);
  });

  test('a requirements file of another name, and exclude patterns of the user\'s', () => {
    const dir = sourceDir({ 'run.sh': 'echo hi\n', 'deps/reqs.txt': 'pip\n', 'data/big.csv': 'x' });
    const { stack, args, template } = render(ProcessingCode.fromDirectory(dir, 'run.sh', { requirementsFile: 'deps/reqs.txt', exclude: ['data'] }));
    expect(args.AppSpecification.ContainerEntrypoint[2]).toBe(`cd ${CODE_DIR} && python3 -m pip install -r deps/reqs.txt && exec bash run.sh "$@"`);
    expect(filesUnder(codeUpload(stack, template).stagedDir)).toEqual(['deps/reqs.txt', 'run.sh']);
  });

  test('fails when the entry point is not a file of the directory, listing its files', () => {
    const dir = sourceDir({ 'main.py': '' });
    expect(() => ProcessingCode.fromDirectory(dir, 'preprocess.py')).toThrow(/entry point 'preprocess\.py' is not a file of '.*' \(after exclude\); expected a path relative to the directory, one of: main\.py/);
    expect(() => ProcessingCode.fromDirectory(dir, '../main.py')).toThrow(/entry point '\.\.\/main\.py' is not a relative path inside the code/);
    expect(() => ProcessingCode.fromDirectory(SCRIPT, 'script.py')).toThrow(/is not a directory/);
  });

  test('fails when the requirements file is missing, or a name the command line cannot carry', () => {
    const dir = sourceDir({ 'main.py': '', 'my reqs.txt': '' });
    expect(() => ProcessingCode.fromDirectory(dir, 'main.py', { requirementsFile: 'reqs.txt' })).toThrow(/requirementsFile 'reqs\.txt' is not a file of/);
    expect(() => ProcessingCode.fromDirectory(dir, 'main.py', { requirementsFile: 'my reqs.txt' })).toThrow(/requirementsFile 'my reqs\.txt' is run by a shell command line/);
  });

  test('fails when requirements must be installed in a network-isolated container', () => {
    const dir = sourceDir({ 'main.py': '', 'requirements.txt': 'pandas\n' });
    expect(() => render(ProcessingCode.fromDirectory(dir, 'main.py'), { network: { enableNetworkIsolation: true } }))
      .toThrow(/Prep: the step's code installs requirements\.txt with pip before it runs, but network isolation leaves the container without network access/);
  });
});

describe('TrainingCode (script mode)', () => {
  const trainFiles = { 'train.py': 'import model\n', 'model.py': 'X = 1\n', 'requirements.txt': 'xgboost\n', '__pycache__/model.cpython-311.pyc': 'c' };

  function renderTraining(code: TrainingCode, hyperparameters: Record<string, any>) {
    const stack = newStack();
    const step = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1'), code, hyperparameters });
    const pipeline = new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] });
    return { stack, pipeline, args: stepOf(definitionOf(pipeline), 'Train').Arguments, template: Template.fromStack(stack) };
  }

  /** The archive an asset URI names, from the cloud assembly. */
  function archiveOf(stack: Stack, uri: string): string {
    const hash = uri.split('/').pop()!.split('.')[0];
    const outdir = Stage.of(stack)!.outdir;
    return path.join(outdir, fs.readdirSync(outdir).find((f) => f.startsWith(`asset.${hash}`))!);
  }

  test('renders the SDK\'s script-mode hyperparameters, JSON-encoded, with the source directory as a tar.gz asset', () => {
    const threshold = PipelineParameter.ofFloat('Eta', { defaultValue: 0.2 });
    const { stack, args, template } = renderTraining(TrainingCode.fromDirectory(sourceDir(trainFiles), 'train.py'), {
      objective: 'binary:logistic', num_round: 50, eta: threshold.valueAsNumber, verbose: true,
    });
    const hp = args.HyperParameters;
    expect(hp).toEqual({
      objective: '"binary:logistic"',
      num_round: '50',
      eta: { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.Eta' }] } },
      verbose: 'true',
      sagemaker_program: '"train.py"',
      sagemaker_submit_directory: expect.stringMatching(/^"s3:\/\/cdk-hnb659fds-assets-123456789012-us-east-1\/[0-9a-f]{64}\.gz"$/),
      sagemaker_container_log_level: '20',
      sagemaker_region: '"us-east-1"',
    });
    // The archive is what the training toolkit unpacks (Python's tarfile reads it): the directory's files, no caches.
    const archive = archiveOf(stack, JSON.parse(hp.sagemaker_submit_directory));
    const names = execFileSync('python3', ['-c', 'import json,sys,tarfile; print(json.dumps(sorted(tarfile.open(sys.argv[1], "r:gz").getnames())))', archive], { encoding: 'utf-8' });
    expect(JSON.parse(names)).toEqual(['model.py', 'requirements.txt', 'train.py']);
    // The role reads exactly that object.
    const key = JSON.parse(hp.sagemaker_submit_directory).split('/').pop();
    const statements = roleStatements(template);
    expect(actionsOn(statements, 'arn:aws:s3:::cdk-hnb659fds-assets-123456789012-us-east-1/' + key)).toContain('s3:GetObject');
  });

  test('the archive is the same bytes for the same files (a redeploy uploads nothing), and changes with them', () => {
    const uriOf = (dir: string) => renderTraining(TrainingCode.fromDirectory(dir, 'train.py'), {}).args.HyperParameters.sagemaker_submit_directory;
    const a = sourceDir(trainFiles);
    const b = sourceDir(trainFiles);
    fs.utimesSync(path.join(b, 'train.py'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(uriOf(a)).toBe(uriOf(b));
    fs.writeFileSync(path.join(b, 'model.py'), 'X = 2\n');
    expect(uriOf(a)).not.toBe(uriOf(b));
  });

  test('a single script, and an archive already in S3', () => {
    const single = renderTraining(TrainingCode.fromAsset(SCRIPT), {}).args.HyperParameters;
    expect(single.sagemaker_program).toBe('"script.py"');
    const { args } = renderTraining(TrainingCode.fromS3Uri('s3://code-bucket/train/sourcedir.tar.gz', 'entry.py'), { depth: 'deep' });
    expect(args.HyperParameters).toMatchObject({
      depth: '"deep"',
      sagemaker_program: '"entry.py"',
      sagemaker_submit_directory: '"s3://code-bucket/train/sourcedir.tar.gz"',
    });
  });

  test('without code, hyperparameters stay plain strings (built-in algorithm mode)', () => {
    const stack = newStack();
    const step = new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1'), hyperparameters: { objective: 'binary:logistic', num_round: 50 } });
    const args = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] })), 'Train').Arguments;
    expect(args.HyperParameters).toEqual({ objective: 'binary:logistic', num_round: '50' });
  });

  test('a tuning step in script mode: static hyperparameters and categorical values JSON-encoded', () => {
    const stack = newStack();
    const step = new TuningStepConstruct(stack, 'Tune', {
      image: ContainerImage.xgboost('1.7-1'),
      code: TrainingCode.fromS3Uri('s3://code-bucket/sourcedir.tar.gz', 'train.py'),
      hyperparameters: { objective: 'binary:logistic' },
      categoricalRanges: [{ name: 'booster', values: ['gbtree', 'dart'] }],
      objectiveMetricName: 'validation:auc',
      maxTrainingJobs: 4,
    });
    const args = stepOf(definitionOf(new MlPipeline(stack, 'P', { pipelineName: 'P', steps: [step] })), 'Tune').Arguments;
    expect(args.TrainingJobDefinition.StaticHyperParameters).toMatchObject({ objective: '"binary:logistic"', sagemaker_program: '"train.py"' });
    expect(args.HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges).toEqual([{ Name: 'booster', Values: ['"gbtree"', '"dart"'] }]);
  });

  test('fails when a script-mode hyperparameter is set by hand, or the entry point is not in the directory', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new TrainingStepConstruct(stack, 'Train', {
      image: ContainerImage.xgboost('1.7-1'),
      code: TrainingCode.fromS3Uri('s3://b/sourcedir.tar.gz', 'train.py'),
      hyperparameters: { sagemaker_program: 'other.py' },
    })).toThrow(/S\/Train: hyperparameters 'sagemaker_program' are set by the step's code \(script mode\)/);
    expect(() => TrainingCode.fromDirectory(sourceDir({ 'a.py': '' }), 'train.py')).toThrow(/entry point 'train\.py' is not a file of/);
    expect(() => TrainingCode.fromS3Uri('s3://b/', 'train.py')).toThrow(/is not the URI of a source archive; expected s3:\/\/<bucket>\/<key>/);
  });
});
