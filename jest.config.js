// Three projects: fast tests that need no Firebase emulators; the deploy artifact and builds; and
// the suite that talks HTTP to the real functions running in the Functions emulator (started once
// by test/harness/global-setup.ts).
const ts = ['ts-jest', { tsconfig: 'tsconfig.json' }];
// oauth4webapi (a test dependency) ships only ES modules: compiled to CommonJS for jest like our sources.
const esmOnly = ['oauth4webapi'];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ts, [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/emulators/**/*.test.ts'] },
    // The production artifact and builds: no emulators; the artifact test installs from the npm registry.
    { ...common, displayName: 'deploy', testMatch: ['<rootDir>/test/deploy/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/harness/seal-after-file.ts'],
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
};
