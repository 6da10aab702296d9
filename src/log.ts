import pino from 'pino';

/** One logger for the service: JSON lines on stderr; LOG_LEVEL=debug for more, silent in tests. */
export const logger = pino(
  { level: process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info') },
  pino.destination(2),
);
