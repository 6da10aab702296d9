/** npm start: serve the metadata service until SIGINT/SIGTERM. */
import 'reflect-metadata';
import { Command } from 'commander';
import { loadConfig } from './config';
import { logger } from './log';
import { startService } from './server';

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
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  process.stderr.write(`vospace: ${(e as Error).message}\n`);
  process.exit(1);
});
