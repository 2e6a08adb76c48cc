/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  collectCoverageFrom: ['src/checks/**/*.ts', 'src/verdict/**/*.ts', 'src/config/**/*.ts'],
  coverageThreshold: { global: { lines: 95, branches: 85 } },
  coverageReporters: ['text-summary'],
  testTimeout: 30000,
};
