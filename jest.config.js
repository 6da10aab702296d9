/** Tests run TypeScript through SWC, which (unlike esbuild) emits the decorator metadata type-graphql needs. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The portal's browser tests run apart: npm run test:browser (jest.browser.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs', ignoreDynamic: true },
    }],
  },
  testTimeout: 60000,
  maxWorkers: 2,
};
