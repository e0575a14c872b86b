// Every unit test runs under the feature flags a user's app has: the context of the project's cdk.json, which holds
// the recommended flags of a new `cdk init` app. An App reads its context from CDK_CONTEXT_JSON (as the CDK CLI
// passes it); a test that wants other flags gives them as `new App({ postCliContext })`, which wins over this.
import * as fs from 'fs';
import * as path from 'path';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf-8'));
process.env.CDK_CONTEXT_JSON = JSON.stringify(cdkJson.context ?? {});

// aws-cdk-lib's CloudFormation validation loads a 9 MB WebAssembly engine in each test file's module registry (about
// 1.5 s and 100 MB per file): the tests synthesize without it, and the suite's global teardown validates every template
// they synthesized in one process (test/support/validate-templates.ts). CDK_VALIDATION=true runs it in each test.
process.env.CDK_VALIDATION ??= 'false';
