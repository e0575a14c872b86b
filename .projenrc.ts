import { DependencyType, awscdk, javascript } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-sagemaker-pipelines',
  description: 'Typed AWS CDK constructs for Amazon SageMaker Pipelines: steps, parameters, property files and conditions that synthesize a validated pipeline definition, with least-privilege IAM and synth-time checks.',
  author: 'cdk-sagemaker-pipelines developers',
  authorAddress: 'maintainers@cdk-sagemaker-pipelines.dev',
  repositoryUrl: 'https://github.com/cdk-sagemaker-pipelines/cdk-sagemaker-pipelines.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  keywords: ['cdk', 'aws-cdk', 'sagemaker', 'sagemaker-pipelines', 'mlops', 'machine-learning'],

  // aws-cdk-lib and constructs are peer dependencies (projen adds them as such for a construct library).
  cdkVersion: '2.276.0',
  constructsVersion: '10.5.1',

  // jsii and TypeScript 5: ts-node (used for .projenrc.ts and the example app) does not work with TypeScript 7.
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',

  // Other jsii targets.
  publishToPypi: { distName: 'cdk-sagemaker-pipelines', module: 'cdk_sagemaker_pipelines' },
  publishToMaven: {
    javaPackage: 'io.github.cdksagemakerpipelines',
    mavenGroupId: 'io.github.cdk-sagemaker-pipelines',
    mavenArtifactId: 'cdk-sagemaker-pipelines',
  },
  publishToNuget: { dotNetNamespace: 'CdkSageMakerPipelines', packageId: 'CdkSageMakerPipelines' },
  publishToGo: { moduleName: 'github.com/cdk-sagemaker-pipelines/cdk-sagemaker-pipelines-go' },

  // The import command: a pipeline definition to a TypeScript stack (src/import/cli.ts).
  bin: { 'cdk-sagemaker-pipelines': 'lib/import/cli.js' },

  // The Node.js versions the README promises (engines in package.json).
  minNodeVersion: '20.0.0',

  // No GitHub workflows: the project's CI is .ci/run.
  github: false,
  // The bump task runs the same release tooling as the dev dependency below (Node 20 compatible).
  bumpPackage: 'commit-and-tag-version@^12',

  // The endpoint patterns build on the alpha SageMaker module. Alpha modules are peer dependencies of the libraries
  // that build on them (projen pins the same version as a dev dependency to build and test against); 2.159.1-alpha.0
  // is the newest the registry serves, and its peer range (aws-cdk-lib ^2.159.1) admits the aws-cdk-lib above.
  peerDeps: ['@aws-cdk/aws-sagemaker-alpha@^2.159.1-alpha.0'],

  devDeps: [
    // The CDK CLI is a dev dependency so that `npx cdk synth` uses the locked version and needs no download.
    'aws-cdk@2.1148.1',
    'ts-node@^10.9.2',
    // ts-node transpiles the example app (and the library's sources it imports) with swc: `npx cdk synth` does not
    // type-check (the build does), so the README's main command stays fast.
    '@swc/core@^1',
    'cdk-nag@^2.38.2',
    'ajv@^8.17.1',
    '@types/node@^20',
    // Integration tests (test/integ/*.integ.ts): IntegTest and its deploy-time assertions. 2.245.0-alpha.0 is the newest
    // the registry serves; its peer range (aws-cdk-lib ^2.245.0) admits the aws-cdk-lib above.
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
  ],

  jestOptions: {
    // projen's default test task runs `jest --updateSnapshot`, which rewrites a changed snapshot instead of
    // failing: a snapshot test could never fail. NEVER makes `test` fail on a changed snapshot (jest --ci)
    // and adds a `test:update` task to update snapshots on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '/test/support/', '\\.integ\\.ts$'],
      // Unit tests run under the feature flags of the project's cdk.json (those of a new `cdk init` app).
      setupFiles: ['<rootDir>/test/feature-flags.setup.ts'],
      // Every template a test synthesizes is validated by aws-cdk-lib's CloudFormation validation once, at the end
      // (test/support/validate-templates.ts), instead of in every test file's module registry.
      setupFilesAfterEnv: ['<rootDir>/test/support/record-templates.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      // What a passing test prints is held back; a failing test shows its output.
      testEnvironment: '<rootDir>/test/support/quiet-environment.ts',
      // A contributor's laptop has two cores and 8 GB: two workers, each restarted after a test file that left it
      // above 1 GB (measured: npm test 1.5 GB peak resident, README "Tests").
      maxWorkers: 2,
      workerIdleMemoryLimit: '1GB',
    },
  },


});

// projen's release tooling (commit-and-tag-version ^13) and its conventional-changelog packages require Node 22, which
// made `npm ci` print 85 EBADENGINE warnings on the Node 20 the README names; version 12 supports Node 18 and later.
// jsii's toolchain prints a 12-line banner on Node 20, which reached its end of life on 2026-04-30 (jsii dropped it
// on 2026-10-30). The project supports Node 20 (its CI machine runs 20.20) as well as 22 and 24: the project's tasks
// acknowledge the end of life of Node 20 only (the variable takes a list of major versions), so an older Node still
// warns. The README says so.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// Tests are transpiled by swc without type-checking (the compile step and eslint type-check them): ts-jest, even
// transpile-only, made the suite 20% slower on two cores.
project.deps.removeDependency('ts-jest');
project.addDevDeps('@swc/jest@^0.2.39', 'jest-environment-node@^30', '@jest/types@^30');
project.tryFindObjectFile('package.json')!.addOverride('jest.transform', {
  '^.+\\.[t]sx?$': ['@swc/jest', {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  }],
});

// The coverage table is one summary that fits a terminal; the per-file detail is in coverage/ (lcov, json). projen
// appends its own reporters to a configured list, so the list is set here.
project.tryFindObjectFile('package.json')!.addOverride('jest.coverageReporters', ['json', 'lcov', 'clover', 'cobertura', 'text-summary']);

project.deps.removeDependency('commit-and-tag-version');
project.deps.addDependency('commit-and-tag-version@^12', DependencyType.BUILD);

for (const p of ['cdk.out/', '.cdk.staging/', '/test/__definitions__/', '/test/__templates__/', '/test/import/__imported__/', '.jsii.tabl.json']) {
  project.gitignore.exclude(p);
}
project.addPackageIgnore('!/lib/data/*.json');
// The stacks the import tests generate: linted by that test with the project's rules (they import the package by name,
// which does not resolve inside its own repository), not by the eslint task.
project.eslint?.addIgnorePattern('test/import/__imported__/');
for (const p of ['/examples/', 'cdk.json', 'cdk.out/', '/.ci/', '/scripts/', '/benchmarks/']) {
  project.addPackageIgnore(p);
}

// The example app and the benchmark are linted too (they have their own tsconfig.json).
project.eslint?.addLintPattern('examples');
project.eslint?.addLintPattern('benchmarks');
project.eslint?.allowDevDeps('examples/**');
project.eslint?.allowDevDeps('benchmarks/**');

// The library's layers point down only: values <- steps (and what steps take: images, code, instance types, model
// package groups) <- engine (src/private) <- pipeline (pipeline, dry run, notifications) <- patterns <- index <- the
// import command (src/import). A lower layer
// imports nothing of a higher one (type-only imports included), and there is no import cycle. What a lower layer
// needs from a higher one is an interface it declares itself (values/private/context.ts, IPipelineHost in
// steps/step.ts). test/architecture.test.ts checks the same rules with type-only imports in the cycle search too
// (import/no-cycle skips them).
const layers = {
  values: ['./src/values'],
  // Helpers several floors share (S3 grants, ECR pulls, image registries, asset staging, property paths).
  shared: ['./src/shared'],
  steps: ['./src/steps', './src/container-image.ts', './src/code.ts', './src/instance-type.ts', './src/model-package-group.ts', './src/regulated-account.ts'],
  engine: ['./src/private'],
  pipeline: ['./src/pipeline.ts', './src/dry-run.ts', './src/notifications.ts'],
  patterns: ['./src/patterns'],
  monitoring: ['./src/monitoring'],
};
const above = (layer: keyof typeof layers): string[] => {
  const order: Array<keyof typeof layers> = ['values', 'shared', 'steps', 'engine', 'pipeline', 'patterns', 'monitoring'];
  // The import command (src/import) sits on top of the public API: it builds pipelines with the library's exports.
  return [...order.slice(order.indexOf(layer) + 1).flatMap((l) => layers[l]), './src/index.ts', './src/import'];
};
project.eslint?.addRules({
  'import/no-cycle': ['error'],
  'import/no-restricted-paths': ['error', {
    zones: (['values', 'shared', 'steps', 'engine', 'pipeline', 'patterns'] as Array<keyof typeof layers>).flatMap((layer) => layers[layer].map((target) => ({
      target,
      from: above(layer),
      message: `layers point down: ${layer} may not import from a higher layer (declare an interface at this layer instead)`,
    }))),
  }],
});

// import/no-cycle guards the library's layers (src/). On the tests and examples it followed every import into
// aws-cdk-lib's type declarations: 1.6 GB and 10 s of the lint for files no other module imports. The architecture test
// checks src/ for cycles too, type-only imports included.
project.eslint?.addOverride({
  files: ['test/**', 'examples/**', 'benchmarks/**', 'projenrc/**', '.projenrc.ts'],
  rules: { 'import/no-cycle': 'off' },
});

// Integration tests (test/integ/*.integ.ts, discovered by projen): each app is synthesized by the project's pinned CDK
// CLI (cloud assembly schema 55, which @aws-cdk/integ-runner 2.197 cannot read yet) and compared with its committed
// snapshot by `npm test` (integ:<name>:assert); integ:<name>:snapshot refreshes it, integ:<name>:deploy deploys it,
// runs its IntegTest assertions and destroys it. The apps run through ts-node with test/tsconfig.json, transpiled by
// swc like the example app (the build and eslint type-check them).
project.tryFindObjectFile('test/tsconfig.json')!.addOverride('ts-node', { swc: true });
// The comparison is scripts/integ-assert.js instead of projen's `diff -r`: the same files, with the assertion resources'
// `salt` (the synthesis time, so that every deploy reruns the assertions) compared as a placeholder.
for (const task of project.tasks.all.filter((t) => /^integ:.*:assert$/.test(t.name))) {
  const name = task.name.split(':')[1];
  const steps = task.steps;
  const diffStep = steps.findIndex((s) => s.execArgs?.[0] === 'diff');
  task.updateStep(diffStep, { exec: `node scripts/integ-assert.js test/integ/${name}.integ.snapshot test/integ/.tmp/${name}.integ/assert.cdk.out` });
}

// The InstanceType constants, one per value of the API's processing, training and transform instance-type enums, are
// generated from src/data/sagemaker-api-shapes.json into src/instance-type.ts (committed, so jsii sees them) before
// every compile; CI fails when the committed file differs.
const generateInstanceTypes = project.addTask('generate:instance-types', {
  description: 'Generate src/instance-type.ts from the API shapes data',
  exec: 'node scripts/generate-instance-types.js',
});
project.preCompileTask.spawn(generateInstanceTypes);

// Performance is measured by a benchmark script, not by timed tests.
project.addTask('bench', {
  description: 'Measure how long synthesizing pipelines of 200 to 2000 steps takes, beside the floor of a bare CfnPipeline',
  env: { CDK_VALIDATION: 'false' },
  exec: 'ts-node --transpile-only --project benchmarks/tsconfig.json benchmarks/synth.ts',
});

// Data files read at run time by the library (framework image registries) must ship in lib/.
project.compileTask.exec('mkdir -p lib/data && cp src/data/*.json lib/data/');

// A local build without CI=true runs `package-all`, which packages every jsii target (Python, Java, .NET, Go).
// Those need PyPI / Maven / NuGet / Go toolchains that are not reachable on our build machines (Python packaging
// wants a pinned setuptools from PyPI). `package` therefore builds the JavaScript package in both cases; a
// release machine with those registries runs `npx projen package-all` explicitly.
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.spawn(project.tasks.tryFind('package:js')!);

project.synth();
