/**
 * Advisory records from an OSV-compatible API (https://google.github.io/osv.dev/api/), as the public
 * API defines it:
 *
 * 1. `POST {base}/v1/querybatch` with `{queries: [{package: {ecosystem, name}, version}]}`, at most
 *    1,000 queries per request. The answer lists, per query and in the same order, the ids and
 *    `modified` times of the records that affect that version. A result with `next_page_token`
 *    has more: the query is sent again with `page_token` (in a later batch) until it has none.
 * 2. `GET {base}/v1/vulns/{id}` for each id found, a bounded number at a time, unless the local
 *    cache holds that record with exactly the `modified` the batch reported, fetched no longer
 *    than `cacheMaxAgeMs` ago (the time of the fetch is stored with the record; a record reused
 *    keeps it, so a record is fetched again at least once per `cacheMaxAgeMs`, however often it is
 *    reused or carried from run to run by the Actions cache).
 *
 * Fails closed: 429, 5xx, network errors and timeouts are retried with exponential backoff (a
 * `Retry-After` is honoured up to `maxRetryDelayMs`; asked to wait longer, we stop), a bounded
 * number of times; then, and for any other HTTP error, a malformed or oversized answer, or a
 * pagination that does not end, a `GateError('upstream')` naming the service. Never an empty
 * result after an error. Every answer is validated (zod) before anything is decided from it.
 */
import { versionScheme } from '../../checks/dependencies/versions/index.js';
import { checkedApiRoot, readBounded } from '../http.js';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { OsvRecord, Package } from '../../checks/dependencies/model.js';
import { GateError } from '../../errors.js';
import { checkRecord } from './record-schema.js';
import {
  type AdvisorySource,
  SnapshotClock,
  type SourceDescription,
  messageOf,
  packageKey,
} from './source.js';

export const DEFAULT_OSV_API = 'https://api.osv.dev';

export interface OsvApiOptions {
  /** Directory of cached records (`<id>.json`), reused while the API reports the same `modified`. */
  cacheDir?: string;
  /** A cached record fetched longer ago than this is fetched again. Default 24 hours. */
  cacheMaxAgeMs?: number;
  /** Test seam: the clock that dates cached records. */
  now?: () => Date;
  /** Per HTTP attempt, including reading the body. Default 30 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt, per request. Default 4. */
  maxRetries?: number;
  /** First backoff delay; doubles each retry. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts; a Retry-After asking for more fails at once. Default 30 000 ms. */
  maxRetryDelayMs?: number;
  /** Record downloads in flight at once. Default 8. */
  concurrency?: number;
  /** Queries per querybatch request, 1–1,000 (the API's limit). Default 1,000. */
  batchSize?: number;
  /** Pages per query at most; more is an error, never a silent cut. Default 100. */
  maxPages?: number;
  /** Largest response body accepted, in bytes. Default 64 MiB. */
  maxResponseBytes?: number;
  /** Test seam; default the global fetch. */
  fetch?: typeof fetch;
}

const DEFAULTS = {
  cacheMaxAgeMs: 24 * 60 * 60 * 1000,
  timeoutMs: 30_000,
  maxRetries: 4,
  retryBaseDelayMs: 500,
  maxRetryDelayMs: 30_000,
  concurrency: 8,
  batchSize: 1_000,
  maxPages: 100,
  maxResponseBytes: 64 * 1024 * 1024,
} as const;

/** Clock skew tolerated on a cached record's fetch time before it counts as "in the future" (refused). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** What a cache file holds: the record and when it was fetched (ISO 8601). */
const cacheEntry = z.object({ fetchedAt: z.iso.datetime({ offset: true }), record: z.unknown() });

/** The API's documented limit of queries per querybatch request. */
export const MAX_BATCH = 1_000;

const batchResponse = z.looseObject({
  results: z.array(
    z.looseObject({
      vulns: z
        .array(
          z.looseObject({
            // Well-formed Unicode: a lone surrogate cannot go into a URL (encodeURIComponent throws).
            // At most 256 characters: OSV ids are short, and the id goes into a URL and messages.
            id: z.string().min(1).max(256).refine(wellFormed, 'not well-formed Unicode'),
            modified: z.string().optional(),
          }),
        )
        .nullish(),
      next_page_token: z.string().nullish(),
    }),
  ),
});

interface Query {
  package: { ecosystem: string; name: string };
  /** Absent when the version cannot be parsed: then every record of the package comes back, and
   * the matcher says "unknown" instead of osv.dev silently answering "none". */
  version?: string;
  page_token?: string;
}

interface Options {
  base: URL;
  service: string;
  cacheDir: string | undefined;
  cacheMaxAgeMs: number;
  now: () => Date;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  concurrency: number;
  batchSize: number;
  maxPages: number;
  maxResponseBytes: number;
  fetch: typeof fetch;
}

/** An `AdvisorySource` over the OSV API at `baseUrl` (e.g. https://api.osv.dev). */
export function osvApi(
  baseUrl: string = DEFAULT_OSV_API,
  opts: OsvApiOptions = {},
): AdvisorySource {
  return new ApiSource(baseUrl, checkOptions(baseUrl, opts));
}

function checkOptions(baseUrl: string, opts: OsvApiOptions): Options {
  const bad = (what: string, fix: string) => new GateError('input', what, { fix });
  const base = checkedApiRoot(baseUrl, {
    name: 'OSV API',
    httpsBecause: 'advisory data decides what ships; plain http only to this machine',
    example: 'https://api.osv.dev',
    fix: 'use the https:// URL of the OSV API',
  });
  const int = (key: keyof typeof DEFAULTS, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = opts[key] ?? DEFAULTS[key];
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw bad(
        `OSV API option ${key} must be an integer from ${min} to ${max}, got ${String(opts[key])}`,
        `omit ${key} for the default`,
      );
    }
    return v;
  };
  const pathname = base.pathname.replace(/\/+$/, '');
  return {
    base: new URL(`${base.origin}${pathname}`),
    service: `OSV API (${base.origin}${pathname})`,
    cacheDir: opts.cacheDir,
    cacheMaxAgeMs: int('cacheMaxAgeMs', 0),
    now: opts.now ?? (() => new Date()),
    timeoutMs: int('timeoutMs', 1),
    maxRetries: int('maxRetries', 0, 20),
    retryBaseDelayMs: int('retryBaseDelayMs', 0),
    maxRetryDelayMs: int('maxRetryDelayMs', 0),
    concurrency: int('concurrency', 1, 64),
    batchSize: int('batchSize', 1, MAX_BATCH),
    maxPages: int('maxPages', 1),
    maxResponseBytes: int('maxResponseBytes', 1),
    fetch: opts.fetch ?? globalThis.fetch,
  };
}

class ApiSource implements AdvisorySource {
  private last: { records: number; cached: number; snapshot: string | undefined } | undefined;

  constructor(
    private readonly location: string,
    private readonly opts: Options,
  ) {}

  describe(): SourceDescription {
    const out: SourceDescription = { kind: 'osv-api', location: this.location };
    if (this.last) {
      out.records = this.last.records;
      if (this.opts.cacheDir !== undefined) out.cached = this.last.cached;
      if (this.last.snapshot !== undefined) out.snapshot = this.last.snapshot;
    }
    return out;
  }

  async recordsFor(packages: readonly Package[]): Promise<Map<string, OsvRecord[]>> {
    const result = new Map<string, OsvRecord[]>(packages.map((p) => [packageKey(p), []]));

    // One query per distinct (ecosystem, name, version); results keyed back to packageKey.
    const queries: Query[] = [];
    const keyOfQuery: string[] = [];
    const seen = new Set<string>();
    for (const p of packages) {
      const q = `${p.ecosystem}\u0000${p.name}\u0000${p.version}`;
      if (seen.has(q)) continue;
      seen.add(q);
      queries.push({
        package: { ecosystem: p.ecosystem, name: p.name },
        ...(parses(p) ? { version: p.version } : {}),
      });
      keyOfQuery.push(packageKey(p));
    }

    const found = await this.queryAll(queries); // per query: id → modified
    const modifiedOf = new Map<string, string | undefined>();
    for (const ids of found) {
      for (const [id, modified] of ids) {
        // Two queries may report different `modified` for an id mid-update: keep none (refetch).
        if (!modifiedOf.has(id)) modifiedOf.set(id, modified);
        else if (modifiedOf.get(id) !== modified) modifiedOf.set(id, undefined);
      }
    }

    const { records, cached } = await this.fetchRecords(modifiedOf);
    const clock = new SnapshotClock();
    for (const r of records.values()) clock.see(r.modified);
    found.forEach((ids, i) => {
      const list = result.get(keyOfQuery[i] as string) as OsvRecord[];
      for (const id of ids.keys()) {
        const record = records.get(id) as OsvRecord;
        if (!list.includes(record)) list.push(record);
      }
    });
    this.last = { records: records.size, cached, snapshot: clock.iso };
    return result;
  }

  /** Runs every query to its last page; per query the ids found with their `modified`. */
  private async queryAll(queries: Query[]): Promise<Map<string, string | undefined>[]> {
    const found = queries.map(() => new Map<string, string | undefined>());
    const pages = queries.map(() => 0);
    const tokens = queries.map(() => new Set<string>());
    let pending: { index: number; pageToken?: string }[] = queries.map((_, index) => ({ index }));
    while (pending.length > 0) {
      const next: typeof pending = [];
      for (let start = 0; start < pending.length; start += this.opts.batchSize) {
        const chunk = pending.slice(start, start + this.opts.batchSize);
        const body = {
          queries: chunk.map(({ index, pageToken }) => {
            const q = queries[index] as Query;
            return pageToken === undefined ? q : { ...q, page_token: pageToken };
          }),
        };
        const results = await this.postBatch(body);
        results.forEach((res, j) => {
          const { index } = chunk[j] as { index: number };
          const ids = found[index] as Map<string, string | undefined>;
          for (const v of res.vulns ?? []) ids.set(v.id, v.modified);
          pages[index] = (pages[index] as number) + 1;
          const token = res.next_page_token;
          if (token === undefined || token === null || token === '') return;
          const q = queries[index] as Query;
          const what = `${q.package.ecosystem}/${q.package.name}@${q.version}`;
          if (pages[index] >= this.opts.maxPages) {
            throw new GateError(
              'upstream',
              `${this.opts.service}: more than ${this.opts.maxPages} pages of results for ${what}; refusing to use a partial list`,
              {
                fix: 'retry later; if it persists, use an offline snapshot (--osv-zip with osv.dev all.zip)',
              },
            );
          }
          const used = tokens[index] as Set<string>;
          if (used.has(token)) {
            throw new GateError(
              'upstream',
              `${this.opts.service}: pagination for ${what} loops (a page token came back twice)`,
            );
          }
          used.add(token);
          next.push({ index, pageToken: token });
        });
      }
      pending = next;
    }
    return found;
  }

  private async postBatch(body: {
    queries: Query[];
  }): Promise<z.infer<typeof batchResponse>['results']> {
    const url = this.url('v1/querybatch');
    const res = await this.request('POST', url, JSON.stringify(body));
    const json = this.json(res, 'POST /v1/querybatch');
    const checked = batchResponse.safeParse(json);
    if (!checked.success) {
      throw new GateError(
        'upstream',
        `${this.opts.service}: the querybatch answer does not have the documented shape ({results: [{vulns: [{id, modified}], next_page_token}]}): ${truncate(z.prettifyError(checked.error), 300)}`,
      );
    }
    if (checked.data.results.length !== body.queries.length) {
      throw new GateError(
        'upstream',
        `${this.opts.service}: querybatch answered ${checked.data.results.length} results for ${body.queries.length} queries`,
      );
    }
    return checked.data.results;
  }

  /** Every record by id: from the cache when its `modified` is the batch's, else from the API. */
  private async fetchRecords(
    modifiedOf: Map<string, string | undefined>,
  ): Promise<{ records: Map<string, OsvRecord>; cached: number }> {
    const out = new Map<string, OsvRecord>();
    let cachedCount = 0;
    const ids = [...modifiedOf.keys()].sort();
    if (this.opts.cacheDir !== undefined && ids.length > 0) {
      await mkdir(this.opts.cacheDir, { recursive: true }).catch((err: unknown) => {
        throw new GateError(
          'input',
          `cannot create the OSV cache directory ${this.opts.cacheDir}: ${messageOf(err)}`,
          {
            cause: err,
            fix: 'point the cache at a writable directory, or do not set one',
          },
        );
      });
    }
    await mapLimit(ids, this.opts.concurrency, async (id) => {
      const modified = modifiedOf.get(id);
      const cached = modified === undefined ? undefined : await this.fromCache(id, modified);
      if (cached !== undefined) cachedCount += 1;
      const record = cached ?? (await this.fetchRecord(id));
      if (cached === undefined) await this.toCache(id, record);
      out.set(id, record);
    });
    return { records: out, cached: cachedCount };
  }

  private async fetchRecord(id: string): Promise<OsvRecord> {
    const url = this.url(`v1/vulns/${encodeURIComponent(id)}`);
    const res = await this.request('GET', url);
    const checked = checkRecord(this.json(res, `GET /v1/vulns/${id}`));
    if ('problem' in checked) {
      throw new GateError(
        'upstream',
        `${this.opts.service}: the record ${id} is not a valid OSV record: ${checked.problem}`,
      );
    }
    if (checked.record.id !== id) {
      throw new GateError(
        'upstream',
        `${this.opts.service}: asked for the record ${id}, got ${JSON.stringify(checked.record.id)}`,
      );
    }
    return checked.record;
  }

  private cacheFile(id: string): string | undefined {
    if (this.opts.cacheDir === undefined) return undefined;
    const safe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$/.test(id)
      ? id
      : `sha256-${createHash('sha256').update(id).digest('hex')}`;
    return join(this.opts.cacheDir, `${safe}.json`);
  }

  /**
   * The cached record when it is valid, is `id`, has exactly this `modified` and was fetched
   * within `cacheMaxAgeMs` (not in the future); else undefined.
   */
  private async fromCache(id: string, modified: string): Promise<OsvRecord | undefined> {
    const file = this.cacheFile(id);
    if (file === undefined) return undefined;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined; // not cached
    }
    try {
      const entry = cacheEntry.safeParse(JSON.parse(text));
      if (!entry.success) return undefined;
      const age = this.opts.now().getTime() - Date.parse(entry.data.fetchedAt);
      if (!(age <= this.opts.cacheMaxAgeMs && age >= -CLOCK_SKEW_MS)) return undefined;
      const checked = checkRecord(entry.data.record);
      // A damaged, foreign or outdated cache entry is refetched, never trusted.
      if ('record' in checked && checked.record.id === id && checked.record.modified === modified) {
        return checked.record;
      }
    } catch {
      // not JSON: refetch
    }
    return undefined;
  }

  /** Writes the record atomically (temp file, rename). A cache that cannot be written is skipped: it only saves requests. */
  private async toCache(id: string, record: OsvRecord): Promise<void> {
    const file = this.cacheFile(id);
    if (file === undefined) return;
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const fetchedAt = this.opts.now().toISOString();
      await writeFile(tmp, JSON.stringify({ fetchedAt, record }));
      await rename(tmp, file);
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  private url(path: string): URL {
    return new URL(`${this.opts.base.pathname.replace(/\/+$/, '')}/${path}`, this.opts.base.origin);
  }

  private json(res: Fetched, what: string): unknown {
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.body));
    } catch (err) {
      throw new GateError(
        'upstream',
        `${this.opts.service}: the answer to ${what} is not JSON: ${messageOf(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  /**
   * One logical request with bounded retries. Returns a 2xx response; throws
   * `GateError('upstream')` for any other final outcome.
   */
  private async request(method: 'GET' | 'POST', url: URL, body?: string): Promise<Fetched> {
    const { maxRetries, retryBaseDelayMs, maxRetryDelayMs, service } = this.opts;
    const what = `${method} ${url.pathname}`;
    let lastProblem = '';
    for (let attempt = 0; ; attempt += 1) {
      let waitMs = Math.min(maxRetryDelayMs, retryBaseDelayMs * 2 ** attempt);
      try {
        const res = await this.attempt(method, url, body);
        if (res.status >= 200 && res.status < 300) return res;
        lastProblem = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${apiMessage(res)}`;
        const retryable = res.status === 429 || res.status >= 500;
        if (!retryable) {
          throw new GateError('upstream', `${service} answered ${lastProblem} to ${what}`, {
            fix:
              res.status === 404 && method === 'GET'
                ? 'the API listed a record it cannot serve; retry later'
                : 'check --osv-api (it must be the base of an OSV-compatible API, e.g. https://api.osv.dev)',
          });
        }
        const asked = retryAfterMs(res.headers.get('retry-after'));
        if (asked !== undefined) {
          if (asked > maxRetryDelayMs) {
            throw new GateError(
              'upstream',
              `${service} asks us to wait ${Math.ceil(asked / 1000)} s (HTTP ${res.status}, Retry-After) before ${what}, longer than we wait (${Math.ceil(maxRetryDelayMs / 1000)} s)`,
              { fix: 'retry later, or use an offline snapshot (--osv-zip with osv.dev all.zip)' },
            );
          }
          waitMs = Math.max(waitMs, asked);
        }
      } catch (err) {
        if (err instanceof GateError) throw err;
        lastProblem = isTimeout(err)
          ? `no complete answer within ${this.opts.timeoutMs} ms`
          : `network error: ${messageOf(err)}${causeOf(err)}`;
      }
      if (attempt >= maxRetries) {
        throw new GateError(
          'upstream',
          `${service} failed for ${what} after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}: ${lastProblem}`,
          {
            fix: 'retry later, or use an offline snapshot (--osv-zip with osv.dev all.zip, or --osv-dir)',
          },
        );
      }
      await sleep(waitMs);
    }
  }

  private async attempt(
    method: 'GET' | 'POST',
    url: URL,
    body: string | undefined,
  ): Promise<Fetched> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    const res = await this.opts.fetch(url, {
      method,
      headers: {
        Accept: 'application/json',
        'User-Agent': 'security-gate',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
      redirect: 'manual',
      credentials: 'omit',
      signal,
    });
    const bytes = await readBounded(
      res,
      this.opts.maxResponseBytes,
      `${this.opts.service} answer to ${method} ${url.pathname}`,
    );
    return { status: res.status, statusText: res.statusText, headers: res.headers, body: bytes };
  }
}

interface Fetched {
  status: number;
  statusText: string;
  headers: Headers;
  body: Uint8Array;
}

/** The body, refusing more than `max` bytes (GateError, not retried). */

/** Retry-After as milliseconds (delta-seconds or HTTP-date), or undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** `: <message>` from a JSON error body (`{message}` or `{error: {message}}`), sanitised, or ''. */
function apiMessage(res: Fetched): string {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(res.body.subarray(0, 16 * 1024))) as {
      message?: unknown;
      error?: { message?: unknown };
    } | null;
    const message = parsed?.message ?? parsed?.error?.message;
    return typeof message === 'string' && message !== ''
      ? `: ${truncate(message.replace(/\p{Cc}+/gu, ' ').trim(), 200)}`
      : '';
  } catch {
    return '';
  }
}

function isTimeout(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'name' in err &&
    (err.name === 'TimeoutError' || err.name === 'AbortError')
  );
}

function causeOf(err: unknown): string {
  const cause = typeof err === 'object' && err !== null && 'cause' in err ? err.cause : undefined;
  return cause === undefined ? '' : ` (${messageOf(cause)})`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Runs `fn` over `items`, at most `limit` at a time. On the first failure no new item starts; the
 * ones in flight are awaited (nothing left running in the background), then the failure is thrown.
 */
async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next] as T;
      next += 1;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.err;
}

function wellFormed(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

function parses(p: Package): boolean {
  try {
    versionScheme(p.ecosystem).parse(p.version);
    return true;
  } catch {
    return false;
  }
}
