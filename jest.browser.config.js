/** The portal's browser tests (test/browser): one file at a time, each with its own service and Chromium. */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/test/browser'], testPathIgnorePatterns: [], maxWorkers: 1, testTimeout: 120000 };
