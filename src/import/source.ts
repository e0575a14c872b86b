import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { DefinitionError } from './importer';

/** What a source holds: the definition, and what the source says of the pipeline around it. */
export interface PipelineSource {
  /** The definition (its JSON). */
  readonly definition: any;
  /** The pipeline's name, when the source names it. */
  readonly pipelineName?: string;
  /** The pipeline's role ARN, when the source names it as a string. */
  readonly roleArn?: string;
  /**
   * The CloudFormation values of a template's definition (`Ref`, `Fn::GetAtt`, ...), by the marker that stands for
   * each in the definition's strings: they become parameters of the generated stack.
   */
  readonly cfnValues: Record<string, string>;
  /** The source template's buckets the definition names (`Ref` of an `AWS::S3::Bucket`): marker name → logical ID. */
  readonly cfnBuckets?: Record<string, string>;
  /** What kind of source it was. */
  readonly kind: 'definition' | 'describe-pipeline' | 'template';
}

/** Marks a CloudFormation value inside a definition string: `@@cfn:<name>@@`. */
export const CFN_MARKER = /@@cfn:([A-Za-z][A-Za-z0-9]*)@@/g;

/**
 * Reads a pipeline source: a definition (what the SDK's `pipeline.definition()` prints), a DescribePipeline response
 * (`aws sagemaker describe-pipeline`), or a CloudFormation template (JSON or YAML, e.g. `cdk.out/<Stack>.template.json`)
 * with one or more `AWS::SageMaker::Pipeline` resources (`pipeline` picks one by logical ID or name).
 */
export function readPipelineSource(text: string, fileName: string, pipeline?: string): PipelineSource {
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) {
    // Not JSON: a YAML template (CloudFormation's short forms, !Ref and !Sub, read by aws-cdk-lib's CfnInclude).
    return fromTemplate(readYamlTemplate(text, fileName), fileName, pipeline);
  }
  if (parsed && typeof parsed === 'object' && parsed.Resources && typeof parsed.Resources === 'object') {
    return fromTemplate(parsed, fileName, pipeline);
  }
  if (parsed && typeof parsed === 'object' && typeof parsed.PipelineDefinition === 'string') {
    let definition: any;
    try {
      definition = JSON.parse(parsed.PipelineDefinition);
    } catch (e: any) {
      throw new DefinitionError(`${fileName}: PipelineDefinition: not JSON: ${e.message}`);
    }
    return { definition, pipelineName: parsed.PipelineName, roleArn: parsed.RoleArn, cfnValues: {}, kind: 'describe-pipeline' };
  }
  if (pipeline !== undefined) {
    throw new DefinitionError(`${fileName}: --pipeline picks a pipeline of a CloudFormation template; this is a definition`);
  }
  return { definition: parsed, cfnValues: {}, kind: 'definition' };
}

/** A YAML template as JSON (intrinsics in their long forms). */
function readYamlTemplate(text: string, fileName: string): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-template-'));
  const file = path.join(dir, 'template.yaml');
  fs.writeFileSync(file, text);
  let template: any;
  try {
    const app = new cdk.App({ outdir: path.join(dir, 'out') });
    const stack = new cdk.Stack(app, 'Source');
    new CfnInclude(stack, 'Template', { templateFile: file, preserveLogicalIds: true });
    template = app.synth().getStackByName('Source').template;
  } catch (e: any) {
    throw new DefinitionError(`${fileName}: neither JSON nor a CloudFormation template in YAML (${e.message.split('\n')[0]})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!template?.Resources || Object.keys(template.Resources).length === 0) {
    throw new DefinitionError(`${fileName}: neither JSON nor a CloudFormation template in YAML (no Resources)`);
  }
  return template;
}

function fromTemplate(template: any, fileName: string, pick?: string): PipelineSource {
  const pipelines = Object.entries<any>(template.Resources).filter(([, r]) => r?.Type === 'AWS::SageMaker::Pipeline');
  const nameOf = ([id, r]: [string, any]) => (typeof r.Properties?.PipelineName === 'string' ? r.Properties.PipelineName : id);
  if (pipelines.length === 0) {
    throw new DefinitionError(`${fileName}: the template has no AWS::SageMaker::Pipeline resource`);
  }
  const chosen = pick === undefined ? pipelines : pipelines.filter((p) => p[0] === pick || nameOf(p) === pick);
  if (chosen.length !== 1) {
    const list = pipelines.map((p) => `${p[0]} (${nameOf(p)})`).join(', ');
    throw new DefinitionError(pick === undefined
      ? `${fileName}: the template has ${pipelines.length} pipelines: ${list}; pick one with --pipeline <logical ID or name>`
      : `${fileName}: no pipeline '${pick}' in the template; it has ${list}`);
  }
  const [logicalId, resource] = chosen[0];
  const props = resource.Properties ?? {};
  const where = `${fileName}: ${logicalId}`;
  const body = props.PipelineDefinition?.PipelineDefinitionBody;
  if (body === undefined) {
    throw new DefinitionError(props.PipelineDefinition?.PipelineDefinitionS3Location
      ? `${where}: the definition is in S3 (PipelineDefinitionS3Location), which the template does not hold; download it, or run `
        + 'aws sagemaker describe-pipeline --pipeline-name <name> and import that'
      : `${where}: PipelineDefinition has no PipelineDefinitionBody`);
  }
  const cfnValues: Record<string, string> = {};
  const text = bodyText(body, cfnValues, where);
  let definition: any;
  try {
    definition = JSON.parse(text);
  } catch (e: any) {
    throw new DefinitionError(`${where}: PipelineDefinitionBody: not JSON: ${e.message}`);
  }
  const roleName = typeof props.RoleArn === 'string' ? undefined : cfnValueName(props.RoleArn);
  if (roleName !== undefined) {
    cfnValues[roleName] = JSON.stringify(props.RoleArn);
  }
  const cfnBuckets: Record<string, string> = {};
  for (const [name, json] of Object.entries(cfnValues)) {
    const ref = JSON.parse(json).Ref;
    if (typeof ref === 'string' && template.Resources[ref]?.Type === 'AWS::S3::Bucket') {
      cfnBuckets[name] = ref;
    }
  }
  return {
    definition,
    cfnBuckets,
    pipelineName: typeof props.PipelineName === 'string' ? props.PipelineName : undefined,
    roleArn: typeof props.RoleArn === 'string' ? props.RoleArn : roleName !== undefined ? `@@cfn:${roleName}@@` : undefined,
    cfnValues,
    kind: 'template',
  };
}

/** The body's text: a string, or a CloudFormation Fn::Join / Fn::Sub whose values become markers. */
function bodyText(body: any, values: Record<string, string>, where: string): string {
  if (typeof body === 'string') {
    return body;
  }
  const marker = (value: any): string => {
    const name = cfnValueName(value);
    if (name === undefined) {
      throw new DefinitionError(`${where}: PipelineDefinitionBody holds ${JSON.stringify(value)}; expected text, Fn::Join, Fn::Sub, Ref and Fn::GetAtt`);
    }
    values[name] = JSON.stringify(value);
    return `@@cfn:${name}@@`;
  };
  const join = body?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return join[1].map((p: any) => (typeof p === 'string' ? p : marker(p))).join(join[0]);
  }
  const sub = body?.['Fn::Sub'];
  const subText = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
  if (subText !== undefined) {
    return subText.replace(/\$\{([^}!][^}]*)\}/g, (_m, ref: string) => {
      const [id, attr] = ref.split('.');
      return marker(attr === undefined ? { Ref: id } : { 'Fn::GetAtt': [id, attr] });
    });
  }
  throw new DefinitionError(`${where}: PipelineDefinitionBody is ${JSON.stringify(body).slice(0, 80)}; expected text, Fn::Join or Fn::Sub`);
}

/** `{ Ref: 'ArtifactBucket' }` → `ArtifactBucket`, `{ 'Fn::GetAtt': ['Role', 'Arn'] }` → `RoleArn`; pseudo parameters as `AWSRegion`. */
function cfnValueName(value: any): string | undefined {
  if (typeof value?.Ref === 'string') {
    return value.Ref.replace(/[^A-Za-z0-9]/g, '');
  }
  const raw = value?.['Fn::GetAtt'];
  // The short form's value reads 'Role.Arn' when CloudFormation's YAML wrote it so.
  const att = typeof raw === 'string' && raw.includes('.') ? [raw.slice(0, raw.indexOf('.')), raw.slice(raw.indexOf('.') + 1)] : raw;
  if (Array.isArray(att) && typeof att[0] === 'string' && typeof att[1] === 'string') {
    return `${att[0]}${att[1]}`.replace(/[^A-Za-z0-9]/g, '');
  }
  return undefined;
}
