/**
 * A storage server on its own (node dist/storage-server/main.js --config FILE),
 * for spaces on PostgreSQL: run several, on several hosts; each registers its
 * URL and gets a share of the endpoints. With the embedded database, which one
 * process owns, `npm start` runs the storage server inside the service instead.
 */
import '../src/productionMode';
import 'reflect-metadata';
import { Command } from 'commander';
import { loadConfig } from '../src/config';
import { collectWhenIdle } from '../src/idleCollect';
import { openServices } from '../src/services/open';
import { stopOnSignals } from '../src/stopOnSignals';
import { StorageServer } from './server';

async function main(): Promise<void> {
  const opts = new Command('vospace-storage').option('--config <file>', 'INI configuration file').parse().opts<{ config?: string }>();
  const config = loadConfig(opts.config);
  if (!config.space.dsn) {
    throw new Error('a standalone storage server needs [Space] dsn (PostgreSQL); with the embedded database, npm start runs it');
  }
  const { svc, close } = await openServices(config, { poolMax: 10 });
  const running = await new StorageServer(svc).listen();
  process.stdout.write(`VOSpace storage server listening on ${running.url} (bytes under ${config.storage.rootDir})\n`);
  collectWhenIdle();
  stopOnSignals(config.space.shutdownGraceSeconds, 'transfers', async (graceMs) => {
    await running.close(graceMs);
    await close();
  });
}

main().catch((e) => {
  process.stderr.write(`vospace-storage: ${(e as Error).message}\n`);
  process.exit(1);
});
