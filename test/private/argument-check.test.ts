import * as fs from 'fs';
import * as path from 'path';
import { checkArguments, patternOf } from '../../src/private/argument-check';
import { PATTERN_WORDS } from '../../src/private/pattern-words';
import { ValueKind } from '../../src/values/pipeline-value';

const minimalProcessing = () => ({
  ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
  AppSpecification: { ImageUri: 'image' },
  RoleArn: 'arn:aws:iam::123456789012:role/r',
});
const refs = (get: string) => (get === 'Parameters.S' ? { kind: ValueKind.STRING, description: 'Parameters.S, a String parameter,' } : undefined);
const messages = (args: any, type = 'Processing') => checkArguments(type, args, refs).map((p) => `${p.path}: ${p.message}`);

describe('the API-shape check of step arguments', () => {
  test('accepts a minimal request, and does not check step types that are not API requests', () => {
    expect(messages(minimalProcessing())).toEqual([]);
    expect(messages({ anything: [1, 2] }, 'Lambda')).toEqual([]);
  });

  test('reports unknown and missing members', () => {
    const args: any = minimalProcessing();
    args.Bogus = 1;
    delete args.AppSpecification;
    expect(messages(args)).toEqual([
      'Arguments.Bogus: "Bogus" is not a member of CreateProcessingJobRequest',
      'Arguments: the required member "AppSpecification" of CreateProcessingJobRequest is missing',
    ]);
  });

  test('reports JSON types that do not match', () => {
    const args: any = minimalProcessing();
    args.ProcessingResources.ClusterConfig.InstanceCount = 1.5;
    args.ProcessingInputs = {};
    args.Environment = [];
    args.NetworkConfig = { EnableNetworkIsolation: 'yes' };
    args.AppSpecification.ImageUri = 7;
    expect(messages(args)).toEqual([
      'Arguments.ProcessingResources.ClusterConfig.InstanceCount: expected an integer (ProcessingInstanceCount), got 1.5',
      'Arguments.AppSpecification.ImageUri: expected a string (ImageUri), got 7',
      'Arguments.ProcessingInputs: expected a list (ProcessingInputs)',
      'Arguments.Environment: expected a map (ProcessingEnvironmentMap)',
      'Arguments.NetworkConfig.EnableNetworkIsolation: expected a boolean (Boolean), got "yes"',
    ]);
  });

  test('reports ranges, lengths and counts', () => {
    const args: any = minimalProcessing();
    args.ProcessingResources.ClusterConfig.InstanceCount = 101;
    args.ProcessingResources.ClusterConfig.VolumeSizeInGB = 0;
    args.AppSpecification.ContainerEntrypoint = [];
    args.AppSpecification.ImageUri = 'x'.repeat(256);
    expect(messages(args)).toEqual([
      'Arguments.ProcessingResources.ClusterConfig.InstanceCount: 101 is above the maximum 100 of ProcessingInstanceCount',
      'Arguments.ProcessingResources.ClusterConfig.VolumeSizeInGB: 0 is below the minimum 1 of ProcessingVolumeSizeInGB',
      'Arguments.AppSpecification.ImageUri: a string of 256 characters is longer than the 255 that ImageUri allows',
      'Arguments.AppSpecification.ContainerEntrypoint: 0 item(s) where ContainerEntrypoint needs at least 1',
    ]);
  });

  test('checks references by kind, and lets a function stand only for a scalar', () => {
    const args: any = minimalProcessing();
    args.ProcessingResources.ClusterConfig.InstanceCount = { Get: 'Parameters.S' };
    args.ProcessingResources.ClusterConfig.InstanceType = { 'Std:Join': { On: '', Values: ['ml.', 'm5.xlarge'] } };
    args.AppSpecification.ContainerArguments = { Get: 'Parameters.S' };
    args.AppSpecification.ImageUri = { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.A.PropertyFiles.R' }, Path: 'image' } };
    expect(messages(args)).toEqual([
      'Arguments.ProcessingResources.ClusterConfig.InstanceCount: Parameters.S, a String parameter, stands where SageMaker expects an integer '
        + '(ProcessingInstanceCount); SageMaker would refuse it ("Cannot assign property reference [Parameters.S] to argument of type [Integer]"): '
        + 'use PipelineParameter.ofInteger',
      'Arguments.AppSpecification.ContainerArguments: a pipeline function stands where SageMaker expects a list (ContainerArguments); '
        + 'a function can stand only for a string, number or boolean',
    ]);
  });

  test('suggests the nearest enum value', () => {
    const args: any = minimalProcessing();
    args.ProcessingResources.ClusterConfig.InstanceType = 'ml.c5.4xlarg';
    expect(messages(args)).toEqual([
      "Arguments.ProcessingResources.ClusterConfig.InstanceType: 'ml.c5.4xlarg' is not a valid ProcessingInstanceType; did you mean 'ml.c5.4xlarge'?",
    ]);
  });
});

describe('pattern errors say what is expected', () => {
  const data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'data', 'sagemaker-api-shapes.json'), 'utf-8'));
  const shapes: Record<string, any> = data.shapes ?? data;
  const patterns = [...new Set(Object.values(shapes).filter((s) => s?.pattern).map((s) => s.pattern as string))];

  test('every pattern of the API data has words and an example, and the example matches the pattern', () => {
    expect(patterns.length).toBeGreaterThan(40);
    expect(patterns.filter((p) => PATTERN_WORDS[p] === undefined)).toEqual([]);
    const mismatched = patterns.filter((p) => patternOf(p) !== null && !patternOf(p)!.test(PATTERN_WORDS[p].example));
    expect(mismatched).toEqual([]);
  });

  test('a model name with an underscore: the allowed characters and an example', () => {
    const args = { ModelName: 'my_model', ExecutionRoleArn: 'arn:aws:iam::123456789012:role/r', PrimaryContainer: { Image: 'i' } };
    expect(messages(args, 'Model').filter((m) => m.includes('my_model'))).toEqual([
      "Arguments.ModelName: 'my_model' does not match the pattern of ModelName: expected letters, digits and hyphens, starting and ending with a letter "
      + "or digit (no '_' or '.'), e.g. my-model ([a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?)",
    ]);
  });
});
