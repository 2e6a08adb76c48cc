/**
 * Version order per OSV ecosystem. Table-driven: for each ecosystem, published vectors (copied as
 * data from the sources named above each table) checked for
 * - sorted order: every pair of a sorted list compares in list order, both ways (antisymmetry);
 * - pairwise relations `a < b`, `a = b`, `a > b`, both ways;
 * - equality of differently spelled equal versions;
 * - invalid inputs: `parse` and `compare` (on either side) throw InvalidVersionError.
 */
import { describe, expect, it } from '@jest/globals';
import { ECOSYSTEMS, type Ecosystem } from '../src/checks/dependencies/model.js';
import { InvalidVersionError, versionScheme } from '../src/checks/dependencies/versions/index.js';
import { normalizePackagist } from '../src/checks/dependencies/versions/packagist.js';

interface Vectors {
  /** Lists in strictly ascending order. */
  sorted: string[][];
  /** `a < b`, `a = b` or `a > b`, one per line. */
  relations: string[];
  /** Groups of spellings of the same version. */
  equal: string[][];
  /** Versions the ecosystem's parser rejects. */
  invalid: string[];
  /** A valid version, to compare invalid ones against. */
  valid: string;
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

// ---------------------------------------------------------------------------------------------
// SemVer 2.0.0 (npm, crates.io, Hex)

/** semver.org, spec item 11, and its numeric example. */
const SEMVER_SPEC_ORDER = [
  [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
  ],
  ['1.0.0', '2.0.0', '2.1.0', '2.1.1'],
];

/** npm/node-semver test/fixtures/comparisons.js (strict-mode lines), as `greater > smaller`. */
const NODE_SEMVER_COMPARISONS = lines(`
  0.0.0 > 0.0.0-foo
  0.0.1 > 0.0.0
  1.0.0 > 0.9.9
  0.10.0 > 0.9.0
  0.99.0 > 0.10.0
  2.0.0 > 1.2.3
  1.2.3 > 1.2.3-asdf
  1.2.3 > 1.2.3-4
  1.2.3 > 1.2.3-4-foo
  1.2.3-5-foo > 1.2.3-5
  1.2.3-5 > 1.2.3-4
  1.2.3-5-foo > 1.2.3-5-Foo
  3.0.0 > 2.7.2+asdf
  1.2.3-a.10 > 1.2.3-a.5
  1.2.3-a.b > 1.2.3-a.5
  1.2.3-a.b > 1.2.3-a
  1.2.3-a.b.c.10.d.5 > 1.2.3-a.b.c.5.d.100
  1.2.3-r2 > 1.2.3-r100
  1.2.3-r100 > 1.2.3-R2
`);

/** Beyond node-semver's integer limits (its parser rejects the first, compares the others as text). */
const SEMVER_BIG_NUMBERS = lines(`
  999999999999999999999999999991.0.0 < 999999999999999999999999999999.0.0
  1.999999999999999999999999999991.0 < 1.999999999999999999999999999999.0
  1.0.9007199254740993 > 1.0.9007199254740992
  1.0.0-10000000000000000000 > 1.0.0-9999999999999999999
  1.0.0-99999999999999999999 < 1.0.0-a
  1.0.0-alpha.18446744073709551616 > 1.0.0-alpha.18446744073709551615
`);

/** node-semver test/fixtures/equality.js (strict-mode lines): build metadata does not count. */
const SEMVER_EQUAL = [
  ['1.2.3-beta+build', '1.2.3-beta+otherbuild'],
  ['1.2.3+build', '1.2.3+otherbuild', '1.2.3'],
  ['1.0.0-alpha+001', '1.0.0-alpha'],
];

/** node-semver test/fixtures/invalid-versions.js and valid-versions.js counterparts; SemVer grammar. */
const SEMVER_INVALID = [
  'hello, world',
  'xyz',
  '',
  '1',
  '1.2',
  '1.2.3.4',
  '01.2.3',
  '1.02.3',
  '1.2.03',
  '1.2.3-01',
  '1.2.3-',
  '1.2.3+',
  '1.2.3-a..b',
  '1.2.3+a..b',
  '1.2.3-a_b',
  '1.2.3+build+more',
  '=1.2.3',
  '1.2.3-ä',
  '-1.2.3',
];

const semverVectors = (extra: Partial<Vectors>): Vectors => ({
  sorted: [...SEMVER_SPEC_ORDER, ...(extra.sorted ?? [])],
  relations: [...NODE_SEMVER_COMPARISONS, ...SEMVER_BIG_NUMBERS, ...(extra.relations ?? [])],
  equal: [...SEMVER_EQUAL, ...(extra.equal ?? [])],
  invalid: [...SEMVER_INVALID, ...(extra.invalid ?? [])],
  valid: '1.2.3',
});

const npm = semverVectors({
  // node-semver comparisons.js with a leading v (valid in strict mode) and equality.js.
  relations: lines(`
    v0.0.0 > 0.0.0-foo
    v0.0.1 > 0.0.0
    0.10.0 > v0.9.0
    v2.0.0 > 1.2.3
  `),
  equal: [
    ['1.2.3', 'v1.2.3', '  v1.2.3+build', ' 1.2.3\n'],
    ['1.2.3-0', 'v1.2.3-0'],
    ['1.2.3-beta', 'v1.2.3-beta'],
  ],
  // node-semver's loose mode only (equality.js lines marked loose).
  invalid: ['v 1.2.3', '= 1.2.3', 'vv1.2.3', 'V1.2.3'],
});

const strictSemverExtra: Partial<Vectors> = { invalid: ['v1.2.3', ' 1.2.3', '1.2.3 '] };

// ---------------------------------------------------------------------------------------------
// Go

/**
 * golang.org/x/mod semver/semver_test.go `tests`: in order, where entries with the same canonical
 * form are equal (grouped here).
 */
const GO_MOD_ORDER = [
  'v1.0.0-alpha',
  'v1.0.0-alpha.1',
  'v1.0.0-alpha.beta',
  'v1.0.0-beta',
  'v1.0.0-beta.2',
  'v1.0.0-beta.11',
  'v1.0.0-rc.1',
  ['v1', 'v1.0', 'v1.0.0'],
  ['v1.2', 'v1.2.0'],
  'v1.2.3-456',
  'v1.2.3-456.789',
  'v1.2.3-456-789',
  'v1.2.3-456a',
  ['v1.2.3-pre', 'v1.2.3-pre+meta'],
  'v1.2.3-pre.1',
  'v1.2.3-zzz',
  ['v1.2.3', 'v1.2.3+meta', 'v1.2.3+meta-pre', 'v1.2.3+meta-pre.sha.256a'],
];

const go: Vectors = {
  sorted: [
    GO_MOD_ORDER.map((v) => (Array.isArray(v) ? v[0]! : v)),
    // Pseudo-versions (https://go.dev/ref/mod#pseudo-versions): after the base, before the next.
    [
      'v0.0.0-20191109021931-daa7c04131f5',
      'v0.0.0-20200101000000-aaaaaaaaaaaa',
      'v0.0.1',
      'v1.2.3',
      'v1.2.4-0.20191109021931-daa7c04131f5',
      'v1.2.4-pre',
      'v1.2.4-pre.0.20191109021931-daa7c04131f5',
      'v1.2.4-pre.1',
      'v1.2.4',
      'v2.0.0+incompatible',
      'v2.0.1+incompatible',
      'v2.0.1-0.20191109021931-daa7c04131f5+incompatible'.replace('v2.0.1', 'v2.0.2'),
    ],
  ],
  relations: [
    // semver_test.go, "additional tests for explicitly comparing versions" (v1.19 is numeric 19)
    'v1 = v1',
    'v2 > v1',
    'v1 < v2',
    'v1.19 > v1.2',
    ...SEMVER_BIG_NUMBERS.map((l) => `v${l.replace(/ ([<=>]) /, ' $1 v')}`),
    ...NODE_SEMVER_COMPARISONS,
  ],
  equal: [
    ...GO_MOD_ORDER.filter((v): v is string[] => Array.isArray(v)),
    // OSV writes Go versions without the v.
    ['v1.2.3', '1.2.3'],
    ['v0.0.0-20191109021931-daa7c04131f5', '0.0.0-20191109021931-daa7c04131f5'],
    ['v2.0.0+incompatible', '2.0.0', 'v2.0.0'],
  ],
  // semver_test.go entries whose canonical form is "" (invalid)
  invalid: [
    'bad',
    'v1-alpha.beta.gamma',
    'v1-pre',
    'v1+meta',
    'v1-pre+meta',
    'v1.2-pre',
    'v1.2+meta',
    'v1.2-pre+meta',
    '',
    'v',
    'vv1.2.3',
    'V1.2.3',
    'v01.2.3',
    'v1.2.3-01',
    'v1.2.3.4',
    ' v1.2.3',
  ],
  valid: 'v1.2.3',
};

// ---------------------------------------------------------------------------------------------
// PyPI

/** pypa/packaging tests/test_version.py VERSIONS ("This list must be in the correct sorting order"). */
const PACKAGING_VERSIONS = [
  '1.0.dev0',
  '1.0.dev456',
  '1.0.dev456+local',
  '1.0a0',
  '1.0a0.post0.dev0',
  '1.0a0.post0',
  '1.0a1.dev1',
  '1.0a1.dev1+local',
  '1.0a1',
  '1.0a1+local',
  '1.0b0',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0b2-346',
  '1.0rc0',
  '1.0rc1.dev1',
  '1.0c1',
  '1.0rc2',
  '1.0',
  '1.0.post0.dev0',
  '1.0.post0',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.0.post456+local',
  '1.0.1.dev1',
  '1.0.1a1',
  '1.0.1',
  '1.0.1+local',
  '1.0.1.post1',
  '1.1.dev1',
  '1.2+a',
  '1.2+abc',
  '1.2+abcdef',
  '1.2+def',
  '1.2+0',
  '1.2+1',
  '1.2+1.abc',
  '1.2+1.1',
  '1.2+1.1.0',
  '1.2+2',
  '1.2+123',
  '1.2+123456',
  '1.2.r32+123456',
  '1.2.rev33+123456',
];

/** pypa/packaging tests/test_version.py test_normalized_versions: (spelling, normal form). */
const PACKAGING_NORMALIZED: [string, string][] = [
  ['1.0dev', '1.0.dev0'],
  ['1.0.dev', '1.0.dev0'],
  ['1.0dev1', '1.0.dev1'],
  ['1.0-dev', '1.0.dev0'],
  ['1.0-dev1', '1.0.dev1'],
  ['1.0DEV', '1.0.dev0'],
  ['1.0.DEV', '1.0.dev0'],
  ['1.0DEV1', '1.0.dev1'],
  ['1.0.DEV1', '1.0.dev1'],
  ['1.0-DEV', '1.0.dev0'],
  ['1.0-DEV1', '1.0.dev1'],
  ['1.0a', '1.0a0'],
  ['1.0.a', '1.0a0'],
  ['1.0.a1', '1.0a1'],
  ['1.0-a', '1.0a0'],
  ['1.0-a1', '1.0a1'],
  ['1.0alpha', '1.0a0'],
  ['1.0.alpha', '1.0a0'],
  ['1.0.alpha1', '1.0a1'],
  ['1.0-alpha', '1.0a0'],
  ['1.0-alpha1', '1.0a1'],
  ['1.0A', '1.0a0'],
  ['1.0.A', '1.0a0'],
  ['1.0.A1', '1.0a1'],
  ['1.0-A', '1.0a0'],
  ['1.0-A1', '1.0a1'],
  ['1.0ALPHA', '1.0a0'],
  ['1.0.ALPHA', '1.0a0'],
  ['1.0.ALPHA1', '1.0a1'],
  ['1.0-ALPHA', '1.0a0'],
  ['1.0-ALPHA1', '1.0a1'],
  ['1.0b', '1.0b0'],
  ['1.0.b', '1.0b0'],
  ['1.0.b1', '1.0b1'],
  ['1.0-b', '1.0b0'],
  ['1.0-b1', '1.0b1'],
  ['1.0beta', '1.0b0'],
  ['1.0.beta', '1.0b0'],
  ['1.0.beta1', '1.0b1'],
  ['1.0-beta', '1.0b0'],
  ['1.0-beta1', '1.0b1'],
  ['1.0B', '1.0b0'],
  ['1.0.B', '1.0b0'],
  ['1.0.B1', '1.0b1'],
  ['1.0-B', '1.0b0'],
  ['1.0-B1', '1.0b1'],
  ['1.0BETA', '1.0b0'],
  ['1.0.BETA', '1.0b0'],
  ['1.0.BETA1', '1.0b1'],
  ['1.0-BETA', '1.0b0'],
  ['1.0-BETA1', '1.0b1'],
  ['1.0c', '1.0rc0'],
  ['1.0.c', '1.0rc0'],
  ['1.0.c1', '1.0rc1'],
  ['1.0-c', '1.0rc0'],
  ['1.0-c1', '1.0rc1'],
  ['1.0rc', '1.0rc0'],
  ['1.0.rc', '1.0rc0'],
  ['1.0.rc1', '1.0rc1'],
  ['1.0-rc', '1.0rc0'],
  ['1.0-rc1', '1.0rc1'],
  ['1.0C', '1.0rc0'],
  ['1.0.C', '1.0rc0'],
  ['1.0.C1', '1.0rc1'],
  ['1.0-C', '1.0rc0'],
  ['1.0-C1', '1.0rc1'],
  ['1.0RC', '1.0rc0'],
  ['1.0.RC', '1.0rc0'],
  ['1.0.RC1', '1.0rc1'],
  ['1.0-RC', '1.0rc0'],
  ['1.0-RC1', '1.0rc1'],
  ['1.0post', '1.0.post0'],
  ['1.0.post', '1.0.post0'],
  ['1.0post1', '1.0.post1'],
  ['1.0-post', '1.0.post0'],
  ['1.0-post1', '1.0.post1'],
  ['1.0POST', '1.0.post0'],
  ['1.0.POST', '1.0.post0'],
  ['1.0POST1', '1.0.post1'],
  ['1.0r', '1.0.post0'],
  ['1.0rev', '1.0.post0'],
  ['1.0.POST1', '1.0.post1'],
  ['1.0.r1', '1.0.post1'],
  ['1.0.rev1', '1.0.post1'],
  ['1.0-POST', '1.0.post0'],
  ['1.0-POST1', '1.0.post1'],
  ['1.0-5', '1.0.post5'],
  ['1.0-r5', '1.0.post5'],
  ['1.0-rev5', '1.0.post5'],
  ['1.0+AbC', '1.0+abc'],
  ['1.01', '1.1'],
  ['1.0a05', '1.0a5'],
  ['1.0b07', '1.0b7'],
  ['1.0c056', '1.0rc56'],
  ['1.0rc09', '1.0rc9'],
  ['1.0.post000', '1.0.post0'],
  ['1.1.dev09000', '1.1.dev9000'],
  ['00!1.2', '1.2'],
  ['0100!0.0', '100!0.0'],
  ['v1.0', '1.0'],
  ['   v1.0\t\n', '1.0'],
  ['\u202f1.0\t\u2029\n ', '1.0'],
];

/** google/osv-scanner internal/semantic/fixtures/pypi-versions.txt (PEP 440 lines). */
const OSV_PYPI = lines(`
  1.36.0rc1 > 1.35.0
  1.36.1 > 1.36.0
  0.3.0 > 0
  1.0.0+local > 1.0.0
  1.0.0.dev1 < 1.0.0
  1.0.0.dev1 < 1.0.0.dev2
  1.0.dev0 < 1.0a0
  1.2a3.dev4 < 1.2a3.dev5
  1.2b3.dev4 < 1.2b3.dev5
  1.2b3.DEV4 < 1.2b3.dev5
  1.2b3.dev4 < 1.2b3.DEV5
  1.2a3.dev4 < 1.2b3.dev4
  1.2.post3.dev4 > 1.2b3.dev4
  2.0.0a1 < 2.0.0rc1
  0.9.alpha < 1.0
  0.9.beta < 1.0
  0.9.c < 1.0
  0.9.pre < 1.0
  0.9.preview < 1.0
  0.9.rev < 1.0
  0.9.r < 1.0
  1.0.0+local.0 < 1.0.0+local.0.1
  1.0.0+local.a < 1.0.0+local.1
  1.0.0+local = 1.0.0+local
  1.0-1 < 1.0-2
  1!1.0 < 2!1.0
`);

const pypi: Vectors = {
  sorted: [
    PACKAGING_VERSIONS,
    PACKAGING_VERSIONS.map((v) => `1!${v}`),
    [...PACKAGING_VERSIONS, '1!1.0.dev0'],
  ],
  relations: [
    ...OSV_PYPI,
    // PEP 440 examples: epochs, trailing zeros, .devN, local labels
    '2013.10 < 1!1.0',
    '1.0.0 = 1.0',
    '1.0.post1 = 1.0-1',
    '1.0+ubuntu.1 > 1.0',
    '1.0+ubuntu.1 < 1.0.post1',
    '1.0+ubuntu.1 = 1.0+ubuntu-1',
    '1.0+ubuntu.1 = 1.0+UBUNTU_1',
    '99999999999999999999999.0 > 99999999999999999999998.0',
    '1.0a99999999999999999999 > 1.0a99999999999999999998',
    '1.0+99999999999999999999 > 1.0+99999999999999999998',
  ],
  equal: [
    ...PACKAGING_NORMALIZED,
    ['1.0rc1', '1.0c1', '1.0RC1', '1.0-rc.1', '1.0.pre1', '1.0preview1'],
    ['1.0', '1.0.0', '1.0.0.0', 'v1.0', '0!1.0'],
  ],
  // packaging test_invalid_versions, legacy versions (osv-scanner pypi-versions.txt), and more.
  invalid: [
    'french toast',
    '1.0+a+',
    '1.0++',
    '1.0+_foobar',
    '1.0+foo&asd',
    '1.0+1+1',
    '1. 0',
    '1 .0',
    '1. 0a1',
    '1 .0a1',
    '1.0 a1',
    '1.0a 1',
    '\u0660\u0661\u0662.\u0663\u0664\u0665.\u0666\u0667\u0668\u0669',
    '.',
    '..',
    '1..0',
    '1.0.',
    '.1.0',
    '1..2.3',
    '1.0+\u0130',
    '0.1-bulbasaur',
    '0.9-doduo',
    '-class.-jw.util.version.version-pre',
    '',
    '1.0-',
    'vv1.0',
    '1!',
  ],
  valid: '1.0',
};

// ---------------------------------------------------------------------------------------------
// Maven

/** apache/maven ComparableVersionTest VERSIONS_QUALIFIER and VERSIONS_NUMBER. */
const MAVEN_QUALIFIER = [
  '1-alpha2snapshot',
  '1-alpha2',
  '1-alpha-123',
  '1-beta-2',
  '1-beta123',
  '1-m2',
  '1-m11',
  '1-rc',
  '1-cr2',
  '1-rc123',
  '1-SNAPSHOT',
  '1',
  '1-sp',
  '1-sp2',
  '1-sp123',
  '1-abc',
  '1-def',
  '1-pom-1',
  '1-1-snapshot',
  '1-1',
  '1-2',
  '1-123',
];
const MAVEN_NUMBER = [
  '2.0',
  '2.0.a',
  '2-1',
  '2.0.2',
  '2.0.123',
  '2.1.0',
  '2.1-a',
  '2.1b',
  '2.1-c',
  '2.1-1',
  '2.1.0.1',
  '2.2',
  '2.123',
  '11.a2',
  '11.a11',
  '11.b2',
  '11.b11',
  '11.m2',
  '11.m11',
  '11',
  '11.a',
  '11b',
  '11c',
  '11m',
];

/** ComparableVersionTest testVersionComparing, MNG-5568, MNG-6572, MNG-6964, MNG-7644. */
const MAVEN_COMPARING = lines(`
  1 < 2
  1.5 < 2
  1 < 2.5
  1.0 < 1.1
  1.1 < 1.2
  1.0.0 < 1.1
  1.0.1 < 1.1
  1.1 < 1.2.0
  1.0-alpha-1 < 1.0
  1.0-alpha-1 < 1.0-alpha-2
  1.0-alpha-1 < 1.0-beta-1
  1.0-beta-1 < 1.0-SNAPSHOT
  1.0-SNAPSHOT < 1.0
  1.0-alpha-1-SNAPSHOT < 1.0-alpha-1
  1.0 < 1.0-1
  1.0-1 < 1.0-2
  1.0.0 < 1.0-1
  2.0-1 < 2.0.1
  2.0.1-klm < 2.0.1-lmn
  2.0.1 < 2.0.1-xyz
  2.0.1 < 2.0.1-123
  2.0.1-xyz < 2.0.1-123
  6.1.0rc3 < 6.1.0
  6.1.0rc3 < 6.1H.5-beta
  6.1.0 < 6.1H.5-beta
  20190126.230843 < 1234567890.12345
  1234567890.12345 < 123456789012345.1H.5-beta
  20190126.230843 < 123456789012345.1H.5-beta
  123456789012345.1H.5-beta < 12345678901234567890.1H.5-beta
  1234567890.12345 < 12345678901234567890.1H.5-beta
  20190126.230843 < 12345678901234567890.1H.5-beta
  1-0.alpha < 1
  1-0.beta < 1
  1-0.alpha < 1-0.beta
  0.7 < 2
  0.2 < 1.0.7
`);
const MNG_7644 = ['abc', 'alpha', 'a', 'beta', 'b', 'def', 'milestone', 'm', 'RC'];

/** ComparableVersionTest testVersionsEqual (Maven 3.9). */
const MAVEN_EQUAL = [
  ['1', '1.0', '1.0.0', '1-0', '1.0-0'],
  ['1.0', '1.0-0'],
  ['1a', '1-a', '1.0-a', '1.0.0-a', '1.0a', '1.0.0a'],
  ['1x', '1-x', '1.0-x', '1.0.0-x', '1.0x', '1.0.0x', '1X'],
  [
    '1ga',
    '1release',
    '1final',
    '1',
    '1Ga',
    '1GA',
    '1RELEASE',
    '1RELeaSE',
    '1Final',
    '1FinaL',
    '1FINAL',
  ],
  ['1cr', '1rc', '1Cr', '1Rc', '1cR', '1rC'],
  ['1a1', '1-alpha-1'],
  ['1b2', '1-beta-2'],
  ['1m3', '1-milestone-3', '1Milestone3', '1MileStone3', '1MILESTONE3'],
  ['1A', '1a'],
  ['1B', '1b'],
  ['1M', '1m'],
  ['1-abcdefghijklmnopqrstuvwxyz', '1-ABCDEFGHIJKLMNOPQRSTUVWXYZ'],
  // testVersionEqualWithLeadingZeroes / testVersionZeroEqualWithLeadingZeroes
  Array.from({ length: 19 }, (_, i) => `${'0'.repeat(i)}1`),
  Array.from({ length: 19 }, (_, i) => '0'.repeat(i + 1)),
  ...MNG_7644.map((x) => [`2-${x}`, `2.0.${x}`, `2.0.0.${x}`]),
];

/** google/osv-scanner internal/semantic/fixtures/maven-versions.txt (lines not already above). */
const OSV_MAVEN = lines(`
  1.1 = 1.01
  1 = 1.
  1 = 1-
  1-foo = 1.0.0-foo.0.0
  1 = 1.0.0-0.0.0
  1-1.foo-bar-1-baz-0.1 = 1-1.foo-bar1baz-.1
  1-rc = 1cr
  1-c-1 = 1c1
  0.0.0 = 0
  0.0.0-0.0.0 = 0-final-ga
  0 < 1
  0.0.0-2021-05-17T01-01-51-5ec03a8b < 20.0.0
`);

const maven: Vectors = {
  sorted: [MAVEN_QUALIFIER, MAVEN_NUMBER],
  relations: [
    ...MAVEN_COMPARING,
    ...MNG_7644.map((x) => `1.0.0.${x}1 < 1.0.0-${x}2`),
    ...OSV_MAVEN,
    '1.0-RC1 < 1.0-rc2',
    '1.0.0.Final = 1.0.0',
    '2.0.0.RELEASE > 2.0.0.RC1',
    '1.0-sp1 > 1.0',
    '1.0-SNAPSHOT < 1.0-sp',
    '1.2.3-jre > 1.2.3',
    '32.1.2-android < 32.1.2-jre',
    // ComparableVersion: a string item ranks below a list item ("1.any < 1-1")
    '1.sp.1 < 1-1',
  ],
  equal: MAVEN_EQUAL,
  invalid: [
    '',
    ' ',
    '1.0 ',
    '1.0 beta',
    '${project.version}',
    '[1.0,2.0)',
    '1.0,2.0',
    '1.0/2',
    'C:1',
    '1.0\t',
    '1.é',
    'ü',
    `1${'-1'.repeat(128)}`,
  ],
  valid: '1.0.0',
};

// ---------------------------------------------------------------------------------------------
// RubyGems

/** rubygems/rubygems test/rubygems/test_gem_version.rb test_spaceship, test_semver, test_eql. */
const GEM_VERSION_TEST = lines(`
  1.0 = 1.0.0
  1.0 > 1.0.a
  1.8.2 > 0.0.0
  1.8.2 > 1.8.2.a
  1.8.2.b > 1.8.2.a
  1.8.2.a < 1.8.2
  1.8.2.a10 > 1.8.2.a9
  0.beta.1 = 0.0.beta.1
  0.0.beta < 0.0.beta.1
  0.0.beta < 0.beta.1
  5.a < 5.0.0.rc2
  5.x > 5.0.0.rc2
  1.0.0-alpha < 1.0.0-alpha.1
  1.0.0-alpha.1 < 1.0.0-beta.2
  1.0.0-beta.2 < 1.0.0-beta.11
  1.0.0-beta.11 < 1.0.0-rc.1
  1.0.0-rc1 < 1.0.0
  1.0.0-1 < 1
  1.2 = 1.2
  1.2 < 1.3
  1.2.b1 = 1.2.b.1
  1.freeze.test < 1
  1.0.0.a.1.0 = 1.a.1
  1.2.3-1 = 1.2.3.pre.1
  1.2.pre.1 = 1.2.0.pre.1.0
  # RubyGems >= 3.5 (rubygems/rubygems#7052) also drops a zero run before a later letter
  1.2.3-0.beta1 = 1.2.3-beta1
`);

/** google/osv-scalibr semantic/testdata/rubygems-versions-generated.txt (generated by RubyGems). */
const OSV_RUBYGEMS = lines(`
  0.119.0.beta1 < 0.119.0
  2.3.7 < 2.3.8.pre1
  2.3.8.pre1 < 2.3.8
  2.3.18 < 3.0.0.beta
  3.0.0.beta < 3.0.0.beta2
  3.0.0.beta4 < 3.0.0.rc
  3.0.0.rc < 3.0.0.rc2
  3.0.0.rc2 < 3.0.0
  3.2.22 < 3.2.22.1
  3.2.22.5 < 4.0.0.beta1
  5.0.0.beta1 < 5.0.0.beta1.1
  5.0.0.beta1.1 < 5.0.0.beta2
  5.0.0.beta4 < 5.0.0.racecar1
  5.0.0.racecar1 < 5.0.0.rc1
  5.0.0 < 5.0.0.1
  1.0.11 < 1.0.12.pre
  1.0.12.pre < 1.0.12.rc1
  1.1.6.pre2 < 1.2.0.dev
  1.2.0.dev < 1.2.0.dev2
  1.2.0.dev4 < 1.2.0.pre1
  1.2.0.pre6 < 1.2.0
  3.0.0.beta4 < 3.0.pre
  3.0.pre < 3.0.0.rc
  1.4.7 < 1.5.0.beta.1
  1.5.0.beta.4 < 1.5.0
  1.0.0.rc1 < 1.0.0.1
  1.0.0.1 < 1.1.0.rc
  0.1 < 0.2
  0.5.1 < 0.6
  0.9.2 < 1.0
  1.3.1 < 1.4.0.a
  1.5.0.a < 1.5.0.b
  1.6.2.a < 1.6.3
`);

const rubygems: Vectors = {
  // lib/rubygems/version.rb: "Prereleases sort between real releases (newest to oldest)"
  sorted: [['0.9', '1.0.a.2', '1.0.b1', '1.0']],
  relations: [
    ...GEM_VERSION_TEST,
    ...OSV_RUBYGEMS,
    '99999999999999999999.0 > 99999999999999999998.0',
    '1.0.a99999999999999999999 > 1.0.a99999999999999999998',
  ],
  // test_initialize: surrounding whitespace is stripped.
  equal: [
    ['1.0', '1.0 ', ' 1.0 ', '1.0\n', '\n1.0\n', '1'],
    ['1.0.a', '1.a'],
    ['1-a', '1.0-a', '1.pre.a'],
  ],
  // test_initialize_invalid (including the CVE-2013-4287 string), and the blank version.
  invalid: [
    'junk',
    '1.0\n2.0',
    '1..2',
    '1.2 3.4',
    '2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.',
    '',
    '   ',
    'a.1',
    '1.0-',
    '1.0_1',
  ],
  valid: '1.0',
};

// ---------------------------------------------------------------------------------------------
// NuGet

/** google/osv-scanner internal/semantic/fixtures/nuget-versions.txt. */
const OSV_NUGET = lines(`
  1.0.0 = 1.0.0
  1.0.0-BETA = 1.0.0-beta
  1.0.0-BETA+AA = 1.0.0-beta+aa
  1.0.0-BETA.X.y.5.77.0+AA = 1.0.0-beta.x.y.5.77.0+aa
  1.0.0 = 1.0.0+beta
  1.0 = 1.0.0.0
  1.0+test = 1.0.0.0
  1.0.0.1-1.2.A = 1.0.0.1-1.2.a+A
  1.0.01 = 1.0.1.0
  1.0 < 1.0.0.1
  1.0+test < 1.0.0.1
  1.0.0.1-1.2.A < 1.0.0.1-1.2.a.A+A
  1.0.01 < 1.0.1.2
  1.0.0 > 0.0.0
  1.1.0 > 1.0.0
  1.0.1 > 1.0.0
  1.0.0-beta2 > 1.0.0-BETA
  1.0.0+AA > 1.0.0-beta+aa
  1.0.0-BETA.X.y.5.77.0+AA < 1.0.0-beta.x.y.5.79.0+aa
  0.0.0 < 1.0.0
  1.0.0 < 1.1.0
  1.0.0 < 1.0.1
  1.999.9999 < 2.1.1
  1.0.0-BETA < 1.0.0-beta2
  1.0.0-beta+AA < 1.0.0+aa
  1.0.0-BETA < 1.0.0-beta.1+AA
  1.0.0-BETA.X.y.5.77.0+AA < 1.0.0-beta.x.y.5.79.0+aa
  1.0.0-BETA.X.y.5.79.0+AA < 1.0.0-beta.x.y.5.790.0+abc
  1.0.0 < 1.0.0.1
  1.0.0.1-alpha < 1.0.0.1-pre
  1.0.0-pre < 1.0.0.1-alpha
  1.0.0 < 1.0.0.1-alpha
  0.9.9.1 < 1.0.0
  999999999999999999999999999991 < 999999999999999999999999999999
  999999999999999999999999999991.999999999999999999999999999991.999999999999999999999999999991 < 999999999999999999999999999999.999999999999999999999999999991.999999999999999999999999999991
`);

const nuget: Vectors = {
  // NuGet.Versioning SemVer 2.0.0 order (semver.org item 11), case-insensitive labels.
  sorted: [
    [
      '1.0.0-alpha',
      '1.0.0-Alpha.1',
      '1.0.0-alpha.BETA',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.0.1',
      '1.0.1',
    ],
  ],
  relations: [
    ...OSV_NUGET,
    // Int32.TryParse decides what is numeric: -1 is, 2147483648 is not (so it ranks as text).
    '1.0.0--1 < 1.0.0-0',
    '1.0.0-2147483647 < 1.0.0-2147483648',
    '1.0.0-2147483648 < 1.0.0-a',
    '1.0.0-99999999999 > 1.0.0-2147483648',
    // …which the order shows where numbers and text disagree: beyond Int32 both are text, and
    // "9999999999" > "10000000000" as text; -2147483648 is the smallest Int32, -2147483649 text.
    '1.0.0-2147483647 > 1.0.0-3',
    '1.0.0-9999999999 > 1.0.0-10000000000',
    '1.0.0--2147483648 < 1.0.0-0',
    '1.0.0-0 < 1.0.0--2147483649',
    // Numeric labels come first even where the text would sort before digits ("-" < "0").
    '1.0.0-1 < 1.0.0--a',
    '1.0.0--a > 1.0.0-1',
    // A leading zero is refused only in a label that is all digits.
    '1.0.0-01a > 1.0.0-1',
    '1.0.0-a01 > 1.0.0-a0',
  ],
  equal: [
    ['1', '1.0', '1.0.0', '1.0.0.0', ' 1.0.0 ', '1.00.000'],
    ['1.0.0-RC.1', '1.0.0-rc.1+build.5'],
  ],
  invalid: [
    '',
    'a',
    '1.0.0.0.0',
    '1.0.0-',
    '1.0.0+',
    '1.0.0-01',
    '1.0.0-001',
    '1.0.0-beta.01',
    '1.0.0-a..b',
    '1.0.0-a_b',
    '1.0.0+a+b',
    'v1.0.0',
    '1.0.0-ä',
    '-1.0',
  ],
  valid: '1.0.0',
};

// ---------------------------------------------------------------------------------------------
// Packagist

/**
 * composer/semver tests/VersionParserTest.php successfulNormalizedVersions (non-branch entries):
 * input and Composer's normal form.
 */
const COMPOSER_NORMALIZED: [string, string][] = [
  ['1.0.0', '1.0.0.0'],
  ['1.2.3.4', '1.2.3.4'],
  ['1.0.0RC1dev', '1.0.0.0-RC1-dev'],
  ['1.0.0-rC15-dev', '1.0.0.0-RC15-dev'],
  ['1.0.0.RC.15-dev', '1.0.0.0-RC15-dev'],
  ['1.0.0-rc1', '1.0.0.0-RC1'],
  ['1.0.0.pl3-dev', '1.0.0.0-patch3-dev'],
  ['1.0-dev', '1.0.0.0-dev'],
  ['0', '0.0.0.0'],
  ['10.4.13-beta', '10.4.13.0-beta'],
  ['10.4.13beta2', '10.4.13.0-beta2'],
  ['10.4.13beta.2', '10.4.13.0-beta2'],
  ['10.4.13-b', '10.4.13.0-beta'],
  ['10.4.13-b5', '10.4.13.0-beta5'],
  ['v1.0.0', '1.0.0.0'],
  ['2010.01', '2010.01.0.0'],
  ['2010.01.02', '2010.01.02.0'],
  ['2010.1.555', '2010.1.555.0'],
  ['2010.10.200', '2010.10.200.0'],
  ['v20100102', '20100102'],
  ['2010-01-02', '2010.01.02'],
  ['2010-01-02.5', '2010.01.02.5'],
  ['20100102-203040', '20100102.203040'],
  ['20150920.0.0', '20150920.0.0'],
  ['20100102203040-10', '20100102203040.10'],
  ['20100102-203040-p1', '20100102.203040-patch1'],
  ['1.x-dev', '1.9999999.9999999.9999999-dev'],
  ['1.0.0-beta.5+foo', '1.0.0.0-beta5'],
  ['1.0.0+foo', '1.0.0.0'],
  ['1.0.0-alpha.3.1+foo', '1.0.0.0-alpha3.1'],
  ['1.0.0-alpha2.1+foo', '1.0.0.0-alpha2.1'],
  ['1.0.0-alpha-2.1-3+foo', '1.0.0.0-alpha2.1-3'],
  ['1.0.0+foo as 2.0', '1.0.0.0'],
  // successfulNormalizedBranches (numeric ones, with the -dev suffix a version carries)
  ['v1.x-dev', '1.9999999.9999999.9999999-dev'],
  ['v1.*-dev', '1.9999999.9999999.9999999-dev'],
  ['v1.0.x-dev', '1.0.9999999.9999999-dev'],
  ['v1.0.3.*-dev', '1.0.3.9999999-dev'],
  ['2.4.4-dev', '2.4.4.0-dev'],
  // more spellings
  ['1.0.0@beta', '1.0.0.0'],
  [' 1.0.0\n', '1.0.0.0'],
  ['1.0.0-STABLE', '1.0.0.0-stable'],
  ['1.0.0-stable', '1.0.0.0'],
  ['1.0.0-p1', '1.0.0.0-patch1'],
  ['1.0.0a1', '1.0.0.0-alpha1'],
];

/** google/osv-scalibr semantic/testdata/packagist-versions-generated.txt (from OSV data and PHP). */
const OSV_PACKAGIST = lines(`
  v4.6.5 < v5.0.0-RC
  v5.0.0-RC < v5.0.0
  v5.0.4 < v5.1.0-alpha
  v6.9.6 < v10.0.0-BETA1
  v10.0.0-BETA4 < v10.0.0
  0.9.346 < 0.93
  0.951 < 1.0.3
  1.0.7 < 1.1
  1.22 < 1.22.01
  1.70.1 < 21.1.0
  v6.0.0+ea2 < v6.1.0-rc1
  v6.2.0-RC1 < v6.2.0
  6.2.3 < 6.3.0.0
  6.3.5.4 < 6.4.0.0-RC1
  6.4.0.0-RC1 < 6.4.0.0
  1.1.15 < 1.2.0rc
  1.2.0rc < 1.2.0
  1.3.0rc < 1.3.0rc2
  0.1.3 < 1.0.0alpha1
  1.0.0alpha2 < 1.0.0-alpha3
  1.0.0-alpha3 < 1.0.0beta1
  1.0.0rc2 < 2.0.0
  2.0.4 < 2.0.4.1
  2.0.8.1 < 2.1.0-beta
  8.1.0 < 8.2.0RC2
  8.2.0RC2 < 8.2.0
  v4.3.7 < v5.0.0-BETA1
  v5.0.0-BETA2 < v5.0.0-RC1
  v1.0-beta < v1.0-rc
  v1.0-rc < v1.0
  v1.0 < v1.0.1
  3.8.1 < 4.0.0-rc.1
  4.0.0-rc.1 < 4.0.0-rc.2
`);

const packagist: Vectors = {
  // php.net version_compare: dev < alpha = a < beta = b < RC = rc < (release) < pl = p
  sorted: [
    [
      '1.0.0-dev',
      '1.0.0-alpha',
      '1.0.0-alpha2',
      '1.0.0-beta1-dev',
      '1.0.0-beta1',
      '1.0.0-RC1',
      '1.0.0',
      '1.0.0-p1',
      '1.0.0-p2',
      '1.0.1',
      '1.x-dev',
    ],
    ['1.0.0-STABLE', '1.0.0-dev'],
  ],
  relations: [
    ...OSV_PACKAGIST,
    '1.0 = 1.0.0',
    '1.99999999999999999999 > 1.99999999999999999998',
    // date versions keep their length: version_compare("2010.01.02", "2010.01.02.0") is -1
    '2010-01-02 < 2010.01.02',
    '2010-01-02 < 2010-01-02.5',
    '20100102-beta < 20100102.5',
  ],
  equal: [
    // Composer reads these normal forms differently when they are input again.
    ...COMPOSER_NORMALIZED.filter(([input]) => !['2010-01-02', '1.0.0-STABLE'].includes(input)),
    ['1.0.0-RC1', '1.0.0rc1', '1.0.0.RC1', '1.0.0-rc.1', 'v1.0.0-RC1+build'],
    ['1.0.0-beta2', '1.0.0b2', '1.0.0-b.2'],
    ['1.0.0-patch1', '1.0.0-pl1', '1.0.0p1'],
  ],
  // failingNormalizedVersions, branches, and other unnormalisable strings.
  invalid: [
    '',
    'a',
    '1.0.0-meh',
    '1.0.0.0.0',
    'feature-foo',
    '1.0.0+foo bar',
    'dev-master',
    'dev-feature/foo',
    'master',
    'trunk',
    'default',
    'DEV-FOOBAR',
    'feature-dev',
    '12345678.1.2.3',
    // exponential backtracking without the rewritten modifier pattern
    `1.0.0-beta${'1'.repeat(40)}!`,
    '1.0.0-alpha.beta',
  ],
  valid: '1.0.0',
};

// ---------------------------------------------------------------------------------------------
// Pub

/** dart-lang/pub_semver test/version_test.dart: the sorted list in group('comparison'). */
const PUB_SEMVER_ORDER = [
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0-rc.1+build.1',
  '1.0.0',
  '1.0.0+0.3.7',
  '1.3.7+build',
  '1.3.7+build.2.b8f12d7',
  '1.3.7+build.11.e0f985a',
  '2.0.0',
  '2.1.0',
  '2.2.0',
  '2.11.0',
  '2.11.1',
];

/** google/osv-scalibr semantic/testdata/pub-versions.txt (lines valid for pub_semver). */
const OSV_PUB = lines(`
  1.0.0-pre < 1.0.0-pre+build
  1.0.0-pre+build < 1.0.0
  1.0.0 < 1.0.0+build
  1.2.3+1 < 1.2.3+2
  1.2.3+1 < 1.2.3+a
  1.2.3+9 < 1.2.3+a
  1.2.3+900 < 1.2.3+a
  1.2.3+a1 > 1.2.3+a
  1.2.3+a1 = 1.2.3+a1
  1.2.3+a1 < 1.2.3+a2
  1.2.3+b = 1.2.3+b
  1.2.3+a9 < 1.2.3+b2
  1.2.3+9a > 1.2.3+1z
  1.2.3+9d > 1.2.3+1z
  1.0.0-alpha < 1.0.0-alpha.1
  1.0.0-alpha.1 < 1.0.0-alpha.beta
  1.0.0-alpha.beta < 1.0.0-beta
  1.0.0-rc.1 < 1.0.0
  0.0.0 > 0.0.0-foo
  0.99.0 > 0.10.0
  1.2.3 > 1.2.3-4-foo
  1.2.3-5-foo > 1.2.3-5
  1.2.3-5-foo > 1.2.3-5-Foo
  3.0.0 > 2.7.2+asdf
  1.2.3-a.b.c.10.d.5 > 1.2.3-a.b.c.5.d.100
  1.2.3-r2 > 1.2.3-r100
  1.2.3-r100 > 1.2.3-R2
  1.2.3-beta+build < 1.2.3-beta+otherbuild
  1.2.3+build < 1.2.3+otherbuild
`);

const pub: Vectors = {
  sorted: [PUB_SEMVER_ORDER],
  relations: [
    ...OSV_PUB,
    // int.tryParse: a part within 64 bits is a number, a longer one is text (after every number).
    '1.0.0-9223372036854775807 < 1.0.0-9223372036854775808',
    '1.0.0-99999999999999999999 > 1.0.0-9223372036854775808',
    '1.0.0-0x10 > 1.0.0-15',
    '1.0.0--1 < 1.0.0-0',
    '1.0.0-0xffffffffffffffff < 1.0.0-0',
    '1.0.0-0x1ffffffffffffffff > 1.0.0-0',
    '1.0.0--0x1 = 1.0.0--1',
    '9223372036854775807.0.0 > 9223372036854775806.0.0',
  ],
  // version_test.dart 'equality'
  equal: [
    ['01.2.3', '1.2.3'],
    ['1.02.3', '1.2.3'],
    ['1.2.03', '1.2.3'],
    ['1.2.3-01', '1.2.3-1'],
    ['1.2.3+01', '1.2.3+1'],
    ['1.2.3-16', '1.2.3-0x10'],
  ],
  // version_test.dart parse() failures, plus the v prefix pub rejects.
  invalid: [
    '1.0',
    '1.2.3.4',
    '1234',
    '-2.3.4',
    '1.3-pre',
    '1.3+build',
    '1.3+bu?!3ild',
    'v1.2.3',
    '',
    '1x2x3',
    '1.2.3-',
    '9223372036854775808.0.0',
    '0.9223372036854775808.0',
    '0.0.9223372036854775808',
  ],
  valid: '1.2.3',
};

// ---------------------------------------------------------------------------------------------
// CRAN and Hackage

/** google/osv-scalibr semantic/testdata/cran-versions.txt (CRAN archive versions). */
const OSV_CRAN = lines(`
  0.01 < 0.1-0
  0.01.0 = 0.1-0
  0.9 < 0.75
  1.0-0 < 1.1-0
  0.1.0.0 < 0.2.0
  0.1.0 < 0.2.0.0
  0.1.0 < 0.1.1.0
  0.1.0 < 0.1.0.0
  0.1.0 > 0.0.1.0
  0.1-2 < 0.2-2
  0.2 < 0.3-2
  1.0 < 1.0.1
  1.0.2 < 1.0.3
  0.1.4 < 0.1.18
  1.0 < 1.1.0
  1.5 < 1.5.4
  0.1-1 < 0.1-4
  1.0-0 < 1.0-1
  0.1.0 < 0.1.0.0
  0.3.2.0 > 0.3.2
  0.3.2.0 < 0.3.3.0
`);

const cran: Vectors = {
  sorted: [['0.9', '0.9.5', '0.10', '1.0-0', '1.0-1', '1.0-10', '1.1', '10.0']],
  relations: [...OSV_CRAN, '1.0-1 = 1.0.1', '1.99999999999999999999 > 1.99999999999999999998'],
  equal: [['1.0-1', '1.0.1', '01.00-001']],
  // osv-scalibr's "nonsense versions", and R's package_version() refusals.
  invalid: ['!', '?', '1.a.2', 'z.c.3', '1', '', '1.0-', '.1.0', '1..0', '1.0 ', 'v1.0', '1.0-rc1'],
  valid: '1.0',
};

/** google/osv-scalibr semantic/testdata/hackage-versions.txt. */
const OSV_HACKAGE = lines(`
  1.0.0.0 > 0.11.3.0
  1.0.1.0 > 1.0.0.0
  0.1.26.0 > 0
  1.0 > 0.11.3.0
  1.0.0 > 1.0
  1.1 > 1.0
  1.1 > 1.0.0
  2.0 > 1.0.0
  2.0.0.0 > 1.0.0
  2.0 > 1
  0.1.0.0 = 0.1.0.0
`);

const hackage: Vectors = {
  sorted: [['0', '0.0', '0.1', '0.1.0.0', '0.2', '0.10', '1', '1.0', '1.0.0.1', '999999999']],
  relations: OSV_HACKAGE,
  equal: [['1.2.3']],
  // Cabal's parser: leading zeros, more than 9 digits, tags, empty parts.
  invalid: ['', '01', '1.01', '1234567890', '1.0-beta', '1.', '.1', '1..2', 'v1.0', '1.0 ', 'a'],
  valid: '1.0',
};

// ---------------------------------------------------------------------------------------------

const VECTORS: Record<Ecosystem, Vectors> = {
  npm,
  'crates.io': semverVectors(strictSemverExtra),
  Hex: semverVectors(strictSemverExtra),
  Go: go,
  PyPI: pypi,
  Maven: maven,
  RubyGems: rubygems,
  NuGet: nuget,
  Packagist: packagist,
  Pub: pub,
  CRAN: cran,
  Hackage: hackage,
};

function parseRelation(line: string): [string, number, string] {
  const m = /^(\S+) ([<=>]) (\S+)$/.exec(line);
  if (!m) throw new Error(`bad test vector: ${line}`);
  return [m[1]!, m[2] === '<' ? -1 : m[2] === '>' ? 1 : 0, m[3]!];
}

describe.each(ECOSYSTEMS.map((e) => [e]))('%s version order', (ecosystem) => {
  const scheme = versionScheme(ecosystem);
  const v = VECTORS[ecosystem];
  const cmp = (a: string, b: string) => scheme.compare(a, b);

  it('has the ecosystem it was asked for', () => {
    expect(scheme.ecosystem).toBe(ecosystem);
  });

  it.each(v.sorted.map((list, index) => ({ index, list })))(
    'keeps sorted list $index in order, both ways',
    ({ list }) => {
      const wrong: string[] = [];
      list.forEach((a, i) => {
        if (cmp(a, a) !== 0) wrong.push(`${a} != itself`);
        list.slice(i + 1).forEach((b) => {
          if (cmp(a, b) !== -1) wrong.push(`expected ${a} < ${b}, got ${cmp(a, b)}`);
          if (cmp(b, a) !== 1) wrong.push(`expected ${b} > ${a}, got ${cmp(b, a)}`);
        });
      });
      expect(wrong).toEqual([]);
      // and sorting a shuffled copy restores the list
      const shuffled = [...list.slice(1).reverse(), list[0]!];
      expect(shuffled.sort(cmp)).toEqual(list);
    },
  );

  it.each(v.relations.map((l) => [l]))('%s', (line) => {
    const [a, sign, b] = parseRelation(line);
    expect([cmp(a, b), cmp(b, a)]).toEqual([sign, -sign || 0]);
  });

  it.each(v.equal.map((group) => ({ name: group.join(' = '), group })))('$name', ({ group }) => {
    const wrong = group.flatMap((a) =>
      group
        .filter((b) => cmp(a, b) !== 0)
        .map((b) => `${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${cmp(a, b)}`),
    );
    expect(wrong).toEqual([]);
  });

  it.each(v.invalid.map((s) => [JSON.stringify(s), s]))('rejects %s', (_name, bad) => {
    expect(() => scheme.parse(bad)).toThrow(InvalidVersionError);
    expect(() => scheme.compare(bad, v.valid)).toThrow(InvalidVersionError);
    expect(() => scheme.compare(v.valid, bad)).toThrow(InvalidVersionError);
  });

  it('rejects values that are not strings', () => {
    const notStrings: unknown[] = [undefined, null, 1, {}];
    for (const bad of notStrings) {
      expect(() => scheme.parse(bad as string)).toThrow(InvalidVersionError);
    }
  });

  it('parses the valid example', () => {
    expect(() => scheme.parse(v.valid)).not.toThrow();
  });
});

describe('pathological inputs', () => {
  const inputs = [
    `${'1'.repeat(20000)}!`,
    `${'1.'.repeat(10000)}!`,
    `1.0.0-beta${'1'.repeat(40)}!`,
    `1.0.0-beta${'1-'.repeat(5000)}!`,
    `1.0.0-${'a-'.repeat(10000)}!`,
    `1.0+${'a.'.repeat(10000)}!`,
    `1${'.a1'.repeat(10000)}.`,
  ];
  it.each(ECOSYSTEMS.map((e) => [e]))(
    '%s parses long malformed input in linear time',
    (ecosystem) => {
      const scheme = versionScheme(ecosystem);
      const start = performance.now();
      for (const input of inputs) {
        try {
          scheme.parse(input); // some are valid somewhere: Composer drops everything after a +
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidVersionError);
        }
      }
      expect(performance.now() - start).toBeLessThan(5000);
    },
  );

  it('Maven refuses versions longer than 256 characters, as Maven 4 does', () => {
    expect(() => versionScheme('Maven').parse(`1${'-1'.repeat(127)}`)).not.toThrow();
  });
});

describe('InvalidVersionError', () => {
  it('names the ecosystem, the version and the rule', () => {
    let thrown: unknown;
    try {
      versionScheme('PyPI').parse('french toast');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidVersionError);
    const err = thrown as InvalidVersionError;
    expect(err.ecosystem).toBe('PyPI');
    expect(err.version).toBe('french toast');
    expect(err.name).toBe('InvalidVersionError');
    expect(err.message).toMatch(
      /^"french toast" is not a valid PyPI version: not a PEP 440 version/,
    );
  });

  it('reports a non-string value by its type', () => {
    expect(() => versionScheme('npm').parse(42 as unknown as string)).toThrow(
      '"42" is not a valid npm version: expected a string, got number',
    );
  });
});

describe('versionScheme', () => {
  it('has a scheme for every OSV ecosystem the gate reads, and no other', () => {
    for (const e of ECOSYSTEMS) expect(versionScheme(e).ecosystem).toBe(e);
    expect(() => versionScheme('Debian' as Ecosystem)).toThrow(
      'no version scheme for ecosystem "Debian"',
    );
  });
});

describe('Packagist normalisation', () => {
  const fail = (reason: string): never => {
    throw new Error(reason);
  };
  it.each(COMPOSER_NORMALIZED)('normalises %j to %j', (input, normalized) => {
    expect(normalizePackagist(input, fail)).toBe(normalized);
  });
});
