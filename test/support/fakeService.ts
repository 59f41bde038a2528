import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers with a JSON body (a string is sent as it is, to test broken bodies). */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/**
 * A real local HTTP server standing in for one of the services an HTTP adapter calls; `answer` is
 * called for every request (tests pass one that calls the handler the test set). Registers its own
 * jest hooks: started before the file's tests, closed after; the requests seen are cleared before each test.
 */
export function fakeService(answer: Handler, path = '/api/v1'): { readonly baseUrl: string; readonly requests: SeenRequest[] } {
  let server: Server;
  const state = { baseUrl: '', requests: [] as SeenRequest[] };
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        answer(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    state.requests.length = 0;
  });
  return {
    get baseUrl() {
      return state.baseUrl;
    },
    requests: state.requests,
  };
}
