/**
 * npm run test:s3: the storage conformance and transfer suites on the S3 backend,
 * against one real Ceph RADOS Gateway started for the run (test/helpers/rgw.ts).
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/storage', '<rootDir>/test/transfers'],
  globalSetup: '<rootDir>/test/helpers/rgwSetup.ts',
  globalTeardown: '<rootDir>/test/helpers/rgwTeardown.ts',
};
