import type { Server } from 'node:http';

/**
 * Stops accepting connections and waits for the requests in flight to finish. Keep-alive
 * connections are closed as soon as they are idle; after `timeoutMs` every connection still
 * open (a slow request, a client that stalls mid-request) is closed too, so the wait is bounded.
 * Resolves with whether it had to force that. `atDeadline` runs just before those are closed.
 */
export function drainHttpServer(server: Server, timeoutMs: number, atDeadline: () => void = () => {}): Promise<{ forced: boolean }> {
  return new Promise((resolve) => {
    let forced = false;
    // A response finished during the drain leaves its keep-alive socket idle: close those as they come.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => {
      forced = true;
      atDeadline();
      server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearInterval(idleSweep);
      clearTimeout(deadline);
      resolve({ forced });
    });
    server.closeIdleConnections();
  });
}
