// The suite's global setup and teardown: the templates directory is emptied before the tests, and every template the
// tests synthesized (record-templates.ts) is checked afterwards with aws-cdk-lib's CloudFormation validation, the
// check `cdk synth` runs (resource types, property names and types against CloudFormation's resource schemas, and
// aws-cdk-lib's rules). The project's cdk.json turns its findings into errors (@aws-cdk/core:validateAgainstDefaultRules),
// so an error here fails the run, naming the test that synthesized the template.
import * as fs from 'fs';
import * as path from 'path';
import { CloudFormationValidatePlugin } from 'aws-cdk-lib';
import { TEMPLATES_DIR, TemplateRecord } from './templates-dir';

export function setup(): void {
  fs.rmSync(TEMPLATES_DIR, { recursive: true, force: true });
}

export function teardown(): void {
  if (!fs.existsSync(TEMPLATES_DIR)) {
    return;
  }
  const records = new Map<string, TemplateRecord>();
  for (const file of fs.readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.template.json')).sort()) {
    const templatePath = path.join(TEMPLATES_DIR, file);
    records.set(templatePath, JSON.parse(fs.readFileSync(templatePath.replace(/\.template\.json$/, '.json'), 'utf-8')));
  }
  if (records.size === 0) {
    return;
  }
  const stackTemplates = [...records].map(([templatePath, r]) => ({
    templatePath,
    stackConstructPath: r.stackConstructPath,
    // An environment-agnostic stack's account and region are unresolved tokens: the engine takes no override then.
    accountId: r.accountId.startsWith('unknown-') ? undefined : r.accountId,
    region: r.region.startsWith('unknown-') ? undefined : r.region,
  }));
  const started = Date.now();
  const plugin = new CloudFormationValidatePlugin();
  const report = plugin.validate({ templatePaths: stackTemplates.map((s) => s.templatePath), stackTemplates: stackTemplates as any });
  const failures: string[] = [];
  let warnings = 0;
  for (const v of report.violations) {
    if (v.severity !== 'error' && v.severity !== 'fatal') {
      warnings += v.violatingResources.length;
      continue;
    }
    for (const r of v.violatingResources) {
      const origin = records.get(r.templatePath);
      failures.push(`${v.ruleName}: ${v.description}\n  resource ${r.resourceLogicalId ?? r.constructPath ?? '(stack)'} of ${origin?.stackConstructPath}`
        + ` in ${r.templatePath}\n  synthesized by "${origin?.testName}" (${origin?.testPath})`);
    }
  }
  const summary = `CloudFormation validation: ${records.size} template(s) from the tests, ${failures.length} error(s), ${warnings} warning(s), ${Date.now() - started} ms`;
  if (failures.length > 0) {
    throw new Error(`${summary}\n${failures.join('\n')}`);
  }
  process.stdout.write(`${summary}\n`);
}
