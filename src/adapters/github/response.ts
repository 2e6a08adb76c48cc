/**
 * What the GitHub adapters (attestations, repository evidence) share about GitHub's answers:
 * rate limits, backoff, GitHub's error message, timeouts.
 */

/** A response read whole (body bounded by src/adapters/http.ts). */
export interface GitHubResponse {
  status: number;
  statusText: string;
  headers: Headers;
  body: Uint8Array;
}

/** Wait for a secondary rate limit that gives no hint (GitHub's guidance: at least a minute). */
export const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * How long a rate-limited response asks us to wait, or undefined when it is not a rate limit.
 * 429 always is; 403 is when `Retry-After` is present, `X-RateLimit-Remaining` is 0, or GitHub's
 * message says so (secondary limits). A 403 without those is a permission problem.
 */
export function rateLimitWaitMs(res: GitHubResponse): number | undefined {
  if (res.status !== 429 && res.status !== 403) return undefined;
  const retryAfter = res.headers.get('retry-after');
  if (retryAfter !== null) {
    const trimmed = retryAfter.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  if (res.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    return Number.isFinite(reset) && reset > 0
      ? Math.max(0, reset * 1000 - Date.now())
      : SECONDARY_RATE_LIMIT_WAIT_MS;
  }
  if (res.status === 429) return 0; // no hint: plain backoff
  return /rate limit/i.test(githubMessage(res)) ? SECONDARY_RATE_LIMIT_WAIT_MS : undefined;
}

export function backoff(attempt: number, base: number, cap: number): number {
  return Math.min(cap, base * 2 ** attempt);
}

/** `: <GitHub's message>` from a JSON error body, sanitised and truncated, or ''. */
export function githubMessage(res: GitHubResponse): string {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(res.body.subarray(0, 64 * 1024)));
    const message = (parsed as { message?: unknown } | null)?.message;
    return typeof message === 'string' && message !== '' ? `: ${sanitize(message)}` : '';
  } catch {
    return '';
  }
}

/** Control characters and credentials out, at most 200 characters: text from a server, fit for a message. */
export function sanitize(text: string): string {
  return truncate(redactCredentials(text.replace(/\p{Cc}+/gu, ' ').trim()), 200);
}

/**
 * Credentials out of a message: GitHub tokens (ghp_, gho_, ghs_, ghu_, ghr_, github_pat_) and
 * whatever follows an HTTP authorization scheme. A server (or an HTTP client's header error) may
 * quote the Authorization header back; the gate's output is read by people without that token.
 * `secrets` (the token itself) are redacted wherever they appear, whatever their shape.
 */
export function redactCredentials(
  text: string,
  secrets: readonly (string | undefined)[] = [],
): string {
  let out = text;
  for (const secret of secrets)
    if (secret && secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out
    .replace(/\b(?:gh[opsur]_|github_pat_)[A-Za-z0-9_]+/g, '[redacted]')
    .replace(/\b(Bearer|token|Basic)(\s+)[^\s"',;]+/gi, '$1$2[redacted]');
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** An abort from `AbortSignal.timeout` (or any abort): the request took too long. */
export function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}
