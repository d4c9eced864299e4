// One Jest configuration for the whole monorepo: pure unit specs beside the code (*.spec.ts) and integration specs
// against real Postgres, Redis and Kafka (*.int-spec.ts). Select one with `--selectProjects unit|integration`.
const fs = require('node:fs');
const path = require('node:path');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcrc.$schema;
swcrc.jsc.baseUrl = __dirname;

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper: {
    '^@outpost/(contracts|messaging|audit|platform|clock|screening|testing)$': '<rootDir>/libs/$1/src/index.ts',
  },
  // A few dependencies ship ESM only; Jest (unlike Node 20.19+) cannot require() them untransformed.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/', '<rootDir>/services/admin-ui/'],
};

module.exports = {
  // Integration tests talk to real services; Jest only honours testTimeout at the top level.
  testTimeout: 60000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{services,libs,bench,deploy}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{services,libs,bench,deploy}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
    },
  ],
};
