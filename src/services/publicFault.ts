/**
 * What a client may be told of a failure. A fault is its own answer; anything
 * else (an I/O error naming server paths, a bug) is logged whole and becomes
 * a short reason, so no server path or internal message reaches an answer or
 * a job's error summary.
 */
import { fault, isFault, type FaultName, type VOSpaceFault } from '../domain/faults';
import { logger } from '../log';

export function publicFault(e: unknown, context: Record<string, unknown>, name: FaultName = 'TransferFailed', reason = 'the transfer failed on the server'): VOSpaceFault {
  if (isFault(e)) return e;
  logger.error({ err: e, ...context }, reason);
  return fault(name, `${reason}; the error is logged`);
}
