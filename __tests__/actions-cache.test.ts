// The advisory cache across runs: the real @actions/cache (cache service v2: Twirp JSON calls,
// the archive to and from blob storage by signed URL, packed by the system's tar) against a local
// server on 127.0.0.1 playing that service, and the OSV API source against a local OSV API.
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { osvCacheDir } from '../src/adapters/dependencies.js';
import {
  type AdvisoryCache,
  type CacheClient,
  DEFAULT_MAX_AGE_MS,
  MANIFEST,
  actionsCacheClient,
  advisoryCacheForRun,
  keyPrefix,
  restoreAdvisoryCache,
} from '../src/adapters/osv/actions-cache.js';
import { osvApi } from '../src/adapters/osv/api.js';
import type { OsvRecord, Package } from '../src/checks/dependencies/model.js';

const TOKEN = 'runtime-token-for-tests';
const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';

interface Entry {
  id: number;
  key: string;
  version: string;
  blob?: Buffer;
  finalized: boolean;
  created: number;
  sig: string;
}

/**
 * The Actions cache service as @actions/cache 6 speaks to it on github.com (v2): Twirp JSON
 * (snake_case fields, unknown fields refused, bearer token required) for GetCacheEntryDownloadURL,
 * CreateCacheEntry and FinalizeCacheEntryUpload; archives PUT as block blobs to the signed URL
 * and fetched from it. Lookup as the service documents it: the exact key, else each restore key
 * as a prefix, newest entry first, of the same version only.
 */
class FakeCacheService {
  server!: Server;
  base = '';
  entries: Entry[] = [];
  calls: string[] = [];
  /** Answer every Twirp call with this instead (e.g. a failure). */
  twirpOverride?: { status: number; body: unknown };
  /** Serve this instead of the stored archive. */
  blobOverride?: Buffer;
  private clock = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.base);
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const twirpError = (status: number, code: string, msg: string) => send(status, { code, msg });

    if (url.pathname.startsWith(SERVICE)) {
      const method = url.pathname.slice(SERVICE.length);
      this.calls.push(method);
      if (req.method !== 'POST') return twirpError(404, 'bad_route', 'POST only');
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        return twirpError(401, 'unauthenticated', 'no valid token');
      }
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        return twirpError(415, 'malformed', 'JSON only here');
      }
      if (this.twirpOverride) return send(this.twirpOverride.status, this.twirpOverride.body);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return twirpError(400, 'malformed', 'not JSON');
      }
      const fields: Record<string, string[]> = {
        GetCacheEntryDownloadURL: ['metadata', 'key', 'restore_keys', 'version'],
        CreateCacheEntry: ['metadata', 'key', 'version'],
        FinalizeCacheEntryUpload: ['metadata', 'key', 'size_bytes', 'version'],
      };
      const allowed = fields[method];
      if (!allowed) return twirpError(404, 'bad_route', `no method ${method}`);
      const unknown = Object.keys(input).filter((k) => !allowed.includes(k));
      if (unknown.length > 0)
        return twirpError(400, 'malformed', `unknown fields ${unknown.join(', ')}`);
      const key = input.key;
      const version = input.version;
      if (typeof key !== 'string' || key === '' || typeof version !== 'string' || version === '') {
        return twirpError(400, 'invalid_argument', 'key and version are required');
      }
      if (method === 'GetCacheEntryDownloadURL') {
        const restoreKeys = (input.restore_keys ?? []) as unknown;
        if (!Array.isArray(restoreKeys) || restoreKeys.some((k) => typeof k !== 'string')) {
          return twirpError(400, 'invalid_argument', 'restore_keys must be strings');
        }
        const usable = this.entries
          .filter((e) => e.finalized && e.version === version)
          .sort((a, b) => b.created - a.created);
        const hit =
          usable.find((e) => e.key === key) ??
          (restoreKeys as string[])
            .map((p) => usable.find((e) => e.key.startsWith(p)))
            .find((e) => e !== undefined);
        if (!hit) return send(200, { ok: false });
        return send(200, {
          ok: true,
          signed_download_url: `${this.base}/devstoreaccount1/actions-cache/${hit.id}?sig=${hit.sig}`,
          matched_key: hit.key,
        });
      }
      if (method === 'CreateCacheEntry') {
        if (this.entries.some((e) => e.key === key && e.version === version)) {
          return send(200, { ok: false, message: 'cache entry already exists' });
        }
        const entry: Entry = {
          id: this.entries.length + 1,
          key,
          version,
          finalized: false,
          created: (this.clock += 1),
          sig: `s${Math.random().toString(36).slice(2)}`,
        };
        this.entries.push(entry);
        return send(200, {
          ok: true,
          signed_upload_url: `${this.base}/devstoreaccount1/actions-cache/${entry.id}?sig=${entry.sig}`,
        });
      }
      // FinalizeCacheEntryUpload
      const entry = this.entries.find((e) => e.key === key && e.version === version);
      if (!entry?.blob || String(entry.blob.length) !== input.size_bytes) {
        return send(200, { ok: false, message: 'upload missing or of another size' });
      }
      entry.finalized = true;
      return send(200, { ok: true, entry_id: String(entry.id) });
    }

    // Blob storage, by signed URL only.
    const m = /^\/devstoreaccount1\/actions-cache\/(\d+)$/.exec(url.pathname);
    const entry = m ? this.entries.find((e) => e.id === Number(m[1])) : undefined;
    if (!entry || url.searchParams.get('sig') !== entry.sig) {
      res.writeHead(403).end();
      return;
    }
    if (req.method === 'PUT') {
      this.calls.push('PUT blob');
      if (
        entry.finalized ||
        req.headers['x-ms-blob-type'] !== 'BlockBlob' ||
        url.search.includes('comp=')
      ) {
        res.writeHead(400).end(); // single-shot block blob uploads only: the archives are small
        return;
      }
      entry.blob = body;
      res.writeHead(201, {
        etag: `"0x${entry.id}"`,
        'last-modified': new Date().toUTCString(),
        'x-ms-request-id': `r${entry.id}`,
        'x-ms-version': '2025-01-05',
      });
      res.end();
      return;
    }
    if (req.method === 'GET' && entry.finalized && entry.blob) {
      this.calls.push('GET blob');
      const data = this.blobOverride ?? entry.blob;
      res.writeHead(200, {
        'content-length': data.length,
        'content-type': 'application/octet-stream',
      });
      res.end(data);
      return;
    }
    res.writeHead(404).end();
  }
}

/** A minimal OSV API: querybatch (ids with modified) and vulns/{id}. */
class MiniOsv {
  server!: Server;
  base = '';
  records = new Map<string, OsvRecord>();
  gets: string[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v1/querybatch') {
          const { queries } = JSON.parse(Buffer.concat(chunks).toString()) as {
            queries: { package: { name: string } }[];
          };
          const results = queries.map((q) => ({
            vulns: [...this.records.values()]
              .filter((r) => r.affected?.some((a) => a.package?.name === q.package.name))
              .map((r) => ({ id: r.id, modified: r.modified })),
          }));
          res.end(JSON.stringify({ results }));
          return;
        }
        const id = decodeURIComponent((req.url ?? '').replace('/v1/vulns/', ''));
        this.gets.push(id);
        const rec = this.records.get(id);
        res.statusCode = rec ? 200 : 404;
        res.end(JSON.stringify(rec ?? { message: 'not found' }));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

function record(id: string, name: string): OsvRecord {
  return {
    id,
    modified: '2026-01-01T00:00:00Z',
    affected: [
      {
        package: { ecosystem: 'npm', name },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }],
      },
    ],
  };
}

function pkg(name: string): Package {
  return {
    ecosystem: 'npm',
    name,
    version: '1.0.0',
    purl: `pkg:npm/${name}@1.0.0`,
    scope: 'runtime',
    file: 'package-lock.json',
  };
}

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const service = new FakeCacheService();
const osv = new MiniOsv();
const temps: string[] = [];
const saved: Record<string, string | undefined> = {};
const ENV_KEYS = [
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_CACHE_URL',
  'RUNNER_TEMP',
  'GITHUB_WORKSPACE',
  'GITHUB_SERVER_URL',
  'SECURITY_GATE_ADVISORY_CACHE',
];
let runnerTemp = '';

beforeAll(async () => {
  await service.start();
  await osv.start();
  for (const k of ENV_KEYS) saved[k] = process.env[k];
});

afterAll(async () => {
  await service.stop();
  await osv.stop();
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

beforeEach(() => {
  service.entries = [];
  service.calls = [];
  delete service.twirpOverride;
  delete service.blobOverride;
  osv.records = new Map([
    ['GHSA-1', record('GHSA-1', 'a')],
    ['GHSA-2', record('GHSA-2', 'b')],
  ]);
  osv.gets = [];
  // @actions/cache reads the runner's variables from process.env itself.
  runnerTemp = mkdtempSync(path.join(tmpdir(), 'sg-runner-'));
  temps.push(runnerTemp);
  Object.assign(process.env, {
    ACTIONS_CACHE_SERVICE_V2: 'true',
    ACTIONS_RESULTS_URL: `${service.base}/`,
    ACTIONS_RUNTIME_TOKEN: TOKEN,
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: runnerTemp,
    SECURITY_GATE_ADVISORY_CACHE: 'actions',
  });
  delete process.env.ACTIONS_CACHE_URL;
  delete process.env.GITHUB_SERVER_URL;
});

afterEach(() => {
  rmSync(runnerTemp, { recursive: true, force: true });
});

/**
 * One job: a fresh RUNNER_TEMP, restore, the OSV API source over packages a and b, save.
 * Returns what the job logged, what the source says and the record downloads it made.
 */
async function job(at: number, maxAgeMs?: number) {
  rmSync(osvCacheDir(process.env), { recursive: true, force: true }); // a new runner
  const logs: string[] = [];
  const now = () => new Date(at);
  const deps = {
    source: { kind: 'osv-api' as const, url: osv.base },
    ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
  };
  const cache = await advisoryCacheForRun(deps, process.env, (l) => logs.push(l), undefined, now);
  const source = osvApi(osv.base, {
    cacheDir: osvCacheDir(process.env),
    cacheMaxAgeMs: maxAgeMs ?? DEFAULT_MAX_AGE_MS,
    now,
    retryBaseDelayMs: 1,
  });
  const gets = osv.gets.length;
  const found = await source.recordsFor([pkg('a'), pkg('b')]);
  // Every package gets every record the API lists for it, from the cache or fetched.
  const expected = [['a'], ['b']].map(([name]) =>
    [...osv.records.values()]
      .filter((r) => r.affected?.[0]?.package?.name === name)
      .map((r) => r.id),
  );
  expect([...found.values()].map((r) => r.map((x) => x.id).sort())).toEqual(expected);
  const save = cache ? await cache.save() : undefined;
  return { cache, logs, save, describe: source.describe(), fetched: osv.gets.slice(gets) };
}

describe('advisory cache with @actions/cache against a local cache service (v2)', () => {
  it('saves what a run fetched, and the next run on another runner reuses it', async () => {
    const first = await job(T0);
    expect(first.cache?.restored).toBe('no advisory cache entry to restore');
    expect(first.fetched.sort()).toEqual(['GHSA-1', 'GHSA-2']);
    expect(first.save).toMatch(
      /^advisory cache saved as security-gate-osv-1-[0-9a-f]{16}-20261201T000000000Z$/,
    );
    expect(service.calls).toEqual([
      'GetCacheEntryDownloadURL',
      'CreateCacheEntry',
      'PUT blob',
      'FinalizeCacheEntryUpload',
    ]);
    expect(service.entries).toHaveLength(1);
    expect(service.entries[0]?.key.startsWith(keyPrefix(osv.base))).toBe(true);

    const second = await job(T0 + HOUR);
    expect(second.cache?.restored).toBe(`advisory cache restored from ${service.entries[0]?.key}`);
    expect(second.fetched).toEqual([]); // both records from the restored cache
    expect(second.describe).toMatchObject({ records: 2, cached: 2 });
    expect(second.save).toBe('advisory cache unchanged, not saved');
    expect(service.calls.slice(4)).toEqual(['GetCacheEntryDownloadURL', 'GET blob']);
    // What was restored is what was saved: the records and the manifest.
    expect(readdirSync(osvCacheDir(process.env)).sort()).toEqual([
      'GHSA-1.json',
      'GHSA-2.json',
      MANIFEST,
    ]);
  });

  it('never uses an entry saved longer ago than max-age (the time inside the archive decides)', async () => {
    await job(T0, 6 * HOUR);
    const late = await job(T0 + 7 * HOUR, 6 * HOUR);
    expect(late.cache?.restored).toMatch(
      /^advisory cache entry security-gate-osv-1-\S+ not used: saved at 2026-12-01T00:00:00.000Z, longer ago than the max age \(360 min\)$/,
    );
    expect(late.fetched.sort()).toEqual(['GHSA-1', 'GHSA-2']);
    expect(late.describe).toMatchObject({ cached: 0 });
    expect(late.save).toMatch(/^advisory cache saved as /);
  });

  it('refetches records fetched longer ago than max-age even from a fresh entry', async () => {
    // Run 1 at T0 fetches a and b. Run 2 at T0+20h reuses them and fetches a new record c, so
    // it saves a fresh entry that still holds a and b as fetched at T0.
    await job(T0);
    osv.records.set('GHSA-3', record('GHSA-3', 'a'));
    const second = await job(T0 + 20 * HOUR);
    expect(second.fetched).toEqual(['GHSA-3']);
    expect(second.save).toMatch(/^advisory cache saved as /);
    // Run 3 at T0+26h: the entry is 6 h old, but a and b were fetched 26 h ago: fetched again.
    const third = await job(T0 + 26 * HOUR);
    expect(third.cache?.restored).toBe(`advisory cache restored from ${service.entries[1]?.key}`);
    expect(third.fetched.sort()).toEqual(['GHSA-1', 'GHSA-2']);
    expect(third.describe).toMatchObject({ records: 3, cached: 1 });
  });

  it('treats a failing cache service as a miss: the run fetches and the gate goes on', async () => {
    service.twirpOverride = { status: 401, body: { code: 'unauthenticated', msg: 'bad token' } };
    const denied = await job(T0);
    expect(denied.cache?.restored).toBe('no advisory cache entry to restore');
    expect(denied.fetched.sort()).toEqual(['GHSA-1', 'GHSA-2']);
    expect(denied.save).toMatch(
      /^advisory cache not saved under .* \(the cache service refused it/,
    );

    // A corrupt archive from blob storage: tar fails, @actions/cache reports a miss.
    delete service.twirpOverride;
    await job(T0);
    service.blobOverride = Buffer.from('not an archive');
    const corrupt = await job(T0 + HOUR);
    expect(corrupt.cache?.restored).toBe('no advisory cache entry to restore');
    expect(corrupt.fetched.sort()).toEqual(['GHSA-1', 'GHSA-2']);

    // Nothing listening at all.
    process.env.ACTIONS_RESULTS_URL = 'http://127.0.0.1:1/';
    const gone = await job(T0);
    expect(gone.fetched.sort()).toEqual(['GHSA-1', 'GHSA-2']);
    expect(gone.save).toMatch(/^advisory cache not saved/);
  });

  it('applies only when asked, to the OSV API source, where a cache service exists', async () => {
    const logs: string[] = [];
    const log = (l: string) => logs.push(l);
    const api = { source: { kind: 'osv-api' as const, url: osv.base } };
    const dir = { source: { kind: 'osv-dir' as const, path: 'x' } };
    expect(
      await advisoryCacheForRun(api, { ...process.env, SECURITY_GATE_ADVISORY_CACHE: '' }, log),
    ).toBeUndefined();
    expect(await advisoryCacheForRun(dir, process.env, log)).toBeUndefined();
    expect(
      await advisoryCacheForRun(api, { ...process.env, ACTIONS_RUNTIME_TOKEN: '' }, log),
    ).toBeUndefined();
    delete process.env.ACTIONS_RESULTS_URL;
    expect(await advisoryCacheForRun(api, process.env, log)).toBeUndefined();
    const broken = () => Promise.reject(new Error('cannot load'));
    process.env.ACTIONS_RESULTS_URL = `${service.base}/`;
    expect(await advisoryCacheForRun(api, process.env, log, broken)).toBeUndefined();
    expect(logs).toEqual([
      'security-gate: SECURITY_GATE_ADVISORY_CACHE applies to the OSV API source only; not used',
      'security-gate: no Actions cache service in this environment; advisory cache not used',
      'security-gate: no Actions cache service in this environment; advisory cache not used',
      'security-gate: advisory cache not used: cannot load',
    ]);
    expect(service.calls).toEqual([]);
    expect((await actionsCacheClient()).isFeatureAvailable()).toBe(true);
  });
});

describe('restoreAdvisoryCache: what a restored entry must hold', () => {
  /** A cache client that "restores" by copying files into the folder, as tar would. */
  function fakeClient(files: Record<string, string> | 'throw' | 'hang'): CacheClient {
    return {
      isFeatureAvailable: () => true,
      restoreCache: async (paths) => {
        if (files === 'throw') throw new Error('service down');
        if (files === 'hang') return new Promise<never>(() => undefined);
        mkdirSync(paths[0] as string, { recursive: true });
        for (const [name, text] of Object.entries(files)) {
          writeFileSync(path.join(paths[0] as string, name), text);
        }
        return 'security-gate-osv-1-x-1';
      },
      saveCache: () => Promise.resolve(1),
    };
  }
  const manifest = (m: Record<string, unknown>) =>
    JSON.stringify({
      format: 1,
      apiUrl: 'https://api.osv.dev',
      savedAt: '2026-12-01T00:00:00Z',
      ...m,
    });

  async function restore(
    client: CacheClient,
    at = T0 + HOUR,
  ): Promise<{ c: AdvisoryCache; dir: string }> {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'sg-rc-')), 'osv-cache');
    temps.push(path.dirname(dir));
    const c = await restoreAdvisoryCache({
      dir,
      apiUrl: 'https://api.osv.dev',
      maxAgeMs: 24 * HOUR,
      client,
      now: () => new Date(at),
      log: () => undefined,
      timeoutMs: 200,
    });
    return { c, dir };
  }

  it.each([
    ['no manifest', {}, /no readable security-gate-cache\.json/],
    ['a manifest that is not JSON', { [MANIFEST]: '{' }, /no readable security-gate-cache\.json/],
    ['another format', { [MANIFEST]: manifest({ format: 2 }) }, /not in the expected format/],
    [
      'another API',
      { [MANIFEST]: manifest({ apiUrl: 'https://evil.invalid' }) },
      /records of https:\/\/evil\.invalid/,
    ],
    [
      'a save time in the future',
      { [MANIFEST]: manifest({ savedAt: '2026-12-02T00:00:00Z' }) },
      /in the future/,
    ],
    [
      'an old save time',
      { [MANIFEST]: manifest({ savedAt: '2026-11-01T00:00:00Z' }) },
      /longer ago than the max age/,
    ],
  ])('deletes an entry with %s before the check runs', async (_what, files, message) => {
    const { c, dir } = await restore(fakeClient({ ...files, 'GHSA-1.json': '{}' }));
    expect(c.restored).toMatch(message);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('keeps an entry whose manifest is in order', async () => {
    const { c, dir } = await restore(fakeClient({ [MANIFEST]: manifest({}), 'GHSA-1.json': '{}' }));
    expect(c.restored).toBe('advisory cache restored from security-gate-osv-1-x-1');
    expect(readFileSync(path.join(dir, 'GHSA-1.json'), 'utf8')).toBe('{}');
  });

  it('gives up on a restore that fails or does not finish, as a miss', async () => {
    expect((await restore(fakeClient('throw'))).c.restored).toBe(
      'advisory cache not restored: service down',
    );
    expect((await restore(fakeClient('hang'))).c.restored).toBe(
      'advisory cache not restored: restoring the advisory cache took longer than 200 ms',
    );
  });
});
