/**
 * The one place a failure becomes an HTTP answer: `text/plain`, starting with
 * the fault name (`NodeNotFound: vos://…`), with the fault's status.
 */
import type { Socket } from 'node:net';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { fault, isFault, type VOSpaceFault } from '../domain/faults';
import { logger } from '../log';

/** After a 413 we read and discard at most this much, so the client sees the answer, then hang up. */
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;
const DRAIN_MAX_MS = 5000;

export function toFault(err: unknown): VOSpaceFault {
  if (isFault(err)) return err;
  const status = (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return fault(status === 413 ? 'RequestTooLarge' : 'InvalidArgument', (err as Error).message);
  }
  logger.error({ err }, 'internal fault');
  return fault('InternalFault', 'the service failed; the error is logged');
}

/**
 * Lets the client finish sending (up to a bound) so it reads our answer
 * instead of a reset, then ends the connection; past the bound we hang up.
 * No `Connection: close` header: with it Node closes the socket the moment
 * the answer is sent, while the body is still arriving, and the kernel
 * resets the connection before the client reads the answer.
 */
function drainAfterAnswer(req: Request, socket: Socket): void {
  let seen = 0;
  const stop = () => socket.destroy();
  const timer = setTimeout(stop, DRAIN_MAX_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_MAX_BYTES) stop();
  });
  req.on('end', () => {
    clearTimeout(timer);
    socket.end();
  });
  req.resume();
}

function hasUnreadBody(req: Request): boolean {
  const declared = req.headers['content-length'];
  return !req.complete && ((declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined);
}

export function sendFault(req: Request, res: Response, f: VOSpaceFault): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Refused before its body was read (413, or an upload refused up front): let the client finish sending.
  // A request that was destroyed unread (an ABORT, a failed write) has let go of its socket; the answer still has it.
  const socket = req.socket ?? res.socket;
  if (socket && hasUnreadBody(req)) drainAfterAnswer(req, socket);
  res.status(f.status).type('text/plain; charset=utf-8').send(`${f.fault}: ${f.detail || f.fault}\n`);
}

export const faultHandler: ErrorRequestHandler = (err, req, res, _next) => {
  sendFault(req, res, toFault(err));
};
