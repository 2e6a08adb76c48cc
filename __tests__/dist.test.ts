/**
 * The committed bundles, as users run them: dist/cli.js and dist/index.js copied to a folder with
 * no node_modules and started with plain `node` (the Node 24 that runs the tests).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { GITHUB_ISSUER, REAL, SIGSTORE_JS_SAN } from './helpers/cli.js';

const run = promisify(execFile);
const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sg-dist-'));
  await copyFile(path.join(DIST, 'cli.js'), path.join(dir, 'cli.js'));
  await copyFile(path.join(DIST, 'index.js'), path.join(dir, 'index.js'));
  await copyFile(path.join(REAL, 'sigstore-js-2.1.0.tgz'), path.join(dir, 'sigstore.tgz'));
  await copyFile(
    path.join(REAL, 'sigstore-js-2.1.0-bundle.json'),
    path.join(dir, 'sigstore.tgz.sigstore.json'),
  );
});

async function node(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('dist/cli.js without node_modules', () => {
  const args = (san: string) => [
    'verify-artifact',
    'sigstore.tgz',
    '--bundle',
    'sigstore.tgz.sigstore.json',
    '--certificate-identity',
    san,
    '--certificate-oidc-issuer',
    GITHUB_ISSUER,
    '--offline',
  ];

  it('exit 0 on a verified artifact, 1 on a wrong identity, 2 on bad flags', async () => {
    expect((await node('cli.js', args(SIGSTORE_JS_SAN))).code).toBe(0);
    expect((await node('cli.js', args('https://github.com/sigstore/'))).code).toBe(1);
    const bad = await node('cli.js', ['verify-artifact', 'sigstore.tgz']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--bundle');
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(await readFile(path.join(DIST, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect((await node('cli.js', ['--version'])).stdout.trim()).toBe(pkg.version);
  });
});

describe('dist/index.js (the action) without node_modules', () => {
  it('reads INPUT_* variables, writes outputs, and fails the step (exit 1) when blocked', async () => {
    await writeFile(
      path.join(dir, 'policy.yml'),
      `version: 1\nsignatures:\n  tuf: offline\n  artifacts: [{ path: "*.tgz" }]\n  identities: [{ issuer: "${GITHUB_ISSUER}", subject: "${SIGSTORE_JS_SAN}" }]\n`,
    );
    const out = path.join(dir, 'out.txt');
    await writeFile(out, '');
    const env = {
      GITHUB_WORKSPACE: dir,
      GITHUB_OUTPUT: out,
      INPUT_POLICY: 'policy.yml',
      'INPUT_GITHUB-TOKEN': 'x',
    };
    const pass = await node('index.js', [], env);
    expect(pass.code).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/^verdict<<\S+\npass\n/m);

    await writeFile(out, '');
    const blocked = await node('index.js', [], { ...env, INPUT_POLICY: 'missing.yml' });
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain(
      '::error::security-gate: could not evaluate: policy file not found',
    );
    expect(await readFile(out, 'utf8')).toMatch(/^verdict<<\S+\nblock\n/m);
  });
});
