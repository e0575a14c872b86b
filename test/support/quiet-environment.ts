// The tests' environment: Node's, with console output held back. What a test prints (aws-cdk-lib prints every
// annotation a synthesis records, and many tests synthesize warnings on purpose to assert them with `Annotations`) is
// shown only when that test fails, under its name; passing tests print nothing. Output outside a test (module scope,
// beforeAll) is shown when any test of the file fails.
import { format } from 'util';
import type { Circus } from '@jest/types';
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

export default class QuietEnvironment extends NodeEnvironment {
  private held: string[] = [];
  private outside: string[] = [];
  private inTest = false;
  private anyFailed = false;
  private original: Partial<Record<typeof METHODS[number], (...args: unknown[]) => void>> = {};

  handleTestEvent(event: Circus.Event): void {
    switch (event.name) {
      case 'setup': {
        const console = this.global.console as unknown as Record<string, (...args: unknown[]) => void>;
        for (const m of METHODS) {
          this.original[m] = console[m].bind(console);
          console[m] = (...args: unknown[]) => (this.inTest ? this.held : this.outside).push(`console.${m}: ${format(...args)}`);
        }
        break;
      }
      case 'test_start':
        this.inTest = true;
        this.held = [];
        break;
      case 'test_done':
        this.inTest = false;
        if (event.test.errors.length > 0) {
          this.anyFailed = true;
          this.show(`output of the failing test "${event.test.name}"`, this.held);
        }
        this.held = [];
        break;
      case 'run_finish':
        if (this.anyFailed) {
          this.show('output outside the tests of this file', this.outside);
        }
        break;
      default:
        break;
    }
  }

  private show(title: string, lines: string[]): void {
    if (lines.length > 0) {
      this.original.error?.(`${title}:\n${lines.join('\n')}`);
    }
  }
}
