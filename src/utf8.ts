/**
 * Strict UTF-8 for the files that decide a verdict (lockfiles, SBOMs, OSV records, bundles,
 * trusted roots, the policy). A lenient decoder turns bytes that are not UTF-8 into U+FFFD, and a
 * package named `lod\uFFFDsh` matches no advisory: corrupted bytes must be "could not evaluate",
 * never a different but valid-looking name.
 */
import { isUtf8 } from 'node:buffer';

export type Decoded = { text: string } | { invalid: { offset: number; line: number } };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text (a leading BOM kept: callers strip it), or where the first invalid byte is. */
export function decodeUtf8Strict(bytes: Uint8Array): Decoded {
  if (isUtf8(bytes)) return { text: decoder.decode(bytes) };
  const offset = firstInvalidByte(bytes);
  let line = 1;
  for (let i = 0; i < offset; i += 1) if (bytes[i] === 0x0a) line += 1;
  return { invalid: { offset, line } };
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629). */
export function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i += 1;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f; // no UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f; // nothing above U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k += 1) {
      const d = b[i + k];
      if (d === undefined) return i;
      if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return i;
    }
    i += n + 1;
  }
  return b.length;
}

/** The message for bytes that are not UTF-8, and how to fix it. */
export function notUtf8(invalid: { offset: number; line: number }): string {
  return `is not valid UTF-8 (line ${invalid.line}, byte ${invalid.offset}); the file is damaged or in another encoding`;
}

/** undefined for UTF-8 bytes (the fast path: one SIMD pass), else the `notUtf8` message. */
export function utf8Problem(bytes: Uint8Array): string | undefined {
  if (isUtf8(bytes)) return undefined;
  const decoded = decodeUtf8Strict(bytes);
  return 'invalid' in decoded ? notUtf8(decoded.invalid) : undefined;
}
