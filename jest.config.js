/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // The fault suite takes minutes: `npm run test:faults` (jest.faults.config.js) runs it, and so does .ci/run.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/faults/'],
  // The process tests start the built server (dist/main.js), as `npm start` does.
  globalSetup: '<rootDir>/tests/global-setup.ts',
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Suites that start servers or databases need more than the default 5 s on a 2-core machine.
  testTimeout: 30000,
};
