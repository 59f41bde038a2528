import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchAttachment, FetchPolicy, isOwnChannelAttachment } from '../../dialogs/proof/fetchAttachment';

describe('fetching an attachment (size cap, timeout, allowed origins only)', () => {
  let server: Server;
  let origin: string;
  let hits: string[];
  beforeAll(async () => {
    hits = [];
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/ok.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      } else if (req.url === '/declared-big') {
        res.writeHead(200, { 'content-length': String(5000) });
        res.end(Buffer.alloc(5000));
      } else if (req.url === '/streamed-big') {
        res.writeHead(200); // chunked, no length: the cap applies while reading
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000));
        res.end();
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/' });
        res.end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2000).unref();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const policy = (): FetchPolicy => ({ allowedOrigins: [origin], maxBytes: 4096, timeoutMs: 300 });

  it('downloads from an allowed origin', async () => {
    const r = await fetchAttachment(`${origin}/ok.png`, policy());
    expect(r).toMatchObject({ ok: true, contentType: 'image/png' });
    expect(r.ok && r.bytes.length).toBe(4);
  });

  it.each([
    ['another origin', 'http://169.254.169.254/latest/meta-data', 'not_allowed'],
    ['a file: URL', 'file:///etc/passwd', 'not_allowed'],
    ['a same-host URL on another port', 'http://127.0.0.1:1/x', 'not_allowed'],
  ])('never requests %s', async (_n, url, error) => {
    const before = hits.length;
    expect(await fetchAttachment(url, policy())).toEqual({ ok: false, error });
    expect(hits.length).toBe(before);
  });

  it('refuses too large files, by declared length and while streaming', async () => {
    expect(await fetchAttachment(`${origin}/declared-big`, policy())).toEqual({ ok: false, error: 'too_large' });
    expect(await fetchAttachment(`${origin}/streamed-big`, policy())).toEqual({ ok: false, error: 'too_large' });
  });

  it('does not follow redirects, and gives up after the timeout', async () => {
    expect(await fetchAttachment(`${origin}/redirect`, policy())).toEqual({ ok: false, error: 'download_failed' });
    const started = Date.now();
    expect(await fetchAttachment(`${origin}/slow`, policy())).toEqual({ ok: false, error: 'download_failed' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await fetchAttachment(`${origin}/missing`, policy())).toEqual({ ok: false, error: 'download_failed' });
  });

  it('decodes data: URLs with the same cap', async () => {
    expect(await fetchAttachment(`data:image/png;base64,${Buffer.alloc(10).toString('base64')}`, policy())).toMatchObject({ ok: true });
    expect(await fetchAttachment(`data:image/png;base64,${Buffer.alloc(5000).toString('base64')}`, policy())).toEqual({ ok: false, error: 'too_large' });
    expect(await fetchAttachment('data:image/png;base64,', policy())).toEqual({ ok: false, error: 'empty' });
  });

  it("accepts this instance's own Direct Line attachment links (its own origins, attachment path only)", async () => {
    const own = [origin];
    const link = `${origin}/v3/directline/conversations/c1/attachments/a1?sig=x`;
    expect(isOwnChannelAttachment(link, own)).toBe(true);
    expect(isOwnChannelAttachment(`${origin}/admin`, own)).toBe(false);
    expect(isOwnChannelAttachment(link.replace(origin, 'http://127.0.0.1:6379'), own)).toBe(false);
    expect(isOwnChannelAttachment('http://10.0.0.5/v3/directline/conversations/c/attachments/a', own)).toBe(false);
    expect(isOwnChannelAttachment(link, [])).toBe(false);
    const r = await fetchAttachment(link, { ...policy(), allowedOrigins: [], ownOrigins: () => own });
    expect(r).toEqual({ ok: false, error: 'download_failed' }); // allowed, requested: the test server answers 404
    expect(hits.at(-1)).toBe('/v3/directline/conversations/c1/attachments/a1?sig=x');
  });

  it("never takes the activity's serviceUrl as proof that a link is the bot's own", async () => {
    // An attacker posts an activity whose serviceUrl and attachment both name another local service.
    const before = hits.length;
    const link = `${origin}/v3/directline/conversations/c1/attachments/a1?sig=x`;
    const r = await fetchAttachment(link, { ...policy(), allowedOrigins: [], ownOrigins: () => ['http://127.0.0.1:1'] });
    expect(r).toEqual({ ok: false, error: 'not_allowed' });
    expect(hits.length).toBe(before);
  });
});
