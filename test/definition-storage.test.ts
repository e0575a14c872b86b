import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ContainerImage, DefinitionStorage, FailStepConstruct, MAX_DEFINITION_LENGTH,
  MAX_TEMPLATE_BYTES, MlPipeline, MlPipelineProps, ProcessingStepConstruct, TrainingStepConstruct,
} from '../src';
import { chainSteps } from './fixtures/chain';
import { actionsOn, definitionOf, newStack } from './util';
import { measureDefinition, measureMarkedDefinition } from '../src/private/definition-size';
import { renderWithMarkers } from '../src/private/definition-source';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { extractFromTemplate, parseWithPlaceholders, placeholder } = require('../scripts/extract-definitions');

const IMAGE = ContainerImage.fromUri('123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1');

/** The definition the template would carry inline, with CloudFormation values as CI's placeholders. */
function inlineRendering(pipeline: MlPipeline): any {
  const stack = Stack.of(pipeline);
  return parseWithPlaceholders(placeholder(stack.resolve(stack.toJsonString(pipeline.renderDefinition()))));
}

function templateBytes(stack: Stack): number {
  return fs.statSync(path.join(Stage.of(stack)!.outdir, stack.templateFile)).size;
}

function pipelineIn(stack: Stack, props: MlPipelineProps): MlPipeline {
  return new MlPipeline(stack, 'P', { pipelineName: 'P', ...props });
}

describe('where the definition goes', () => {
  test('a small pipeline stays inline by default, and nothing is uploaded', () => {
    const stack = newStack();
    pipelineIn(stack, { steps: chainSteps(stack, 5) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', { PipelineDefinition: { PipelineDefinitionBody: Match.anyValue() } });
    template.resourceCountIs('Custom::CDKBucketDeployment', 0);
  });

  test('S3: the artifact bucket holds the definition under a key that is its hash; the pipeline waits for the upload', () => {
    const stack = newStack();
    const pipeline = pipelineIn(stack, { steps: chainSteps(stack, 5), definitionStorage: DefinitionStorage.S3 });
    const template = Template.fromStack(stack);
    const location = Object.values<any>(template.findResources('AWS::SageMaker::Pipeline'))[0].Properties.PipelineDefinition.PipelineDefinitionS3Location;
    expect(location).toEqual({ Bucket: { Ref: expect.stringMatching(/^PArtifactBucket/) }, Key: expect.stringMatching(/^pipeline-definitions\/TestStack-P-[0-9A-F]+\/[0-9a-f]{32}\.json$/) });
    expect(stack.resolve(pipeline.definitionS3Location)).toEqual({ bucketName: location.Bucket, objectKey: location.Key });
    const uploads = template.findResources('Custom::CDKBucketDeployment');
    const [uploadId, upload] = Object.entries<any>(uploads)[0];
    expect(upload.Properties).toMatchObject({
      DestinationBucketName: location.Bucket,
      DestinationBucketKeyPrefix: location.Key.slice(0, location.Key.lastIndexOf('/') + 1),
      Prune: true,
      SourceMarkersConfig: [{ jsonEscape: true }],
    });
    const pipelineResource = Object.values<any>(template.findResources('AWS::SageMaker::Pipeline'))[0];
    expect(pipelineResource.DependsOn).toEqual(expect.arrayContaining([uploadId]));
    // The uploaded JSON, with its deploy-time values put in, is the inline rendering.
    expect(definitionOf(pipeline)).toEqual(inlineRendering(pipeline));
  });

  test('the key changes with the definition and only with it', () => {
    const keyOf = (errorMessage: string) => {
      const stack = newStack();
      pipelineIn(stack, { steps: [new FailStepConstruct(stack, 'F', { errorMessage })], definitionStorage: DefinitionStorage.S3 });
      return Object.values<any>(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline'))[0]
        .Properties.PipelineDefinition.PipelineDefinitionS3Location.Key;
    };
    expect(keyOf('a')).toBe(keyOf('a'));
    expect(keyOf('a')).not.toBe(keyOf('b'));
  });

  test('CloudFormation values of every kind are put in at deploy time: a number parameter, role, bucket and image mapping', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const count = new CfnParameter(stack, 'InstanceCount', { type: 'Number', default: 1 });
    const train = new TrainingStepConstruct(stack, 'Train', {
      image: ContainerImage.xgboost('1.7-1'),
      instanceCount: count.valueAsNumber,
      hyperparameters: { rounds: count.valueAsNumber },
    });
    const pipeline = pipelineIn(stack, { steps: [train], definitionStorage: DefinitionStorage.S3 });
    // Read without the schema check: a CloudFormation number stands for an integer that is known only at deploy time.
    const template = Template.fromStack(stack).toJSON();
    const [{ definition }] = extractFromTemplate(path.join(Stage.of(stack)!.outdir, stack.templateFile), template);
    expect(definition).toEqual(inlineRendering(pipeline));
    const args = definition.Steps[0].Arguments;
    expect(args.ResourceConfig.InstanceCount).toBe('<<Ref:InstanceCount>>');
    expect(args.AlgorithmSpecification.TrainingImage).toMatch(/<<FindInMap>>/);
    expect(args.RoleArn).toMatch(/^<<GetAtt:PRole[0-9A-F]+\.Arn>>$/);
  });

  test('a bucket of the user gets the definition; the role may read it; a KMS key encrypts it as it encrypts the bucket', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Definitions', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
    const pipeline = pipelineIn(stack, { steps: chainSteps(stack, 3), definitionStorage: DefinitionStorage.S3, definitionBucket: bucket });
    const template = Template.fromStack(stack);
    const pipelineResource = Object.values<any>(template.findResources('AWS::SageMaker::Pipeline'))[0];
    expect(pipelineResource.Properties.PipelineDefinition.PipelineDefinitionS3Location.Bucket).toEqual(stack.resolve(bucket.bucketName));
    const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('PRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const prefix = stack.resolve(pipeline.definitionS3Location!.objectKey).replace(/[0-9a-f]{32}\.json$/, '');
    expect(actionsOn(statements, { 'Fn::Join': ['', [stack.resolve(bucket.bucketArn), `/${prefix}*`]] })).toEqual(
      expect.arrayContaining(['s3:GetObject*']));
    // The upload's handler may use the key (aws-s3-deployment grants it with the bucket).
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toMatch(/CustomCDKBucketDeployment.*kms:GenerateDataKey/s);
  });

  test('definitionBucket with INLINE is a contradiction', () => {
    const stack = newStack();
    expect(() => pipelineIn(stack, { definitionStorage: DefinitionStorage.INLINE, definitionBucket: new s3.Bucket(stack, 'B') }))
      .toThrow('TestStack/P: definitionBucket is given, but definitionStorage is INLINE');
  });
});

describe('sizes and limits', () => {
  test('deploy-time values are bounded by what they are, not by a flat length', () => {
    const stack = newStack();
    const pipeline = pipelineIn(stack, { steps: [new FailStepConstruct(stack, 'F', { errorMessage: 'x' })] });
    const plain = pipeline.definitionSize();
    expect(plain.minLength).toBe(plain.maxLength);
    const stack2 = newStack();
    const train = new TrainingStepConstruct(stack2, 'Train', { image: IMAGE });
    const withRole = pipelineIn(stack2, { steps: [train] }).definitionSize();
    // The role ARN (arn:<partition>:iam::<account>:role/<name of 1-64>) and the artifact bucket's name (3-63) for the
    // output path: their ranges, not 2 x 128.
    expect(withRole.maxLength - withRole.minLength).toBe((10 - 3) + (64 - 1) + (63 - 3));
  });

  test('INLINE: a definition that takes more than half the template warns; one that CloudFormation or SageMaker refuses fails', () => {
    const build = (steps: number) => {
      const stack = newStack();
      const environment: Record<string, string> = {};
      for (let i = 0; i < 100; i++) environment[`V${i}`] = 'v'.repeat(250);
      const all = Array.from({ length: steps }, (_, i) => new ProcessingStepConstruct(stack, `S${i}`, { image: IMAGE, environment }));
      return { stack, pipeline: pipelineIn(stack, { steps: all, definitionStorage: DefinitionStorage.INLINE }) };
    };
    const half = build(25);
    expect(half.pipeline.definitionSize().templateBytes).toBeGreaterThan(MAX_TEMPLATE_BYTES / 2);
    Annotations.fromStack(half.stack).hasWarning('/TestStack/P', Match.stringLikeRegexp(
      '^the pipeline definition takes \\d+ bytes of the template, which CloudFormation takes up to 1000000 bytes in all: store it in S3'));
    const tooLong = build(45);
    expect(tooLong.pipeline.definitionSize().minLength).toBeGreaterThan(MAX_DEFINITION_LENGTH);
    let message = '';
    try {
      Template.fromStack(tooLong.stack);
    } catch (e: any) {
      message = e.message;
    }
    expect(message).toMatch(/TestStack\/P: the pipeline definition is \d+ to \d+ characters long \(depending on the length of its deploy-time values\); SageMaker takes at most 1048576 inline: store it in S3/);
    expect(message).toMatch(/TestStack\/P: the pipeline definition takes \d+ bytes of the template; CloudFormation takes a template of at most 1000000 bytes: store it in S3/);
  });

  test('AUTO: a definition that could pass SageMaker\'s inline limit goes to S3 (and then no length error)', () => {
    const stack = newStack();
    const environment: Record<string, string> = {};
    for (let i = 0; i < 100; i++) environment[`V${i}`] = 'v'.repeat(250);
    const steps = Array.from({ length: 45 }, (_, i) => new ProcessingStepConstruct(stack, `S${i}`, { image: IMAGE, environment }));
    const pipeline = pipelineIn(stack, { steps });
    expect(pipeline.definitionSize().minLength).toBeGreaterThan(MAX_DEFINITION_LENGTH);
    const template = Template.fromStack(stack);
    expect(pipeline.definitionS3Location).toBeDefined();
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
  });

  test.each([1000, 2000])('a chain of %i steps synthesizes with the definition in S3, the template under 1 MB, the upload equal to the inline rendering', (size) => {
    const stack = newStack();
    const pipeline = pipelineIn(stack, { steps: chainSteps(stack, size) });
    const template = Template.fromStack(stack);
    expect(pipeline.definitionS3Location).toBeDefined();
    expect(templateBytes(stack)).toBeLessThan(MAX_TEMPLATE_BYTES);
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
    // One marker per distinct deploy-time value (the role ARN, the artifact bucket), not one per occurrence.
    const upload = Object.values<any>(template.findResources('Custom::CDKBucketDeployment'))[0];
    expect(Object.values(upload.Properties.SourceMarkers[0])).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^PRole/), 'Arn'] },
      { Ref: expect.stringMatching(/^PArtifactBucket/) },
    ]);
    const definition = definitionOf(pipeline);
    expect(definition.Steps.length).toBe(size);
    expect(definition).toEqual(inlineRendering(pipeline));
  });
});

describe('measuring without resolving the whole definition', () => {
  test('lengths from the marked text equal those from the resolved definition; template bytes agree within 1%', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const pipeline = pipelineIn(stack, { steps: chainSteps(stack, 120), definitionStorage: DefinitionStorage.INLINE });
    const definition = pipeline.renderDefinition();
    const exact = measureDefinition(stack, stack.resolve(stack.toJsonString(definition)));
    const marked = renderWithMarkers(definition);
    const fast = measureMarkedDefinition(stack, marked.text, stack.resolve(marked.markers));
    expect([fast.minLength, fast.maxLength]).toEqual([exact.minLength, exact.maxLength]);
    expect(exact.minLength).toBeLessThan(exact.maxLength);
    expect(Math.abs(fast.templateBytes - exact.templateBytes) / exact.templateBytes).toBeLessThan(0.01);
    // And the exact figure is what the template file holds for the body.
    Template.fromStack(stack);
    const written = fs.readFileSync(path.join(Stage.of(stack)!.outdir, stack.templateFile), 'utf-8');
    const body = JSON.stringify(Object.values<any>(JSON.parse(written).Resources)
      .find((r) => r.Type === 'AWS::SageMaker::Pipeline').Properties.PipelineDefinition.PipelineDefinitionBody, undefined, 1);
    expect(Math.abs(exact.templateBytes - body.length - 5 * (body.split('\n').length - 1)) / exact.templateBytes).toBeLessThan(0.001);
  });
});
