/**
 * Pub (Dart): `Version` from package:pub_semver, ported. The grammar is SemVer's, with leading
 * zeros allowed (`01.2.3` == `1.2.3`, `1.2.3-01` == `1.2.3-1`). The order is SemVer's for the
 * numbers and the pre-release, but build metadata counts too, after everything else: a version
 * without build ranks below the same version with one (`1.0.0 < 1.0.0+build`), and builds compare
 * part by part like pre-releases: `1.0.0-pre < 1.0.0-pre+build < 1.0.0 < 1.0.0+1 < 1.0.0+a`.
 *
 * A pre-release or build part is a number when Dart's `int.tryParse` reads it as a 64-bit int
 * (so a 20-digit part is text, and `-1` or `0x1f` are numbers); numbers rank below text, text
 * compares by UTF-16 code unit. A major, minor or patch number above 2^63-1 is rejected, as
 * `int.parse` rejects it.
 */
import { compareBigInt, compareString, defineScheme } from './common.js';

export interface PubVersion {
  major: bigint;
  minor: bigint;
  patch: bigint;
  preRelease: (bigint | string)[];
  build: (bigint | string)[];
}

const IDS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const PUB = new RegExp(`^([0-9]+)\\.([0-9]+)\\.([0-9]+)(?:-(${IDS}))?(?:\\+(${IDS}))?$`);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Dart's `int.tryParse(part)` on the Dart VM: decimal or 0x-hex, optional sign, 64 bits. */
function dartInt(part: string): bigint | undefined {
  const m = /^([+-]?)(?:([0-9]+)|0x([0-9a-f]+))$/i.exec(part);
  if (!m) return undefined;
  const negative = m[1] === '-';
  if (m[2] !== undefined) {
    const n = negative ? -BigInt(m[2]) : BigInt(m[2]);
    return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
  }
  // Hex literals may use all 64 bits (0xffffffffffffffff is -1), and no more.
  const hex = BigInt(`0x${m[3]!}`);
  if (hex >= 2n ** 64n) return undefined;
  const n = BigInt.asIntN(64, hex);
  return negative ? BigInt.asIntN(64, -n) : n;
}

function splitParts(text: string | undefined): (bigint | string)[] {
  return text === undefined ? [] : text.split('.').map((part) => dartInt(part) ?? part);
}

export function parsePub(version: string, fail: (reason: string) => never): PubVersion {
  const m = PUB.exec(version);
  if (!m) return fail('expected MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]');
  const [major, minor, patch] = [m[1]!, m[2]!, m[3]!].map(BigInt) as [bigint, bigint, bigint];
  if (major > INT64_MAX || minor > INT64_MAX || patch > INT64_MAX) {
    return fail('a version number is larger than a 64-bit int');
  }
  return { major, minor, patch, preRelease: splitParts(m[4]), build: splitParts(m[5]) };
}

/** `_compareLists`: missing parts first, numbers before strings. */
function compareLists(a: (bigint | string)[], b: (bigint | string)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'bigint') return typeof y === 'bigint' ? compareBigInt(x, y) : -1;
    if (typeof y === 'bigint') return 1;
    return compareString(x, y);
  }
  return 0;
}

export function comparePub(a: PubVersion, b: PubVersion): number {
  const numbers =
    compareBigInt(a.major, b.major) ||
    compareBigInt(a.minor, b.minor) ||
    compareBigInt(a.patch, b.patch);
  if (numbers !== 0) return numbers;
  // Pre-releases come before no pre-release; builds come after no build.
  const aPre = a.preRelease.length > 0;
  const bPre = b.preRelease.length > 0;
  if (aPre !== bPre) return aPre ? -1 : 1;
  const pre = compareLists(a.preRelease, b.preRelease);
  if (pre !== 0) return pre;
  const aBuild = a.build.length > 0;
  const bBuild = b.build.length > 0;
  if (aBuild !== bBuild) return aBuild ? 1 : -1;
  return compareLists(a.build, b.build);
}

export const pub = defineScheme('Pub', parsePub, comparePub);
