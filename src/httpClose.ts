import type http from 'node:http';

/**
 * Stops a server: no new connections, and every keep-alive connection closed
 * as soon as it is idle. One closeIdleConnections() call is not enough: a
 * response still in flight leaves its connection open after it finishes,
 * until the keep-alive timeout (minutes), holding shutdown up.
 */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
