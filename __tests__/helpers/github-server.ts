/**
 * A local fake of GitHub's REST API (or of any HTTP service, e.g. blob storage) for tests.
 *
 * A real `node:http` server on 127.0.0.1 with an ephemeral port: the code under test talks to it
 * with real sockets (global `fetch`, Octokit…); nothing leaves the machine. Tests register routes,
 * and every request is recorded (method, path, query, headers) so that tests can assert what was
 * sent, e.g. that a token reached the API and never the blob storage.
 *
 * Requests that match no route get HTTP 501 and are listed in {@link FakeServer.unmatched}, so a
 * mistyped route fails loudly instead of looking like a GitHub 404.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as received, e.g. `/repos/o/r/attestations/sha256:ab…?per_page=100`. */
  url: string;
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names, as Node gives them. */
  headers: http.IncomingHttpHeaders;
}

export type RouteHandler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

interface Route {
  method: string;
  path: string | RegExp;
  handler: RouteHandler;
}

export class FakeServer {
  /** Every request received, in order (matched or not). */
  readonly requests: RecordedRequest[] = [];
  /** Requests no route matched (answered 501). */
  readonly unmatched: RecordedRequest[] = [];
  private routes: Route[] = [];

  private constructor(
    private readonly server: http.Server,
    /** `http://127.0.0.1:PORT`, no trailing slash. */
    readonly url: string,
  ) {}

  /** Starts a server on 127.0.0.1 with an ephemeral port. */
  static async start(): Promise<FakeServer> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeServer(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      void fake.handle(req, res);
    });
    return fake;
  }

  /**
   * Adds a route. `path` is matched against the path without the query: a string exactly, a
   * RegExp with `test`. Later routes win over earlier ones, so a test can override a default.
   */
  route(method: string, path: string | RegExp, handler: RouteHandler): this {
    this.routes.unshift({ method: method.toUpperCase(), path, handler });
    return this;
  }

  /** Requests whose path (without query) is `path`. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Forgets routes and recorded requests (between tests). */
  reset(): void {
    this.routes = [];
    this.requests.length = 0;
    this.unmatched.length = 0;
  }

  /** Closes the server, dropping open connections (e.g. requests a test never answered). */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((err) => (err ? reject(err) : resolve())),
    );
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', this.url);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: req.headers,
    };
    this.requests.push(recorded);
    // Drain any request body; these are GETs, but a client may still send one.
    req.resume();
    const route = this.routes.find(
      (r) =>
        r.method === recorded.method &&
        (typeof r.path === 'string' ? r.path === recorded.path : r.path.test(recorded.path)),
    );
    if (!route) {
      this.unmatched.push(recorded);
      sendJson(res, 501, { message: `no route for ${recorded.method} ${recorded.path}` });
      return;
    }
    try {
      await route.handler(recorded, res);
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { message: `route threw: ${String(err)}` });
      else res.destroy();
    }
  }
}

/** Writes a JSON response. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Writes a binary response. */
export function sendBytes(
  res: http.ServerResponse,
  status: number,
  body: Uint8Array,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/octet-stream',
    'content-length': String(body.byteLength),
    ...headers,
  });
  res.end(body);
}

/**
 * Compresses with raw (unframed) snappy using literals only: valid snappy that any decoder must
 * accept, the way blob storage serves attestation bundles. Literal chunks cycle through sizes
 * that use every literal-length encoding (in the tag, and 1, 2, 3 extra bytes).
 */
export function snappyLiteralCompress(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let n = data.length;
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  const sizes = [1, 60, 61, 256, 257, 70_000];
  let ip = 0;
  for (let i = 0; ip < data.length; i++) {
    const len = Math.min(sizes[i % sizes.length]!, data.length - ip);
    const m = len - 1;
    if (m < 60) out.push(m << 2);
    else if (m < 1 << 8) out.push(60 << 2, m);
    else if (m < 1 << 16) out.push(61 << 2, m & 0xff, m >>> 8);
    else out.push(62 << 2, m & 0xff, (m >>> 8) & 0xff, m >>> 16);
    for (let j = 0; j < len; j++) out.push(data[ip + j]!);
    ip += len;
  }
  return Uint8Array.from(out);
}
