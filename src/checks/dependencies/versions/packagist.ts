/**
 * Packagist: Composer's order, i.e. `Composer\Semver\VersionParser::normalize` followed by PHP's
 * `version_compare` on the normalised strings (what `Composer\Semver\Semver::sort` does).
 *
 * Normalising drops a `v` prefix and build metadata, pads to four numbers and spells the stability
 * suffix one way: `v1.0`, `1.0.0.0` and `1.0.0+build` are all `1.0.0.0`; `1.0.0RC1`, `1.0.0-rc.1`
 * and `1.0.0.RC1` are `1.0.0.0-RC1`; `-b2` is `-beta2`, `-p1` and `-pl1` are `-patch1`. Date
 * versions (`20100102-203040`) are kept as dotted numbers. `version_compare` then orders, for the
 * same numbers: dev < alpha < beta < RC < (no suffix) < patch, and `-dev` after a suffix sorts
 * before it (`1.0.0-beta1-dev` < `1.0.0-beta1`).
 *
 * Rejected: anything Composer cannot normalise, and branches (`dev-main`, `master`), which Composer
 * itself never orders against versions. Numeric branches (`1.x-dev`, normalised to
 * `1.9999999.9999999.9999999-dev`) are accepted, as Composer orders them.
 *
 * Difference from PHP: numbers are compared exactly (BigInt), where `version_compare` clamps each
 * at PHP_INT_MAX.
 */
import { compareBigInt, defineScheme } from './common.js';

export interface PackagistVersion {
  /** The version as Composer normalises it, e.g. `1.2.0.0-beta3`. */
  normalized: string;
  /** `normalized` split as `version_compare` splits it: numbers and stability words. */
  parts: (bigint | string)[];
}

// Composer's $modifierRegex. Its `((?:[.-]?\d+)*+)` relies on a possessive quantifier, which
// JavaScript lacks; without it, `1.0.0-beta111…1!` backtracks exponentially. The number runs are
// written here so that only one split is possible (same language: a separator is optional only
// before the first run).
const MODIFIER =
  '[._-]?(?:(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?[0-9]+(?:[.-][0-9]+)*)?))?([.-]?dev)?';
const CLASSICAL = new RegExp(
  `^v?([0-9]{1,5})(\\.[0-9]+)?(\\.[0-9]+)?(\\.[0-9]+)?${MODIFIER}$`,
  'i',
);
const DATE = new RegExp(
  `^v?([0-9]{4}(?:[.:-]?[0-9]{2}){1,6}(?:[.:-]?[0-9]{1,3}){0,2})${MODIFIER}$`,
  'i',
);
const NUMERIC_BRANCH =
  /^v?([0-9]+)(\.(?:[0-9]+|[xX*]))?(\.(?:[0-9]+|[xX*]))?(\.(?:[0-9]+|[xX*]))?$/i;
/** PHP's trim() characters. */
const PHP_SPACE = /^[ \t\n\r\0\v]+|[ \t\n\r\0\v]+$/g;

const STABILITY: Record<string, string> = {
  a: 'alpha',
  b: 'beta',
  p: 'patch',
  pl: 'patch',
  rc: 'RC',
};

/** `VersionParser::normalize`, without the branch forms Composer cannot order. */
export function normalizePackagist(input: string, fail: (reason: string) => never): string {
  let version = input.replace(PHP_SPACE, '');
  // strip off aliasing ("1.0.0 as 2.0.0") and a stability flag ("@dev")
  const alias = /^([^,\s]+) +as +([^,\s]+)$/.exec(version);
  if (alias) version = alias[1]!;
  version = version.replace(/@(?:stable|RC|beta|alpha|dev)$/i, '');
  if (['master', 'trunk', 'default'].includes(version) || /^dev-/i.test(version)) {
    return fail('a branch, not a version: Composer does not order branches against versions');
  }
  // strip off build metadata
  const build = /^([^,\s+]+)\+[^\s]+$/.exec(version);
  if (build) version = build[1]!;

  let m = CLASSICAL.exec(version);
  let numbers: string | undefined;
  let index = 0;
  if (m) {
    numbers = m[1]! + (m[2] || '.0') + (m[3] || '.0') + (m[4] || '.0');
    index = 5;
  } else if ((m = DATE.exec(version))) {
    numbers = m[1]!.replace(/[^0-9]/g, '.');
    index = 2;
  }
  if (m && numbers !== undefined) {
    const stability = m[index];
    if (stability) {
      // case-sensitive, as in Composer: "STABLE" is kept as a (lowest-ranking) suffix
      if (stability === 'stable') return numbers;
      const lower = stability.toLowerCase();
      numbers += `-${STABILITY[lower] ?? lower}${m[index + 1]!.replace(/^[.-]+/, '')}`;
    }
    if (m[index + 2]) numbers += '-dev';
    return numbers;
  }

  // numeric dev branches: 1.x-dev, 2.1.*-dev, 1.0-dev
  const dev = /^(.*?)[.-]?dev$/i.exec(version);
  const branch = dev ? NUMERIC_BRANCH.exec(dev[1]!.replace(PHP_SPACE, '')) : null;
  if (branch) {
    let out = '';
    for (let i = 1; i < 5; i++)
      out += branch[i] !== undefined ? branch[i]!.replace(/[*X]/g, 'x') : '.x';
    return `${out.replace(/x/g, '9999999')}-dev`;
  }
  return fail('not a version Composer can normalise (e.g. 1.2.3, v1.2.3-beta1, 1.2.x-dev)');
}

/** `php_canonicalize_version` then split on dots: digits and non-digits become separate parts. */
function splitForCompare(normalized: string): (bigint | string)[] {
  return normalized
    .replace(/[-_+]/g, '.')
    .replace(/([^0-9.])([0-9])/g, '$1.$2')
    .replace(/([0-9])([^0-9.])/g, '$1.$2')
    .split('.')
    .map((part) => (/^[0-9]/.test(part) ? BigInt(part) : part));
}

// version_compare's special forms, matched as prefixes in this order; anything else ranks -1.
const SPECIAL_FORMS: [string, number][] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];
/** What a number ranks as against a word ("#N#" in PHP's source). */
const NUMBER = '#';

function specialRank(form: string): number {
  return SPECIAL_FORMS.find(([name]) => form.startsWith(name))?.[1] ?? -1;
}

function compareParts(a: (bigint | string)[], b: (bigint | string)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const c =
      typeof x === 'bigint' && typeof y === 'bigint'
        ? compareBigInt(x, y)
        : Math.sign(
            specialRank(typeof x === 'bigint' ? NUMBER : x) -
              specialRank(typeof y === 'bigint' ? NUMBER : y),
          );
    if (c !== 0) return c;
  }
  // The longer one wins if its next part is a number; otherwise compare its rest against a number.
  if (a.length > b.length)
    return typeof a[b.length] === 'bigint' ? 1 : compareParts(a.slice(b.length), [NUMBER]);
  if (a.length < b.length)
    return typeof b[a.length] === 'bigint' ? -1 : compareParts([NUMBER], b.slice(a.length));
  return 0;
}

export function parsePackagist(version: string, fail: (reason: string) => never): PackagistVersion {
  const normalized = normalizePackagist(version, fail);
  return { normalized, parts: splitForCompare(normalized) };
}

export const packagist = defineScheme(
  'Packagist',
  parsePackagist,
  (a: PackagistVersion, b: PackagistVersion) => compareParts(a.parts, b.parts),
);
