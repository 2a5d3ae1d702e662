/** The slow fault suite (tests/faults): real bot processes against misbehaving fakes. `npm run test:faults`. */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/tests/faults'],
  testPathIgnorePatterns: ['/node_modules/'],
  // One suite at a time: each starts bot processes and loads them hard; two at once on two cores measure nothing.
  maxWorkers: 1,
};
