/**
 * Fetching GitHub artifact attestations for an artifact digest from the REST API:
 * `GET {api}/repos/{owner}/{repo}/attestations/sha256:{hex}` or, without a repository,
 * `GET {api}/orgs/{org}/attestations/sha256:{hex}`.
 *
 * Each attestation carries its Sigstore bundle inline (`bundle`) or, when `bundle` is null, only a
 * `bundle_url` on blob storage (another host) whose body is the bundle JSON compressed with raw
 * (unframed) snappy, as `gh attestation` downloads it (cli/cli `pkg/cmd/attestation/api`).
 *
 * This is a security gate, so it fails closed:
 * - the token goes to the API origin only: never to `bundle_url`, never across a redirect or a
 *   pagination link to another origin (those are refused), and never over plain `http:` to a
 *   host other than the loopback interface;
 * - `bundle_url` must be `https:` (plain `http:` only for hosts listed in
 *   `allowInsecureBundleHosts`, which defaults to none and exists for local tests);
 * - every response is size-bounded, shape-checked (zod) and time-bounded; rate limits, 5xx,
 *   timeouts and network errors are retried a bounded number of times, then raised as
 *   `GateError('upstream')`. No error ever turns into an empty list.
 *
 * A 404 from the attestations endpoint returns `[]`: GitHub answers 404 both when the digest has no
 * attestation and when the token cannot see the repository (private repositories). The caller
 * cannot tell the two apart from here; a policy that requires GitHub attestations must treat
 * "none" as a failure and should name the `attestations: read` (and, for private repositories,
 * `contents: read`) permission in its message.
 *
 * Nothing here verifies anything: the bundles are only checked to be JSON objects with a
 * `mediaType`. Signature, identity and subject checks belong to the Sigstore adapter.
 */
import { githubMessage, sanitize, truncate } from './response.js';
import { readBounded } from '../http.js';
import { GITHUB_API_VERSION, githubApiRoot, withRetries } from './request.js';
import { z } from 'zod';
import { GateError, describeThrown } from '../../errors.js';

/** The REST API version this client is written against (sent as `X-GitHub-Api-Version`). */

/**
 * What the token needs, from GitHub's REST reference for "List attestations"
 * (`repos/list-attestations`): "The authenticated user making the request must have read access to
 * the repository. In addition, when using a fine-grained access token the `attestations:read`
 * permission is required." The org endpoint says the same (`attestations:read`), and only lists
 * attestations of repositories the token can read.
 */
export const REQUIRED_PERMISSIONS =
  'the token needs the `attestations: read` permission (workflow `permissions:` key ' +
  '`attestations: read`; fine-grained token or GitHub App: "Attestations" repository permission, read) ' +
  'and read access to the repository (`contents: read` for a private or internal repository)';

export interface AttestationQuery {
  /** REST API root, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  apiUrl: string;
  /** Sent as `Authorization: Bearer …`, to the API origin only. */
  token?: string;
  /** Repository owner, or the organization when `repo` is omitted. */
  owner: string;
  /** Repository name; omitted: the organization endpoint. */
  repo?: string;
  digest: { algorithm: 'sha256'; hex: string };
  /** Sent as `predicate_type` (GitHub filters server-side). */
  predicateType?: string;
  /** Per HTTP request (each attempt, including redirects and reading the body). Default 30 000. */
  timeoutMs?: number;
  /** Retries after the first attempt, per request. Default 3. */
  maxRetries?: number;
  /** At most this many pages of 100 attestations; more is an error, never a silent cut. Default 10. */
  maxPages?: number;
  /**
   * Hosts (`hostname` or `hostname:port`) whose plain-`http:` bundle URLs may be followed.
   * Default none: production only follows `https:`. For local test servers only.
   */
  allowInsecureBundleHosts?: string[];
  /** First backoff delay for 5xx, timeouts and network errors; doubles each retry. Default 1 000. */
  retryBaseDelayMs?: number;
  /**
   * Longest wait between attempts. A rate limit (Retry-After, X-RateLimit-Reset) asking for
   * longer fails at once instead of retrying early. Default 10 000.
   */
  maxRetryDelayMs?: number;
  /** Largest API response body (bytes). Default 32 MiB. */
  maxResponseBytes?: number;
  /** Largest bundle after decompression (bytes). Default 10 MiB. */
  maxBundleBytes?: number;
}

export interface FetchedAttestation {
  /** Parsed JSON, checked only to be an object with a string `mediaType`. Not verified. */
  bundle: unknown;
  source: 'inline' | 'bundle_url';
  repositoryId?: number;
  initiator?: string;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 3,
  maxPages: 10,
  retryBaseDelayMs: 1_000,
  maxRetryDelayMs: 10_000,
  maxResponseBytes: 32 * 1024 * 1024,
  maxBundleBytes: 10 * 1024 * 1024,
} as const;

const PER_PAGE = 100;
const MAX_REDIRECTS = 5;
const DOWNLOAD_CONCURRENCY = 4;
/** GitHub's guidance when a secondary rate limit gives no Retry-After: wait at least a minute. */

const API_SERVICE = 'GitHub attestations API';
const BLOB_SERVICE = 'attestation bundle storage (bundle_url)';

// ---------------------------------------------------------------------------------------------
// Response shapes

const bundleShape = z.looseObject({ mediaType: z.string().min(1) });
const attestationShape = z.looseObject({
  bundle: bundleShape.nullable().optional(),
  bundle_url: z.string().min(1).nullable().optional(),
  repository_id: z.number().int().nonnegative().nullable().optional(),
  initiator: z.string().nullable().optional(),
});
const pageShape = z.looseObject({ attestations: z.array(attestationShape) });
type ListedAttestation = z.infer<typeof attestationShape>;

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * Lists the attestations GitHub holds for `q.digest` and returns their bundles, downloading and
 * decompressing `bundle_url` ones (without credentials). Returns `[]` only when GitHub answers 404
 * or an empty list (see the module comment: a 404 may also mean "no access"). Any other failure
 * throws a {@link GateError}: `input` for a bad query, `upstream` for everything GitHub or the
 * blob storage did wrong.
 */
export async function fetchAttestations(
  q: AttestationQuery,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<FetchedAttestation[]> {
  const opts = checkQuery(q);
  const client = new Client(opts, fetchImpl);

  const listed = await client.listAll();

  // Decide every entry (and refuse bad URLs) before downloading anything.
  const plan = listed.map((entry, i) => planEntry(entry, i, opts));

  const results: FetchedAttestation[] = new Array<FetchedAttestation>(plan.length);
  for (let start = 0; start < plan.length; start += DOWNLOAD_CONCURRENCY) {
    const batch = plan.slice(start, start + DOWNLOAD_CONCURRENCY);
    // allSettled: no download is left running in the background when one fails.
    const settled = await Promise.allSettled(
      batch.map(async (p) => {
        const bundle = p.kind === 'inline' ? p.bundle : await client.downloadBundle(p.url);
        const out: FetchedAttestation = {
          bundle,
          source: p.kind === 'inline' ? 'inline' : 'bundle_url',
        };
        if (p.repositoryId !== undefined) out.repositoryId = p.repositoryId;
        if (p.initiator !== undefined) out.initiator = p.initiator;
        return out;
      }),
    );
    settled.forEach((s, j) => {
      if (s.status === 'rejected') throw asGateError(s.reason, BLOB_SERVICE);
      results[start + j] = s.value;
    });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Query checks

interface Options {
  apiBase: URL;
  token: string | undefined;
  owner: string;
  repo: string | undefined;
  hex: string;
  predicateType: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  maxPages: number;
  allowInsecureBundleHosts: string[];
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  maxResponseBytes: number;
  maxBundleBytes: number;
}

/** GitHub account and repository names: letters, digits, `-`, `_`, `.`; never `.` or `..`. */
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

function checkQuery(q: AttestationQuery): Options {
  const bad = (what: string, fix: string) => new GateError('input', what, { fix });
  const apiBase = githubApiRoot(q.apiUrl);

  for (const [key, value] of [
    ['owner', q.owner],
    ['repo', q.repo],
  ] as const) {
    if (value === undefined && key === 'repo') continue;
    if (typeof value !== 'string' || !NAME.test(value) || value === '.' || value === '..') {
      throw bad(
        `attestation query: ${key} ${JSON.stringify(value)} is not a GitHub ${key === 'owner' ? 'account' : 'repository'} name`,
        `give the bare name (letters, digits, '-', '_', '.'), e.g. owner "octo-org" and repo "octo-repo"`,
      );
    }
  }
  if (q.digest?.algorithm !== 'sha256' || !/^[0-9a-fA-F]{64}$/.test(q.digest.hex ?? '')) {
    throw bad(
      `attestation query: the digest must be sha256 with 64 hex digits, got ${JSON.stringify(q.digest)}`,
      'pass the artifact digest as { algorithm: "sha256", hex: "<64 hex digits>" }',
    );
  }
  if (
    q.predicateType !== undefined &&
    (typeof q.predicateType !== 'string' || q.predicateType === '')
  ) {
    throw bad(
      'attestation query: predicateType must be a non-empty string',
      'omit it or give a URI',
    );
  }
  const int = (key: keyof typeof DEFAULTS, value: number | undefined, min: number) => {
    const v = value ?? DEFAULTS[key];
    if (!Number.isSafeInteger(v) || v < min) {
      throw bad(
        `attestation query: ${key} must be an integer ≥ ${min}, got ${String(value)}`,
        `omit ${key} for the default`,
      );
    }
    return v;
  };
  const hosts = q.allowInsecureBundleHosts ?? [];
  if (!Array.isArray(hosts) || hosts.some((h) => typeof h !== 'string' || h === '')) {
    throw bad(
      'attestation query: allowInsecureBundleHosts must be a list of host names',
      'omit it in production',
    );
  }

  return {
    apiBase,
    token: q.token === '' ? undefined : q.token,
    owner: q.owner,
    repo: q.repo,
    hex: q.digest.hex.toLowerCase(),
    predicateType: q.predicateType,
    timeoutMs: int('timeoutMs', q.timeoutMs, 1),
    maxRetries: int('maxRetries', q.maxRetries, 0),
    maxPages: int('maxPages', q.maxPages, 1),
    allowInsecureBundleHosts: hosts.map((h) => h.toLowerCase()),
    retryBaseDelayMs: int('retryBaseDelayMs', q.retryBaseDelayMs, 0),
    maxRetryDelayMs: int('maxRetryDelayMs', q.maxRetryDelayMs, 0),
    maxResponseBytes: int('maxResponseBytes', q.maxResponseBytes, 1),
    maxBundleBytes: int('maxBundleBytes', q.maxBundleBytes, 1),
  };
}

// ---------------------------------------------------------------------------------------------
// What to do with each listed attestation

type Plan = { repositoryId?: number; initiator?: string } & (
  { kind: 'inline'; bundle: unknown } | { kind: 'download'; url: URL }
);

function planEntry(entry: ListedAttestation, index: number, opts: Options): Plan {
  const meta: { repositoryId?: number; initiator?: string } = {};
  if (typeof entry.repository_id === 'number') meta.repositoryId = entry.repository_id;
  if (typeof entry.initiator === 'string') meta.initiator = entry.initiator;
  if (entry.bundle) return { kind: 'inline', bundle: entry.bundle, ...meta };
  if (!entry.bundle_url) {
    throw new GateError(
      'upstream',
      `${API_SERVICE}: attestation #${index + 1} has neither a bundle nor a bundle_url`,
    );
  }
  let url: URL;
  try {
    url = new URL(entry.bundle_url);
  } catch {
    throw new GateError(
      'upstream',
      `${API_SERVICE}: attestation #${index + 1} has a bundle_url that is not a URL`,
    );
  }
  checkBundleUrl(url, opts);
  return { kind: 'download', url, ...meta };
}

/** Only https:, or http: to an explicitly allowed host; never URLs with embedded credentials. */
function checkBundleUrl(url: URL, opts: Options): void {
  if (url.username || url.password) {
    throw new GateError('upstream', `refusing bundle URL ${redactUrl(url)}: it embeds credentials`);
  }
  if (url.protocol === 'https:') return;
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  if (
    url.protocol === 'http:' &&
    (opts.allowInsecureBundleHosts.includes(hostname) ||
      opts.allowInsecureBundleHosts.includes(host))
  ) {
    return;
  }
  throw new GateError(
    'upstream',
    `refusing to download an attestation bundle from ${redactUrl(url)}: only https: bundle URLs are followed`,
    {
      fix: 'this points at a misconfigured API URL or a tampered response; allowInsecureBundleHosts exists for local test servers only',
    },
  );
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Fetched {
  url: URL;
  status: number;
  statusText: string;
  headers: Headers;
  body: Uint8Array;
}

interface Target {
  service: string;
  /** Throws for a URL this request must not go to (first request and every redirect). */
  checkUrl(url: URL): void;
  headersFor(url: URL): Record<string, string>;
}

class Client {
  private readonly apiOrigin: string;

  constructor(
    private readonly opts: Options,
    private readonly fetchImpl: typeof fetch,
  ) {
    this.apiOrigin = opts.apiBase.origin;
  }

  private readonly api: Target = {
    service: API_SERVICE,
    checkUrl: (url) => {
      if (url.origin !== this.apiOrigin) {
        throw new GateError(
          'upstream',
          `${API_SERVICE} sent us to ${redactUrl(url)}, outside ${this.apiOrigin}; refusing to follow it with the token`,
        );
      }
    },
    headersFor: (url) => {
      const h: Record<string, string> = {
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': GITHUB_API_VERSION,
        'User-Agent': 'security-gate',
      };
      // The token goes to the API origin and nowhere else (checkUrl already refuses the rest).
      if (this.opts.token !== undefined && url.origin === this.apiOrigin) {
        h.Authorization = `Bearer ${this.opts.token}`;
      }
      return h;
    },
  };

  private readonly blob: Target = {
    service: BLOB_SERVICE,
    checkUrl: (url) => checkBundleUrl(url, this.opts),
    // No Authorization, no GitHub headers: blob storage gets nothing that identifies the caller.
    headersFor: () => ({ Accept: 'application/octet-stream, */*' }),
  };

  /** All pages of the listing (bounded), each validated. `[]` on a first-page 404. */
  async listAll(): Promise<ListedAttestation[]> {
    const { apiBase, owner, repo, hex, predicateType, maxPages } = this.opts;
    const base = apiBase.pathname.replace(/\/+$/, '');
    const scope = repo
      ? `repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`
      : `orgs/${encodeURIComponent(owner)}`;
    const first = new URL(`${base}/${scope}/attestations/sha256:${hex}`, apiBase.origin);
    first.searchParams.set('per_page', String(PER_PAGE));
    if (predicateType !== undefined) first.searchParams.set('predicate_type', predicateType);

    const all: ListedAttestation[] = [];
    const seen = new Set<string>();
    let next: URL | undefined = first;
    let page = 0;
    while (next) {
      if (page >= maxPages) {
        throw new GateError(
          'upstream',
          `${API_SERVICE}: more than ${maxPages} pages of attestations for sha256:${hex} in ${scopeName(owner, repo)}; refusing to use a partial list`,
          { fix: 'narrow the query with a predicate type, or raise maxPages' },
        );
      }
      seen.add(next.href);
      page += 1;
      const res = await this.request(this.api, next, this.opts.maxResponseBytes);
      if (res.status === 404 && page === 1) return []; // none, or no access: see the module comment
      if (res.status !== 200) throw this.apiStatusError(res, page);
      all.push(...parsePage(res, page));

      next = nextLink(res.headers.get('link'), res.url);
      if (next) {
        this.api.checkUrl(next);
        if (seen.has(next.href)) {
          throw new GateError(
            'upstream',
            `${API_SERVICE}: pagination loops back to ${redactUrl(next)}`,
          );
        }
      }
    }
    return all;
  }

  /** Downloads, decompresses and parses one `bundle_url` bundle. */
  async downloadBundle(url: URL): Promise<unknown> {
    const { maxBundleBytes } = this.opts;
    const res = await this.request(this.blob, url, maxSnappyCompressedLength(maxBundleBytes));
    const where = redactUrl(res.url);
    if (res.status !== 200) {
      throw new GateError(
        'upstream',
        `${BLOB_SERVICE} answered HTTP ${res.status} ${res.statusText} for ${where}`.trimEnd(),
      );
    }
    let json: Uint8Array;
    try {
      json = snappyUncompress(res.body, maxBundleBytes);
    } catch (err) {
      throw new GateError(
        'upstream',
        `the attestation bundle from ${where} is not valid snappy-compressed data: ${describeThrown(err)}`,
        { cause: err },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
    } catch (err) {
      throw new GateError(
        'upstream',
        `the attestation bundle from ${where} is not JSON: ${describeThrown(err)}`,
        { cause: err },
      );
    }
    const checked = bundleShape.safeParse(parsed);
    if (!checked.success) {
      throw new GateError(
        'upstream',
        `the attestation bundle from ${where} is not a Sigstore bundle (a JSON object with a mediaType)`,
      );
    }
    return parsed;
  }

  private apiStatusError(res: Fetched, page: number): GateError {
    const { owner, repo } = this.opts;
    const what = `${API_SERVICE} answered HTTP ${res.status} ${res.statusText}`.trimEnd();
    const where = `listing attestations in ${scopeName(owner, repo)} (page ${page})`;
    const detail = githubMessage(res);
    const accepted = res.headers.get('x-accepted-github-permissions');
    const needs = accepted ? ` GitHub says it accepts: ${sanitize(accepted)}.` : '';
    if (res.status === 401) {
      return new GateError(
        'upstream',
        `${what} ${where}: ${this.opts.token === undefined ? 'no token was sent' : 'the token was rejected (invalid, expired or revoked)'}${detail}.${needs}`,
        {
          fix: `pass a valid token (input github-token, default \${{ github.token }}); ${REQUIRED_PERMISSIONS}`,
        },
      );
    }
    if (res.status === 403) {
      return new GateError(
        'upstream',
        `${what} ${where}: the token may not read these attestations${detail}.${needs}`,
        { fix: REQUIRED_PERMISSIONS },
      );
    }
    return new GateError('upstream', `${what} ${where}${detail}.`);
  }

  /**
   * One logical GET with bounded retries. Returns the final response for any status that is not
   * worth retrying (2xx, and 4xx other than rate limits); throws `GateError('upstream')` once
   * retries are spent, a rate limit asks for a longer wait than allowed, a body is too large, or a
   * URL is refused.
   */
  private request(target: Target, url: URL, maxBytes: number): Promise<Fetched> {
    return withRetries(() => this.attempt(target, url, maxBytes), {
      what: target.service,
      failure: `${target.service} failed for ${redactUrl(url)}`,
      maxRetries: this.opts.maxRetries,
      timeoutMs: this.opts.timeoutMs,
      retryBaseDelayMs: this.opts.retryBaseDelayMs,
      maxRetryDelayMs: this.opts.maxRetryDelayMs,
      secrets: [this.opts.token],
      detail: causeOf,
    });
  }

  /** One attempt: follows redirects by hand (each hop checked), reads the body with a bound. */
  private async attempt(target: Target, start: URL, maxBytes: number): Promise<Fetched> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    let url = start;
    for (let hop = 0; ; hop += 1) {
      target.checkUrl(url);
      const res = await this.fetchImpl(url, {
        method: 'GET',
        headers: target.headersFor(url),
        redirect: 'manual',
        credentials: 'omit',
        signal,
      });
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        const location = res.headers.get('location');
        if (!location) {
          throw new GateError(
            'upstream',
            `${target.service} redirected without a Location (${redactUrl(url)})`,
          );
        }
        if (hop >= MAX_REDIRECTS) {
          throw new GateError(
            'upstream',
            `${target.service}: more than ${MAX_REDIRECTS} redirects from ${redactUrl(start)}`,
          );
        }
        url = new URL(location, url);
        continue;
      }
      const body = await readBounded(
        res,
        maxBytes,
        `${target.service} response from ${redactUrl(url)}`,
      );
      return { url, status: res.status, statusText: res.statusText, headers: res.headers, body };
    }
  }
}

function scopeName(owner: string, repo: string | undefined): string {
  return repo ? `repository ${owner}/${repo}` : `organization ${owner}`;
}

function parsePage(res: Fetched, page: number): ListedAttestation[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.body));
  } catch (err) {
    throw new GateError(
      'upstream',
      `${API_SERVICE}: page ${page} is not JSON: ${describeThrown(err)}`,
      {
        cause: err,
      },
    );
  }
  const checked = pageShape.safeParse(json);
  if (!checked.success) {
    throw new GateError(
      'upstream',
      `${API_SERVICE}: page ${page} does not have the documented shape ({ attestations: [{ bundle | bundle_url, … }] }): ${truncate(z.prettifyError(checked.error), 500)}`,
    );
  }
  return checked.data.attestations;
}

/** The `rel="next"` target of an RFC 8288 Link header, resolved against the current URL. */
export function nextLink(header: string | null, current: URL): URL | undefined {
  if (!header) return undefined;
  for (const m of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]*)*)/g)) {
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) {
      try {
        return new URL(m[1] ?? '', current);
      } catch {
        throw new GateError('upstream', `${API_SERVICE}: the Link header's next URL is not a URL`);
      }
    }
  }
  return undefined;
}

/** Origin and path only: blob URLs carry signed query strings (SAS tokens) that must not be logged. */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause === undefined ? '' : ` (${describeThrown(cause)})`;
}

function asGateError(err: unknown, service: string): GateError {
  return err instanceof GateError
    ? err
    : new GateError('upstream', `${service}: ${describeThrown(err)}`, { cause: err });
}

// ---------------------------------------------------------------------------------------------
// Raw snappy (https://github.com/google/snappy/blob/main/format_description.txt)

/** Snappy's worst-case expansion (MaxCompressedLength): a compressed body can be no larger. */
export function maxSnappyCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/**
 * Decompresses raw (unframed) snappy: a varint of the uncompressed length, then elements tagged
 * by their low two bits: 00 literal, 01 copy with 1-byte offset, 10 copy with 2-byte offset,
 * 11 copy with 4-byte offset. Refuses, before allocating, an announced length above `maxLength`,
 * and refuses any input that is truncated, copies from before the start, writes past the
 * announced length, or ends short of it.
 */
export function snappyUncompress(input: Uint8Array, maxLength: number): Uint8Array {
  let ip = 0;
  // Uncompressed length: little-endian base-128 varint, at most 32 bits (5 bytes).
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= input.length) throw new Error('truncated length header');
    if (shift > 28) throw new Error('length header is longer than 5 bytes');
    const b = input[ip++]!;
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (length > 0xffffffff) throw new Error('length header exceeds 32 bits');
  if (length > maxLength) {
    throw new Error(`announced length ${length} exceeds the limit of ${maxLength} bytes`);
  }
  const out = new Uint8Array(length);
  let op = 0;
  const need = (n: number, what: string) => {
    if (ip + n > input.length) throw new Error(`truncated ${what} at byte ${ip}`);
  };
  while (ip < input.length) {
    const tag = input[ip++]!;
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        len = tag >>> 2;
        if (len >= 60) {
          const n = len - 59; // 1..4 bytes of (length - 1), little-endian
          need(n, 'literal length');
          len = 0;
          for (let i = 0; i < n; i++) len += input[ip + i]! * 2 ** (8 * i);
          ip += n;
        }
        len += 1;
        need(len, 'literal');
        if (op + len > length) throw new Error('literal runs past the announced length');
        out.set(input.subarray(ip, ip + len), op);
        ip += len;
        op += len;
        continue;
      }
      case 1:
        need(1, 'copy');
        len = 4 + ((tag >>> 2) & 7);
        offset = ((tag >>> 5) << 8) | input[ip]!;
        ip += 1;
        break;
      case 2:
        need(2, 'copy');
        len = (tag >>> 2) + 1;
        offset = input[ip]! | (input[ip + 1]! << 8);
        ip += 2;
        break;
      default:
        need(4, 'copy');
        len = (tag >>> 2) + 1;
        offset =
          input[ip]! +
          input[ip + 1]! * 2 ** 8 +
          input[ip + 2]! * 2 ** 16 +
          input[ip + 3]! * 2 ** 24;
        ip += 4;
        break;
    }
    if (offset === 0 || offset > op) throw new Error(`copy offset ${offset} is outside the output`);
    if (op + len > length) throw new Error('copy runs past the announced length');
    // Byte by byte: a copy may overlap its own output (offset < len repeats a pattern).
    for (let i = 0; i < len; i++, op++) out[op] = out[op - offset]!;
  }
  if (op !== length) throw new Error(`data ends after ${op} of ${length} announced bytes`);
  return out;
}
