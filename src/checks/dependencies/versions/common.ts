/**
 * Building blocks shared by the per-ecosystem version schemes: the error every parser throws, the
 * scheme factory, and three-way comparisons that never lose precision (numbers are BigInt).
 */
import type { Ecosystem, VersionScheme } from '../model.js';

/** A version string that the ecosystem's own parser would reject. The caller reports it as unknown. */
export class InvalidVersionError extends Error {
  readonly ecosystem: Ecosystem;
  readonly version: string;

  constructor(ecosystem: Ecosystem, version: string, reason: string) {
    super(`${JSON.stringify(version)} is not a valid ${ecosystem} version: ${reason}`);
    this.name = 'InvalidVersionError';
    this.ecosystem = ecosystem;
    this.version = version;
  }
}

/** A scheme whose `parse` returns the parsed form and whose `compare` returns -1, 0 or 1. */
export interface TypedVersionScheme<T> extends VersionScheme {
  parse(version: string): T;
}

/**
 * Wraps a parser and a comparator of parsed versions into a `VersionScheme`. `parse` receives a
 * `fail(reason)` that throws `InvalidVersionError`; anything that is not a string is rejected
 * before it gets there (versions come from JSON and lockfiles, not from the type checker).
 */
export function defineScheme<T>(
  ecosystem: Ecosystem,
  parse: (version: string, fail: (reason: string) => never) => T,
  compare: (a: T, b: T) => number,
): TypedVersionScheme<T> {
  const parseChecked = (version: string): T => {
    const fail = (reason: string): never => {
      throw new InvalidVersionError(ecosystem, String(version), reason);
    };
    if (typeof version !== 'string') return fail(`expected a string, got ${typeof version}`);
    return parse(version, fail);
  };
  return {
    ecosystem,
    parse: parseChecked,
    compare: (a: string, b: string) => Math.sign(compare(parseChecked(a), parseChecked(b))),
  };
}

/** Three-way comparison of two BigInts. */
export function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Three-way comparison of two strings by UTF-16 code unit (byte order for ASCII). */
export function compareString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lower-cases ASCII letters only, whatever the locale (unlike `toLowerCase` on non-ASCII input). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** Upper-cases ASCII letters only. */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 32));
}
