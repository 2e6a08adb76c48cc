/**
 * Ecosystems whose versions are plain sequences of numbers, compared number by number (BigInt),
 * where a version that is a prefix of another is the smaller one (`1.0` < `1.0.0`):
 * - CRAN: R's `package_version`: at least two non-negative integers separated by `.` or `-`
 *   (`1.0-1` == `1.0.1`); leading zeros do not count (`0.01` == `0.1`).
 * - Hackage: Cabal's `Version` (the PVP): dot-separated numbers, no leading zeros and at most nine
 *   digits per number, as Cabal's parser requires. Tags (`1.0-beta`), deprecated and ignored by
 *   Cabal, are rejected: they carry no order.
 */
import { compareBigInt, defineScheme } from './common.js';

export function compareNumberLists(a: bigint[], b: bigint[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareBigInt(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

const CRAN = /^(?:[0-9]+[.-])+[0-9]+$/;

export const cran = defineScheme(
  'CRAN',
  (version, fail) =>
    CRAN.test(version)
      ? version.split(/[.-]/).map(BigInt)
      : fail('expected at least two numbers separated by . or - (e.g. 1.0-2, 0.9.5)'),
  compareNumberLists,
);

const HACKAGE = /^(?:0|[1-9][0-9]{0,8})(?:\.(?:0|[1-9][0-9]{0,8}))*$/;

export const hackage = defineScheme(
  'Hackage',
  (version, fail) =>
    HACKAGE.test(version)
      ? version.split('.').map(BigInt)
      : fail(
          'expected dot-separated numbers without leading zeros, at most 9 digits each (e.g. 1.2.0.3)',
        ),
  compareNumberLists,
);
