import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import semver from 'semver';
import {
  matchRecord,
  mergeAliases,
  normalizePackageName,
  type MatchResult,
} from '../src/checks/dependencies/match.js';
import type {
  Ecosystem,
  OsvAffected,
  OsvRange,
  OsvRecord,
  Package,
  VersionScheme,
} from '../src/checks/dependencies/model.js';
import { levelForScore, severityOf } from '../src/checks/dependencies/severity.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const real = (id: string): OsvRecord =>
  JSON.parse(readFileSync(path.join(here, 'fixtures/osv/real', `${id}.json`), 'utf8')) as OsvRecord;

// ---------------------------------------------------------------------------------------------
// Test version schemes (the real ones live in src/checks/dependencies/versions/; the matcher only
// sees the VersionScheme interface).

/** SemVer 2.0 precedence through node-semver (strict parsing; prereleases order before releases). */
const npmScheme: VersionScheme = {
  ecosystem: 'npm',
  parse(v) {
    const parsed = semver.parse(v);
    if (!parsed) throw new Error('not SemVer');
    return parsed;
  },
  compare(a, b) {
    return semver.compare(npmScheme.parse(a) as semver.SemVer, npmScheme.parse(b) as semver.SemVer);
  },
};

/**
 * A small PEP 440 subset, enough for the fixtures: release segments compared numerically with
 * zero padding (`1.0` == `1.0.0`), then a/b/rc pre-releases before the release, then `.postN`.
 */
const PEP440 = /^(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?$/i;
const pypiScheme: VersionScheme = {
  ecosystem: 'PyPI',
  parse(v) {
    const m = PEP440.exec(v.trim());
    if (!m) throw new Error('not a PEP 440 version');
    const pre = m[2] ? ({ a: 0, b: 1, rc: 2 } as Record<string, number>)[m[2].toLowerCase()]! : 3;
    return {
      release: m[1]!.split('.').map(Number),
      pre: [pre, Number(m[3] ?? 0)],
      post: m[4] === undefined ? -1 : Number(m[4]),
    };
  },
  compare(a, b) {
    type P = { release: number[]; pre: number[]; post: number };
    const x = pypiScheme.parse(a) as P;
    const y = pypiScheme.parse(b) as P;
    const n = Math.max(x.release.length, y.release.length);
    for (let i = 0; i < n; i++) {
      const d = (x.release[i] ?? 0) - (y.release[i] ?? 0);
      if (d !== 0) return d;
    }
    return x.pre[0]! - y.pre[0]! || x.pre[1]! - y.pre[1]! || x.post - y.post;
  },
};

/** Dotted numbers only (enough for the Log4Shell record's Maven versions). */
function numericScheme(ecosystem: Ecosystem): VersionScheme {
  const scheme: VersionScheme = {
    ecosystem,
    parse(v) {
      if (!/^\d+(\.\d+)*$/.test(v)) throw new Error('not dotted numbers');
      return v.split('.').map(Number);
    },
    compare(a, b) {
      const x = scheme.parse(a) as number[];
      const y = scheme.parse(b) as number[];
      for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const d = (x[i] ?? 0) - (y[i] ?? 0);
        if (d !== 0) return d;
      }
      return 0;
    },
  };
  return scheme;
}

function pkg(ecosystem: Ecosystem, name: string, version: string): Package {
  return {
    ecosystem,
    name,
    version,
    purl: `pkg:${ecosystem.toLowerCase()}/${name}@${version}`,
    scope: 'runtime',
    file: 'lockfile',
  };
}

/** A hand-made record: one npm entry for `demo` with these ranges and versions. */
function record(
  affected: Partial<OsvAffected> & { package?: OsvAffected['package'] },
  extra: Partial<OsvRecord> = {},
): OsvRecord {
  return {
    id: 'TEST-1',
    modified: '2024-01-01T00:00:00Z',
    affected: [{ package: { ecosystem: 'npm', name: 'demo' }, ...affected }],
    ...extra,
  };
}

const semverRange = (...events: OsvRange['events']): OsvRange => ({ type: 'SEMVER', events });
const ecoRange = (...events: OsvRange['events']): OsvRange => ({ type: 'ECOSYSTEM', events });

function npm(rec: OsvRecord, version: string, name = 'demo'): MatchResult {
  return matchRecord(rec, pkg('npm', name, version), npmScheme);
}

// ---------------------------------------------------------------------------------------------

describe('matchRecord on real records', () => {
  it('lodash (GHSA-35jh-r3h4-6jhm): introduced 0, fixed 4.17.21, two packages', () => {
    const rec = real('GHSA-35jh-r3h4-6jhm');
    expect(npm(rec, '4.17.20', 'lodash')).toEqual({
      affected: true,
      via: 'range',
      fixed: ['4.17.21'],
    });
    expect(npm(rec, '0.1.0', 'lodash')).toMatchObject({ affected: true });
    expect(npm(rec, '4.17.21', 'lodash')).toEqual({ affected: false });
    expect(npm(rec, '5.0.0', 'lodash')).toEqual({ affected: false });
    expect(npm(rec, '4.17.15', 'lodash-es')).toEqual({
      affected: true,
      via: 'range',
      fixed: ['4.17.21'],
    });
    // Another package, and npm names are case-sensitive.
    expect(npm(rec, '4.17.20', 'lodash.template')).toEqual({ affected: false });
    expect(npm(rec, '4.17.20', 'Lodash')).toEqual({ affected: false });
    // Another ecosystem with the same name.
    expect(matchRecord(rec, pkg('PyPI', 'lodash', '4.17.20'), pypiScheme)).toEqual({
      affected: false,
    });
  });

  it('Log4Shell (GHSA-jfh8-c2jp-5v3q): three entries for one package are OR-ed; fixed lists those above', () => {
    const rec = real('GHSA-jfh8-c2jp-5v3q');
    const maven = numericScheme('Maven');
    const log4j = (v: string) =>
      matchRecord(rec, pkg('Maven', 'org.apache.logging.log4j:log4j-core', v), maven);
    expect(log4j('2.14.1')).toEqual({ affected: true, via: 'range', fixed: ['2.15.0'] });
    expect(log4j('2.12.1')).toEqual({ affected: true, via: 'range', fixed: ['2.12.2', '2.15.0'] });
    expect(log4j('2.0')).toEqual({
      affected: true,
      via: 'range',
      fixed: ['2.3.1', '2.12.2', '2.15.0'],
    });
    expect(log4j('2.13.0')).toMatchObject({ affected: true });
    for (const safe of ['2.3.1', '2.12.2', '2.12.4', '2.15.0', '2.17.1']) {
      expect(log4j(safe)).toEqual({ affected: false });
    }
    expect(
      matchRecord(rec, pkg('Maven', 'org.apache.logging.log4j:log4j-api', '2.14.1'), maven),
    ).toEqual({ affected: false });
  });

  it('Jinja2 (GHSA-g3rq-g295-4j3m): PyPI names compare PEP 503-normalised', () => {
    const rec = real('GHSA-g3rq-g295-4j3m');
    for (const name of ['jinja2', 'Jinja2', 'JINJA2']) {
      expect(matchRecord(rec, pkg('PyPI', name, '2.11.2'), pypiScheme)).toEqual({
        affected: true,
        via: 'range',
        fixed: ['2.11.3'],
      });
    }
    expect(matchRecord(rec, pkg('PyPI', 'jinja2', '2.11.3'), pypiScheme)).toEqual({
      affected: false,
    });
    expect(matchRecord(rec, pkg('PyPI', 'jinja2', '3.1.4'), pypiScheme)).toEqual({
      affected: false,
    });
  });

  it('PYSEC-2021-66: the versions list matches by version equality, not spelling', () => {
    const rec = real('PYSEC-2021-66');
    // The list says "2.10"; "2.10.0" is the same PEP 440 version.
    expect(matchRecord(rec, pkg('PyPI', 'jinja2', '2.10.0'), pypiScheme)).toEqual({
      affected: true,
      via: 'versions',
      fixed: ['2.11.3'],
    });
    expect(matchRecord(rec, pkg('PyPI', 'jinja2', '2.0rc1'), pypiScheme)).toMatchObject({
      affected: true,
      via: 'versions',
    });
    expect(matchRecord(rec, pkg('PyPI', 'jinja2', '2.11.3'), pypiScheme)).toEqual({
      affected: false,
    });
  });

  it('aiohttp (PYSEC-2023-120): last_affected is inclusive; nothing fixed', () => {
    const rec = real('PYSEC-2023-120');
    const aiohttp = (v: string) => matchRecord(rec, pkg('PyPI', 'aiohttp', v), pypiScheme);
    expect(aiohttp('3.8.4')).toEqual({ affected: true, via: 'versions', fixed: [] });
    expect(aiohttp('3.7.4.post0')).toMatchObject({ affected: true, via: 'versions' });
    // Not in the versions list, inside the range.
    expect(aiohttp('3.8.3.1')).toEqual({ affected: true, via: 'range', fixed: [] });
    expect(aiohttp('3.8.5')).toEqual({ affected: false });
    expect(aiohttp('3.9.0b0')).toEqual({ affected: false });
  });

  it('groups the real records that are aliases of each other', () => {
    const groups = mergeAliases([
      real('GHSA-g3rq-g295-4j3m'),
      real('GHSA-35jh-r3h4-6jhm'),
      real('PYSEC-2021-66'),
      real('PYSEC-2023-120'),
    ]);
    expect(groups.map((g) => g.map((r) => r.id))).toEqual([
      ['GHSA-g3rq-g295-4j3m', 'PYSEC-2021-66'], // both alias CVE-2020-28493
      ['GHSA-35jh-r3h4-6jhm'],
      ['PYSEC-2023-120'],
    ]);
  });

  it('scores the real records from their vectors', () => {
    expect(severityOf(real('GHSA-jfh8-c2jp-5v3q'))).toEqual({
      level: 'critical',
      score: 10,
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      source: 'CVSS_V3 vector in severity',
    });
    expect(severityOf(real('GHSA-35jh-r3h4-6jhm'))).toMatchObject({ level: 'high', score: 7.2 });
    expect(severityOf(real('GHSA-g3rq-g295-4j3m'))).toMatchObject({
      level: 'moderate',
      score: 5.3,
    });
    // No vector, no label.
    expect(severityOf(real('PYSEC-2023-120'))).toMatchObject({ level: 'unknown' });
  });
});

describe('matchRecord rules', () => {
  it('introduced opens, fixed closes before its version', () => {
    const rec = record({ ranges: [semverRange({ introduced: '1.0.0' }, { fixed: '1.5.0' })] });
    expect(npm(rec, '0.9.9')).toEqual({ affected: false });
    expect(npm(rec, '1.0.0')).toEqual({ affected: true, via: 'range', fixed: ['1.5.0'] });
    expect(npm(rec, '1.4.9')).toMatchObject({ affected: true });
    expect(npm(rec, '1.5.0')).toEqual({ affected: false });
    expect(npm(rec, '2.0.0')).toEqual({ affected: false });
  });

  it('introduced "0" is before every version; no fixed means every later version', () => {
    // Both "0" events sort first (before the fix), so the fix closes the range.
    const twice = record({
      ranges: [semverRange({ introduced: '0' }, { fixed: '1.0.0' }, { introduced: '0' })],
    });
    expect(npm(twice, '0.5.0')).toMatchObject({ affected: true });
    expect(npm(twice, '2.0.0')).toEqual({ affected: false });
    const rec = record({ ranges: [semverRange({ introduced: '0' })] });
    expect(npm(rec, '0.0.0')).toEqual({ affected: true, via: 'range', fixed: [] });
    expect(npm(rec, '99.0.0')).toMatchObject({ affected: true });
  });

  it('last_affected closes after its version', () => {
    const rec = record({
      ranges: [semverRange({ introduced: '1.0.0' }, { last_affected: '1.5.0' })],
    });
    expect(npm(rec, '1.5.0')).toEqual({ affected: true, via: 'range', fixed: [] });
    expect(npm(rec, '1.5.1')).toEqual({ affected: false });
    expect(npm(rec, '0.9.0')).toEqual({ affected: false });
  });

  it('limit caps the range; * is infinity; any one limit above the version suffices', () => {
    const capped = record({ ranges: [semverRange({ introduced: '0' }, { limit: '2.0.0' })] });
    expect(npm(capped, '1.9.9')).toMatchObject({ affected: true });
    expect(npm(capped, '2.0.0')).toEqual({ affected: false });
    expect(npm(capped, '3.0.0')).toEqual({ affected: false });
    const star = record({ ranges: [semverRange({ introduced: '1.0.0' }, { limit: '*' })] });
    expect(npm(star, '9.0.0')).toMatchObject({ affected: true });
    const two = record({
      ranges: [semverRange({ introduced: '0' }, { limit: '1.0.0' }, { limit: '3.0.0' })],
    });
    expect(npm(two, '2.0.0')).toMatchObject({ affected: true });
    expect(npm(two, '3.0.0')).toEqual({ affected: false });
  });

  it('several introduced/fixed pairs in one range leave the gaps unaffected', () => {
    const rec = record({
      ranges: [
        semverRange(
          { introduced: '1.0.0' },
          { fixed: '1.5.0' },
          { introduced: '2.0.0' },
          { fixed: '2.5.0' },
        ),
      ],
    });
    expect(npm(rec, '1.2.0')).toEqual({ affected: true, via: 'range', fixed: ['1.5.0', '2.5.0'] });
    expect(npm(rec, '1.7.0')).toEqual({ affected: false });
    expect(npm(rec, '2.1.0')).toEqual({ affected: true, via: 'range', fixed: ['2.5.0'] });
    expect(npm(rec, '2.5.0')).toEqual({ affected: false });
  });

  it('multiple ranges are OR-ed, and events are sorted by version first', () => {
    const rec = record({
      ranges: [
        semverRange({ fixed: '1.5.0' }, { introduced: '1.0.0' }), // out of order on purpose
        ecoRange({ introduced: '3.0.0' }, { fixed: '3.1.0' }),
      ],
    });
    expect(npm(rec, '1.2.0')).toMatchObject({ affected: true, via: 'range' });
    expect(npm(rec, '3.0.5')).toMatchObject({ affected: true, via: 'range' });
    expect(npm(rec, '2.0.0')).toEqual({ affected: false });
  });

  it('events at the same version keep the record order (introduced then fixed: empty range)', () => {
    const empty = record({ ranges: [semverRange({ introduced: '1.0.0' }, { fixed: '1.0.0' })] });
    expect(npm(empty, '1.0.0')).toEqual({ affected: false });
    const adjacent = record({
      ranges: [
        semverRange(
          { introduced: '0.5.0' },
          { fixed: '1.0.0' },
          { introduced: '1.0.0' },
          { fixed: '2.0.0' },
        ),
      ],
    });
    expect(npm(adjacent, '1.0.0')).toMatchObject({ affected: true });
  });

  it('prereleases are inside ranges (no node-semver satisfies semantics)', () => {
    const rec = record({ ranges: [semverRange({ introduced: '1.0.0' }, { fixed: '2.0.0' })] });
    expect(npm(rec, '2.0.0-beta.1')).toMatchObject({ affected: true, via: 'range' });
    expect(npm(rec, '1.5.0-rc.1')).toMatchObject({ affected: true });
    expect(npm(rec, '1.0.0-alpha')).toEqual({ affected: false }); // before 1.0.0
    const fromZero = record({ ranges: [semverRange({ introduced: '0' }, { fixed: '1.0.0' })] });
    expect(npm(fromZero, '0.0.1-alpha.0')).toMatchObject({ affected: true });
    expect(npm(fromZero, '1.0.0-rc.1')).toMatchObject({ affected: true });
    // node-semver's satisfies would have said no:
    expect(semver.satisfies('1.5.0-rc.1', '>=1.0.0 <2.0.0')).toBe(false);
  });

  it('versions list: equal versions spelled differently match; npm spellings must be exact SemVer', () => {
    const py = record({
      package: { ecosystem: 'PyPI', name: 'demo' },
      versions: ['1.0', '2.0.0rc1'],
    });
    expect(matchRecord(py, pkg('PyPI', 'demo', '1.0.0'), pypiScheme)).toEqual({
      affected: true,
      via: 'versions',
      fixed: [],
    });
    expect(matchRecord(py, pkg('PyPI', 'demo', '1.0'), pypiScheme)).toMatchObject({
      via: 'versions',
    });
    expect(matchRecord(py, pkg('PyPI', 'demo', '2.0.0RC1'), pypiScheme)).toMatchObject({
      affected: true,
    });
    expect(matchRecord(py, pkg('PyPI', 'demo', '1.0.1'), pypiScheme)).toEqual({ affected: false });
    const js = record({ versions: ['1.0.0', 'not-a-version'] });
    expect(npm(js, '1.0.0')).toMatchObject({ affected: true, via: 'versions' });
    expect(npm(js, '1.0.1')).toEqual({ affected: false }); // the unparsable entry equals nothing else
  });

  it('a GIT range never short-circuits the ECOSYSTEM range of the same entry', () => {
    const rec = record({
      ranges: [
        {
          type: 'GIT',
          repo: 'https://github.com/example/demo',
          events: [{ introduced: '0' }, { fixed: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' }],
        },
        ecoRange({ introduced: '0' }, { fixed: '1.2.0' }),
      ],
    });
    expect(npm(rec, '1.1.0')).toEqual({ affected: true, via: 'range', fixed: ['1.2.0'] });
    expect(npm(rec, '1.2.0')).toEqual({ affected: false });
  });

  it('withdrawn records never match', () => {
    const rec = record(
      { ranges: [semverRange({ introduced: '0' })], versions: ['1.0.0'] },
      { withdrawn: '2024-02-01T00:00:00Z' },
    );
    expect(npm(rec, '1.0.0')).toEqual({ affected: false });
  });

  it('matches the ecosystem exactly: a suffixed ecosystem is another one', () => {
    const rec = record({
      package: { ecosystem: 'Maven:https://maven.google.com', name: 'g:a' },
      ranges: [ecoRange({ introduced: '0' })],
    });
    expect(matchRecord(rec, pkg('Maven', 'g:a', '1.0'), numericScheme('Maven'))).toEqual({
      affected: false,
    });
  });

  it('NuGet ids compare case-insensitively', () => {
    const rec = record({
      package: { ecosystem: 'NuGet', name: 'Newtonsoft.Json' },
      ranges: [ecoRange({ introduced: '0' }, { fixed: '13.0.1' })],
    });
    expect(
      matchRecord(rec, pkg('NuGet', 'newtonsoft.json', '12.0.3'), numericScheme('NuGet')),
    ).toMatchObject({
      affected: true,
    });
    expect(normalizePackageName('PyPI', 'Zope.Interface__x')).toBe('zope-interface-x');
    expect(normalizePackageName('npm', 'Foo')).toBe('Foo');
  });

  it('records without a matching entry, or entries without a package, do not match', () => {
    expect(npm({ id: 'EMPTY', modified: '2024-01-01T00:00:00Z' }, '1.0.0')).toEqual({
      affected: false,
    });
    const noPackage: OsvRecord = {
      id: 'OSV-2020-1',
      modified: '2024-01-01T00:00:00Z',
      affected: [{ ranges: [semverRange({ introduced: '0' })] }],
    };
    expect(npm(noPackage, '1.0.0')).toEqual({ affected: false });
  });
});

describe('matchRecord: what cannot be evaluated is unknown, never "not affected"', () => {
  it('an unparsable package version', () => {
    const rec = record({ ranges: [semverRange({ introduced: '0' }, { fixed: '2.0.0' })] });
    const r = npm(rec, 'latest');
    expect(r.affected).toBe('unknown');
    expect(r).toMatchObject({
      reason: expect.stringContaining('version "latest" of npm/demo cannot be compared'),
    });
    expect(r).toMatchObject({ reason: expect.stringContaining('not SemVer') });
    // Same for a versions list that does not spell it.
    expect(npm(record({ versions: ['1.0.0'] }), 'v1').affected).toBe('unknown');
  });

  it('an unparsable package version listed verbatim in versions is affected; fixed lists every fix', () => {
    const rec = record({
      versions: ['1.0.0-custom+build', 'weird'],
      ranges: [
        semverRange(
          { introduced: '0' },
          { fixed: '3.0.0' },
          { introduced: '4.0.0' },
          { fixed: '3.5.0' },
        ),
      ],
    });
    expect(npm(rec, 'weird')).toEqual({
      affected: true,
      via: 'versions',
      fixed: ['3.0.0', '3.5.0'],
    });
  });

  it('an unparsable event version', () => {
    const rec = record({ ranges: [semverRange({ introduced: '0' }, { fixed: '2.0' })] });
    const r = npm(rec, '1.0.0');
    expect(r).toEqual({
      affected: 'unknown',
      reason:
        'TEST-1: fixed version "2.0" of a SEMVER range cannot be compared: not a valid npm version (not SemVer)',
    });
  });

  it('but another range that says affected wins, and one that says not affected does not', () => {
    const broken = semverRange({ introduced: 'one' });
    expect(
      npm(record({ ranges: [broken, semverRange({ introduced: '1.0.0' })] }), '1.2.0'),
    ).toMatchObject({
      affected: true,
    });
    expect(
      npm(record({ ranges: [broken, semverRange({ introduced: '5.0.0' })] }), '1.2.0').affected,
    ).toBe('unknown');
    // And across entries of the same package.
    const twoEntries: OsvRecord = {
      id: 'TEST-2',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        { package: { ecosystem: 'npm', name: 'demo' }, ranges: [broken] },
        {
          package: { ecosystem: 'npm', name: 'demo' },
          ranges: [semverRange({ introduced: '1.0.0' })],
        },
      ],
    };
    expect(npm(twoEntries, '1.2.0')).toMatchObject({ affected: true, via: 'range' });
  });

  it('malformed events, ranges without introduced, unknown range types', () => {
    const twoKeys = { introduced: '0', fixed: '1.0.0' } as unknown as OsvRange['events'][number];
    expect(npm(record({ ranges: [semverRange(twoKeys)] }), '0.5.0')).toMatchObject({
      affected: 'unknown',
      reason: expect.stringContaining('malformed event {"introduced":"0","fixed":"1.0.0"}'),
    });
    const empty = { introduced: '' } as OsvRange['events'][number];
    expect(npm(record({ ranges: [semverRange(empty)] }), '0.5.0').affected).toBe('unknown');
    const notObject = null as unknown as OsvRange['events'][number];
    expect(npm(record({ ranges: [semverRange(notObject)] }), '0.5.0').affected).toBe('unknown');
    const hole = undefined as unknown as OsvRange['events'][number];
    expect(
      npm(record({ ranges: [semverRange({ introduced: '0' }, hole)] }), '0.5.0'),
    ).toMatchObject({
      affected: 'unknown',
      reason: expect.stringContaining('malformed event undefined'),
    });
    const noEvents = { type: 'SEMVER' } as unknown as OsvRange;
    expect(npm(record({ ranges: [noEvents] }), '0.5.0').affected).toBe('unknown');
    expect(npm(record({ ranges: [semverRange({ fixed: '1.0.0' })] }), '0.5.0')).toMatchObject({
      affected: 'unknown',
      reason: expect.stringContaining('no introduced event'),
    });
    expect(npm(record({ ranges: [semverRange()] }), '0.5.0').affected).toBe('unknown');
    expect(
      npm(record({ ranges: [{ type: 'DATE', events: [{ introduced: '0' }] }] }), '0.5.0'),
    ).toMatchObject({
      affected: 'unknown',
      reason: expect.stringContaining('range type "DATE" is not supported'),
    });
  });

  it('an entry with only GIT ranges, or with nothing at all', () => {
    const gitOnly = record({
      ranges: [{ type: 'GIT', repo: 'https://example.invalid/r', events: [{ introduced: '0' }] }],
    });
    expect(npm(gitOnly, '1.0.0')).toMatchObject({
      affected: 'unknown',
      reason: expect.stringContaining('only GIT commit ranges'),
    });
    expect(npm(record({}), '1.0.0')).toMatchObject({
      affected: 'unknown',
      reason: expect.stringContaining('lists neither versions nor ranges'),
    });
  });

  it('a scheme that throws while comparing valid versions', () => {
    const flaky: VersionScheme = {
      ecosystem: 'npm',
      parse: (v) => v,
      compare: () => {
        throw new Error('comparator broke');
      },
    };
    const rec = record({ ranges: [semverRange({ introduced: '1.0.0' }, { fixed: '2.0.0' })] });
    expect(matchRecord(rec, pkg('npm', 'demo', '1.5.0'), flaky)).toMatchObject({
      affected: 'unknown',
      reason: expect.stringContaining('could not be evaluated: comparator broke'),
    });
    const thrower: VersionScheme = {
      ecosystem: 'npm',
      parse: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a scheme may throw anything
        throw 'bad';
      },
      compare: () => 0,
    };
    expect(matchRecord(rec, pkg('npm', 'demo', '1.5.0'), thrower)).toMatchObject({
      affected: 'unknown',
      reason: expect.stringContaining('not a valid npm version (bad)'),
    });
    const silent: VersionScheme = {
      ecosystem: 'npm',
      parse: (v) => v,
      compare: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a scheme may throw anything
        throw 42;
      },
    };
    expect(matchRecord(rec, pkg('npm', 'demo', '1.5.0'), silent)).toMatchObject({
      reason: expect.stringContaining('could not be evaluated: 42'),
    });
    const terse: VersionScheme = {
      ecosystem: 'npm',
      parse: () => {
        throw new Error('');
      },
      compare: () => 0,
    };
    expect(matchRecord(rec, pkg('npm', 'demo', '1.5.0'), terse)).toMatchObject({
      reason: expect.stringMatching(/not a valid npm version$/),
    });
    // Listed verbatim, but nothing can be ordered: affected, fixed versions unsorted but listed.
    const listed = record({
      versions: ['1.5.0'],
      ranges: [semverRange({ introduced: '0' }, { fixed: '2.0.0' }, { fixed: '2.0.1' })],
    });
    expect(matchRecord(listed, pkg('npm', 'demo', '1.5.0'), flaky)).toMatchObject({
      affected: true,
      via: 'versions',
    });
  });

  it('fixed versions: only above the version, equal spellings once, lowest first', () => {
    const rec: OsvRecord = {
      id: 'TEST-3',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'demo' },
          ranges: [
            ecoRange({ introduced: '0' }, { fixed: '1.5' }),
            { type: 'GIT', repo: 'r', events: [{ introduced: '0' }, { fixed: 'abc' }] },
          ],
        },
        {
          package: { ecosystem: 'PyPI', name: 'demo' },
          ranges: [
            ecoRange({ introduced: '0' }, { fixed: '1.5.0' }, { fixed: '0.9' }, { fixed: 'x.y' }),
          ],
        },
        {
          package: { ecosystem: 'PyPI', name: 'demo' },
          ranges: [ecoRange({ introduced: '1.2' }, { fixed: '1.3rc1' })],
        },
        { package: { ecosystem: 'PyPI', name: 'demo' }, versions: ['0.1'] },
      ],
    };
    expect(matchRecord(rec, pkg('PyPI', 'demo', '1.2'), pypiScheme)).toEqual({
      affected: true,
      via: 'range',
      fixed: ['1.3rc1', '1.5'],
    });
  });

  it('fixed versions: never the version itself, and a malformed event elsewhere does not hide the others', () => {
    // 1.5 fixed the first range and reopened in the second: upgrading "to 1.5" would change nothing.
    const adjacent = record({
      ranges: [
        semverRange({ introduced: '0' }, { fixed: '1.5.0' }),
        semverRange({ introduced: '1.5.0' }, { fixed: '2.0.0' }),
      ],
    });
    expect(npm(adjacent, '1.5.0')).toEqual({ affected: true, via: 'range', fixed: ['2.0.0'] });
    // A range with a malformed event cannot be evaluated; another range still decides, and its
    // fix is still offered.
    const mixed = record({
      ranges: [
        semverRange({ introduced: '0' }, { fixed: '1.0.0', introduced: '2.0.0' }),
        semverRange({ introduced: '1.0.0' }, { fixed: '1.2.0' }),
      ],
    });
    expect(npm(mixed, '1.1.0')).toEqual({ affected: true, via: 'range', fixed: ['1.2.0'] });
  });
});

describe('mergeAliases', () => {
  const r = (
    id: string,
    aliases: string[] = [],
    modified = '2024-01-01T00:00:00Z',
    extra: Partial<OsvRecord> = {},
  ): OsvRecord => ({
    id,
    modified,
    aliases,
    ...extra,
  });

  it('joins records by id and alias, transitively, and keeps input order', () => {
    const groups = mergeAliases([
      r('GHSA-a', ['CVE-1']),
      r('OTHER-1'),
      r('PYSEC-b', ['CVE-1', 'GHSA-c']),
      r('GHSA-c'),
      r('CVE-1'),
      r('GHSA-d', ['CVE-2']),
      r('GO-e', ['GHSA-d', 'CVE-3']),
      r('X-f', ['CVE-3']),
    ]);
    expect(groups.map((g) => g.map((x) => x.id))).toEqual([
      ['GHSA-a', 'PYSEC-b', 'GHSA-c', 'CVE-1'],
      ['OTHER-1'],
      ['GHSA-d', 'GO-e', 'X-f'],
    ]);
  });

  it('related does not join; the same id twice keeps the newest; the same object once', () => {
    const old = r('GHSA-a', [], '2023-01-01T00:00:00Z');
    const fresh = r('GHSA-a', [], '2024-06-01T00:00:00Z');
    const undated = r('GHSA-a', [], 'not a date');
    const other = r('GHSA-z', [], '2024-01-01T00:00:00Z', { related: ['GHSA-a'] });
    const groups = mergeAliases([old, other, fresh, fresh, undated]);
    expect(groups).toEqual([[other], [fresh]]);
    expect(groups[1]![0]).toBe(fresh);
    expect(mergeAliases([])).toEqual([]);
    // Aliases that are empty strings or missing are ignored.
    expect(
      mergeAliases([
        { id: 'A', modified: 'x', aliases: [''] },
        { id: 'B', modified: 'x' },
      ]),
    ).toHaveLength(2);
  });

  it('handles long alias chains (path compression)', () => {
    const chain = Array.from({ length: 200 }, (_, i) =>
      r(`ID-${i}`, i === 0 ? [] : [`ID-${i - 1}`]),
    );
    expect(mergeAliases(chain.reverse())).toHaveLength(1);
  });
});

describe('severityOf', () => {
  const sev = (
    severity: OsvRecord['severity'],
    extra: Partial<OsvRecord> = {},
    affected?: OsvAffected,
  ) => severityOf({ id: 'S-1', modified: '2024-01-01T00:00:00Z', severity, ...extra }, affected);

  const V2 = 'AV:N/AC:L/Au:N/C:P/I:P/A:P'; // 7.5
  const V30 = 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8
  const V31 = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N'; // 6.8
  const V4 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N'; // 5.1

  it('prefers CVSS v4, then v3, then v2, computing base scores with the library', () => {
    expect(
      sev([
        { type: 'CVSS_V2', score: V2 },
        { type: 'CVSS_V3', score: V30 },
        { type: 'CVSS_V4', score: V4 },
      ]),
    ).toEqual({ level: 'moderate', score: 5.1, vector: V4, source: 'CVSS_V4 vector in severity' });
    expect(
      sev([
        { type: 'CVSS_V2', score: V2 },
        { type: 'CVSS_V3', score: V31 },
      ]),
    ).toMatchObject({
      level: 'moderate',
      score: 6.8,
    });
    expect(sev([{ type: 'CVSS_V3', score: V30 }])).toMatchObject({ level: 'critical', score: 9.8 });
    expect(sev([{ type: 'CVSS_V2', score: V2 }])).toMatchObject({
      level: 'high',
      score: 7.5,
      vector: V2,
    });
    expect(sev([{ type: 'CVSS_V2', score: `CVSS:2.0/${V2}` }])).toMatchObject({ score: 7.5 });
  });

  it('takes the highest of several vectors of one version; v4 threat metrics do not change the base score', () => {
    expect(
      sev([
        { type: 'CVSS_V3', score: V31 },
        { type: 'CVSS_V3', score: V30 },
      ]),
    ).toMatchObject({
      score: 9.8,
      vector: V30,
    });
    // The order of the vectors does not matter: the highest wins wherever it is listed.
    expect(
      sev([
        { type: 'CVSS_V3', score: V30 },
        { type: 'CVSS_V3', score: V31 },
      ]),
    ).toMatchObject({ level: 'critical', score: 9.8, vector: V30 });
    const threat = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U';
    expect(sev([{ type: 'CVSS_V4', score: threat }])).toMatchObject({
      level: 'critical',
      score: 9.3,
    });
  });

  it("the affected entry's severity replaces the record's; other types are ignored", () => {
    const affected: OsvAffected = { severity: [{ type: 'CVSS_V3', score: V30 }] };
    expect(sev([{ type: 'CVSS_V3', score: V31 }], {}, affected)).toEqual({
      level: 'critical',
      score: 9.8,
      vector: V30,
      source: 'CVSS_V3 vector in affected[].severity',
    });
    const ubuntuOnly: OsvAffected = { severity: [{ type: 'Ubuntu', score: 'high' }] };
    expect(sev([{ type: 'CVSS_V3', score: V31 }], {}, ubuntuOnly)).toMatchObject({ score: 6.8 });
  });

  it('a vector that cannot be scored is unknown, saying why (never a weaker source)', () => {
    const cases: [string, string, string][] = [
      ['CVSS_V3', 'CVSS:3.1/AV:N/AC:L', 'base metrics are missing or invalid'],
      [
        'CVSS_V3',
        'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        'base metrics are missing or invalid',
      ],
      ['CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/FOO:BAR', 'Unknown component FOO'],
      ['CVSS_V3', 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'starts with CVSS:3.0/ or CVSS:3.1/'],
      ['CVSS_V4', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'starts with CVSS:4.0/'],
      [
        'CVSS_V2',
        'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        'no version prefix other than CVSS:2.0/',
      ],
      ['CVSS_V2', 'garbage', 'could not be scored'], // the library's own error, whatever it says
      ['CVSS_V4', 'CVSS:4.0/AV:N', 'base metrics are missing or invalid'],
    ];
    for (const [type, vector, why] of cases) {
      const out = sev(
        [
          { type, score: vector },
          { type: 'CVSS_V2', score: V2 },
        ],
        {
          database_specific: { severity: 'LOW' },
        },
      );
      expect(out).toMatchObject({
        level: 'unknown',
        vector,
        source: expect.stringContaining(why),
      });
      expect(out.source).toContain(`${type} vector in severity could not be scored`);
    }
    // A library that throws something other than an Error is still caught.
    const out = sev([{ type: 'CVSS_V3', score: 'CVSS:3.1/garbage' }]);
    expect(out.level).toBe('unknown');
  });

  it("falls back to GitHub's label, then to unknown", () => {
    for (const [label, level] of [
      ['CRITICAL', 'critical'],
      ['HIGH', 'high'],
      ['MODERATE', 'moderate'],
      ['MEDIUM', 'moderate'],
      ['low', 'low'],
    ] as const) {
      expect(sev(undefined, { database_specific: { severity: label } })).toEqual({
        level,
        source: 'database_specific.severity label',
      });
    }
    expect(sev([], { database_specific: { severity: 'SEVERE' } })).toEqual({
      level: 'unknown',
      source:
        'database_specific.severity label "SEVERE" is not one of CRITICAL, HIGH, MODERATE, LOW',
    });
    expect(
      sev([{ type: 'Ubuntu', score: 'high' }], { database_specific: { severity: '  ' } }),
    ).toMatchObject({
      level: 'unknown',
      source: 'the record has no CVSS vector and no database_specific.severity label',
    });
    expect(sev(undefined, { database_specific: { severity: 3 } }).level).toBe('unknown');
    const notAList = 'CVSS_V3' as unknown as OsvRecord['severity'];
    expect(sev(notAList).level).toBe('unknown');
    const odd = [null, { type: 'CVSS_V3', score: 9.8 }] as unknown as OsvRecord['severity'];
    expect(sev(odd).level).toBe('unknown');
  });

  it('maps scores to levels at 9.0, 7.0 and 4.0', () => {
    expect([10, 9, 8.9, 7, 6.9, 4, 3.9, 0.1, 0].map(levelForScore)).toEqual([
      'critical',
      'critical',
      'high',
      'high',
      'moderate',
      'moderate',
      'low',
      'low',
      'low',
    ]);
    expect(
      sev([{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N' }]),
    ).toMatchObject({
      level: 'low',
      score: 0,
    });
  });
});
