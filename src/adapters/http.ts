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
