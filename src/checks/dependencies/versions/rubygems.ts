/**
 * RubyGems: `Gem::Version` (lib/rubygems/version.rb), ported. A version is dot-separated segments
 * of digits and ASCII letters; a `-` is read as `.pre.`. Any letter makes a prerelease, which sorts
 * before the release it precedes: `1.0.a` < `1.0.b1` < `1.0` < `1.0.1`. Segments split on
 * digit/letter boundaries (`a10` is `a`, `10`); numbers compare numerically (BigInt), strings by
 * byte, a string segment ranks below a number, and missing segments count as 0. Trailing zero
 * segments, and zero segments just before the first letter, do not count: `1.0` == `1` == `1.0.0`,
 * `1.0.a` == `1.a`, `1.2.b1` == `1.2.b.1`.
 *
 * `canonical_segments` is the regex form of RubyGems >= 3.5 (rubygems/rubygems#7052), which also
 * drops a zero run before a later letter: `1.2.3-0.beta1` == `1.2.3-beta1` (RubyGems <= 3.4 kept
 * the 0 and ordered such contrived versions differently).
 *
 * Differences from `Gem::Version.new`: an empty or blank string (which RubyGems reads as `0`) is
 * rejected, as no lockfile states one.
 */
import { compareBigInt, compareString, defineScheme } from './common.js';

export interface GemVersion {
  /** The version as RubyGems stores it: stripped, with `-` replaced by `.pre.`. */
  version: string;
  /** `canonical_segments`: numbers as BigInt, letters as strings. */
  segments: (bigint | string)[];
}

// Ruby's `\s` (ASCII whitespace); `String#strip` removes the same characters (and NUL, which the
// pattern rejects anyway).
const PATTERN =
  /^[ \t\n\v\f\r]*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)[ \t\n\v\f\r]*$/;

export function parseGemVersion(input: string, fail: (reason: string) => never): GemVersion {
  const m = PATTERN.exec(input);
  if (!m)
    return fail(
      'expected dot-separated digits and ASCII letters, starting with a number (e.g. 1.2.3, 2.0.0.rc1)',
    );
  const version = m[1]!.replace(/-/g, '.pre.');
  return { version, segments: canonicalSegments(version) };
}

function canonicalSegments(version: string): (bigint | string)[] {
  // Remove trailing 0 segments, using a dot or a letter as anchor (a trailing dot is ignored below).
  let canonical = version.replace(/(?<=[a-zA-Z.])[.0]+$/, '');
  // In a prerelease, remove the 0 segments just before the first letter.
  if (/[a-zA-Z]/.test(version)) canonical = canonical.replace(/(?<=\.|^)[0.]+(?=[a-zA-Z])/, '');
  return Array.from(canonical.matchAll(/[0-9]+|[a-z]+/gi), ([s]) =>
    /^[0-9]/.test(s) ? BigInt(s) : s,
  );
}

export function compareGemVersions(a: GemVersion, b: GemVersion): number {
  if (a.version === b.version) return 0;
  for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
    const x = a.segments[i] ?? 0n;
    const y = b.segments[i] ?? 0n;
    if (x === y) continue;
    if (typeof x === 'string' && typeof y === 'bigint') return -1;
    if (typeof x === 'bigint' && typeof y === 'string') return 1;
    return typeof x === 'bigint' ? compareBigInt(x, y as bigint) : compareString(x, y as string);
  }
  return 0;
}

export const rubygems = defineScheme('RubyGems', parseGemVersion, compareGemVersions);
