// Every CloudFormation template a test synthesizes is copied to test/__templates__, where the suite's global teardown
// (validate-templates.ts) checks them all with aws-cdk-lib's CloudFormation validation in one process. The unit tests
// synthesize with that validation off (CDK_VALIDATION=false, feature-flags.setup.ts): it loads a 9 MB WebAssembly
// engine in every test file's module registry, which made the suite three times slower and four times larger in
// memory; loaded once at the end, it checks the same templates.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Stage, StageSynthesisOptions } from 'aws-cdk-lib';
import { TEMPLATES_DIR, TemplateRecord } from './templates-dir';

const recorded = new Set<string>();
const synth = Stage.prototype.synth;

Stage.prototype.synth = function synthAndRecord(this: Stage, options?: StageSynthesisOptions) {
  const assembly = synth.call(this, options);
  fs.mkdirSync(TEMPLATES_DIR, { recursive: true });
  const state = expect.getState();
  for (const stack of assembly.stacksRecursively) {
    const text = fs.readFileSync(stack.templateFullPath, 'utf-8');
    const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 20);
    if (recorded.has(hash)) {
      continue;
    }
    recorded.add(hash);
    const record: TemplateRecord = {
      testPath: path.relative(path.join(__dirname, '..', '..'), state.testPath ?? ''),
      testName: state.currentTestName ?? '(outside a test)',
      stackConstructPath: stack.hierarchicalId,
      accountId: stack.environment.account,
      region: stack.environment.region,
    };
    fs.writeFileSync(path.join(TEMPLATES_DIR, `${hash}.template.json`), text);
    fs.writeFileSync(path.join(TEMPLATES_DIR, `${hash}.json`), JSON.stringify(record));
  }
  return assembly;
};
