#!/usr/bin/env node
/**
 * Prints the pipeline definitions of synthesized CloudFormation templates as a JSON array of
 * {template, logicalId, pipelineName, definition}. CloudFormation values in a definition body (Fn::Join of text,
 * Ref, Fn::GetAtt, Fn::Sub, ...) become placeholders such as "<<Ref:Bucket>>" or "<<GetAtt:Role.Arn>>", so the
 * definition parses as JSON and can be checked offline. A definition stored in S3 is read from the upload's file in
 * the cloud assembly (the template's directory), with the deploy-time values as the same placeholders.
 *
 *   node scripts/extract-definitions.js cdk.out/*.template.json > definitions.json
 */
'use strict';
const fs = require('fs');
const path = require('path');

function placeholder(value) {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    if ('Ref' in value) return `<<Ref:${value.Ref}>>`;
    if ('Fn::GetAtt' in value) {
      const a = value['Fn::GetAtt'];
      return `<<GetAtt:${Array.isArray(a) ? a.join('.') : a}>>`;
    }
    if ('Fn::Sub' in value) {
      const s = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub'];
      return s.replace(/\$\{([^}]+)\}/g, (_, name) => `<<Sub:${name}>>`);
    }
    if ('Fn::Join' in value) {
      const [sep, parts] = value['Fn::Join'];
      return parts.map(placeholder).join(sep);
    }
    const key = Object.keys(value)[0];
    return `<<${key.replace(/^Fn::/, '')}>>`;
  }
  return String(value);
}

/**
 * A definition stored in S3: the JSON file of the aws-s3-deployment (Custom::CDKBucketDeployment) that writes the
 * key, read from the cloud assembly next to the template, with its deploy-time markers replaced by placeholders.
 */
/**
 * Parses definition text whose CloudFormation values are placeholders. A value that stands alone (a CloudFormation
 * number such as a parameter's valueAsNumber) is a bare placeholder in the text: it is read as a string.
 */
function parseWithPlaceholders(text) {
  return JSON.parse(text.replace(/([:\[,]\s*)(<<[^<>"]*>>)(?=\s*[,\]}])/g, '$1"$2"'));
}

function fromS3(file, template, location) {
  const key = placeholder(location.Key);
  const slash = key.lastIndexOf('/');
  const prefix = key.slice(0, slash + 1);
  const name = key.slice(slash + 1);
  const upload = Object.values(template.Resources || {}).find((r) => r.Type === 'Custom::CDKBucketDeployment'
    && r.Properties.DestinationBucketKeyPrefix === prefix);
  if (!upload) return undefined;
  const zip = placeholder(upload.Properties.SourceObjectKeys[0]);
  const dir = path.join(path.dirname(file), `asset.${zip.replace(/\.zip$/, '')}`);
  let text = fs.readFileSync(path.join(dir, name), 'utf8');
  const markers = (upload.Properties.SourceMarkers || [])[0] || {};
  for (const [marker, value] of Object.entries(markers)) {
    text = text.split(marker).join(placeholder(value));
  }
  return parseWithPlaceholders(text);
}

function extract(file) {
  return extractFromTemplate(file, JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** The definitions of a parsed template whose file (in its cloud assembly) is `file`. */
function extractFromTemplate(file, template) {
  const out = [];
  for (const [logicalId, resource] of Object.entries(template.Resources || {})) {
    if (resource.Type !== 'AWS::SageMaker::Pipeline') continue;
    const props = resource.Properties || {};
    const body = props.PipelineDefinition && props.PipelineDefinition.PipelineDefinitionBody;
    const entry = { template: file, logicalId, pipelineName: placeholder(props.PipelineName) };
    const location = props.PipelineDefinition && props.PipelineDefinition.PipelineDefinitionS3Location;
    if (body === undefined && location) {
      entry.definition = fromS3(file, template, location);
      entry.storedIn = 's3';
      if (entry.definition === undefined) entry.note = 'definition in S3, but no upload of it in this template';
    } else if (body === undefined) {
      entry.definition = undefined;
      entry.note = 'no definition';
    } else {
      entry.definition = parseWithPlaceholders(placeholder(body));
    }
    out.push(entry);
  }
  return out;
}

module.exports = { extract, extractFromTemplate, parseWithPlaceholders, placeholder };

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: extract-definitions.js TEMPLATE.json...');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(files.flatMap(extract), null, 2) + '\n');
}
