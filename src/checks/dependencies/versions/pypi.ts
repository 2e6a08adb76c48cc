/**
 * PyPI: PEP 440 (https://peps.python.org/pep-0440/), ported from the reference implementation,
 * `packaging.version` (its VERSION_PATTERN and `_cmpkey`). Parsing normalises, so differently
 * spelled equal versions compare equal: `1.0RC1` == `1.0rc1` == `1.0c1`, `1.0` == `1.0.0`,
 * `1.0-1` == `1.0.post1`, `v1.0` == `1.0`, `1.0.ALPHA` == `1.0a0`, `00!1.01` == `1.1`.
 *
 * Order: epoch, then the release (trailing zeros ignored), then pre-release (a < b < rc; a version
 * with only a .devN sorts before all its pre-releases), post-release, dev-release (a .devN sorts
 * before the same version without it), then the local label (`+ubuntu.1`: absent < present;
 * numeric parts > alphanumeric parts). Numbers are BigInt (Python ints are unbounded).
 *
 * Legacy (pre-PEP 440) versions such as `0.9-doduo` are rejected, as packaging >= 22 rejects them.
 */
import { asciiLower, compareBigInt, compareString, defineScheme } from './common.js';

export interface Pep440Version {
  epoch: bigint;
  /** The release segment with trailing zeros removed. */
  release: bigint[];
  pre?: { label: 'a' | 'b' | 'rc'; n: bigint };
  post?: bigint;
  dev?: bigint;
  /** Numeric parts as BigInt, the others lower-cased. */
  local?: (bigint | string)[];
}

// packaging's VERSION_PATTERN (the pre-3.11 form, without possessive quantifiers), matched against
// the ASCII-lower-cased input, which stands in for re.IGNORECASE.
const VERSION = new RegExp(
  [
    '^v?',
    '(?:(?<epoch>[0-9]+)!)?',
    '(?<release>[0-9]+(?:\\.[0-9]+)*)',
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?',
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?',
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?',
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  ].join(''),
);

/** What Python's `str.strip()` and the pattern's `\s*` remove: `str.isspace()` characters. */
const PY_SPACE =
  '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const SURROUNDING_SPACE = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');

const PRE_LABEL: Record<string, 'a' | 'b' | 'rc'> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  pre: 'rc',
  preview: 'rc',
  rc: 'rc',
};

export function parsePep440(version: string, fail: (reason: string) => never): Pep440Version {
  const g = VERSION.exec(asciiLower(version.replace(SURROUNDING_SPACE, '')))?.groups;
  if (!g) return fail('not a PEP 440 version (e.g. 1.2.3, 1!2.0rc1, 1.0.post1.dev2+local.1)');
  const release = g.release!.split('.').map(BigInt);
  while (release.length > 1 && release.at(-1) === 0n) release.pop();
  const parsed: Pep440Version = { epoch: BigInt(g.epoch ?? '0'), release };
  // A pre/post/dev label without a number means 0; `1.0-1` is an implicit post-release.
  if (g.pre_l !== undefined) parsed.pre = { label: PRE_LABEL[g.pre_l]!, n: BigInt(g.pre_n ?? '0') };
  if (g.post !== undefined) parsed.post = BigInt(g.post_n1 ?? g.post_n2 ?? '0');
  if (g.dev !== undefined) parsed.dev = BigInt(g.dev_n ?? '0');
  if (g.local !== undefined) {
    parsed.local = g.local
      .split(/[-_.]/)
      .map((part) => (/^[0-9]+$/.test(part) ? BigInt(part) : part));
  }
  return parsed;
}

/** Ranks of `_cmpkey`'s Infinity / NegativeInfinity sentinels around a real value (0). */
const BELOW = -1;
const VALUE = 0;
const ABOVE = 1;

export function comparePep440(a: Pep440Version, b: Pep440Version): number {
  return (
    compareBigInt(a.epoch, b.epoch) ||
    compareReleases(a.release, b.release) ||
    comparePre(a, b) ||
    compareOptional(a.post, b.post, BELOW) ||
    compareOptional(a.dev, b.dev, ABOVE) ||
    compareLocal(a.local, b.local)
  );
}

function compareReleases(a: bigint[], b: bigint[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareBigInt(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function comparePre(a: Pep440Version, b: Pep440Version): number {
  // A dev release without a pre or post release (1.0.dev1) sorts before 1.0a0; no pre-release at
  // all sorts after every pre-release.
  const rank = (v: Pep440Version) =>
    v.pre !== undefined ? VALUE : v.post === undefined && v.dev !== undefined ? BELOW : ABOVE;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb || ra !== VALUE) return ra - rb;
  return compareString(a.pre!.label, b.pre!.label) || compareBigInt(a.pre!.n, b.pre!.n);
}

/** Compares two optional numbers; a missing one ranks `missing` (BELOW or ABOVE every number). */
function compareOptional(a: bigint | undefined, b: bigint | undefined, missing: number): number {
  if (a === undefined || b === undefined) {
    return (a === undefined ? missing : VALUE) - (b === undefined ? missing : VALUE);
  }
  return compareBigInt(a, b);
}

function compareLocal(
  a: (bigint | string)[] | undefined,
  b: (bigint | string)[] | undefined,
): number {
  if (a === undefined || b === undefined)
    return (a === undefined ? 0 : 1) - (b === undefined ? 0 : 1);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const c =
      typeof x === 'bigint'
        ? typeof y === 'bigint'
          ? compareBigInt(x, y)
          : 1 // numeric parts rank above alphanumeric ones
        : typeof y === 'bigint'
          ? -1
          : compareString(x, y);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export const pypi = defineScheme('PyPI', parsePep440, comparePep440);
