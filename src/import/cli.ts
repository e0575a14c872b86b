#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { DefinitionError, importDefinition } from './importer';
import { readPipelineSource } from './source';

const USAGE = `usage: cdk-sagemaker-pipelines import <file | -> [--out <stack.ts>] [--class <StackClassName>] [--pipeline-name <name>]
                                      [--pipeline <logical ID or name>] [--new-role]
       cdk-sagemaker-pipelines --help

Reads a SageMaker pipeline and writes a TypeScript CDK stack that builds the same pipeline with this library. The
file ('-': standard input) is a pipeline definition (what the SageMaker Python SDK's pipeline.definition() prints),
the output of aws sagemaker describe-pipeline, or a CloudFormation template in JSON or YAML (cdk.out/<Stack>.template.json;
--pipeline picks one of several pipelines; a bucket it names is created by the generated stack, its other Ref and
Fn::GetAtt values become parameters).

The steps keep the definition's role ARN (an imported role, not modified); --new-role gives the pipeline a role of
its own with least privilege derived from the steps. The summary (what became which construct, what went through an
escape hatch) goes to stderr.`;

/** Runs the command line; returns the exit code. */
export function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): number {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || (command === 'import' && rest.some((a) => a === '--help' || a === '-h'))) {
    out(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'import') {
    err(`${command === undefined ? 'no command given' : `unknown command '${command}'`}\n${USAGE}\n`);
    return 2;
  }
  const options: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--new-role') {
      options[arg] = 'true';
    } else if (['--out', '--class', '--pipeline-name', '--pipeline'].includes(arg)) {
      if (rest[i + 1] === undefined) {
        err(`${arg} needs a value\n${USAGE}\n`);
        return 2;
      }
      options[arg] = rest[++i];
    } else if (arg.startsWith('--') || (arg.startsWith('-') && arg !== '-')) {
      err(`unknown option '${arg}'\n${USAGE}\n`);
      return 2;
    } else {
      files.push(arg);
    }
  }
  if (files.length !== 1) {
    err(`expected one definition file, got ${files.length}\n${USAGE}\n`);
    return 2;
  }
  const fromStdin = files[0] === '-';
  const className = options['--class'] ?? classNameOf(options['--out'] ?? (fromStdin ? 'imported-pipeline' : files[0]));
  if (!/^[A-Z][A-Za-z0-9]*$/.test(className)) {
    err(`--class '${className}' is not a class name: expected a letter A-Z followed by letters and digits\n`);
    return 2;
  }
  try {
    const source = fromStdin ? 'stdin' : files[0];
    const text = fs.readFileSync(fromStdin ? 0 : files[0], 'utf-8');
    const read = readPipelineSource(text, source, options['--pipeline']);
    const result = importDefinition(read.definition, {
      className,
      fileName: source,
      pipelineName: options['--pipeline-name'] ?? read.pipelineName,
      pipelineRoleArn: read.roleArn,
      newRole: options['--new-role'] === 'true',
      cfnValues: read.cfnValues,
      cfnBuckets: read.cfnBuckets,
    });
    if (options['--out']) {
      fs.writeFileSync(options['--out'], result.source);
    } else {
      out(result.source);
    }
    err(`${result.summary.join('\n')}\n`);
    const hatches = Object.keys(result.escapeHatches).length;
    err(`${options['--out'] ? `wrote ${options['--out']}: ` : ''}class ${className}; ${hatches} step(s) with an escape hatch\n`);
    return 0;
  } catch (e: any) {
    if (e instanceof DefinitionError || e.code === 'ENOENT' || e.code === 'EISDIR') {
      err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** `my-pipeline-stack.ts` → `MyPipelineStack`. */
function classNameOf(file: string): string {
  const base = path.basename(file).replace(/\.[^.]*$/, '');
  const name = base.split(/[^A-Za-z0-9]+/).filter((p) => p.length > 0).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  const withStack = /Stack$/.test(name) ? name : `${name}Stack`;
  return /^[A-Z]/.test(withStack) ? withStack : `Imported${withStack}`;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
