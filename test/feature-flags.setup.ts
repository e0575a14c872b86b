// Every unit test runs under the feature flags a user's app has: the context of the project's cdk.json, which holds
// the recommended flags of a new `cdk init` app. An App reads its context from CDK_CONTEXT_JSON (as the CDK CLI
// passes it); a test that wants other flags gives them as `new App({ postCliContext })`, which wins over this.
import * as fs from 'fs';
import * as path from 'path';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf-8'));
process.env.CDK_CONTEXT_JSON = JSON.stringify(cdkJson.context ?? {});
