/**
 * Imported first by the service and the storage server: libraries read
 * NODE_ENV when they load. Outside production, graphql-js checks every type
 * test against copies of itself and Apollo puts stack traces in errors; the
 * test suites, which import modules directly, keep their NODE_ENV=test.
 */
process.env.NODE_ENV ??= 'production';
