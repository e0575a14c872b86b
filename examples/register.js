// Loads the example app's TypeScript (and the library's sources it imports) for `npx cdk synth`: transpiled by swc,
// without type-checking. Type-checking is the build's job (`npx projen build` compiles src/ with jsii, and eslint and
// the tests type-check examples/); here it would only make the README's main command slow.
require('ts-node').register({
  project: require('path').join(__dirname, 'tsconfig.json'),
  swc: true,
});
