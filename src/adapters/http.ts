/** HTTP helpers shared by the adapters that talk to services (GitHub, OSV). */
import { GateError } from '../errors.js';

/**
 * Reads a response body, refusing it (GateError upstream) once it exceeds `max` bytes — by its
 * declared length first, then as it streams — so a hostile or broken server cannot exhaust memory.
 */
export async function readBounded(res: Response, max: number, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new GateError('upstream', `${what} is ${declared} bytes, more than the ${max} accepted`);
  }
  if (res.body === null) return new Uint8Array();
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new GateError('upstream', `${what} is more than the ${max} bytes accepted`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/**
 * The root URL of an API the gate sends a token or trusts answers from (GITHUB_API_URL,
 * `--osv-api`): `https:` (plain `http:` only on the loopback interface, for local test servers),
 * and no credentials, query or fragment. Anything else is an input error naming the service.
 */
export function checkedApiRoot(
  text: string,
  api: { name: string; httpsBecause: string; example: string; fix: string },
): URL {
  const bad = (what: string, fix: string) => new GateError('input', what, { fix });
  let root: URL;
  try {
    root = new URL(text);
  } catch {
    throw bad(`the ${api.name} URL ${JSON.stringify(text)} is not a URL`, `e.g. ${api.example}`);
  }
  const shown = `${root.protocol}//${root.host}${root.pathname}`;
  if (root.username || root.password || root.search || root.hash) {
    throw bad(
      `the ${api.name} URL ${shown} must not carry credentials, a query or a fragment`,
      `give the API root only, e.g. ${api.example}`,
    );
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(root.hostname);
  if (!(root.protocol === 'https:' || (root.protocol === 'http:' && loopback))) {
    throw bad(`the ${api.name} URL ${shown} must use https: (${api.httpsBecause})`, api.fix);
  }
  return root;
}
