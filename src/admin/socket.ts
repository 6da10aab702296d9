/**
 * The admin socket: a unix socket, readable by the service's user only, on
 * which a running service takes operator commands. The embedded database can
 * be opened by one process only, so the CLI talks to the service through it
 * instead of opening a second copy.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { isFault } from '../domain/faults';
import { logger } from '../log';
import type { Services } from '../services/context';
import { runAdminCommand, type AdminCommand } from './commands';

const MAX_BODY = 64 * 1024;

export async function listenAdminSocket(svc: Services, socketPath: string): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      let text = '';
      for await (const chunk of req) {
        text += chunk;
        if (text.length > MAX_BODY) return reply(413, { error: 'RequestTooLarge: command too long' });
      }
      reply(200, { result: await runAdminCommand(svc, JSON.parse(text) as AdminCommand) });
    } catch (e) {
      if (!isFault(e)) logger.error({ err: e }, 'admin command failed');
      reply(isFault(e) ? e.status : 500, { error: (e as Error).message });
    }
  });
  let old: number | undefined;
  try {
    // Directories made here are the owner's alone, as the socket is. (Node reports a missing one as EACCES.)
    fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    fs.rmSync(socketPath, { force: true });
    old = process.umask(0o177);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`cannot make the admin socket ${socketPath}: ${why(err)}${err.code ? ` (${err.code})` : ''}; set admin_socket in [Space] to another path`);
  } finally {
    if (old !== undefined) process.umask(old);
  }
  return server;
}

/** Plain words for why a unix socket could not be made. */
function why(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'no permission to create it there';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is not a directory';
    case 'EADDRINUSE':
      return 'another process is listening on it';
    case 'EINVAL':
    case 'ENAMETOOLONG':
      return 'the path is too long for a unix socket (at most 107 bytes)';
    default:
      return e.message;
  }
}

/** Sends a command to a running service; undefined when none is listening on the socket. */
export async function sendAdminCommand(socketPath: string, c: AdminCommand): Promise<{ result?: unknown; error?: string } | undefined> {
  if (!fs.existsSync(socketPath)) return undefined;
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: 'POST', path: '/', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => (['ECONNREFUSED', 'ENOENT'].includes(e.code ?? '') ? resolve(undefined) : reject(e)));
    req.end(JSON.stringify(c));
  });
}
