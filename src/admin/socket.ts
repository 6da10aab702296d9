/**
 * The admin socket: a unix socket, readable by the service's user only, on
 * which a running service takes operator commands. The embedded database can
 * be opened by one process only, so the CLI talks to the service through it
 * instead of opening a second copy.
 */
import fs from 'node:fs';
import http from 'node:http';
import { isFault } from '../domain/faults';
import { logger } from '../log';
import type { Services } from '../services/context';
import { runAdminCommand, type AdminCommand } from './commands';

const MAX_BODY = 64 * 1024;

export async function listenAdminSocket(svc: Services, socketPath: string): Promise<http.Server> {
  fs.rmSync(socketPath, { force: true });
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
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  } finally {
    process.umask(old);
  }
  return server;
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
