#!/usr/bin/env node
// node bench/service-nostorage.cjs --config INI
// The metadata service WITHOUT its in-process storage server
// (startService(config, { storage: false })), so that transfers go to a
// standalone `node dist/storage-server/main.js` (PostgreSQL only). Used by
// bench/storage.mjs; dist/src/main.js has no switch for this.
require('reflect-metadata');
const { loadConfig } = require('../dist/src/config.js');
const { startService } = require('../dist/src/server.js');

const at = process.argv.indexOf('--config');
const config = loadConfig(at > 0 ? process.argv[at + 1] : undefined);
startService(config, { storage: false }).then(
  (running) => {
    process.stdout.write(`VOSpace metadata service (no storage server) listening on ${running.url}\n`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      running.close(5000).then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  },
  (e) => {
    process.stderr.write(`service-nostorage: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
