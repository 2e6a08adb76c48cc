// Mutation testing of the decision code (checks, verdict, config): `npm run mutation` (not part
// of `npm test`: it takes long). One module at a time, with the tests that exercise it:
//   MUTATION_MODULE=verdict npm run mutation
// Modules are the keys of MODULES below; several may be given, comma-separated. Without
// MUTATION_MODULE every module is run. `--mutate 'src/...'` on the command line replaces the
// module's file list (the tests stay the module's).
// Reports: reports/mutation/ (HTML and JSON, gitignored). See README "Mutation testing".

/** Module → the files mutated and the test files (in __tests__/) run against each mutant. */
const MODULES = {
  verdict: { mutate: ['src/verdict/**/*.ts'], tests: ['verdict', 'engine'] },
  'repository-rules': {
    mutate: [
      'src/checks/repository/reviews.ts',
      'src/checks/repository/codeowners.ts',
      'src/checks/repository/rules.ts',
      'src/checks/repository/refs.ts',
    ],
    tests: ['reviews', 'codeowners', 'repository-decide', 'branch-rules'],
  },
  repository: {
    mutate: ['src/checks/repository/index.ts', 'src/checks/repository/model.ts'],
    tests: ['repository-decide', 'repository-check'],
  },
  'dependencies-match': {
    mutate: ['src/checks/dependencies/match.ts', 'src/checks/dependencies/severity.ts'],
    tests: ['match', 'dependencies-check'],
  },
  versions: {
    mutate: ['src/checks/dependencies/versions/*.ts'],
    tests: ['versions', 'match'],
  },
  dependencies: {
    mutate: ['src/checks/dependencies/index.ts', 'src/checks/dependencies/model.ts'],
    tests: ['dependencies-check', 'dependencies-e2e'],
  },
  'config-extends': {
    mutate: ['src/config/extends.ts'],
    tests: ['extends', 'extends-merge', 'config'],
  },
  config: {
    mutate: ['src/config/index.ts', 'src/config/schema.ts', 'src/config/load.ts'],
    tests: ['config', 'config-options', 'extends', 'extends-merge', 'report'],
  },
  // Who may have signed (identity.ts) and what the provenance says (provenance.ts).
  'signatures-policy': {
    mutate: ['src/checks/signatures/identity.ts', 'src/checks/signatures/provenance.ts'],
    tests: ['signatures-policy', 'property/identity', 'signatures-identity'],
  },
  // The check's wiring; its tests run Sigstore end to end (mock Fulcio, Rekor, TSA), slow per mutant.
  signatures: {
    mutate: ['src/checks/signatures/index.ts', 'src/checks/signatures/ports.ts'],
    tests: ['signatures-identity', 'signatures-mock', 'signatures-real'],
  },
};

const names = (process.env.MUTATION_MODULE ?? Object.keys(MODULES).join(','))
  .split(',')
  .map((n) => n.trim())
  .filter(Boolean);
const unknown = names.filter((n) => !(n in MODULES));
if (unknown.length > 0) {
  throw new Error(
    `MUTATION_MODULE: unknown module(s) ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}`,
  );
}
const selected = names.map((n) => MODULES[n]);
const report = `reports/mutation/${process.env.MUTATION_MODULE ? names.join('+') : 'all'}`;
const tests = [...new Set(selected.flatMap((m) => m.tests))];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // ts-jest in ESM mode, as `npm run jest` runs it.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  // Each mutant runs only the tests that executed its code in the initial run.
  coverageAnalysis: 'perTest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      coverageThreshold: {},
      testMatch: tests.map((t) => `<rootDir>/__tests__/${t}.test.ts`),
    },
    enableFindRelatedTests: true,
  },
  mutate: [...new Set(selected.flatMap((m) => m.mutate))],
  ignorePatterns: ['coverage', 'reports', 'bench', 'examples', '.github', '.stryker-tmp'],
  // The development machine has 2 cores, shared.
  concurrency: 2,
  // A jest runner grows with every mutant it runs (ESM module registries); past a few hundred
  // runs it spends its time collecting garbage (4.6 GiB, 7 mutants a minute). A fresh one every
  // 40 mutants keeps the pace.
  maxTestRunnerReuse: 40,
  timeoutMS: 30000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `${report}.html` },
  jsonReporter: { fileName: `${report}.json` },
  // `--incremental` reuses a module's last results for the mutants and tests that did not change.
  incrementalFile: `${report}.incremental.json`,
  // One folder per module, so that two modules can run at once (each cleans only its own).
  tempDirName: `.stryker-tmp/${process.env.MUTATION_MODULE ? names.join('+') : 'all'}`,
  cleanTempDir: true,
  thresholds: { high: 90, low: 85, break: null },
};
