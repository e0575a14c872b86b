import * as path from 'path';

/** Where the tests copy the templates they synthesize, for the suite's CloudFormation validation at the end. */
export const TEMPLATES_DIR = path.join(__dirname, '..', '__templates__');

/** What is known of a recorded template: the test that synthesized it and the stack's place and environment. */
export interface TemplateRecord {
  readonly testPath: string;
  readonly testName: string;
  readonly stackConstructPath: string;
  readonly accountId: string;
  readonly region: string;
}
