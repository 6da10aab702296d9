import type http from 'node:http';

/**
 * Stops a server: no new connections, and every keep-alive connection closed
 * as soon as it is idle. One closeIdleConnections() call is not enough: a
 * response still in flight leaves its connection open after it finishes,
 * until the keep-alive timeout (minutes), holding shutdown up. Requests still
 * running after `graceMs` (default: no limit) have their connections cut.
 */
export function closeServer(server: http.Server, graceMs?: number): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const cut = graceMs === undefined ? undefined : setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
