#!/usr/bin/env node
/**
 * Prints the pipeline definitions of synthesized CloudFormation templates as a JSON array of
 * {template, logicalId, pipelineName, definition}. CloudFormation values in a definition body (Fn::Join of text,
 * Ref, Fn::GetAtt, Fn::Sub, ...) become placeholders such as "<<Ref:Bucket>>" or "<<GetAtt:Role.Arn>>", so the
 * definition parses as JSON and can be checked offline.
 *
 *   node scripts/extract-definitions.js cdk.out/*.template.json > definitions.json
 */
'use strict';
const fs = require('fs');

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

function extract(file) {
  const template = JSON.parse(fs.readFileSync(file, 'utf8'));
  const out = [];
  for (const [logicalId, resource] of Object.entries(template.Resources || {})) {
    if (resource.Type !== 'AWS::SageMaker::Pipeline') continue;
    const props = resource.Properties || {};
    const body = props.PipelineDefinition && props.PipelineDefinition.PipelineDefinitionBody;
    const entry = { template: file, logicalId, pipelineName: placeholder(props.PipelineName) };
    if (body === undefined) {
      entry.definition = undefined;
      entry.note = 'definition not inline (PipelineDefinitionS3Location)';
    } else {
      entry.definition = JSON.parse(placeholder(body));
    }
    out.push(entry);
  }
  return out;
}

module.exports = { extract, placeholder };

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: extract-definitions.js TEMPLATE.json...');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(files.flatMap(extract), null, 2) + '\n');
}
