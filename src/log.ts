import pino from 'pino';

/**
 * One logger for the service: JSON lines on stderr; LOG_LEVEL=debug for more,
 * silent in tests. Lines are written asynchronously: under load, lines that
 * wait while one write is in flight go out together in the next, where a
 * synchronous write per request line cost ~6% of a busy service's CPU. Lines
 * still waiting are written at process exit (pino flushes on 'exit'); only a
 * kill -9 or a native crash can lose the last few.
 */
export const logger = pino(
  { level: process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info') },
  pino.destination({ dest: 2, sync: false }),
);
