import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';

test('unit tests run under the feature flags of cdk.json (those of a new cdk init app)', () => {
  const context = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf-8')).context;
  expect(Object.keys(context).length).toBeGreaterThan(20);
  const app = new App();
  for (const [flag, value] of Object.entries(context)) {
    expect([flag, app.node.tryGetContext(flag)]).toEqual([flag, value]);
  }
  expect(app.node.tryGetContext('@aws-cdk/aws-iam:minimizePolicies')).toBe(true);
});
