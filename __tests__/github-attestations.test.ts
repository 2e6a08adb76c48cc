/**
 * fetchAttestations against a real HTTP server on 127.0.0.1 playing GitHub's REST API, and a
 * second one (another origin) playing the blob storage behind `bundle_url`. The bundle is the real
 * npm provenance bundle of sigstore@2.1.0 (fixtures/sigstore-real), the digest that of its tarball.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  fetchAttestations,
  maxSnappyCompressedLength,
  nextLink,
  redactUrl,
  snappyUncompress,
  type AttestationQuery,
} from '../src/adapters/github/attestations.js';
import { parseBundleFile } from '../src/adapters/sigstore/bundle.js';
import { GateError } from '../src/errors.js';
import {
  FakeServer,
  sendBytes,
  sendJson,
  snappyLiteralCompress,
  type RecordedRequest,
} from './helpers/github-server.js';

const REAL = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'sigstore-real');
const bundleText = readFileSync(path.join(REAL, 'sigstore-js-2.1.0-bundle.json'), 'utf8');
const bundle = JSON.parse(bundleText) as Record<string, unknown>;
const HEX = createHash('sha256')
  .update(readFileSync(path.join(REAL, 'sigstore-js-2.1.0.tgz')))
  .digest('hex');
const TOKEN = 'ghs_test-token-never-leaves-the-api';
const REPO_PATH = `/repos/sigstore/sigstore-js/attestations/sha256:${HEX}`;
const ORG_PATH = `/orgs/sigstore/attestations/sha256:${HEX}`;
const BLOB_PATH = '/attestations/blob-1';

let api: FakeServer;
let blobs: FakeServer;

beforeAll(async () => {
  [api, blobs] = await Promise.all([FakeServer.start(), FakeServer.start()]);
});
afterEach(() => {
  // A mistyped route would look like an upstream failure: make it visible.
  expect([...api.unmatched, ...blobs.unmatched].map((r) => r.url)).toEqual([]);
  api.reset();
  blobs.reset();
});
afterAll(async () => {
  await Promise.all([api.close(), blobs.close()]);
});

function query(extra: Partial<AttestationQuery> = {}): AttestationQuery {
  return {
    apiUrl: api.url,
    token: TOKEN,
    owner: 'sigstore',
    repo: 'sigstore-js',
    digest: { algorithm: 'sha256', hex: HEX },
    timeoutMs: 2_000,
    retryBaseDelayMs: 1,
    allowInsecureBundleHosts: ['127.0.0.1'],
    ...extra,
  };
}

/** Runs fetchAttestations and returns the GateError it must throw. */
async function gateError(q: AttestationQuery): Promise<GateError> {
  const thrown = await fetchAttestations(q).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(thrown).toBeInstanceOf(GateError);
  return thrown as GateError;
}

const blobUrl = () => `${blobs.url}${BLOB_PATH}?sv=2024&sig=SECRET-SAS-SIGNATURE`;

function serveBlob(body: Uint8Array = snappyLiteralCompress(Buffer.from(bundleText))): void {
  blobs.route('GET', BLOB_PATH, (_req, res) => sendBytes(res, 200, body));
}

function answerList(attestations: unknown[], path = REPO_PATH, headers = {}): void {
  api.route('GET', path, (_req, res) => sendJson(res, 200, { attestations }, headers));
}

const authOf = (r: RecordedRequest) => r.headers.authorization;

describe('fetchAttestations: listing', () => {
  it('returns inline bundles with their metadata, sending the GitHub headers and token', async () => {
    answerList([
      { bundle, repository_id: 123, bundle_url: null, initiator: 'github' },
      { bundle, repository_id: 123 },
    ]);
    const got = await fetchAttestations(query());
    expect(got).toEqual([
      { bundle, source: 'inline', repositoryId: 123, initiator: 'github' },
      { bundle, source: 'inline', repositoryId: 123 },
    ]);
    const [req] = api.requestsTo(REPO_PATH);
    expect(req?.headers.accept).toBe('application/vnd.github+json');
    expect(req?.headers['x-github-api-version']).toBe('2022-11-28');
    expect(authOf(req!)).toBe(`Bearer ${TOKEN}`);
    expect(req?.query.get('per_page')).toBe('100');
    expect(req?.query.has('predicate_type')).toBe(false);
    // What comes back is a real Sigstore bundle the bundle reader accepts.
    const parsed = parseBundleFile(JSON.stringify(got[0]?.bundle));
    expect(parsed).toEqual([expect.objectContaining({ ok: true, mediaType: bundle.mediaType })]);
  });

  it('sends no Authorization header when there is no token', async () => {
    answerList([{ bundle }]);
    await fetchAttestations(query({ token: undefined }));
    expect(authOf(api.requests[0]!)).toBeUndefined();
  });

  it('uses the organization endpoint when repo is omitted', async () => {
    answerList([{ bundle, repository_id: 7 }], ORG_PATH);
    const got = await fetchAttestations(query({ repo: undefined }));
    expect(got).toEqual([{ bundle, source: 'inline', repositoryId: 7 }]);
    expect(api.requests.map((r) => r.path)).toEqual([ORG_PATH]);
  });

  it('keeps a path prefix of the API URL (GitHub Enterprise Server: /api/v3)', async () => {
    answerList([{ bundle }], `/api/v3${REPO_PATH}`);
    await fetchAttestations(query({ apiUrl: `${api.url}/api/v3/` }));
    expect(api.requests.map((r) => r.path)).toEqual([`/api/v3${REPO_PATH}`]);
  });

  it('passes predicate_type', async () => {
    answerList([{ bundle }]);
    await fetchAttestations(query({ predicateType: 'https://slsa.dev/provenance/v1' }));
    expect(api.requests[0]?.query.get('predicate_type')).toBe('https://slsa.dev/provenance/v1');
  });

  it('follows the Link header over 2 pages, with the token on each', async () => {
    api.route('GET', REPO_PATH, (req, res) => {
      if (req.query.get('after') === 'cursor-2') {
        sendJson(res, 200, { attestations: [{ bundle, repository_id: 2 }] });
      } else {
        const next = `${api.url}${REPO_PATH}?per_page=100&after=cursor-2`;
        sendJson(
          res,
          200,
          { attestations: [{ bundle, repository_id: 1 }] },
          { link: `<${next}>; rel="next", <${next}>; rel="last"` },
        );
      }
    });
    const got = await fetchAttestations(query());
    expect(got.map((a) => a.repositoryId)).toEqual([1, 2]);
    expect(api.requests).toHaveLength(2);
    expect(api.requests.map(authOf)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it('stops at maxPages with an error, never a partial list', async () => {
    let n = 0;
    api.route('GET', REPO_PATH, (_req, res) => {
      n += 1;
      const next = `${api.url}${REPO_PATH}?after=c${n}`;
      sendJson(res, 200, { attestations: [{ bundle }] }, { link: `<${next}>; rel="next"` });
    });
    const err = await gateError(query({ maxPages: 3 }));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/more than 3 pages/);
    expect(api.requests).toHaveLength(3);
  });

  it('refuses a pagination link to another origin without following it', async () => {
    answerList([{ bundle }], REPO_PATH, { link: `<${blobs.url}/steal?after=x>; rel="next"` });
    const err = await gateError(query());
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/outside .*refusing to follow it with the token/);
    expect(blobs.requests).toHaveLength(0);
  });

  it('returns [] on 404 (no attestation, or no access to a private repository)', async () => {
    api.route('GET', REPO_PATH, (_req, res) => sendJson(res, 404, { message: 'Not Found' }));
    await expect(fetchAttestations(query())).resolves.toEqual([]);
    expect(api.requests).toHaveLength(1);
  });

  it('returns [] for an empty list', async () => {
    answerList([]);
    await expect(fetchAttestations(query())).resolves.toEqual([]);
  });
});

describe('fetchAttestations: bundle_url', () => {
  it('downloads and decompresses the bundle from another origin, without any credential', async () => {
    answerList([{ bundle: null, bundle_url: blobUrl(), repository_id: 99, initiator: 'user' }]);
    serveBlob();
    const got = await fetchAttestations(query());
    expect(got).toEqual([{ bundle, source: 'bundle_url', repositoryId: 99, initiator: 'user' }]);

    const [apiReq] = api.requests;
    expect(authOf(apiReq!)).toBe(`Bearer ${TOKEN}`);
    const [blobReq] = blobs.requests;
    expect(blobReq?.path).toBe(BLOB_PATH);
    expect(blobReq?.query.get('sig')).toBe('SECRET-SAS-SIGNATURE');
    expect(authOf(blobReq!)).toBeUndefined();
    expect(blobReq?.headers.cookie).toBeUndefined();
    expect(blobReq?.headers['x-github-api-version']).toBeUndefined();
    expect(JSON.stringify(blobReq?.headers)).not.toContain(TOKEN);
  });

  it('mixes inline and bundle_url attestations, keeping their order', async () => {
    answerList([
      { bundle: null, bundle_url: blobUrl(), repository_id: 1 },
      { bundle, repository_id: 2 },
      { bundle: null, bundle_url: blobUrl(), repository_id: 3 },
    ]);
    serveBlob();
    const got = await fetchAttestations(query());
    expect(got.map((a) => [a.repositoryId, a.source])).toEqual([
      [1, 'bundle_url'],
      [2, 'inline'],
      [3, 'bundle_url'],
    ]);
    expect(blobs.requests).toHaveLength(2);
  });

  it('refuses a plain-http bundle_url to a host that is not allowed, without fetching it', async () => {
    answerList([{ bundle: null, bundle_url: blobUrl() }]);
    serveBlob();
    const err = await gateError(query({ allowInsecureBundleHosts: undefined }));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/only https: bundle URLs are followed/);
    expect(err.message).not.toContain('SECRET-SAS-SIGNATURE');
    expect(blobs.requests).toHaveLength(0);
  });

  it('refuses a non-http(s) bundle_url and one with embedded credentials', async () => {
    for (const url of ['file:///etc/passwd', `http://user:pw@127.0.0.1/${BLOB_PATH}`]) {
      answerList([{ bundle: null, bundle_url: url }]);
      const err = await gateError(query());
      expect(err.code).toBe('upstream');
      expect(err.message).toMatch(/^refusing/);
      expect(err.message).not.toContain('pw@');
    }
    expect(blobs.requests).toHaveLength(0);
  });

  it('refuses a blob redirect to a plain-http host that is not allowed', async () => {
    answerList([{ bundle: null, bundle_url: blobUrl() }]);
    blobs.route('GET', BLOB_PATH, (_req, res) => {
      res.writeHead(302, { location: 'http://attacker.example/x' }).end();
    });
    const err = await gateError(query());
    expect(err.message).toMatch(/refusing to download .*attacker\.example/);
    expect(blobs.requests).toHaveLength(1);
  });

  it('follows a blob redirect that stays allowed, still without credentials', async () => {
    answerList([{ bundle: null, bundle_url: `${blobs.url}/moved` }]);
    blobs.route('GET', '/moved', (_req, res) => {
      res.writeHead(307, { location: BLOB_PATH }).end();
    });
    serveBlob();
    const got = await fetchAttestations(query());
    expect(got[0]?.bundle).toEqual(bundle);
    expect(blobs.requests.map((r) => [r.path, authOf(r)])).toEqual([
      ['/moved', undefined],
      [BLOB_PATH, undefined],
    ]);
  });

  it.each([
    ['truncated snappy', () => snappyLiteralCompress(Buffer.from(bundleText)).subarray(0, 5_000)],
    ['garbage', () => Buffer.from('this is not snappy at all, just text')],
    ['empty body', () => new Uint8Array(0)],
  ])('fails on %s', async (_name, body) => {
    answerList([{ bundle: null, bundle_url: blobUrl() }]);
    serveBlob(body());
    const err = await gateError(query());
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/is not valid snappy-compressed data/);
    expect(err.message).not.toContain('SECRET-SAS-SIGNATURE');
  });

  it('fails on valid snappy that is not a bundle', async () => {
    for (const text of ['{"mediaType": 1}', '[1,2]', 'not json']) {
      answerList([{ bundle: null, bundle_url: blobUrl() }]);
      serveBlob(snappyLiteralCompress(Buffer.from(text)));
      const err = await gateError(query());
      expect(err.message).toMatch(/is not (a Sigstore bundle|JSON)/);
    }
  });

  it('refuses a download larger than maxBundleBytes can compress to, without reading it all', async () => {
    answerList([{ bundle: null, bundle_url: blobUrl() }]);
    serveBlob(); // ~10.5 kB of literal-only snappy
    const err = await gateError(query({ maxBundleBytes: 5_000 }));
    expect(err.message).toMatch(/more than the 5865 (bytes )?accepted/);
    expect(blobs.requests).toHaveLength(1); // not retried
  });

  it('refuses a bundle announcing more than maxBundleBytes, before decompressing it', async () => {
    answerList([{ bundle: null, bundle_url: blobUrl() }]);
    serveBlob(Uint8Array.from([0xf0, 0x2e])); // varint 6000, and nothing else
    const err = await gateError(query({ maxBundleBytes: 5_000 }));
    expect(err.message).toMatch(/announced length 6000 exceeds the limit of 5000 bytes/);
  });

  it('fails when the blob storage answers 404 (never [] after an error)', async () => {
    answerList([{ bundle: null, bundle_url: blobUrl() }]);
    blobs.route('GET', BLOB_PATH, (_req, res) => sendJson(res, 404, {}));
    const err = await gateError(query());
    expect(err.message).toMatch(/bundle storage.*answered HTTP 404/);
  });

  it('fails on an attestation with neither bundle nor bundle_url', async () => {
    answerList([{ bundle: null, bundle_url: null, repository_id: 1 }]);
    const err = await gateError(query());
    expect(err.message).toMatch(/#1 has neither a bundle nor a bundle_url/);
  });
});

describe('fetchAttestations: errors', () => {
  it.each([
    [401, {}, /401.*the token was rejected/],
    [403, {}, /403.*may not read these attestations/],
    [403, { 'x-accepted-github-permissions': 'attestations=read' }, /accepts: attestations=read/],
  ])('%i → GateError naming the permission', async (status, headers, message) => {
    api.route('GET', REPO_PATH, (_req, res) =>
      sendJson(res, status, { message: 'Resource not accessible by integration' }, headers),
    );
    const err = await gateError(query());
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(message);
    expect(err.message).toContain('Resource not accessible by integration');
    expect(err.message).toContain('sigstore/sigstore-js');
    expect(err.fix).toContain('`attestations: read`');
    expect(err.fix).toContain('`contents: read`');
    expect(api.requests).toHaveLength(1); // not retried
    expect(err.message + (err.fix ?? '')).not.toContain(TOKEN);
  });

  it('retries 429 after Retry-After, then succeeds', async () => {
    let n = 0;
    api.route('GET', REPO_PATH, (_req, res) => {
      n += 1;
      if (n === 1) sendJson(res, 429, { message: 'slow down' }, { 'retry-after': '1' });
      else sendJson(res, 200, { attestations: [{ bundle }] });
    });
    const started = Date.now();
    const got = await fetchAttestations(query());
    expect(got).toHaveLength(1);
    expect(api.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950); // Retry-After: 1 was honoured
  });

  it('retries a secondary rate limit (403 + x-ratelimit-remaining: 0) until its reset', async () => {
    let n = 0;
    api.route('GET', REPO_PATH, (_req, res) => {
      n += 1;
      if (n === 1) {
        sendJson(
          res,
          403,
          { message: 'API rate limit exceeded' },
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)),
          },
        );
      } else sendJson(res, 200, { attestations: [{ bundle }] });
    });
    await expect(fetchAttestations(query())).resolves.toHaveLength(1);
    expect(api.requests).toHaveLength(2);
  });

  it('fails at once when a rate limit asks for longer than maxRetryDelayMs', async () => {
    api.route('GET', REPO_PATH, (_req, res) =>
      sendJson(
        res,
        403,
        { message: 'You have exceeded a secondary rate limit' },
        { 'retry-after': '3600' },
      ),
    );
    const err = await gateError(query());
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/rate-limiting us \(HTTP 403\) for 3600 s more/);
    expect(api.requests).toHaveLength(1);
  });

  it('gives up on 429 after maxRetries', async () => {
    api.route('GET', REPO_PATH, (_req, res) => sendJson(res, 429, {}, { 'retry-after': '0' }));
    const err = await gateError(query({ maxRetries: 2 }));
    expect(err.message).toMatch(/after 3 attempts: HTTP 429 rate limit/);
    expect(api.requests).toHaveLength(3);
  });

  it('500 on every attempt → GateError after maxRetries, naming service and status', async () => {
    api.route('GET', REPO_PATH, (_req, res) => sendJson(res, 500, { message: 'boom' }));
    const err = await gateError(query({ maxRetries: 2 }));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/^GitHub attestations API failed .* after 3 attempts: HTTP 500/);
    expect(api.requests).toHaveLength(3);
  });

  it('recovers from a 502 within the retries', async () => {
    let n = 0;
    api.route('GET', REPO_PATH, (_req, res) => {
      n += 1;
      if (n < 3) sendJson(res, 502, {});
      else sendJson(res, 200, { attestations: [{ bundle }] });
    });
    await expect(fetchAttestations(query({ maxRetries: 2 }))).resolves.toHaveLength(1);
    expect(api.requests).toHaveLength(3);
  });

  it('retries blob storage 503s too, and names it', async () => {
    answerList([{ bundle: null, bundle_url: blobUrl() }]);
    blobs.route('GET', BLOB_PATH, (_req, res) => sendJson(res, 503, {}));
    const err = await gateError(query({ maxRetries: 1 }));
    expect(err.message).toMatch(
      /^attestation bundle storage \(bundle_url\) failed .* after 2 attempts: HTTP 503/,
    );
    expect(err.message).not.toContain('SECRET-SAS-SIGNATURE');
    expect(blobs.requests).toHaveLength(2);
  });

  it('times out when the server never answers', async () => {
    api.route('GET', REPO_PATH, () => {
      /* never answers */
    });
    const err = await gateError(query({ timeoutMs: 100, maxRetries: 1 }));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/after 2 attempts: no answer within 100 ms/);
    expect(api.requests).toHaveLength(2);
  });

  it('times out when the body stalls after the headers', async () => {
    api.route('GET', REPO_PATH, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"attestations": [');
    });
    const err = await gateError(query({ timeoutMs: 100, maxRetries: 0 }));
    expect(err.message).toMatch(/after 1 attempt: no answer within 100 ms/);
  });

  it('reports a network error (connection refused) after retries', async () => {
    const dead = await FakeServer.start();
    const url = dead.url;
    await dead.close();
    const err = await gateError(query({ apiUrl: url, maxRetries: 1 }));
    expect(err.message).toMatch(/after 2 attempts: network error/);
  });

  it.each([
    ['no attestations key', { items: [] }],
    ['attestations not a list', { attestations: {} }],
    ['a bundle without mediaType', { attestations: [{ bundle: { foo: 1 } }] }],
    ['a bundle that is a string', { attestations: [{ bundle: 'x' }] }],
    ['repository_id not a number', { attestations: [{ bundle, repository_id: '1' }] }],
  ])('malformed response shape (%s) → GateError', async (_name, body) => {
    api.route('GET', REPO_PATH, (_req, res) => sendJson(res, 200, body));
    const err = await gateError(query());
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/does not have the documented shape/);
  });

  it('a response that is not JSON → GateError', async () => {
    api.route('GET', REPO_PATH, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>');
    });
    const err = await gateError(query());
    expect(err.message).toMatch(/page 1 is not JSON/);
  });

  it('refuses a response larger than maxResponseBytes', async () => {
    answerList([{ bundle }, { bundle }]);
    const err = await gateError(query({ maxResponseBytes: 4_096 }));
    expect(err.message).toMatch(/more than the 4096 (bytes )?accepted/);
    expect(api.requests).toHaveLength(1); // not retried
  });

  it('follows a same-origin API redirect (renamed repository) with the token', async () => {
    const moved = `/repositories/42/attestations/sha256:${HEX}`;
    api.route('GET', REPO_PATH, (req, res) => {
      res.writeHead(301, { location: `${moved}?${req.query.toString()}` }).end();
    });
    api.route('GET', moved, (_req, res) => sendJson(res, 200, { attestations: [{ bundle }] }));
    await expect(fetchAttestations(query())).resolves.toHaveLength(1);
    expect(api.requests.map((r) => [r.path, authOf(r)])).toEqual([
      [REPO_PATH, `Bearer ${TOKEN}`],
      [moved, `Bearer ${TOKEN}`],
    ]);
  });

  it('refuses an API redirect to another origin (the token would follow)', async () => {
    api.route('GET', REPO_PATH, (_req, res) => {
      res.writeHead(302, { location: `${blobs.url}/elsewhere` }).end();
    });
    const err = await gateError(query());
    expect(err.message).toMatch(/refusing to follow it with the token/);
    expect(blobs.requests).toHaveLength(0);
  });

  it.each([
    [{ owner: '../admin' }, /owner/],
    [{ repo: 'a/b' }, /repo/],
    [{ repo: '..' }, /repo/],
    [{ digest: { algorithm: 'sha256' as const, hex: 'abc' } }, /64 hex digits/],
    [{ apiUrl: 'http://api.example.com' }, /must use https:/],
    [{ apiUrl: 'not a url' }, /is not a URL/],
    [{ apiUrl: 'https://user:pw@api.example.com' }, /must not carry credentials/],
    [{ maxRetries: -1 }, /maxRetries/],
    [{ maxPages: 0 }, /maxPages/],
  ])('refuses a bad query %j without any request', async (bad, message) => {
    const err = await gateError(query(bad));
    expect(err.code).toBe('input');
    expect(err.message).toMatch(message);
    expect(api.requests).toHaveLength(0);
  });
});

// ------------------------------------------------------------------------------------------------

/** Deterministic bytes: x = (x * 1103515245 + 12345) mod 2^31, byte = (x >> 16) & 0xff. */
function lcg(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    out[i] = (x >>> 16) & 0xff;
  }
  return out;
}

/**
 * Output of Google's reference implementation (libsnappy 1.1.9, `snappy_compress`) for
 * {@link referenceInput}: 77 literals (short, and with 1 and 2 length bytes), 3 copies with a
 * 1-byte offset, 120 with a 2-byte offset, including overlapping run-length copies.
 */
const REFERENCE_COMPRESSED =
  'zBz0qAHGfoFrS/vi+1T2vd98HOGHAb8x3lZyD0dnZodZqog8WepWE3vShaHYPFRVLzeuZVvaAnmYzOMado5f2ZmPHz827kN4TQ36vqba5IaO3CltTv9W4XAg+4+xWAWQxQncU82qO0iZUtNSnQaf6rXCBhOYSbIBHqwyiDGcUkaVcTaPV/Y5HRb6iHT1mHwXXEG7bXGOD3BZxwEbLzM9kcAdpQ0NqzONfl6PPuZodKY6scOTEahkx9vK4GDh878JAGei4yWgITGH1WLFqE9+LglrlJ+wbameWgtGcIC2z0cMpqUq2Kz7oOu3eSRyI5JIgMWmp4W314yQ5KtjRFJm45wzJfleqrpzYF1LcX6+qYxXGXHDyl7lKjOsiFFmoXt1Z2Saae9vVkKgHVHFAve7kkV7ImluZGV4IjowLCJuYW1lIjoiYXR0ZXN0YXRpb24tMCIsImRpZ2VzdCI6InNoYTI1NjphYmFiYWJhYmFiYWJhYmFiMCJ9CnsiaW5kZXgiOjEsIm5hbWUiOiJhdHRlc3RhdGlvbi0xIiwiZGlnZXN0Ijoic2hhMjU2OmFiYQU/EU8YMSJ9CnsiaQlHFDIsIm5hbT5HACAyIiwiZGlnZXNqjgAAMi5HAAAzUkcAADOKRwAAMy5HAAA0UkcAADSKRwAANC5HAAA1UkcAADWKRwAANS5HAAA2UkcAADaKRwAANi5HAAA3UkcAADCKRwAANy5HAAA4UkcAADGKRwAAOC5HAAA5UkcAjvEBADkuRwAAMVbHAo7yAQQxMDJJAAAxUpEAjvQBADEyygIAMVbLAo72AQAxMswCADFWzQKO+AEEMTMy2wBWzwKO+gEAMTLQAgAxVtECjvwBADEy0gIAMVbTAo7+AQAxMtQCADFW1QKS/wEy1gIAMVbXApL/ATLYAgAxVtkCkv8BMtoCADJW2gKO/wEAMjLaAgAyVtoCjv8BADIy2gIAMlbaAo7/AQAyMtoCADJW2gKO/wEEMjMu2gIAMlbaAo7/AQAyMtoCADJW2gKO/wEAMjLaAgAyVtoCjv8BADIy2gIAMlbaApL/ATLaAgQyOFLZBJL/ATLaAgAyVtoCkv8BMtoCADNW2gKO/wEAMzLaAgAzVtoCjv8BADMy2gIAM1baAo7/AQAzMtoCADNW2gKO/wEEMzMu2gIAM1baAo7/AQAzMtoCADNW2gKO/wEAMzLaAgAzVtoCjv8BADMy2gIAM1baApL/ATLaAgAzVtoCkv8BMtoCADNW2gKS/wEMOSJ9xv5/DP5/DP5/DP5/DKp/DPA+bE50khMlIi4xoc0TvhLtQmlmziT8I9fajSCXYWoGlW7CitQDE2go1FcePF3ubl7ASpERX107UT7CU6QWrXh4/gIAhgIA';

function referenceInput(): Uint8Array {
  const a = lcg(1, 300);
  const text = Array.from(
    { length: 40 },
    (_, i) =>
      `{"index":${i},"name":"attestation-${i % 7}","digest":"sha256:${'ab'.repeat(8)}${i}"}`,
  ).join('\n');
  return Buffer.concat([a, Buffer.from(text), a, lcg(7, 61), Buffer.alloc(100, 'x')]);
}

describe('snappyUncompress (raw snappy)', () => {
  it('decodes the reference implementation output byte for byte', () => {
    const input = referenceInput();
    const out = snappyUncompress(Buffer.from(REFERENCE_COMPRESSED, 'base64'), 1 << 20);
    expect(createHash('sha256').update(out).digest('hex')).toBe(
      '4f823b8efc66c23fdced5cd191b2a95cc75c5b55ad595482573d630a3bfb0e81',
    );
    expect(Buffer.from(out).equals(Buffer.from(input))).toBe(true);
  });

  it('round-trips literal-only data through every literal length encoding', () => {
    for (const n of [0, 1, 59, 60, 61, 300, 70_000, 140_123]) {
      const data = lcg(n + 3, n);
      expect(
        Buffer.from(snappyUncompress(snappyLiteralCompress(data), n)).equals(Buffer.from(data)),
      ).toBe(true);
    }
  });

  it('decodes copies with 4-byte offsets and overlapping copies', () => {
    // "abcd" literal, copy-4 (len 8, offset 4) → "abcdabcdabcd"; copy-1 (len 4, offset 1) → "dddd"
    const input = Uint8Array.from([
      16,
      3 << 2,
      0x61,
      0x62,
      0x63,
      0x64,
      (7 << 2) | 3,
      4,
      0,
      0,
      0,
      1,
      1,
    ]);
    expect(Buffer.from(snappyUncompress(input, 100)).toString()).toBe('abcdabcdabcddddd');
  });

  it.each([
    ['an empty input', [], /truncated length header/],
    ['an unterminated length', [0x80, 0x80], /truncated length header/],
    ['a length longer than 5 bytes', [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], /longer than 5 bytes/],
    ['a length over 32 bits', [0xff, 0xff, 0xff, 0xff, 0x7f], /exceeds 32 bits/],
    ['a literal past the input', [5, 4 << 2, 0x61], /truncated literal at/],
    ['a literal past the announced length', [1, 1 << 2, 0x61, 0x62], /literal runs past/],
    ['a copy before the start', [4, 0, 0x61, 1, 2], /offset 2 is outside/],
    ['a zero offset', [5, 0, 0x61, 1, 0], /offset 0 is outside/],
    ['a copy past the announced length', [3, 0, 0x61, 1, 1], /copy runs past/],
    ['a truncated copy', [5, 0, 0x61, 2, 1], /truncated copy/],
    ['data shorter than announced', [9, 0, 0x61], /ends after 1 of 9/],
    ['a truncated literal length', [70, 60 << 2], /truncated literal length/],
  ])('refuses %s', (_name, bytes, message) => {
    expect(() => snappyUncompress(Uint8Array.from(bytes), 1 << 20)).toThrow(message);
  });

  it('refuses an announced length over the limit before allocating', () => {
    // Announces 4 GiB - 1 in five bytes.
    expect(() => snappyUncompress(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 10)).toThrow(
      /exceeds the limit of 10 bytes/,
    );
  });

  it('bounds the compressed size by snappy’s worst case', () => {
    const data = lcg(9, 100_000);
    expect(snappyLiteralCompress(data).length).toBeLessThanOrEqual(
      maxSnappyCompressedLength(data.length),
    );
  });
});

describe('helpers', () => {
  it('nextLink finds rel="next" among several relations', () => {
    const base = new URL('https://api.github.com/x');
    expect(nextLink(null, base)).toBeUndefined();
    expect(nextLink('<https://api.github.com/x?after=1>; rel="prev"', base)).toBeUndefined();
    expect(
      nextLink('<https://api.github.com/x?before=0>; rel="prev", </x?after=2>; rel="next"', base)
        ?.href,
    ).toBe('https://api.github.com/x?after=2');
    expect(nextLink('<https://api.github.com/x?after=3>; rel=next', base)?.href).toBe(
      'https://api.github.com/x?after=3',
    );
  });

  it('redactUrl drops credentials and signed query strings', () => {
    expect(redactUrl(new URL('https://u:p@blob.example/a/b?sig=SECRET'))).toBe(
      'https://blob.example/a/b?…',
    );
  });
});
