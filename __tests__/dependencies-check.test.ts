/**
 * The dependencies check's decisions on plain data: thresholds, scopes, malicious packages, deny
 * rules, waivers, unknown versions and stale snapshots. Readers and sources are tested on their own.
 */
import { describe, expect, it } from '@jest/globals';
import type { AdvisorySource } from '../src/adapters/osv/source.js';
import {
  checkDependencies as check,
  versionsMatch,
  type DependenciesCheckConfig,
} from '../src/checks/dependencies/index.js';
import type { OsvRecord, Package, ParsedManifest } from '../src/checks/dependencies/model.js';
import { versionScheme } from '../src/checks/dependencies/versions/index.js';
import { expectWellFormedDependenciesResult } from './helpers/dependency-findings.js';

/** The check, with what every result owes its reader asserted on each call. */
async function checkDependencies(...args: Parameters<typeof check>): ReturnType<typeof check> {
  const r = await check(...args);
  expectWellFormedDependenciesResult(r);
  return r;
}

const pkg = (name: string, version: string, scope: Package['scope'] = 'runtime'): Package => ({
  ecosystem: 'npm',
  name,
  version,
  purl: `pkg:npm/${name}@${version}`,
  scope,
  file: 'package-lock.json',
  line: 7,
});

const advisory = (
  id: string,
  name: string,
  fixed: string,
  extra: Partial<OsvRecord> = {},
): OsvRecord => ({
  id,
  modified: '2026-11-20T00:00:00Z',
  summary: `${name} is broken`,
  affected: [
    {
      package: { ecosystem: 'npm', name },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }],
    },
  ],
  ...extra,
});

const HIGH = [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }]; // 7.5
const LOW = [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N' }]; // 2.0

function ports(
  packages: Package[],
  records: OsvRecord[],
  opts: {
    snapshot?: string;
    unresolved?: ParsedManifest['unresolved'];
    kind?: 'osv-dir' | 'osv-api' | 'github';
  } = {},
) {
  const source: AdvisorySource = {
    recordsFor: (pkgs) =>
      Promise.resolve(
        new Map(
          pkgs.map((p) => [
            `${p.ecosystem}\u0000${p.name}`,
            records.filter((r) => r.affected?.some((a) => a.package?.name === p.name)),
          ]),
        ),
      ),
    describe: () => ({
      kind: opts.kind ?? 'osv-dir',
      location: 'osv/',
      records: records.length,
      ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
    }),
  };
  return {
    manifests: () =>
      Promise.resolve([
        {
          file: 'package-lock.json',
          format: 'package-lock.json v3',
          packages,
          unresolved: opts.unresolved ?? [],
        },
      ]),
    advisories: () => Promise.resolve(source),
    scheme: versionScheme,
  };
}

const base: DependenciesCheckConfig = {
  failOnSeverity: 'high',
  unknownSeverity: 'block',
  scopes: ['runtime'],
  blockMalicious: true,
  deny: [],
  allow: [],
  now: new Date('2026-11-23T12:00:00Z'),
};

/** An advisory known by an alias, and a waiver naming that alias. */
const WAIVED = {
  records: [advisory('GHSA-w', 'a', '1.0.1', { aliases: ['CVE-2026-9'], severity: HIGH })],
  waiver: {
    id: 'CVE-2026-9',
    reason: 'not reachable',
    expires: '2027-01-31',
    key: 'dependencies.allow[0]',
  },
};

describe('checkDependencies', () => {
  it('passes when nothing matches, and says what it checked against', async () => {
    const r = await checkDependencies(
      base,
      ports(
        [pkg('left-pad', '1.3.0')],
        [advisory('GHSA-1', 'left-pad', '1.2.0', { severity: HIGH })],
      ),
    );
    expect(r.status).toBe('pass');
    expect(r.summary).toContain('1 package in 1 file checked against osv-dir (osv/, 1 record)');
  });

  it('blocks a high advisory, reporting the package, the advisory and the fix', async () => {
    const r = await checkDependencies(
      base,
      ports(
        [pkg('lodash', '4.17.20')],
        [advisory('GHSA-h', 'lodash', '4.17.21', { severity: HIGH, aliases: ['CVE-2021-23337'] })],
      ),
    );
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({
      rule: 'vulnerable-package',
      blocking: true,
      severity: 'high',
      package: { name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' },
      advisory: { id: 'GHSA-h', ids: ['GHSA-h'], aliases: ['CVE-2021-23337'], fixed: ['4.17.21'] },
      location: { file: 'package-lock.json', line: 7 },
    });
    expect(r.findings[0]!.fix).toContain('4.17.21');
    expect(r.summary).toContain('lodash 4.17.20 → 4.17.21');
  });

  it('reports, but does not block, advisories below the threshold', async () => {
    const r = await checkDependencies(
      base,
      ports([pkg('a', '1.0.0')], [advisory('GHSA-l', 'a', '1.0.1', { severity: LOW })]),
    );
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([
      expect.objectContaining({ rule: 'vulnerable-package', blocking: false, severity: 'low' }),
    ]);
    const strict = await checkDependencies(
      { ...base, failOnSeverity: 'low' },
      ports([pkg('a', '1.0.0')], [advisory('GHSA-l', 'a', '1.0.1', { severity: LOW })]),
    );
    expect(strict.status).toBe('fail');
  });

  it('handles unknown severity by policy', async () => {
    const records = [advisory('GHSA-u', 'a', '1.0.1')];
    expect((await checkDependencies(base, ports([pkg('a', '1.0.0')], records))).status).toBe(
      'fail',
    );
    expect(
      (
        await checkDependencies(
          { ...base, unknownSeverity: 'warn' },
          ports([pkg('a', '1.0.0')], records),
        )
      ).status,
    ).toBe('pass');
  });

  it('blocks malicious packages whatever their severity, unless turned off', async () => {
    const records = [advisory('MAL-2026-1', 'evil', '99.0.0', { severity: LOW })];
    const r = await checkDependencies(base, ports([pkg('evil', '1.0.0')], records));
    expect(r.findings[0]).toMatchObject({
      rule: 'malicious-package',
      blocking: true,
      severity: 'critical',
    });
    const off = await checkDependencies(
      { ...base, blockMalicious: false, unknownSeverity: 'warn', failOnSeverity: 'critical' },
      ports([pkg('evil', '1.0.0')], records),
    );
    expect(off.status).toBe('pass');
  });

  it('merges records that are aliases of each other into one finding listing every id', async () => {
    const records = [
      advisory('GHSA-x', 'a', '1.0.1', { aliases: ['CVE-2026-1'], severity: HIGH }),
      advisory('CVE-2026-1', 'a', '1.0.1', { aliases: ['GHSA-x'] }),
    ];
    const r = await checkDependencies(base, ports([pkg('a', '1.0.0')], records));
    const vulns = r.findings.filter((f) => f.rule === 'vulnerable-package');
    expect(vulns).toHaveLength(1);
    expect(vulns[0]!.advisory!.ids.sort()).toEqual(['CVE-2026-1', 'GHSA-x']);
  });

  it('counts only the policy scopes; a package of unknown scope always counts', async () => {
    const records = [
      advisory('GHSA-d', 'devtool', '2.0.0', { severity: HIGH }),
      advisory('GHSA-u', 'untold', '2.0.0', { severity: HIGH }),
    ];
    const packages = [pkg('devtool', '1.0.0', 'dev'), pkg('untold', '1.0.0', 'unknown')];
    const r = await checkDependencies(base, ports(packages, records));
    expect(r.findings.map((f) => f.package?.name)).toEqual(['untold']);
    const withDev = await checkDependencies(
      { ...base, scopes: ['runtime', 'dev'] },
      ports(packages, records),
    );
    expect(withDev.findings.map((f) => f.package?.name).sort()).toEqual(['devtool', 'untold']);
  });

  it('waivers: by id or alias, scoped, reported when unused, warned when expiring', async () => {
    const { records, waiver } = WAIVED;
    const r = await checkDependencies(
      { ...base, allow: [waiver] },
      ports([pkg('a', '1.0.0')], records),
    );
    expect(r.status).toBe('pass');
    expect(r.findings[0]).toMatchObject({
      rule: 'vulnerable-package',
      blocking: false,
      waived: true,
    });
    expect(r.findings[0]!.message).toContain(
      'waived by dependencies.allow[0] until 2027-01-31: not reachable',
    );
    // Used, and far from expiry: nothing else to say about it.
    expect(r.findings).toHaveLength(1);
    // 14 days ahead to the second warns; a day more does not.
    const at = (now: string, expires: string) =>
      checkDependencies(
        { ...base, now: new Date(now), allow: [{ ...waiver, expires }] },
        ports([pkg('a', '1.0.0')], records),
      );
    const edge = await at('2026-11-23T23:59:59Z', '2026-12-07');
    expect(edge.findings.map((f) => f.rule)).toContain('waiver-expiring');
    expect(edge.findings.find((f) => f.rule === 'waiver-expiring')!.message).toBe(
      'dependencies.allow[0] (CVE-2026-9) expires on 2026-12-07, in 14 day(s)',
    );
    const later = await at('2026-11-23T23:59:59Z', '2026-12-08');
    expect(later.findings.map((f) => f.rule)).not.toContain('waiver-expiring');

    const otherPackage = await checkDependencies(
      { ...base, allow: [{ ...waiver, package: 'pkg:npm/b' }] },
      ports([pkg('a', '1.0.0')], records),
    );
    expect(otherPackage.status).toBe('fail');
    expect(otherPackage.findings.map((f) => f.rule)).toContain('waiver-unused');

    const soon = await checkDependencies(
      { ...base, allow: [{ ...waiver, expires: '2026-11-30' }] },
      ports([pkg('a', '1.0.0')], records),
    );
    expect(soon.findings).toContainEqual(
      expect.objectContaining({ rule: 'waiver-expiring', blocking: false }),
    );
  });

  it('deny rules block named packages and versions', async () => {
    const deny = [
      {
        package: 'pkg:npm/event-stream',
        versions: '3.3.6',
        key: 'dependencies.deny[0]',
        reason: 'flatmap-stream',
      },
    ];
    const r = await checkDependencies({ ...base, deny }, ports([pkg('event-stream', '3.3.6')], []));
    expect(r.findings[0]).toMatchObject({ rule: 'denied-package', blocking: true });
    expect(
      (await checkDependencies({ ...base, deny }, ports([pkg('event-stream', '3.3.5')], [])))
        .status,
    ).toBe('pass');
    // Another package, even at the denied version, is not concerned.
    expect(
      (await checkDependencies({ ...base, deny }, ports([pkg('flatmap-stream', '3.3.6')], [])))
        .status,
    ).toBe('pass');
    // A version that cannot be read cannot be shown to be outside a denied range: denied.
    const ranged = [{ ...deny[0]!, versions: '>=3.0.0 <4.0.0' }];
    const unreadable = await checkDependencies(
      { ...base, deny: ranged },
      ports([pkg('event-stream', 'not-a-version')], []),
    );
    expect(unreadable.findings.map((f) => f.rule)).toContain('denied-package');
  });

  it('waivers apply only to their advisory, version and file', async () => {
    const { records, waiver } = WAIVED;
    const judged = async (w: object) =>
      checkDependencies(
        { ...base, allow: [{ ...waiver, ...w }] },
        ports([pkg('a', '1.0.0')], records),
      );
    for (const scope of [
      { id: 'CVE-2026-8' },
      { version: '0.9.0' },
      { path: 'other/package-lock.json' },
    ]) {
      const r = await judged(scope);
      expect(r.status).toBe('fail');
      expect(r.findings).toContainEqual(
        expect.objectContaining({ rule: 'vulnerable-package', blocking: true, waived: false }),
      );
      expect(r.findings.map((f) => f.rule)).toContain('waiver-unused');
    }
    const scoped = await judged({ version: '1.0.0', path: pkg('a', '1.0.0').file });
    expect(scoped.status).toBe('pass');
  });

  it('an unreadable version is "could not evaluate", never "not affected"', async () => {
    const r = await checkDependencies(
      base,
      ports([pkg('a', 'not-a-version')], [advisory('GHSA-v', 'a', '1.0.1', { severity: HIGH })]),
    );
    expect(r.status).toBe('error');
    expect(r.findings[0]).toMatchObject({ rule: 'version-unknown', blocking: true });
  });

  it('unresolved entries are explicit unknown findings that block by default', async () => {
    const unresolved = [
      { name: 'local-lib', reason: 'a path dependency has no version', line: 12 },
    ];
    const r = await checkDependencies(base, ports([], [], { unresolved }));
    expect(r.findings[0]).toMatchObject({
      rule: 'package-unresolved',
      blocking: true,
      location: { file: 'package-lock.json', line: 12 },
    });
    expect(r.status).toBe('fail');
    // An entry of a requirements -r include is located in the included file.
    const included = [{ name: 'x', reason: 'not pinned', line: 3, file: 'reqs/base.txt' }];
    const r2 = await checkDependencies(base, ports([], [], { unresolved: included }));
    expect(r2.findings[0]).toMatchObject({
      rule: 'package-unresolved',
      location: { file: 'reqs/base.txt', line: 3 },
      message: expect.stringMatching(/^reqs\/base\.txt: x has no version/) as unknown,
    });
  });

  it('a source that does not answer for a package is "could not evaluate"', async () => {
    const p = ports([pkg('a', '1.0.0')], []);
    const real = await p.advisories();
    const silent = {
      ...p,
      advisories: () =>
        Promise.resolve({
          recordsFor: () => Promise.resolve(new Map()),
          describe: () => real.describe(),
        }),
    };
    const r = await checkDependencies(base, silent);
    expect(r.status).toBe('error');
    expect(r.findings[0]).toMatchObject({ rule: 'advisories-missing', blocking: true });
  });

  it('a snapshot older than max-age cannot be used', async () => {
    const stale = await checkDependencies(
      { ...base, maxAgeMs: 86_400_000 },
      ports([pkg('a', '1.0.0')], [], { snapshot: '2026-11-01T00:00:00Z' }),
    );
    expect(stale.status).toBe('error');
    expect(stale.findings[0]).toMatchObject({
      rule: 'advisories-stale',
      blocking: true,
      waived: false,
    });
    const undated = await checkDependencies(
      { ...base, maxAgeMs: 86_400_000 },
      ports([pkg('a', '1.0.0')], []),
    );
    expect(undated.status).toBe('error');
    // Exactly max-age old is still usable.
    const edge = await checkDependencies(
      { ...base, maxAgeMs: 86_400_000 },
      ports([pkg('a', '1.0.0')], [], { snapshot: '2026-11-22T12:00:00Z' }),
    );
    expect(edge.status).toBe('pass');
    const fresh = await checkDependencies(
      { ...base, maxAgeMs: 86_400_000 },
      ports([pkg('a', '1.0.0')], [], { snapshot: '2026-11-23T00:00:00Z' }),
    );
    expect(fresh.status).toBe('pass');
    // The APIs answer with current data: max-age does not apply to them.
    for (const kind of ['osv-api', 'github'] as const) {
      const api = await checkDependencies(
        { ...base, maxAgeMs: 86_400_000 },
        ports([pkg('a', '1.0.0')], [], { kind }),
      );
      expect(api.status).toBe('pass');
    }
  });

  it('unresolved entries do not block with unknown-severity: warn, but stay reported', async () => {
    const unresolved = [{ name: 'local-lib', reason: 'a path dependency has no version' }];
    const r = await checkDependencies(
      { ...base, unknownSeverity: 'warn' },
      ports([pkg('a', '1.0.0')], [], { unresolved }),
    );
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([
      expect.objectContaining({ rule: 'package-unresolved', blocking: false, waived: false }),
    ]);
  });

  it('a file that lists nothing is reported without blocking', async () => {
    const r = await checkDependencies(base, ports([], []));
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([
      expect.objectContaining({
        rule: 'manifest-empty',
        blocking: false,
        message: 'package-lock.json (package-lock.json v3) lists no package',
        location: { file: 'package-lock.json' },
      }),
    ]);
  });

  it('what cannot be evaluated is never marked waived, even when a waiver names the advisory', async () => {
    const allow = [
      { id: 'GHSA-v', reason: 'r', expires: '2027-01-31', key: 'dependencies.allow[0]' },
    ];
    const r = await checkDependencies(
      { ...base, allow },
      ports([pkg('a', 'not-a-version')], [advisory('GHSA-v', 'a', '1.0.1', { severity: HIGH })]),
    );
    expect(r.status).toBe('error');
    expect(r.findings[0]).toMatchObject({
      rule: 'version-unknown',
      blocking: true,
      waived: false,
      location: { file: 'package-lock.json', line: 7 },
    });
  });

  it('a vulnerable package: every field the reader sees', async () => {
    const records = [
      advisory('GHSA-aaaa', 'a', '1.2.0', {
        aliases: ['CVE-2026-7', 'GHSA-bbbb'],
        severity: HIGH,
        references: [
          { type: 'WEB', url: 'https://example.com/blog' },
          { type: 'ADVISORY', url: 'https://github.com/advisories/GHSA-aaaa' },
        ],
      }),
      advisory('GHSA-bbbb', 'a', '1.1.5', { aliases: ['GHSA-aaaa'] }),
    ];
    const r = await checkDependencies(base, ports([pkg('a', '1.0.0')], records));
    expect(r.findings).toEqual([
      {
        rule: 'vulnerable-package',
        blocking: true,
        waived: false,
        severity: 'high',
        message: 'a@1.0.0 (package-lock.json) is affected by GHSA-aaaa, GHSA-bbbb: a is broken',
        fix: 'Upgrade a to 1.1.5 or later.',
        location: { file: 'package-lock.json', line: 7 },
        package: { ecosystem: 'npm', name: 'a', version: '1.0.0', purl: 'pkg:npm/a@1.0.0' },
        advisory: {
          id: 'GHSA-aaaa',
          ids: ['GHSA-aaaa', 'GHSA-bbbb'],
          aliases: ['CVE-2026-7'],
          summary: 'a is broken',
          severity: 'high',
          cvss: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
          score: 7.5,
          fixed: ['1.2.0', '1.1.5'],
          url: 'https://github.com/advisories/GHSA-aaaa',
        },
      },
    ]);
    expect(r.summary).toBe(
      '1 package in 1 file checked against osv-dir (osv/, 2 records): 1 advisory matched, 1 blocking; upgrades that clear them: a 1.0.0 → 1.1.5',
    );
    // Without an ADVISORY reference, the OSV page; without a summary or a fix, neither.
    const bare = advisory('OSV-1', 'b', '9.9.9', { severity: HIGH });
    delete bare.summary;
    bare.affected![0]!.ranges![0]!.events = [{ introduced: '0' }];
    const b = await checkDependencies(base, ports([pkg('b', '1.0.0'), pkg('c', '2.0.0')], [bare]));
    expect(b.findings[0]).toMatchObject({
      message: 'b@1.0.0 (package-lock.json) is affected by OSV-1',
      fix: 'No fixed version is known: remove or replace the package, or waive with a reason and an expiry.',
      advisory: { url: 'https://osv.dev/vulnerability/OSV-1', fixed: [] },
    });
    expect(b.findings[0]!.advisory).not.toHaveProperty('summary');
    expect(b.summary).toBe(
      '2 packages in 1 file checked against osv-dir (osv/, 1 record): 1 advisory matched, 1 blocking',
    );
  });

  it("a group of aliases takes its highest severity, each record's from this package's entry", async () => {
    const lowFirst = [
      advisory('GHSA-x', 'a', '1.0.1', { aliases: ['CVE-2026-1'], severity: LOW }),
      {
        id: 'CVE-2026-1',
        modified: '2026-11-20T00:00:00Z',
        affected: [
          // Another package's entry comes first and says low; this package's entry says high.
          {
            package: { ecosystem: 'npm', name: 'other' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }],
            severity: LOW,
          },
          {
            package: { ecosystem: 'npm', name: 'a' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }],
            severity: HIGH,
          },
        ],
      } as OsvRecord,
    ];
    const r = await checkDependencies(base, ports([pkg('a', '1.0.0')], lowFirst));
    expect(r.status).toBe('fail');
    expect(r.findings).toEqual([
      expect.objectContaining({
        rule: 'vulnerable-package',
        blocking: true,
        severity: 'high',
        advisory: expect.objectContaining({
          id: 'GHSA-x',
          score: 7.5,
          severity: 'high',
        }) as unknown,
      }),
    ]);
  });

  it("GitHub's malware advisories are malicious too, and one malicious record makes the group so", async () => {
    const ghsa = advisory('GHSA-m', 'evil', '99.0.0', {
      severity: LOW,
      database_specific: { github_type: 'malware' },
    });
    const r = await checkDependencies(base, ports([pkg('evil', '1.0.0')], [ghsa]));
    expect(r.findings[0]).toMatchObject({ rule: 'malicious-package', blocking: true });
    const group = [
      advisory('GHSA-r', 'evil', '99.0.0', { severity: LOW, aliases: ['MAL-2026-2'] }),
      advisory('MAL-2026-2', 'evil', '99.0.0'),
    ];
    const g = await checkDependencies(base, ports([pkg('evil', '1.0.0')], group));
    expect(g.findings).toEqual([
      expect.objectContaining({ rule: 'malicious-package', blocking: true, severity: 'critical' }),
    ]);
  });

  it('the summary counts advisories (not deny rules) and names only upgrades that clear them', async () => {
    const records = [
      advisory('GHSA-1', 'a', '1.0.1', { severity: HIGH }),
      advisory('GHSA-2', 'a', '1.2.0', { severity: LOW }),
      {
        ...advisory('GHSA-3', 'b', '0'),
        affected: [
          {
            package: { ecosystem: 'npm', name: 'b' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }],
          },
        ],
        severity: HIGH,
      } as OsvRecord,
    ];
    const deny = [{ package: 'pkg:npm/c', key: 'dependencies.deny[0]' }];
    const r = await checkDependencies(
      { ...base, deny },
      ports([pkg('a', '1.0.0'), pkg('b', '1.0.0'), pkg('c', '1.0.0')], records),
    );
    expect(r.summary).toMatch(
      /: 3 advisories matched, 3 blocking; upgrades that clear them: a 1\.0\.0 → 1\.2\.0$/,
    );
    const one = await checkDependencies(base, ports([pkg('b', '1.0.0')], records));
    expect(one.summary).toMatch(/: 1 advisory matched, 1 blocking$/);
    // No upgrade clears a package that also has an advisory without a fix.
    const both = [
      advisory('GHSA-1', 'a', '1.0.1', { severity: HIGH }),
      {
        ...records[2]!,
        id: 'GHSA-4',
        affected: [{ ...records[2]!.affected![0]!, package: { ecosystem: 'npm', name: 'a' } }],
      },
    ];
    const stuck = await checkDependencies(base, ports([pkg('a', '1.0.0')], both));
    expect(stuck.summary).toMatch(/: 2 advisories matched, 2 blocking$/);
  });

  it('deny rules and waivers name packages by package URL, encoded or not, in any case', async () => {
    const scoped: Package = { ...pkg('@acme/evil', '1.0.0'), purl: 'pkg:npm/%40acme/evil@1.0.0' };
    for (const rule of ['pkg:npm/%40acme/evil', 'pkg:npm/%40ACME/Evil', 'pkg:npm/%2540acme/evil']) {
      const r = await checkDependencies(
        { ...base, deny: [{ package: rule, key: 'dependencies.deny[0]' }] },
        ports([scoped], []),
      );
      expect({ rule, rules: r.findings.map((f) => f.rule) }).toEqual({
        rule,
        rules: rule.includes('%25') ? [] : ['denied-package'],
      });
    }
  });
});

describe('versionsMatch (deny rules)', () => {
  const npm = versionScheme('npm');
  it.each([
    ['3.3.6', '3.3.6', true],
    ['3.3.5, 3.3.6', '3.3.6', true],
    ['3.3.5', '3.3.6', false],
    ['>=1.0.0 <1.2.0', '1.1.9', true],
    ['>=1.0.0 <1.2.0', '1.2.0', false],
    ['<1.0.0 || =2.0.0', '2.0.0', true],
    ['>2.0.0', '2.0.0', false],
    ['<=2.0.0', '2.0.0', true],
    ['*', '9.9.9', true],
    [' * ', '9.9.9', true],
    [undefined, '1.0.0', true],
    // Each operator at and beyond its bound.
    ['>=1.0.0', '1.0.0', true],
    ['>=1.0.0', '0.9.9', false],
    ['>1.0.0', '1.0.1', true],
    ['<=2.0.0', '2.0.1', false],
    ['<=2.0.0', '1.5.0', true],
    ['>=1.0.0', '1.5.0', true],
    ['>1.0.0', '1.0.0', false],
    ['<1.0.0', '1.0.0', false],
    ['<1.0.0', '0.9.0', true],
    ['=2.0.0', '2.0.1', false],
    // A space after the operator belongs to the comparison (was read as the exact versions
    // ">=", "1.0.0", "<", "2.0.0", so 1.5.0 was not denied).
    ['>= 1.0.0 < 2.0.0', '1.5.0', true],
    ['>= 1.0.0, < 2.0.0', '2.0.0', false],
    ['3.3.5 || >= 4.0.0', '4.1.0', true],
  ] as const)('%s matches %s: %s', (spec, version, expected) => {
    expect(versionsMatch(spec, version, npm)).toBe(expected);
  });

  it('a spec it cannot read throws (the policy schema refuses it first)', () => {
    expect(() => versionsMatch('3.3.6 >=4.0.0', '3.3.6', npm)).toThrow(/mixes exact versions/);
    expect(() => versionsMatch('1.0.0 || ', '1.0.0', npm)).toThrow(/empty/);
    // npm-style ranges would be exact versions matching nothing: refused, never "deny nothing".
    for (const spec of ['^1.2.0', '~1.2', '1.x', '1.2.*', '1.0.0 - 2.0.0', '!=1.0.0']) {
      expect(() => versionsMatch(spec, '1.2.3', npm)).toThrow(
        /neither an exact version nor a comparison/,
      );
    }
    // Letters and dots in real versions are fine.
    expect(versionsMatch('1.0.0-rc.1, 2.0.0.Final', '1.0.0-rc.1', npm)).toBe(true);
  });
});
