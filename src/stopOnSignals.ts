/**
 * Graceful stop of a server program on SIGINT/SIGTERM: `close` gets the grace
 * (in ms) for work in flight; should it hang (a stuck database), the process
 * does not outlive the grace by much.
 */
import { logger } from './log';

export function stopOnSignals(graceSeconds: number, inFlight: string, close: (graceMs: number) => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceSeconds }, `shutting down: no new connections; ${inFlight} in flight may finish`);
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, (graceSeconds + 15) * 1000).unref();
    try {
      await close(graceSeconds * 1000);
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
