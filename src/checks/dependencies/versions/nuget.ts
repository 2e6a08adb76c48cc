/**
 * NuGet: `NuGetVersion` (NuGet.Versioning), as `NuGetVersion.TryParse` reads it and
 * `VersionComparer.Default` orders it. One to four numeric parts (missing ones are 0, leading zeros
 * allowed: `1.0` == `1.0.0.0` == `1.00.0`), SemVer 2.0.0 release labels after `-`, metadata after
 * `+` (validated, ignored for order). Labels compare part by part: a part is numeric when .NET's
 * `Int32.TryParse` reads it (so `-1` is numeric and `99999999999` is not), numbers rank below
 * text, text compares case-insensitively (`1.0.0-BETA` == `1.0.0-beta`); a version without labels
 * ranks above one with labels, and more labels above fewer when the rest are equal.
 *
 * Differences from NuGet: numeric parts may exceed 2^31-1 (compared exactly as BigInt, where NuGet
 * would reject the version), and each part must be plain ASCII digits (System.Version also takes
 * `+1` or surrounding spaces inside a part).
 */
import { asciiUpper, compareBigInt, compareString, defineScheme } from './common.js';

export interface NuGetVersion {
  /** Major, minor, patch, revision. */
  numbers: [bigint, bigint, bigint, bigint];
  releaseLabels: string[];
  metadata?: string;
}

const LABEL = '[0-9A-Za-z-]+';
const NUGET = new RegExp(
  `^([0-9]+(?:\\.[0-9]+){0,3})(?:-(${LABEL}(?:\\.${LABEL})*))?(?:\\+(${LABEL}(?:\\.${LABEL})*))?$`,
);
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

export function parseNuGet(version: string, fail: (reason: string) => never): NuGetVersion {
  const m = NUGET.exec(version.trim());
  if (!m)
    return fail(
      'expected 1 to 4 numbers (e.g. 1.2.3 or 1.2.3.4), then optional -LABEL and +METADATA',
    );
  const labels = m[2] === undefined ? [] : m[2].split('.');
  // "0" is fine, "00" or "01" is not; "0A" is alphanumeric.
  if (labels.some((l) => /^0[0-9]+$/.test(l)))
    return fail('a numeric release label has a leading zero');
  const parts = m[1]!.split('.').map(BigInt);
  while (parts.length < 4) parts.push(0n);
  return {
    numbers: parts as [bigint, bigint, bigint, bigint],
    releaseLabels: labels,
    ...(m[3] === undefined ? {} : { metadata: m[3] }),
  };
}

/** `Int32.TryParse` on a release label: optional minus sign, digits, within Int32. */
function int32(label: string): bigint | undefined {
  if (!/^-?[0-9]+$/.test(label)) return undefined;
  const n = BigInt(label);
  return n >= INT32_MIN && n <= INT32_MAX ? n : undefined;
}

function compareLabel(a: string, b: string): number {
  const x = int32(a);
  const y = int32(b);
  if (x !== undefined && y !== undefined) return compareBigInt(x, y);
  if (x !== undefined) return -1; // numeric labels come before alphanumeric ones
  if (y !== undefined) return 1;
  return compareString(asciiUpper(a), asciiUpper(b)); // StringComparer.OrdinalIgnoreCase
}

export function compareNuGet(a: NuGetVersion, b: NuGetVersion): number {
  for (let i = 0; i < 4; i++) {
    const c = compareBigInt(a.numbers[i]!, b.numbers[i]!);
    if (c !== 0) return c;
  }
  const x = a.releaseLabels;
  const y = b.releaseLabels;
  if (x.length === 0 || y.length === 0) return y.length - x.length;
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = compareLabel(x[i]!, y[i]!);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

export const nuget = defineScheme('NuGet', parseNuGet, compareNuGet);
