import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../logger';
import type { StreamHub, Listener } from './hub';
import type { ActivityStore, StoredActivity } from './store';

/*
 * The Direct Line WebSocket stream: `GET {streamUrl}` upgraded, authorised by the short-lived stream
 * token in `t=` (the stream URL comes from POST /conversations or GET /conversations/{id}).
 *
 * Each message is `{"activities":[...],"watermark":"N"}`, as the real service sends. On connect the
 * client gets everything after the watermark in the URL (all of it when there is none: that is how a
 * reloaded page gets its history back), then every new activity as it is appended, whichever
 * instance appended it (see hub.ts). The client's own messages to the socket (directlinejs sends an
 * empty string every 20 s to keep it alive) are ignored; the server pings every 30 s and drops a
 * socket that does not answer.
 */

export interface StreamOptions {
  path: RegExp;
  /** Checks the request and returns the starting watermark; throws an error with `status` to refuse. */
  authorize: (conversationId: string, req: IncomingMessage) => Promise<number>;
  store: ActivityStore;
  hub: StreamHub;
  toClient: (a: StoredActivity) => StoredActivity;
  logger: Logger;
  pingMs?: number;
}

class StreamConnection implements Listener {
  private busy = false;
  private again = false;
  alive = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly conv: string,
    private watermark: number,
    private readonly opts: StreamOptions,
  ) {}

  wake(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      do {
        this.again = false;
        if (this.ws.readyState !== WebSocket.OPEN) return;
        const { activities, watermark } = await this.opts.store.read(this.conv, this.watermark, 100);
        if (activities.length === 0) continue;
        this.watermark = watermark;
        this.ws.send(JSON.stringify({ activities: activities.map(this.opts.toClient), watermark: String(watermark) }));
        if (activities.length === 100) this.again = true;
      } while (this.again);
    } catch (err) {
      // Redis unreachable for a moment: the next wake-up or sweep tries again from the same watermark.
      this.opts.logger.warn({ err: (err as Error).message, conversationId: this.conv }, 'directline: stream read failed');
    } finally {
      this.busy = false;
    }
  }
}

/** Handles the stream's upgrades on `server`; returns a function that closes every stream. */
export function attachStream(server: HttpServer, opts: StreamOptions): () => Promise<void> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024, perMessageDeflate: false });
  const connections = new Map<WebSocket, StreamConnection>();

  const refuse = (socket: Duplex, status: number, message: string) => {
    if (socket.writable) {
      socket.end(`HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
    }
    socket.destroy();
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = (req.url ?? '').split('?')[0];
    const m = opts.path.exec(pathname);
    if (!m) return; // another module's upgrade
    const conv = decodeURIComponent(m[1]);
    opts
      .authorize(conv, req)
      .then((watermark) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          const conn = new StreamConnection(ws, conv, watermark, opts);
          connections.set(ws, conn);
          opts.hub.add(conv, conn);
          ws.on('pong', () => (conn.alive = true));
          ws.on('message', () => undefined);
          ws.on('error', () => undefined);
          ws.on('close', () => {
            opts.hub.remove(conv, conn);
            connections.delete(ws);
          });
          conn.wake();
        });
      })
      .catch((err: { status?: number; message?: string }) => {
        const status = err.status ?? 503;
        if (status >= 500) opts.logger.warn({ err: err.message }, 'directline: stream refused');
        refuse(socket, status, status === 429 ? 'Too Many Requests' : status === 404 ? 'Not Found' : status === 403 ? 'Forbidden' : 'Service Unavailable');
      });
  };
  server.on('upgrade', onUpgrade);

  const ping = setInterval(() => {
    for (const [ws, conn] of connections) {
      if (!conn.alive) {
        ws.terminate();
        continue;
      }
      conn.alive = false;
      ws.ping();
    }
  }, opts.pingMs ?? 30000);
  ping.unref();

  return async () => {
    server.off('upgrade', onUpgrade);
    clearInterval(ping);
    const closed = [...connections.keys()].map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close(1001, 'server shutting down');
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 1000).unref();
        }),
    );
    await Promise.all(closed);
    wss.close();
  };
}
