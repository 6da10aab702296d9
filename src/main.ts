/** npm start: serve the metadata service until SIGINT/SIGTERM. */
import './productionMode';
import 'reflect-metadata';
import { Command } from 'commander';
import { loadConfig } from './config';
import { collectWhenIdle } from './idleCollect';
import { startService } from './server';
import { stopOnSignals } from './stopOnSignals';

async function main(): Promise<void> {
  const opts = new Command('vospace-server')
    .option('--config <file>', 'INI configuration file (default: $VOSPACE_CONFIG, else built-in defaults)')
    .parse()
    .opts<{ config?: string }>();
  const config = loadConfig(opts.config);
  const running = await startService(config);
  const where = config.space.dsn ? `PostgreSQL ${config.space.dsn.replace(/\/\/[^@/]*@/, '//***@')}` : `embedded ${config.space.dataDir}`;
  process.stdout.write(
    `VOSpace metadata service listening on ${running.url} (GraphQL: ${running.url.replace(/\/vospace$/, '/graphql')})\n` +
      `storage server: ${running.storage?.url ?? 'none'} (bytes under ${config.storage.rootDir})\n` +
      `database: ${where}; node URIs: vos://${config.space.uri}!vospace/…\n`,
  );
  collectWhenIdle();
  stopOnSignals(config.space.shutdownGraceSeconds, 'requests', (graceMs) => running.close(graceMs));
}

main().catch((e) => {
  process.stderr.write(`vospace: ${(e as Error).message}\n`);
  process.exit(1);
});
