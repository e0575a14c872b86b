import * as fs from 'fs';
import * as path from 'path';
import { ContainerImage, InstanceType, ProcessingStepConstruct, TrainingStepConstruct, TransformStepConstruct } from '../src';
import { newStack } from './util';

const shapes = (() => {
  const data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'src', 'data', 'sagemaker-api-shapes.json'), 'utf-8'));
  return data.shapes ?? data;
})();
const source = fs.readFileSync(path.join(__dirname, '..', 'src', 'instance-type.ts'), 'utf-8');

describe('InstanceType', () => {
  test('a constant for every value of the processing, training and transform enums, documented with the job kinds that take it', () => {
    const names = new Set<string>([
      ...shapes.ProcessingInstanceType.enum, ...shapes.TrainingInstanceType.enum, ...shapes.TransformInstanceType.enum,
    ]);
    for (const name of names) {
      const constant = name.replace(/^ml\./, 'ML_').replace(/[.-]/g, '_').toUpperCase();
      expect((InstanceType as any)[constant]?.toString()).toBe(name);
    }
    expect(names.size).toBeGreaterThan(200);
    expect(source).toContain('/** ml.p4d.24xlarge: training jobs. */');
    expect(source).toContain('/** ml.m5.xlarge: processing, training and transform jobs. */');
    expect(source).toContain('/** ml.t3.medium: processing and training jobs. */');
  });

  test('the committed file is what the generator writes from the data', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require('child_process');
    const before = source;
    const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'generate-instance-types.js')], { encoding: 'utf-8' });
    expect(run.status).toBe(0);
    expect(fs.readFileSync(path.join(__dirname, '..', 'src', 'instance-type.ts'), 'utf-8')).toBe(before);
  });

  test('fails when a known type does not run the job kind, naming what it runs; a string through InstanceType.of is checked the same', () => {
    const stack = newStack();
    expect(() => new ProcessingStepConstruct(stack, 'P', { image: ContainerImage.sklearn('1.2-1'), instanceType: InstanceType.ML_P4D_24XLARGE }))
      .toThrow("TestStack/P: instanceType ml.p4d.24xlarge does not run processing jobs (the API's ProcessingInstanceType); it runs training jobs. "
        + 'Choose a processing instance type, e.g. ml.m5.xlarge');
    expect(() => new TransformStepConstruct(stack, 'T', { modelName: 'm', input: { s3Uri: 's3://b-bucket/in' }, instanceType: InstanceType.of('ml.t3.medium') }))
      .toThrow("TestStack/T: instanceType ml.t3.medium does not run transform jobs (the API's TransformInstanceType); it runs processing and training jobs.");
    // Training takes it; a parameter's token and an unknown name are left to the definition's API-shape check.
    expect(() => new TrainingStepConstruct(stack, 'Train', { image: ContainerImage.xgboost('1.7-1'), instanceType: InstanceType.ML_P4D_24XLARGE })).not.toThrow();
    expect(() => new ProcessingStepConstruct(stack, 'P2', { image: ContainerImage.sklearn('1.2-1'), instanceType: InstanceType.of('ml.future.xlarge') })).not.toThrow();
  });
});
