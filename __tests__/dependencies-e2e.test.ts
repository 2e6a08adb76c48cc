/**
 * The dependencies check end to end through the CLI: real lockfiles (as npm and pip-tools wrote
 * them) against OSV records in a folder and from an OSV API played by a server on 127.0.0.1.
 */
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { FIXTURES, runCli as runCliOnly, type CliResult } from './helpers/cli.js';
import { expectWellFormedDependenciesResult } from './helpers/dependency-findings.js';

/** The CLI, with what every dependencies result owes its reader asserted on each run. */
async function runCli(...args: Parameters<typeof runCliOnly>): Promise<CliResult> {
  const r = await runCliOnly(...args);
  const check = r.report?.checks.find((c) => c.id === 'dependencies');
  // A check that threw is reported by the engine (rule check-error), not by the check.
  if (check && check.status !== 'skipped' && !check.findings.some((f) => f.rule === 'check-error'))
    expectWellFormedDependenciesResult(check);
  return r;
}

const LOCK = path.join(FIXTURES, 'lockfiles', 'npm-v3', 'package-lock.json');
const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'; // 7.5

/** Advisory records made for these tests (the lockfile's debug 4.3.4 is not really affected). */
const records = [
  {
    id: 'GHSA-test-debg-0001',
    modified: new Date(Date.now() - 3_600_000).toISOString(),
    aliases: ['CVE-2099-0001'],
    summary: 'debug mishandles format strings (test record)',
    severity: [{ type: 'CVSS_V3', score: HIGH }],
    affected: [
      {
        package: { ecosystem: 'npm', name: 'debug' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '4.0.0' }, { fixed: '4.3.5' }] }],
      },
    ],
  },
  {
    id: 'GHSA-test-ms00-0002',
    modified: new Date(Date.now() - 3_600_000).toISOString(),
    summary: 'ms before 2.0.0 is slow (test record)',
    severity: [{ type: 'CVSS_V3', score: HIGH }],
    affected: [
      {
        package: { ecosystem: 'npm', name: 'ms' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }],
      },
    ],
  },
];

let ws: string;
beforeAll(async () => {
  ws = await mkdtemp(path.join(tmpdir(), 'sg-deps-'));
  await mkdir(path.join(ws, 'osv'));
  for (const r of records) await writeFile(path.join(ws, 'osv', `${r.id}.json`), JSON.stringify(r));
  await copyFile(LOCK, path.join(ws, 'package-lock.json'));
});

describe('scan-deps', () => {
  it('blocks the affected package, names the advisory, its aliases and the fix; ms 2.0.0 is not affected', async () => {
    const r = await runCli([
      'scan-deps',
      path.join(ws, 'package-lock.json'),
      '--osv-dir',
      path.join(ws, 'osv'),
    ]);
    expect(r.code).toBe(1);
    const check = r.report!.checks.find((c) => c.id === 'dependencies')!;
    const vulns = check.findings.filter((f) => f.rule === 'vulnerable-package');
    expect(vulns).toHaveLength(1);
    expect(vulns[0]).toMatchObject({
      blocking: true,
      severity: 'high',
      package: { ecosystem: 'npm', name: 'debug', version: '4.3.4', purl: 'pkg:npm/debug@4.3.4' },
      advisory: { id: 'GHSA-test-debg-0001', aliases: ['CVE-2099-0001'], fixed: ['4.3.5'] },
    });
    expect(check.summary).toMatch(/checked against osv-dir .*2 records/);
    expect(r.stdout).toContain('debug 4.3.4 → 4.3.5');
  });

  it('the markdown report shows the advisory, its aliases, severity and fix', async () => {
    const md = path.join(ws, 'report.md');
    await runCli([
      'scan-deps',
      path.join(ws, 'package-lock.json'),
      '--osv-dir',
      path.join(ws, 'osv'),
      '--markdown',
      md,
    ]);
    const text = await readFile(md, 'utf8');
    expect(text).toContain(
      'advisory: GHSA\\-test\\-debg\\-0001, CVE\\-2099\\-0001 — high 7.5; fixed in 4\\.3\\.5',
    );
    expect(text).toContain('fix: Upgrade debug to 4\\.3\\.5 or later\\.');
  });

  it('a higher threshold lets it through (reported, not blocking)', async () => {
    const r = await runCli([
      'scan-deps',
      path.join(ws, 'package-lock.json'),
      '--osv-dir',
      path.join(ws, 'osv'),
      '--fail-on-severity',
      'critical',
    ]);
    expect(r.code).toBe(0);
    expect(
      r.report!.checks[0]!.findings.some((f) => f.rule === 'vulnerable-package' && !f.blocking),
    ).toBe(true);
  });

  it('could not evaluate: no lockfile, an unreadable one, a malformed record', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'sg-empty-'));
    const none = await runCli(['scan-deps', empty, '--osv-dir', path.join(ws, 'osv')]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('no lockfile or manifest found');

    await writeFile(path.join(empty, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {');
    const broken = await runCli([
      'scan-deps',
      path.join(empty, 'package-lock.json'),
      '--osv-dir',
      path.join(ws, 'osv'),
    ]);
    expect(broken.code).toBe(2);

    const badOsv = await mkdtemp(path.join(tmpdir(), 'sg-osv-'));
    await writeFile(path.join(badOsv, 'GHSA-bad.json'), '{"id": 3}');
    const bad = await runCli([
      'scan-deps',
      path.join(ws, 'package-lock.json'),
      '--osv-dir',
      badOsv,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('GHSA-bad.json');
  });
});

describe('OSV API through a local server', () => {
  let server: http.Server;
  let url: string;
  let failing = false;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (failing) {
          res.writeHead(503).end('down');
          return;
        }
        if (req.method === 'POST' && req.url === '/v1/querybatch') {
          const { queries } = JSON.parse(body) as { queries: { package: { name: string } }[] };
          const results = queries.map((q) => ({
            vulns: records
              .filter((r) => r.affected[0]!.package.name === q.package.name)
              .map((r) => ({ id: r.id, modified: r.modified })),
          }));
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ results }));
          return;
        }
        const m = /^\/v1\/vulns\/(.+)$/.exec(req.url ?? '');
        const rec = m && records.find((r) => r.id === decodeURIComponent(m[1]!));
        if (rec)
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rec));
        else res.writeHead(404).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('matches through querybatch and vulns/{id}', async () => {
    failing = false;
    const r = await runCli(['scan-deps', path.join(ws, 'package-lock.json'), '--osv-api', url]);
    expect(r.code).toBe(1);
    expect(
      r
        .report!.checks[0]!.findings.filter((f) => f.rule === 'vulnerable-package')
        .map((f) => f.package?.name),
    ).toEqual(['debug']);
  });

  it('an API that keeps failing is "could not evaluate", never "no advisories"', async () => {
    failing = true;
    const r = await runCli(['scan-deps', path.join(ws, 'package-lock.json'), '--osv-api', url]);
    expect(r.code).toBe(2);
    expect(r.report!.checks[0]!.status).toBe('error');
  });
});

describe('run with a dependencies policy', () => {
  it('waives the advisory by its alias, with a reason and an expiry, and passes', async () => {
    await mkdir(path.join(ws, '.github'), { recursive: true });
    await writeFile(
      path.join(ws, '.github/security-gate.yml'),
      stringify({
        version: 1,
        dependencies: {
          paths: ['package-lock.json'],
          source: 'osv-dir:osv',
          'max-age': '7d',
          allow: [
            {
              id: 'CVE-2099-0001',
              reason: 'debug output is off in production',
              expires: '2099-01-31',
            },
          ],
        },
      }),
    );
    const r = await runCli(['run'], { GITHUB_WORKSPACE: ws });
    expect(r.code).toBe(0);
    const f = r.report!.checks.find((c) => c.id === 'dependencies')!.findings[0]!;
    expect(f).toMatchObject({ waived: true, blocking: false });
  });

  it('an expired waiver is a policy error naming its line', async () => {
    await writeFile(
      path.join(ws, '.github/security-gate.yml'),
      stringify({
        version: 1,
        dependencies: {
          source: 'osv-dir:osv',
          allow: [{ id: 'CVE-2099-0001', reason: 'old', expires: '2020-01-31' }],
        },
      }),
    );
    const r = await runCli(['run'], { GITHUB_WORKSPACE: ws });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /security-gate\.yml:\d+: the waiver for CVE-2099-0001 \(dependencies\.allow\[0\]\.expires\) expired on 2020-01-31/,
    );
  });
});
