/**
 * One GitHub API request with bounded retries: 429, 403 rate limits, 5xx, network errors and
 * timeouts are retried (`maxRetries` times, exponential backoff capped at `maxRetryDelayMs`; a
 * rate limit asking for longer fails at once), then `GateError('upstream')` naming the service and
 * the last problem. Any other answer is returned, read whole and bounded in size, for the caller
 * to judge. Plain `fetch`: no redirects, no cookies, every attempt bounded in time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GateError, describeThrown } from '../../errors.js';
import { checkedApiRoot, readBounded } from '../http.js';
import {
  backoff,
  githubMessage,
  isTimeout,
  rateLimitWaitMs,
  redactCredentials,
  type GitHubResponse,
} from './response.js';

export const GITHUB_API_VERSION = '2022-11-28';

/**
 * The API root from GITHUB_API_URL or `--api-url`, checked once for every GitHub client (the
 * token is sent to it).
 */
export function githubApiRoot(apiUrl: string): URL {
  return checkedApiRoot(apiUrl, {
    name: 'GitHub API',
    httpsBecause: 'the token is sent to it',
    example: 'https://api.github.com or https://HOST/api/v3',
    fix: 'use the https:// API URL of your GitHub instance',
  });
}

/** `path` (from `/`) under the API root, e.g. `/repos/o/r/contents/x` under `https://HOST/api/v3`. */
export function githubApiUrl(root: string | URL, path: string): URL {
  const base = typeof root === 'string' ? githubApiRoot(root) : root;
  return new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base.origin);
}

export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Per attempt. Default 30 000. */
  timeoutMs?: number;
  /** First backoff; doubles per retry. Default 1 000. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts. Default 10 000. */
  maxRetryDelayMs?: number;
  /** Largest body read. Default 32 MiB. */
  maxBytes?: number;
  /** Aborts waits and requests. */
  signal?: AbortSignal;
  /** Called before each attempt (to count requests, retries included). */
  onAttempt?: () => void;
}

export interface GitHubRequest extends RetryOptions {
  /** For messages: e.g. `GitHub REST API GET /repos/{owner}/{repo}/contents/{path}`. */
  what: string;
  url: URL;
  token?: string;
  method?: 'GET' | 'POST' | 'PATCH';
  body?: string;
  accept?: string;
}

export async function githubRequest(
  req: GitHubRequest,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<GitHubResponse> {
  const timeoutMs = req.timeoutMs ?? 30_000;
  return withRetries(() => once(req, timeoutMs, fetchImpl), {
    ...req,
    failure: `${req.what} failed`,
    secrets: [req.token],
  });
}

export interface RetryLoop extends RetryOptions {
  /** The service, for rate-limit and cancellation messages. */
  what: string;
  /** Start of the message once retries are spent, e.g. `X failed for URL`. */
  failure: string;
  /** Redacted wherever they appear in a network error. */
  secrets?: readonly (string | undefined)[];
  /** Appended to a network error's message (e.g. its cause). */
  detail?: (err: unknown) => string;
}

/**
 * The bounded retry loop every GitHub client shares: `attempt` returns a response read whole (or
 * throws); 429 / 403 rate limits, 5xx, network errors and timeouts are retried with backoff, a
 * rate limit asking for longer than `maxRetryDelayMs` and any GateError fail at once.
 */
export async function withRetries<R extends GitHubResponse>(
  attempt: () => Promise<R>,
  loop: RetryLoop,
): Promise<R> {
  const maxRetries = loop.maxRetries ?? 3;
  const timeoutMs = loop.timeoutMs ?? 30_000;
  const base = loop.retryBaseDelayMs ?? 1_000;
  const cap = loop.maxRetryDelayMs ?? 10_000;
  let lastProblem = '';
  for (let n = 0; ; n++) {
    let waitMs: number;
    try {
      const res = await attempt();
      const rateWait = rateLimitWaitMs(res);
      if (rateWait !== undefined) {
        lastProblem = `HTTP ${res.status} rate limit${githubMessage(res)}`;
        if (rateWait > cap) {
          throw new GateError(
            'upstream',
            `${loop.what} is rate-limiting us (HTTP ${res.status}) for ${Math.ceil(rateWait / 1000)} s more, longer than we wait (${Math.ceil(cap / 1000)} s)${githubMessage(res)}`,
            {
              fix: 'retry later; the GITHUB_TOKEN limit (1,000 requests/hour per repository) is shared by every workflow',
            },
          );
        }
        waitMs = Math.max(rateWait, backoff(n, base, cap));
      } else if (res.status >= 500) {
        lastProblem = `HTTP ${res.status}${githubMessage(res) || (res.statusText ? ` ${res.statusText}` : '')}`;
        waitMs = backoff(n, base, cap);
      } else {
        return res;
      }
    } catch (err) {
      if (err instanceof GateError) throw err; // refused URL, body too large: not transient
      if (loop.signal?.aborted) throw new GateError('upstream', `${loop.what}: cancelled`);
      lastProblem = isTimeout(err)
        ? `no answer within ${timeoutMs} ms`
        : `network error: ${redactCredentials(`${describeThrown(err)}${loop.detail?.(err) ?? ''}`, loop.secrets ?? [])}`;
      waitMs = backoff(n, base, cap);
    }
    if (n >= maxRetries) {
      throw new GateError(
        'upstream',
        `${loop.failure} after ${n + 1} attempt${n === 0 ? '' : 's'}: ${lastProblem}`,
        { fix: 'retry later; check https://www.githubstatus.com for outages' },
      );
    }
    try {
      await sleep(waitMs, undefined, loop.signal ? { signal: loop.signal } : {});
    } catch {
      throw new GateError('upstream', `${loop.what}: cancelled`);
    }
  }
}

async function once(
  req: GitHubRequest,
  timeoutMs: number,
  fetchImpl: typeof fetch,
): Promise<GitHubResponse> {
  req.onAttempt?.();
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (req.signal) signals.push(req.signal);
  const headers: Record<string, string> = {
    Accept: req.accept ?? 'application/vnd.github+json',
    'X-GitHub-Api-Version': GITHUB_API_VERSION,
    'User-Agent': 'security-gate',
  };
  if (req.body !== undefined) headers['Content-Type'] = 'application/json';
  if (req.token) headers.Authorization = `Bearer ${req.token}`;
  const init: RequestInit = {
    method: req.method ?? (req.body === undefined ? 'GET' : 'POST'),
    headers,
    redirect: 'error',
    credentials: 'omit',
    signal: AbortSignal.any(signals),
  };
  if (req.body !== undefined) init.body = req.body;
  const res = await fetchImpl(req.url, init);
  const body = await readBounded(res, req.maxBytes ?? 32 * 1024 * 1024, `${req.what} response`);
  return { status: res.status, statusText: res.statusText, headers: res.headers, body };
}
