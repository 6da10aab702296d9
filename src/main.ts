/** npm start: serve the metadata service until SIGINT/SIGTERM. */
import './productionMode';
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
    const grace = config.space.shutdownGraceSeconds;
    logger.info({ signal, graceSeconds: grace }, 'shutting down: no new connections; requests in flight may finish');
    // Should closing hang (a stuck database), do not outlive the grace by much.
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, (grace + 15) * 1000).unref();
    try {
      await running.close(grace * 1000);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
    logger.info('shut down');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  process.stderr.write(`vospace: ${(e as Error).message}\n`);
  process.exit(1);
});
