/**
 * SemVer 2.0.0 (https://semver.org/spec/v2.0.0.html), for npm, crates.io and Hex, and the core of
 * the Go scheme. Numbers are BigInt: node-semver refuses numbers above 2^53-1 and compares larger
 * pre-release numbers as text, the Rust and Erlang parsers go further; the spec sets no limit, so
 * neither do we. Build metadata is validated but plays no part in the order (spec item 10).
 *
 * Each ecosystem's own parser decides what else is accepted:
 * - npm (node-semver, strict mode): surrounding whitespace is trimmed and one leading `v` is allowed
 *   (`v1.2.3` == `1.2.3`); `=1.2.3` is rejected (only node-semver's loose mode takes it, and no
 *   lockfile writes it).
 * - crates.io (the `semver` crate that Cargo uses): exactly the grammar, no `v`, no whitespace.
 * - Hex (Elixir's `Version.parse`): exactly the grammar, no `v`, no whitespace.
 */
import type { Ecosystem } from '../model.js';
import { compareBigInt, compareString, defineScheme } from './common.js';

export interface SemVer {
  major: bigint;
  minor: bigint;
  patch: bigint;
  /** Numeric identifiers as BigInt, the others as strings; empty for a release. */
  prerelease: (bigint | string)[];
  build: string[];
}

const NUMBER = '0|[1-9][0-9]*';
const PRERELEASE_ID = `${NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*`;
const BUILD_ID = '[0-9A-Za-z-]+';
/** The SemVer 2.0.0 grammar: no leading zeros in numbers, no empty identifiers. */
const SEMVER = new RegExp(
  `^(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})` +
    `(?:-((?:${PRERELEASE_ID})(?:\\.(?:${PRERELEASE_ID}))*))?` +
    `(?:\\+(${BUILD_ID}(?:\\.${BUILD_ID})*))?$`,
);
const DIGITS = /^[0-9]+$/;

/** Parses the strict grammar, or returns undefined. */
export function matchSemVer(text: string): SemVer | undefined {
  const m = SEMVER.exec(text);
  if (!m) return undefined;
  return {
    major: BigInt(m[1]!),
    minor: BigInt(m[2]!),
    patch: BigInt(m[3]!),
    prerelease:
      m[4] === undefined ? [] : m[4].split('.').map((id) => (DIGITS.test(id) ? BigInt(id) : id)),
    build: m[5] === undefined ? [] : m[5].split('.'),
  };
}

/** Precedence (spec item 11): numbers, then pre-release identifiers; build metadata is ignored. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  return (
    compareBigInt(a.major, b.major) ||
    compareBigInt(a.minor, b.minor) ||
    compareBigInt(a.patch, b.patch) ||
    comparePrerelease(a.prerelease, b.prerelease)
  );
}

function comparePrerelease(a: (bigint | string)[], b: (bigint | string)[]): number {
  // A release ranks above any of its pre-releases.
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const c =
      typeof x === 'bigint'
        ? typeof y === 'bigint'
          ? compareBigInt(x, y)
          : -1 // numeric identifiers rank below alphanumeric ones
        : typeof y === 'bigint'
          ? 1
          : compareString(x, y); // ASCII order
    if (c !== 0) return c;
  }
  // A larger set of identifiers ranks higher when all the preceding ones are equal.
  return a.length - b.length;
}

const GRAMMAR = 'expected MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (SemVer 2.0.0, no leading zeros)';

function strictScheme(ecosystem: Ecosystem) {
  return defineScheme(
    ecosystem,
    (version, fail) => matchSemVer(version) ?? fail(GRAMMAR),
    compareSemVer,
  );
}

export const npm = defineScheme(
  'npm',
  (version, fail) => {
    const text = version.trim();
    return matchSemVer(text.startsWith('v') ? text.slice(1) : text) ?? fail(GRAMMAR);
  },
  compareSemVer,
);
export const crates = strictScheme('crates.io');
export const hex = strictScheme('Hex');
