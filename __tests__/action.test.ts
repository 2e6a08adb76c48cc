/**
 * The action's entry point (src/index.ts) with only @actions/core mocked at the boundary: inputs
 * come from the mock, everything else (policy file, bundles, GITHUB_OUTPUT, job summary) is real.
 */
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { GITHUB_ISSUER, REAL, SIGSTORE_JS_SAN } from './helpers/cli.js';

const inputs: Record<string, string> = {};
const core = {
  getInput: jest.fn((name: string) => inputs[name] ?? ''),
  setSecret: jest.fn(),
  info: jest.fn(),
  warning: jest.fn(),
  error: jest.fn(),
  notice: jest.fn(),
  setFailed: jest.fn(),
};
jest.unstable_mockModule('@actions/core', () => core);
const { main } = await import('../src/index.js');

async function workspace(policy: string) {
  const ws = await mkdtemp(path.join(tmpdir(), 'sg-action-'));
  await mkdir(path.join(ws, '.github'));
  await writeFile(path.join(ws, '.github/security-gate.yml'), policy);
  await copyFile(path.join(REAL, 'sigstore-js-2.1.0.tgz'), path.join(ws, 'sigstore-2.1.0.tgz'));
  await copyFile(
    path.join(REAL, 'sigstore-js-2.1.0-bundle.json'),
    path.join(ws, 'sigstore-2.1.0.tgz.sigstore.json'),
  );
  const env = {
    GITHUB_WORKSPACE: ws,
    GITHUB_OUTPUT: path.join(ws, 'output.txt'),
    GITHUB_STEP_SUMMARY: path.join(ws, 'summary.md'),
    GITHUB_REPOSITORY: 'sigstore/sigstore-js',
    GITHUB_SHA: 'c'.repeat(40),
  };
  await writeFile(env.GITHUB_OUTPUT, '');
  await writeFile(env.GITHUB_STEP_SUMMARY, '');
  return env;
}

/** Parses GITHUB_OUTPUT's `name<<DELIM` blocks. */
async function outputs(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8');
  const out: Record<string, string> = {};
  const re = /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2\n/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

const policy = (subject: string, extra = '') => `version: 1
${extra}signatures:
  tuf: offline
  artifacts:
    - path: "*.tgz"
  identities:
    - issuer: ${GITHUB_ISSUER}
      subject: ${subject}
`;

beforeEach(() => {
  for (const k of Object.keys(inputs)) delete inputs[k];
  jest.clearAllMocks();
});

describe('action', () => {
  it('passes a signed artifact: outputs verdict=pass and the report, writes the job summary, does not fail', async () => {
    const env = await workspace(policy(SIGSTORE_JS_SAN));
    inputs['github-token'] = 'ghs_secret';
    await main(env);
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.setSecret).toHaveBeenCalledWith('ghs_secret');
    const out = await outputs(env.GITHUB_OUTPUT);
    expect(out.verdict).toBe('pass');
    expect(out['blocked-by']).toBe('');
    expect(JSON.parse(out.report!)).toMatchObject({
      schemaVersion: 1,
      verdict: 'pass',
      subject: { repository: 'sigstore/sigstore-js' },
    });
    const summary = await readFile(env.GITHUB_STEP_SUMMARY, 'utf8');
    expect(summary).toMatch(/^## ✅ security-gate: PASS/);
    expect(summary).toContain('sigstore\\-2\\.1\\.0\\.tgz');
  });

  it('blocks a wrong identity: verdict=block, blocked-by=signatures, step failed once', async () => {
    const env = await workspace(
      policy('https://github.com/sigstore/sigstore-js/.github/workflows/evil.yml@refs/heads/main'),
    );
    await main(env);
    expect(core.setFailed).toHaveBeenCalledTimes(1);
    expect(core.setFailed.mock.calls[0]![0]).toContain('blocked this promotion (signatures)');
    const out = await outputs(env.GITHUB_OUTPUT);
    expect(out).toMatchObject({ verdict: 'block', 'blocked-by': 'signatures' });
    expect(await readFile(env.GITHUB_STEP_SUMMARY, 'utf8')).toContain('⛔ security-gate: BLOCKED');
  });

  it('audit mode (input): same verdict, a warning, and the step passes', async () => {
    const env = await workspace(policy('https://github.com/other/x'));
    inputs.mode = 'audit';
    await main(env);
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.warning).toHaveBeenCalledWith(expect.stringContaining('audit mode'));
    expect((await outputs(env.GITHUB_OUTPUT)).verdict).toBe('block');
    expect(await readFile(env.GITHUB_STEP_SUMMARY, 'utf8')).toContain('Audit mode');
  });

  it('a policy error fails the step naming file, line and key, and still outputs verdict=block', async () => {
    const env = await workspace(policy(SIGSTORE_JS_SAN).replace('subject:', 'subjcet:'));
    await main(env);
    expect(core.setFailed).toHaveBeenCalledTimes(1);
    const msg = core.setFailed.mock.calls[0]![0] as string;
    expect(msg).toContain('security-gate.yml:7');
    expect(msg).toContain('signatures.identities[0].subjcet');
    expect((await outputs(env.GITHUB_OUTPUT)).verdict).toBe('block');
  });

  it('a missing policy file (the `policy` input) fails the step', async () => {
    const env = await workspace(policy(SIGSTORE_JS_SAN));
    inputs.policy = 'nope.yml';
    await main(env);
    expect(core.setFailed.mock.calls[0]![0]).toContain('policy file not found');
  });

  it('an invalid `advisory-cache` input is refused, naming the input', async () => {
    const env = await workspace(policy(SIGSTORE_JS_SAN));
    inputs['advisory-cache'] = 'yes';
    await main(env);
    expect(core.setFailed.mock.calls[0]![0]).toContain(
      'input advisory-cache: must be true or false',
    );
  });

  it('an invalid `mode` input is refused, naming the input', async () => {
    const env = await workspace(policy(SIGSTORE_JS_SAN));
    inputs.mode = 'lenient';
    await main(env);
    expect(core.setFailed.mock.calls[0]![0]).toContain('input mode');
  });

  it('anything thrown inside the engine, even a non-Error, blocks', async () => {
    const env = await workspace(policy(SIGSTORE_JS_SAN));
    await main(env, {
      now: () => new Date(),
      dependencies: () => {
        throw new Error('unreachable');
      },
      repository: () => {
        throw new Error('unreachable');
      },
      signatures: () => ({
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
        resolve: () => Promise.reject('a string, not an Error'),
        exists: () => Promise.reject(new Error('unreachable')),
        verify: () => Promise.reject(new Error('unreachable')),
      }),
    });
    expect(core.setFailed).toHaveBeenCalledTimes(1);
    expect((await outputs(env.GITHUB_OUTPUT)).verdict).toBe('block');
  });
});
