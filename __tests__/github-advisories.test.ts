/**
 * `dependencies.source: github`: the GitHub Advisory Database through the global advisories API,
 * played by the strict local GitHub server, matched by the same exact OSV matcher.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rangeToOsv } from '../src/adapters/github/advisories.js';
import { FIXTURES, runCli } from './helpers/cli.js';
import { GitHubApiServer, type ApiRequest } from './helpers/github-api.js';

describe('GitHub version ranges as OSV events', () => {
  it.each([
    ['>= 4.0.0, < 4.3.5', { events: [{ introduced: '4.0.0' }, { fixed: '4.3.5' }] }],
    ['< 2.0.0', { events: [{ introduced: '0' }, { fixed: '2.0.0' }] }],
    ['<= 1.2', { events: [{ introduced: '0' }, { last_affected: '1.2' }] }],
    ['>= 3.0', { events: [{ introduced: '3.0' }] }],
    ['> 1.0, < 1.5', { events: [{ introduced: '1.0' }, { fixed: '1.5' }] }],
    ['= 1.4.0', { versions: ['1.4.0'] }],
  ])('%s', (range, expected) => {
    expect(rangeToOsv(range)).toEqual(expected);
  });

  it.each(['', '~1.0', '>= 1, >= 2', '< 1, <= 2', '= 1, < 2', '1.0.0'])(
    'refuses %j rather than guess',
    (range) => {
      expect(() => rangeToOsv(range)).toThrow();
    },
  );
});

let server: GitHubApiServer;
let ws: string;
const requests: ApiRequest[] = [];

beforeEach(async () => {
  server = await GitHubApiServer.start();
  ws = await mkdtemp(path.join(tmpdir(), 'sg-ghsa-'));
  requests.length = 0;
  await copyFile(
    path.join(FIXTURES, 'lockfiles', 'npm-v3', 'package-lock.json'),
    path.join(ws, 'package-lock.json'),
  );
  await writeFile(
    path.join(ws, 'policy.yml'),
    'version: 1\ndependencies:\n  paths: [package-lock.json]\n  source: github\n  max-age: 1h\n',
  );
});

afterEach(async () => {
  await server.close();
  await rm(ws, { recursive: true, force: true });
});

const advisory = (over: Record<string, unknown>) => ({
  ghsa_id: 'GHSA-xxxx-xxxx-xxxx',
  cve_id: null,
  url: 'https://api.github.com/advisories/GHSA-xxxx-xxxx-xxxx',
  html_url: 'https://github.com/advisories/GHSA-xxxx-xxxx-xxxx',
  summary: 'test advisory',
  type: 'reviewed',
  severity: 'high',
  identifiers: [],
  published_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-11-01T00:00:00Z',
  withdrawn_at: null,
  vulnerabilities: [],
  cvss_severities: { cvss_v3: { vector_string: null, score: null }, cvss_v4: null },
  ...over,
});

function serve(reviewed: unknown[], malware: unknown[] = []) {
  server.rest('security-advisories/list-global-advisories', (req) => {
    requests.push(req);
    return { status: 200, body: req.query.type === 'malware' ? malware : reviewed };
  });
}

function run() {
  return runCli(['run', '--policy', path.join(ws, 'policy.yml')], {
    GITHUB_WORKSPACE: ws,
    GITHUB_API_URL: server.url,
    GITHUB_TOKEN: 't',
  });
}

describe('source: github', () => {
  it('matches GitHub advisories exactly, with their CVE alias and CVSS; asks for the shipped versions', async () => {
    serve([
      advisory({
        ghsa_id: 'GHSA-9vvw-cc9w-f27h',
        cve_id: 'CVE-2099-0001',
        identifiers: [
          { type: 'GHSA', value: 'GHSA-9vvw-cc9w-f27h' },
          { type: 'CVE', value: 'CVE-2099-0001' },
        ],
        cvss_severities: {
          cvss_v3: { vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', score: 7.5 },
          cvss_v4: null,
        },
        vulnerabilities: [
          {
            package: { ecosystem: 'npm', name: 'debug' },
            vulnerable_version_range: '>= 4.0.0, < 4.3.5',
            first_patched_version: '4.3.5',
            vulnerable_functions: [],
          },
        ],
      }),
      // GitHub's `affects` narrows; the gate still matches: 2.1.2 is outside this range.
      advisory({
        ghsa_id: 'GHSA-2222-3333-4444',
        vulnerabilities: [
          {
            package: { ecosystem: 'npm', name: 'ms' },
            vulnerable_version_range: '< 2.0.0',
            first_patched_version: '2.0.0',
            vulnerable_functions: [],
          },
        ],
      }),
    ]);
    const r = await run();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const check = r.report!.checks.find((c) => c.id === 'dependencies')!;
    const vulns = check.findings.filter((f) => f.rule === 'vulnerable-package');
    expect(vulns).toHaveLength(1);
    expect(vulns[0]).toMatchObject({
      blocking: true,
      severity: 'high',
      package: { name: 'debug', version: '4.3.4' },
      advisory: { id: 'GHSA-9vvw-cc9w-f27h', aliases: ['CVE-2099-0001'], fixed: ['4.3.5'] },
    });
    expect(check.summary).toContain('checked against github');
    // One request per type for the ≤ 100 packages, each naming the shipped versions.
    expect(requests.map((q) => [q.query.ecosystem, q.query.type])).toEqual([
      ['npm', 'reviewed'],
      ['npm', 'malware'],
    ]);
    expect(requests[0]!.query.affects!.split(',')).toContain('debug@4.3.4');
  });

  it('a GitHub malware advisory blocks as a malicious package', async () => {
    serve(
      [],
      [
        advisory({
          ghsa_id: 'GHSA-mmmm-mmmm-mmmm',
          type: 'malware',
          severity: 'unknown',
          vulnerabilities: [
            {
              package: { ecosystem: 'npm', name: 'inherits' },
              vulnerable_version_range: '= 2.0.4',
              first_patched_version: null,
              vulnerable_functions: [],
            },
          ],
        }),
      ],
    );
    const r = await run();
    expect(r.code).toBe(1);
    const f = r.report!.checks[1]!.findings.find((x) => x.rule === 'malicious-package')!;
    expect(f).toMatchObject({
      blocking: true,
      severity: 'critical',
      package: { name: 'inherits' },
    });
  });

  it('a failing API or an unreadable range is "could not evaluate", never "no advisories"', async () => {
    server.rest('security-advisories/list-global-advisories', () => ({
      status: 200,
      body: [
        advisory({
          vulnerabilities: [
            {
              package: { ecosystem: 'npm', name: 'debug' },
              vulnerable_version_range: '~4.0',
              first_patched_version: null,
              vulnerable_functions: [],
            },
          ],
        }),
      ],
    }));
    const bad = await run();
    expect(bad.code).toBe(2);
    expect(bad.report!.checks[1]!.findings[0]!.message).toContain('cannot read the version range');

    server.rest('security-advisories/list-global-advisories', () => ({
      status: 401,
      body: { message: 'Bad credentials' },
    }));
    const refused = await run();
    expect(refused.code).toBe(2);
    expect(refused.report!.checks[1]!.findings[0]!.message).toContain('HTTP 401: Bad credentials');
  });

  it('an ecosystem the database does not cover is an error', async () => {
    await writeFile(
      path.join(ws, 'policy.yml'),
      'version: 1\ndependencies:\n  sbom: [sbom.json]\n  source: github\n',
    );
    await writeFile(
      path.join(ws, 'sbom.json'),
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        version: 1,
        components: [
          { type: 'library', name: 'ggplot2', version: '3.4.0', purl: 'pkg:cran/ggplot2@3.4.0' },
        ],
      }),
    );
    serve([]);
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.report!.checks[1]!.findings[0]!.message).toContain(
      'the GitHub Advisory Database does not cover CRAN',
    );
  });
});
