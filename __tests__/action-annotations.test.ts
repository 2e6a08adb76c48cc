/**
 * The action's annotations and SARIF file (src/index.ts), with only @actions/core mocked: a real
 * workspace, lockfile, OSV records and policy; the annotations must name the file and line.
 */
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { FIXTURES } from './helpers/cli.js';

const core = {
  getInput: jest.fn((_name: string) => ''),
  setSecret: jest.fn(),
  info: jest.fn(),
  warning: jest.fn(),
  error: jest.fn(),
  notice: jest.fn(),
  setFailed: jest.fn(),
};
jest.unstable_mockModule('@actions/core', () => core);
const { main } = await import('../src/index.js');

const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N';

async function workspace(policy: string) {
  const ws = await mkdtemp(path.join(tmpdir(), 'sg-action-ann-'));
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
  await writeFile(path.join(ws, '.github', 'security-gate.yml'), policy);
  const env = {
    GITHUB_WORKSPACE: ws,
    GITHUB_OUTPUT: path.join(ws, 'output.txt'),
    GITHUB_STEP_SUMMARY: path.join(ws, 'summary.md'),
  };
  await writeFile(env.GITHUB_OUTPUT, '');
  await writeFile(env.GITHUB_STEP_SUMMARY, '');
  return { ws, env };
}

beforeEach(() => {
  jest.clearAllMocks();
});

describe('action annotations and report.sarif', () => {
  it('a vulnerable package: an error annotation on its lockfile line, the SARIF file written, one failure', async () => {
    const { ws, env } = await workspace(`version: 1
dependencies:
  paths: [package-lock.json]
  source: osv-dir:osv
report:
  sarif: gate.sarif
`);
    await main(env);
    const lines = (await readFile(path.join(ws, 'package-lock.json'), 'utf8')).split('\n');
    expect(core.error).toHaveBeenCalledTimes(1);
    const [message, props] = core.error.mock.calls[0]! as unknown as [
      string,
      { file: string; startLine: number; title: string },
    ];
    expect(message).toContain('GHSA-test-debg-0001');
    expect(props.file).toBe('package-lock.json');
    expect(props.title).toBe('security-gate dependencies: vulnerable-package (debug@4.3.4)');
    expect(lines[props.startLine - 1]).toMatch(/"node_modules\/debug": \{/);
    expect(core.setFailed).toHaveBeenCalledTimes(1);
    const log = JSON.parse(await readFile(path.join(ws, 'gate.sarif'), 'utf8')) as {
      runs: { results: { ruleId: string }[] }[];
    };
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual([
      'vulnerable-package/GHSA-test-debg-0001',
    ]);
  });

  it('an invalid policy: an error annotation at the policy line, and the step fails', async () => {
    const { env } = await workspace('version: 1\ndependencies:\n  paths: 7\n');
    await main(env);
    expect(core.error).toHaveBeenCalledWith(
      expect.stringContaining('invalid policy'),
      expect.objectContaining({ file: '.github/security-gate.yml', startLine: 3 }),
    );
    expect(core.setFailed).toHaveBeenCalledTimes(1);
  });

  it('a SARIF file that cannot be written fails the step (could not evaluate)', async () => {
    const { ws, env } = await workspace(`version: 1
dependencies:
  paths: [package-lock.json]
  source: osv-dir:osv
report:
  sarif: blocker/gate.sarif
`);
    await writeFile(path.join(ws, 'blocker'), '');
    await main(env);
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringContaining('cannot write the SARIF log'),
    );
  });
});
