// A loopback HTTP server that can be stopped (connections refused) and started again on the same port,
// for delivery tests that take a receiver down and bring it back. Subclasses answer whole requests.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class RestartableServer {
  private server: Server | undefined;
  /** 0 until the first start; the same port afterwards. */
  port = 0;

  /** Answers one request whose whole body has arrived. */
  protected abstract handle(body: Buffer, req: IncomingMessage, res: ServerResponse): void;

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => this.handle(Buffer.concat(chunks), req, res));
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
