import pino from 'pino';
import SonicBoom from 'sonic-boom';

/**
 * Lines are gathered up to 4 KiB and written together, at least every
 * FLUSH_MS, and whatever is left when the process exits: a write per line,
 * which the event loop hands to a worker thread and back, cost more of a
 * metadata request's CPU than the line itself. Only a process killed outright
 * (SIGKILL, out of memory) loses its last FLUSH_MS of lines.
 */
const FLUSH_MS = 250;
/** Lines held while stderr takes none (a reader that stopped reading); more are dropped. */
const MAX_HELD = 16 * 1024 * 1024;
/** At exit, how many times a full stderr is tried again, 100 ms apart, before its last lines are given up. */
const EXIT_RETRIES = 20;

const level = process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info');

/**
 * JSON lines on stderr, written by sonic-boom directly rather than through
 * pino.destination: pino's version of it, at the exit of a process whose
 * stderr's reader had gone since its last write (a log shipper or a
 * supervisor's pipe that died), tried the last lines again every 100 ms
 * forever, so a SIGTERMed service never exited (seen in a bench run, and
 * test/process/stderrGone.test.ts). Here a write that fails stops the
 * logging, and the flush at exit gives up.
 *
 * Silent, there is nothing to flush, and no periodic flush nor flush at exit
 * is set up: every Jest test file loads this module again, and each timer
 * wrote to stderr even when idle (a worker was seen with 30 such writes
 * pending at once).
 */
/** How many more times a full stderr is tried again: without end while the process runs (MAX_HELD bounds what waits). */
let retriesLeft = Infinity;
const stderr = new SonicBoom({
  fd: 2,
  minLength: 4096,
  maxLength: MAX_HELD,
  periodicFlush: level === 'silent' ? 0 : FLUSH_MS,
  retryEAGAIN: () => retriesLeft-- > 0,
});

const off = () => undefined;
/** stderr cannot be written (EPIPE: no reader; or after EXIT_RETRIES it stayed full): nothing more goes to it. */
function stopLogging(): void {
  Object.assign(stderr, { write: () => true, flush: off, flushSync: off });
}
stderr.on('error', stopLogging);
if (level !== 'silent') {
  process.on('exit', () => {
    retriesLeft = EXIT_RETRIES;
    try {
      stderr.flushSync();
    } catch {
      // stderr is gone: its last lines with it
    }
  });
}

export const logger = pino({ level }, stderr);
