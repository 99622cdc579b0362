import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible provider over real HTTP (node:http), for what MSW's interception
 * cannot play faithfully: a client (our BFF) that aborts a response midway. `answer` builds the
 * response for each request body, as an MSW handler would; its body is piped as it is pulled, and
 * cancelled when the connection closes. Run as a process of its own by stream-first-token.test.ts.
 */
export async function startFakeOpenAi(answer: (body: unknown) => Response | Promise<Response>): Promise<{ baseUrl: string; close(): Promise<void> }> {
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const response = await answer(body);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    res.once('close', () => void reader.cancel().catch(() => {}));
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (!res.write(value)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
      }
      res.end();
    } catch {
      // The scripted body broke off: the connection is cut, as a provider's would be.
      res.destroy();
    }
  }
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
