import pino from 'pino';

/**
 * Lines are gathered up to 4 KiB and written together, at least every
 * FLUSH_MS, and whatever is left when the process exits (pino flushes on
 * exit): a write per line, which the event loop hands to a worker thread and
 * back, cost more of a metadata request's CPU than the line itself. Only a
 * process killed outright (SIGKILL, out of memory) loses its last FLUSH_MS of lines.
 */
const FLUSH_MS = 250;

const level = process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info');

/**
 * One logger for the service: JSON lines on stderr; LOG_LEVEL=debug for more, silent in tests.
 * Silent, it has nothing to flush: its periodic flush writes to stderr even when idle, and every
 * Jest test file loads this module again with a timer of its own that nothing stops (a worker was
 * seen with 30 such writes pending at once).
 */
export const logger = pino({ level }, pino.destination({ dest: 2, minLength: 4096, periodicFlush: level === 'silent' ? 0 : FLUSH_MS }));
