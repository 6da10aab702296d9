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
  // A worker that has run some 35 files ends 0.5–0.7 s after its exit event: V8 and the kernel
  // give back its heap and the embedded databases' WebAssembly memory (seen with strace, no handle
  // left open). Jest's default of 0.5 s then kills it and blames a leak.
  workerGracefulExitTimeout: 3000,
};
