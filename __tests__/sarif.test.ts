/**
 * SARIF 2.1.0 output: validated against the SARIF schema (ajv), checked for what GitHub code
 * scanning requires beyond the schema, with lockfile lines checked against the fixtures' text,
 * and written by the CLI (`--sarif`, `report.sarif`) without changing the exit status.
 */
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import Ajv from 'ajv';
import { readManifest } from '../src/adapters/lockfiles/index.js';
import { locatePolicyKey } from '../src/config/load.js';
import { GateError } from '../src/errors.js';
import { annotationsFor, errorAnnotation, MAX_ERRORS } from '../src/report/annotations.js';
import {
  renderSarif,
  renderSarifError,
  sarifText,
  toUri,
  type SarifContext,
  type SarifLog,
} from '../src/report/sarif.js';
import type { Finding, Report } from '../src/types.js';
import { FIXTURES, GITHUB_ISSUER, REAL, runCli } from './helpers/cli.js';

const require = createRequire(import.meta.url);
const schema = JSON.parse(
  readFileSync(path.join(FIXTURES, 'sarif', 'sarif-2.1.0-rtm.5.json'), 'utf8'),
) as object;
const ajv = new Ajv({ schemaId: 'auto', allErrors: true, format: 'full' });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json') as object);
const validateSchema = ajv.compile(schema);

/** The SARIF schema, plus GitHub's rule that every result has a location with a relative URI. */
function expectValidSarif(log: unknown): asserts log is SarifLog {
  const ok = validateSchema(log);
  expect(ok ? [] : validateSchema.errors).toEqual([]);
  for (const run of (log as SarifLog).runs) {
    for (const r of run.results) {
      expect(r.locations.length).toBeGreaterThan(0);
      for (const l of [...r.locations, ...(r.relatedLocations ?? [])]) {
        const uri = l.physicalLocation.artifactLocation.uri;
        expect(uri).not.toMatch(/^[a-z][a-z0-9+.-]*:|^\/|(^|\/)\.\.(\/|$)/i);
        expect(l.physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
      }
      expect(r.ruleId).toBe(run.tool.driver.rules[r.ruleIndex]!.id);
    }
  }
}

const ROOT = path.join(tmpdir(), 'sg-sarif-root');
const ctx = (over: Partial<SarifContext> = {}): SarifContext => ({
  root: ROOT,
  workspace: ROOT,
  cwd: ROOT,
  ...over,
});

function report(checks: Report['checks'], over: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'security-gate', version: '0.1.0' },
    mode: 'enforce',
    verdict: 'block',
    blockedBy: ['dependencies'],
    subject: { repository: 'o/r', sha: 'a'.repeat(40) },
    policy: { path: '.github/security-gate.yml', sha256: 'f'.repeat(64) },
    generatedAt: '2026-12-07T05:00:00.000Z',
    checks,
    ...over,
  };
}

const vuln = (over: Partial<Finding> = {}): Finding => ({
  rule: 'vulnerable-package',
  blocking: true,
  waived: false,
  severity: 'high',
  message:
    'debug@4.3.4 (package-lock.json) is affected by GHSA-test-debg-0001: [click](https://evil.example) @org/team',
  fix: 'Upgrade debug to 4.3.5 or later.',
  location: { file: 'package-lock.json', line: 57 },
  package: { ecosystem: 'npm', name: 'debug', version: '4.3.4', purl: 'pkg:npm/debug@4.3.4' },
  advisory: {
    id: 'GHSA-test-debg-0001',
    ids: ['GHSA-test-debg-0001'],
    aliases: ['CVE-2099-0001'],
    summary: 'debug mishandles <b>format</b> strings',
    severity: 'high',
    cvss: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
    score: 7.5,
    fixed: ['4.3.5'],
    url: 'javascript:alert(1)',
  },
  ...over,
});

const mixed = report([
  {
    id: 'signatures',
    status: 'fail',
    summary: '1 failed verification',
    findings: [
      {
        rule: 'identity-mismatch',
        blocking: true,
        waived: false,
        severity: 'high',
        message: 'dist/app.tgz: identity failed',
        expected: 'identities[0]',
        found: 'https://github.com/evil/x/.github/workflows/r.yml@refs/heads/main',
        artifact: 'dist/app.tgz',
        step: 'identity',
        location: { file: 'dist/app.tgz.sigstore.json', line: 2 },
      },
      {
        rule: 'artifact-missing',
        blocking: true,
        waived: false,
        severity: 'high',
        message: 'no file matches "dist/*.zip"',
        step: 'artifact',
        location: { key: 'signatures.artifacts[1].path' },
      },
      {
        rule: 'attestation-missing',
        blocking: true,
        waived: false,
        severity: 'high',
        message: 'sha256:abcd has no attestation',
        artifact: 'sha256:' + 'ab'.repeat(32),
      },
    ],
  },
  {
    id: 'dependencies',
    status: 'fail',
    summary: '1 vulnerable',
    findings: [
      vuln(),
      vuln({
        blocking: false,
        waived: true,
        severity: 'critical',
        package: { ecosystem: 'npm', name: 'ms', version: '2.0.0', purl: 'pkg:npm/ms@2.0.0' },
        location: { file: 'package-lock.json' },
        advisory: {
          ...vuln().advisory!,
          id: 'GHSA-test-ms00-0002',
          score: undefined,
          url: 'https://osv.dev/x',
        },
      }),
      {
        rule: 'waiver-unused',
        blocking: false,
        waived: false,
        severity: 'unknown',
        message: 'dependencies.allow[0] (GHSA-x) matches nothing being shipped: remove it',
        location: { key: 'dependencies.allow[0]' },
      },
      {
        rule: 'advisories-stale',
        blocking: true,
        waived: false,
        severity: 'unknown',
        message: 'the advisory snapshot is old',
      },
      {
        rule: 'manifest-empty',
        blocking: false,
        waived: false,
        severity: 'unknown',
        message: '/elsewhere/package-lock.json lists no package',
        location: { file: '/elsewhere/package-lock.json' },
      },
    ],
  },
  { id: 'repository', status: 'skipped', summary: 'not asked', findings: [] },
]);

describe('the SARIF schema check', () => {
  it('can fail: a result without a message, an URI with a space', () => {
    const bad = renderSarif(mixed, ctx()) as unknown as {
      runs: { results: Record<string, unknown>[] }[];
    };
    delete bad.runs[0]!.results[0]!.message;
    expect(validateSchema(bad)).toBe(false);
    const bad2 = renderSarif(mixed, ctx());
    bad2.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri = 'a b';
    expect(validateSchema(bad2)).toBe(false);
  });
});

describe('renderSarif', () => {
  const log = renderSarif(
    mixed,
    ctx({ locateKey: (k) => (k === 'dependencies.allow[0]' ? { line: 9, column: 7 } : undefined) }),
  );
  const run = log.runs[0]!;
  const result = (rule: string) => run.results.find((r) => r.properties.rule === rule)!;

  it('is valid SARIF 2.1.0 and locates every result', () => {
    expectValidSarif(log);
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver).toMatchObject({ name: 'security-gate', version: '0.1.0' });
    expect(run.invocations[0]!.executionSuccessful).toBe(true);
    expect(run.properties).toMatchObject({ verdict: 'block', blockedBy: ['dependencies'] });
  });

  it('dependency findings: at the lockfile line; one rule per advisory with its security-severity', () => {
    const r = run.results.find((x) => x.ruleId === 'vulnerable-package/GHSA-test-debg-0001')!;
    expect(r.level).toBe('error');
    expect(r.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'package-lock.json', uriBaseId: '%SRCROOT%' },
      region: { startLine: 57 },
    });
    const rule = run.tool.driver.rules[r.ruleIndex]!;
    expect(rule.properties['security-severity']).toBe('7.5');
    expect(rule.properties.tags).toEqual(['security', 'dependencies', 'dependency', 'npm']);
    expect(r.properties['security-severity']).toBe('7.5');
    // A non-https advisory URL is no helpUri.
    expect(rule.helpUri).toBeUndefined();
  });

  it('a waived finding is a suppressed note; no line known: the file only, never a made-up line', () => {
    const r = run.results.find((x) => x.ruleId === 'vulnerable-package/GHSA-test-ms00-0002')!;
    expect(r.level).toBe('note');
    expect(r.suppressions).toEqual([
      expect.objectContaining({ kind: 'external', status: 'accepted' }),
    ]);
    expect(r.locations[0]!.physicalLocation.region).toBeUndefined();
    // No score: the severity label's score (critical).
    expect(run.tool.driver.rules[r.ruleIndex]!.properties['security-severity']).toBe('9.5');
    expect(run.tool.driver.rules[r.ruleIndex]!.helpUri).toBe('https://osv.dev/x');
  });

  it('signature failures: on the artifact, the bundle line as related location; a digest falls back to the policy', () => {
    const r = result('identity-mismatch');
    expect(r.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'dist/app.tgz', uriBaseId: '%SRCROOT%' },
    });
    expect(r.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: {
          artifactLocation: { uri: 'dist/app.tgz.sigstore.json', uriBaseId: '%SRCROOT%' },
          region: { startLine: 2 },
        },
        message: { text: 'Sigstore bundle' },
      },
    ]);
    expect(r.message.text).toContain('Expected: identities\\[0\\]');
    const digest = result('attestation-missing');
    expect(digest.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: '.github/security-gate.yml', uriBaseId: '%SRCROOT%' },
    });
  });

  it('policy findings: at the key line and column when the policy says; else the policy file', () => {
    expect(result('waiver-unused').locations[0]!.physicalLocation.region).toEqual({
      startLine: 9,
      startColumn: 7,
    });
    expect(result('artifact-missing').locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: '.github/security-gate.yml', uriBaseId: '%SRCROOT%' },
    });
    expect(result('advisories-stale').level).toBe('error');
  });

  it('a file outside the repository is not named: the policy file (file only), or without a policy a tool notification', () => {
    expect(result('manifest-empty').locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: '.github/security-gate.yml', uriBaseId: '%SRCROOT%' },
    });
    expect(run.invocations[0]!.toolExecutionNotifications).toBeUndefined();
    const noPolicy = renderSarif({ ...mixed, policy: undefined }, ctx());
    expectValidSarif(noPolicy);
    const r0 = noPolicy.runs[0]!;
    expect(r0.results.some((r) => r.properties.rule === 'manifest-empty')).toBe(false);
    expect(r0.invocations[0]!.toolExecutionNotifications?.map((n) => n.descriptor.id)).toEqual([
      'artifact-missing',
      'attestation-missing',
      'waiver-unused',
      'advisories-stale',
      'manifest-empty',
    ]);
  });

  it('escapes embedded-link syntax from inputs; rule help markdown is escaped like the job summary', () => {
    const r = run.results.find((x) => x.ruleId === 'vulnerable-package/GHSA-test-debg-0001')!;
    expect(r.message.text).toContain('\\[click\\](https://evil.example)');
    // The markdown form: no link, no mention, no HTML.
    expect(r.message.markdown).toContain('\\[click\\]\\(https\\:');
    expect(r.message.markdown).toContain('\\@&#8203;org/team');
    expect(r.message.markdown).not.toMatch(/<|\]\(/);
    const rule = run.tool.driver.rules[r.ruleIndex]!;
    expect(rule.help.markdown).not.toContain('<b>');
    expect(rule.help.markdown).toContain('&lt;b&gt;');
    expect(rule.help.markdown).not.toMatch(/\]\(/);
    expect(sarifText('a\u0000b\u001b[31m')).toBe('ab\\[31m');
  });

  it('fingerprints are stable across runs (not the line, not the wording) and unique within a run', () => {
    const moved = report([
      {
        ...mixed.checks[1]!,
        findings: [
          vuln({ location: { file: 'package-lock.json', line: 99 }, message: 'reworded' }),
        ],
      },
    ]);
    const a = run.results.find((x) => x.ruleId === 'vulnerable-package/GHSA-test-debg-0001')!;
    const b = renderSarif(moved, ctx()).runs[0]!.results[0]!;
    expect(b.partialFingerprints).toEqual(a.partialFingerprints);
    const twice = report([{ ...mixed.checks[1]!, findings: [vuln(), vuln()] }]);
    const [x, y] = renderSarif(twice, ctx()).runs[0]!.results;
    expect(x!.partialFingerprints).not.toEqual(y!.partialFingerprints);
    const all = run.results.map((r) => Object.values(r.partialFingerprints)[0]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('a check that could not evaluate marks the run as not successful', () => {
    const errored = report([{ id: 'dependencies', status: 'error', summary: 'x', findings: [] }]);
    const l = renderSarif(errored, ctx());
    expectValidSarif(l);
    expect(l.runs[0]!.invocations[0]!.executionSuccessful).toBe(false);
  });

  it('URIs: segments percent-encoded, a colon in the first segment too', () => {
    expect(toUri('node_modules/@scope/a b/ü#%.json')).toBe(
      'node_modules/@scope/a%20b/%C3%BC%23%25.json',
    );
    expect(toUri('c:d/e:f')).toBe('c%3Ad/e:f');
  });
});

describe('renderSarifError (before any check: an invalid policy)', () => {
  it('locates the policy error at its line and column', () => {
    const err = new GateError('config', '.github/security-gate.yml: invalid policy', {
      location: { file: '.github/security-gate.yml', line: 4, column: 3, key: 'signatures' },
      fix: 'See the policy reference.',
    });
    const log = renderSarifError(
      err,
      { root: ROOT, cwd: ROOT },
      { name: 'security-gate', version: '0.1.0' },
    );
    expectValidSarif(log);
    const run = log.runs[0]!;
    expect(run.invocations[0]!.executionSuccessful).toBe(false);
    expect(run.results).toEqual([
      expect.objectContaining({
        ruleId: 'config-error',
        level: 'error',
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: '.github/security-gate.yml', uriBaseId: '%SRCROOT%' },
              region: { startLine: 4, startColumn: 3 },
            },
          },
        ],
      }),
    ]);
  });

  it('an error without a file is a notification (GitHub refuses unlocated results)', () => {
    const log = renderSarifError(
      'a string',
      { root: ROOT, cwd: ROOT },
      { name: 'security-gate', version: '0.1.0' },
    );
    expectValidSarif(log);
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.invocations[0]!.toolExecutionNotifications).toHaveLength(1);
  });
});

describe('locatePolicyKey', () => {
  const text = `version: 1
dependencies:
  allow:
    - id: GHSA-a
      reason: r
      expires: 2030-01-01
    - id: GHSA-b
      reason: r
      expires: 2030-01-01
signatures:
  artifacts:
    - path: dist/*.tgz
`;
  it('finds keys and list items; a key that is not there is undefined, never a nearby line', () => {
    expect(locatePolicyKey(text, 'dependencies.allow[1]')).toEqual({ line: 7, column: 7 });
    expect(locatePolicyKey(text, 'dependencies.allow[0].expires')).toEqual({ line: 6, column: 7 });
    expect(locatePolicyKey(text, 'signatures.artifacts[0].path')).toEqual({ line: 12, column: 7 });
    expect(locatePolicyKey(text, 'dependencies.allow[2]')).toBeUndefined();
    expect(locatePolicyKey(text, 'dependencies.deny[0]')).toBeUndefined();
    expect(locatePolicyKey(text, 'signatures.identities')).toBeUndefined();
    expect(locatePolicyKey('a: [', 'a')).toBeUndefined();
  });
});

describe('annotations', () => {
  it('located findings only, errors before warnings, most severe first, within GitHub limits', () => {
    const many = report([
      {
        id: 'dependencies',
        status: 'fail',
        summary: 'x',
        findings: [
          ...Array.from({ length: 12 }, (_, i) =>
            vuln({ severity: 'moderate', location: { file: 'package-lock.json', line: 100 + i } }),
          ),
          vuln({ severity: 'critical', location: { file: 'package-lock.json', line: 7 } }),
          vuln({ blocking: false, severity: 'low', location: { file: 'yarn.lock', line: 3 } }),
          vuln({ waived: true, blocking: false, location: { file: 'yarn.lock', line: 4 } }),
          {
            rule: 'advisories-stale',
            blocking: true,
            waived: false,
            severity: 'unknown',
            message: 'old',
          },
        ],
      },
    ]);
    const a = annotationsFor(many, ctx());
    const errors = a.filter((x) => x.level === 'error');
    expect(errors).toHaveLength(MAX_ERRORS);
    expect(errors[0]!.properties).toEqual({
      title: 'security-gate dependencies: vulnerable-package (debug@4.3.4)',
      file: 'package-lock.json',
      startLine: 7,
    });
    expect(a.filter((x) => x.level === 'warning').map((x) => x.properties.file)).toEqual([
      'yarn.lock',
    ]);
    // 13 blocking located, 9 shown: 4 more; the unlocated and the waived ones are not annotated.
    expect(a.at(-1)).toMatchObject({
      level: 'notice',
      message: expect.stringMatching(/^4 more findings/),
    });
  });

  it('an invalid policy: at its file and line, relative to the workspace', () => {
    const err = new GateError('config', 'bad', {
      location: { file: 'sub/.github/security-gate.yml', line: 3, column: 1 },
    });
    expect(errorAnnotation(err, { root: path.join(ROOT, 'sub'), cwd: ROOT })?.properties).toEqual({
      title: 'security-gate could not evaluate',
      file: '.github/security-gate.yml',
      startLine: 3,
      startColumn: 1,
    });
    expect(errorAnnotation(new Error('x'), { root: ROOT, cwd: ROOT })).toBeUndefined();
  });
});

/**
 * Lockfile lines: for every package of each fixture, the SARIF region must be the line where the
 * file declares it — checked against the file's text, not against the reader's own output.
 */
describe('lockfile lines in SARIF', () => {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const cases: {
    fixture: string;
    /** The declaration at `line` (and the lines after it) names this package at this version. */
    declares: (lines: string[], i: number, name: string, version: string) => boolean;
  }[] = [
    {
      fixture: 'npm-v3/package-lock.json',
      // An alias (node_modules/is-num-alias) names the real package in its block.
      declares: (l, i, n, v) =>
        /^\s*"(?:.*\/)?node_modules\/(?:@[^/"]+\/)?[^/"]+": \{/.test(l[i]!) &&
        (l[i]!.endsWith(`node_modules/${n}": {`) ||
          l.slice(i, i + 3).some((x) => x.includes(`"name": "${n}"`))) &&
        l.slice(i, i + 3).some((x) => x.includes(`"version": "${v}"`)),
    },
    {
      fixture: 'yarn-v1/yarn.lock',
      declares: (l, i, n, v) =>
        (new RegExp(`^"?${esc(n)}@`).test(l[i]!) || l[i]!.includes(`@npm:${n}@`)) &&
        l.slice(i, i + 3).some((x) => x.trim() === `version "${v}"`),
    },
    {
      fixture: 'pnpm-v9/pnpm-lock.yaml',
      declares: (l, i, n, v) => new RegExp(`^\\s+'?${esc(n)}@${esc(v)}(\\(.*\\))?'?:`).test(l[i]!),
    },
    {
      fixture: 'poetry/poetry.lock',
      declares: (l, i, n, v) =>
        l
          .slice(i, i + 3)
          .some((x) => x.toLowerCase().replace(/[-_.]+/g, '-') === `name = "${n}"`) &&
        l.slice(i, i + 4).some((x) => x === `version = "${v}"`) &&
        (l[i] === '[[package]]' || l[i]!.startsWith('name = ')),
    },
    {
      fixture: 'pypi-requirements/requirements/requirements.txt',
      declares: (l, i, n, v) =>
        new RegExp(
          `^${n.split('-').map(esc).join('[-_.]')}(\\[.*\\])?\\s*==\\s*${esc(v)}\\b`,
          'i',
        ).test(l[i]!),
    },
    {
      fixture: 'go/okteto/go.mod',
      // A replaced module: the replace directive names the module and version shipped.
      declares: (l, i, n, v) =>
        new RegExp(
          `^(require\\s+|replace\\s+)?\\s*(\\S+( \\S+)? => )?${esc(n)}\\s+${esc(v)}(\\s|$)`,
        ).test(l[i]!),
    },
    {
      fixture: 'cargo/Cargo.lock',
      declares: (l, i, n, v) =>
        l.slice(i, i + 3).some((x) => x === `name = "${n}"`) &&
        l.slice(i, i + 4).some((x) => x === `version = "${v}"`) &&
        (l[i] === '[[package]]' || l[i]!.startsWith('name = ')),
    },
  ];

  for (const c of cases) {
    it(c.fixture, async () => {
      const dir = path.join(FIXTURES, 'lockfiles', path.dirname(c.fixture));
      const file = path.join(FIXTURES, 'lockfiles', c.fixture);
      const name = path.basename(c.fixture);
      const m = await readManifest(file, { displayPath: name });
      const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
      expect(m.packages.length).toBeGreaterThan(0);
      const r = report([
        {
          id: 'dependencies',
          status: 'fail',
          summary: 'x',
          findings: m.packages.map((p) =>
            vuln({
              message: `${p.name}@${p.version}`,
              location: { file: p.file, ...(p.line ? { line: p.line } : {}) },
              package: { ecosystem: p.ecosystem, name: p.name, version: p.version, purl: p.purl },
            }),
          ),
        },
      ]);
      const log = renderSarif(r, { root: dir, workspace: dir, cwd: dir });
      expectValidSarif(log);
      const results = log.runs[0]!.results;
      expect(results).toHaveLength(m.packages.length);
      const wrong: string[] = [];
      let withLine = 0;
      for (const res of results) {
        const pkg = res.properties.package as { name: string; version: string };
        const loc = res.locations[0]!.physicalLocation;
        expect(loc.artifactLocation.uri).toBe(name);
        if (!loc.region) continue;
        withLine++;
        const i = loc.region.startLine - 1;
        if (!c.declares(lines, i, pkg.name, pkg.version)) {
          wrong.push(`${pkg.name}@${pkg.version} at line ${i + 1}: ${lines[i]}`);
        }
      }
      expect(wrong).toEqual([]);
      // Every package of these formats has a line.
      expect(withLine).toBe(results.length);
    });
  }
});

describe('CLI', () => {
  const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N';
  async function workspace(policyExtra: string) {
    const ws = await mkdtemp(path.join(tmpdir(), 'sg-sarif-'));
    await mkdir(path.join(ws, 'osv'));
    await mkdir(path.join(ws, '.github'));
    await writeFile(
      path.join(ws, 'osv', 'GHSA-test-debg-0001.json'),
      JSON.stringify({
        id: 'GHSA-test-debg-0001',
        modified: new Date(Date.now() - 3_600_000).toISOString(),
        summary: 'debug (test record)',
        severity: [{ type: 'CVSS_V3', score: HIGH }],
        affected: [
          {
            package: { ecosystem: 'npm', name: 'debug' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '4.0.0' }, { fixed: '4.3.5' }] }],
          },
        ],
      }),
    );
    await copyFile(
      path.join(FIXTURES, 'lockfiles', 'npm-v3', 'package-lock.json'),
      path.join(ws, 'package-lock.json'),
    );
    await writeFile(
      path.join(ws, '.github', 'security-gate.yml'),
      `version: 1
dependencies:
  paths: [package-lock.json]
  source: osv-dir:osv
  allow:
    - id: GHSA-none-none-none
      reason: test
      expires: 2099-01-01
${policyExtra}`,
    );
    return ws;
  }

  it('run --sarif writes the log; the exit status is the same as without it', async () => {
    const ws = await workspace('');
    const env = { GITHUB_WORKSPACE: ws };
    const without = await runCli(['run'], env);
    const out = path.join(ws, 'out', 'gate.sarif');
    const withSarif = await runCli(['run', '--sarif', out], env);
    expect(without.code).toBe(1);
    expect(withSarif.code).toBe(1);
    const log = JSON.parse(await readFile(out, 'utf8')) as unknown;
    expectValidSarif(log);
    const run = log.runs[0]!;
    const debug = run.results.find((r) => r.ruleId === 'vulnerable-package/GHSA-test-debg-0001')!;
    const lines = (await readFile(path.join(ws, 'package-lock.json'), 'utf8')).split('\n');
    const at = debug.locations[0]!.physicalLocation;
    expect(at.artifactLocation.uri).toBe('package-lock.json');
    expect(lines[at.region!.startLine - 1]).toMatch(/"node_modules\/debug": \{/);
    // The unused waiver, at its line in the policy file.
    const unused = run.results.find((r) => r.properties.rule === 'waiver-unused')!;
    expect(unused.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: '.github/security-gate.yml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 6, startColumn: 7 },
    });
  });

  it('report.sarif in the policy (relative to the workspace); a wrong report.pr-comment is refused', async () => {
    const ws = await workspace('report:\n  sarif: reports/gate.sarif\n');
    const r = await runCli(['run'], { GITHUB_WORKSPACE: ws });
    expect(r.code).toBe(1);
    expectValidSarif(JSON.parse(await readFile(path.join(ws, 'reports', 'gate.sarif'), 'utf8')));
    const ws2 = await workspace('report:\n  sarif: gate.sarif\n  pr-comment: sometimes\n');
    const r2 = await runCli(['run'], { GITHUB_WORKSPACE: ws2 });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("key 'report.pr-comment'");
  });

  it('an invalid policy: exit 2, and the SARIF log locates the error in the policy file', async () => {
    const ws = await workspace('');
    await writeFile(
      path.join(ws, '.github', 'security-gate.yml'),
      'version: 1\ndependencies:\n  paths: 7\n',
    );
    const out = path.join(ws, 'gate.sarif');
    const r = await runCli(['run', '--sarif', out], { GITHUB_WORKSPACE: ws });
    expect(r.code).toBe(2);
    const log = JSON.parse(await readFile(out, 'utf8')) as unknown;
    expectValidSarif(log);
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation).toMatchObject({
      region: { startLine: 3 },
    });
  });

  it('a SARIF file that cannot be written is exit 2, never a pass', async () => {
    const ws = await workspace('');
    await writeFile(path.join(ws, 'blocker'), '');
    const r = await runCli(['run', '--sarif', path.join(ws, 'blocker', 'gate.sarif')], {
      GITHUB_WORKSPACE: ws,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot write the SARIF log');
  });

  it('verify-artifact --sarif: a valid log naming the identity failure', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sg-sarif-va-'));
    const cwd = process.cwd();
    const tgz = path.join(ws, 'sigstore-2.1.0.tgz');
    await copyFile(path.join(REAL, 'sigstore-js-2.1.0.tgz'), tgz);
    await copyFile(path.join(REAL, 'sigstore-js-2.1.0-bundle.json'), `${tgz}.sigstore.json`);
    const out = path.join(ws, 'va.sarif');
    const r = await runCli([
      'verify-artifact',
      path.relative(cwd, tgz),
      '--bundle',
      path.relative(cwd, `${tgz}.sigstore.json`),
      '--certificate-identity',
      'https://github.com/someone/else/.github/workflows/release.yml@refs/heads/main',
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
      '--sarif',
      out,
    ]);
    expect(r.code).toBe(1);
    const log = JSON.parse(await readFile(out, 'utf8')) as unknown;
    expectValidSarif(log);
    const notes = log.runs[0]!.invocations[0]!.toolExecutionNotifications ?? [];
    const results = log.runs[0]!.results;
    // verify-artifact's root is the current directory: the temp artifact lies outside it.
    expect([...results.map((x) => x.ruleId), ...notes.map((n) => n.descriptor.id)]).toContain(
      'identity-mismatch',
    );
  });
});
