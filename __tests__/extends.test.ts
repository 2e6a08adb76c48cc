/**
 * Organisation policy (`extends`) and the policy of `pull_request_target` runs: the base policy is
 * read through the GitHub contents API (GitHubApiServer, strict), a repository may only tighten
 * it, and a pull request's head never supplies the policy.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePolicy, policyFromText } from '../src/config/load.js';
import { GateError } from '../src/errors.js';
import { FIXTURES, runCli } from './helpers/cli.js';
import { GitHubApiServer } from './helpers/github-api.js';

const PIN = 'c0ffee'.padEnd(40, '0');
const BASE_SHA = 'b'.repeat(40);
const SPEC = `octo/.github/security-gate.yml@${PIN}`;
const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N';

// ---------------------------------------------------------------------------------------------
// The merge rules, on text

const BASE = `version: 1
signatures:
  artifacts:
    - path: dist/*.tgz
  identities:
    - issuer: https://token.actions.githubusercontent.com
      source-repository: octo/app
  require-deployed-commit: true
dependencies:
  fail-on-severity: high
  max-age: 24h
  allow:
    - id: GHSA-aaaa-bbbb-cccc
      reason: not reachable
      expires: 2099-01-31
repository:
  branches: [main, "release/*"]
  required-approvals: 2
  require-status-checks: [build]
  allow-bots: [renovate]
`;

function merged(local: string) {
  return parsePolicy(`version: 1\nextends: ${SPEC}\n${local}`, 'local.yml', undefined, {
    spec: SPEC,
    file: SPEC,
    text: BASE,
  });
}

function refused(local: string): GateError {
  try {
    merged(local);
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('expected the policy to be refused');
}

describe('extends: a repository may only tighten', () => {
  it('keeps the base, applies what tightens, and unions added requirements', () => {
    const p = merged(`dependencies:
  fail-on-severity: moderate
  max-age: 12h
  allow: []
repository:
  branches: [main]
  required-approvals: 3
  require-status-checks: [test]
  require-code-owner-approval: true
`);
    expect(p.signatures!.identities).toEqual([
      { issuer: 'https://token.actions.githubusercontent.com', 'source-repository': 'octo/app' },
    ]);
    expect(p.dependencies).toMatchObject({
      'fail-on-severity': 'moderate',
      'max-age': '12h',
      allow: [],
    });
    expect(p.repository).toMatchObject({
      branches: ['main'],
      'required-approvals': 3,
      'require-status-checks': ['build', 'test'],
      'require-code-owner-approval': true,
      'allow-bots': ['renovate'],
    });
    expect(p.extends).toBe(SPEC);
  });

  it('a section the base does not have is added (more checks is tighter)', () => {
    const p = parsePolicy(
      `version: 1\nextends: ${SPEC}\nrepository:\n  required-approvals: 1\n`,
      'l.yml',
      undefined,
      {
        spec: SPEC,
        file: SPEC,
        text: 'version: 1\ndependencies: {}\n',
      },
    );
    expect(p.repository!['required-approvals']).toBe(1);
    expect(p.dependencies!['fail-on-severity']).toBe('high');
  });

  it.each([
    ['mode: audit', 'mode', 'looser'],
    [
      'dependencies:\n  fail-on-severity: critical',
      'dependencies.fail-on-severity',
      '"critical" is looser',
    ],
    ['dependencies:\n  max-age: 48h', 'dependencies.max-age', 'at most 24h'],
    ['dependencies:\n  unknown-severity: warn', 'dependencies.unknown-severity', 'looser'],
    ['dependencies:\n  scopes: [dev]', 'dependencies.scopes', '["runtime"]'],
    ['dependencies:\n  block-malicious: false', 'dependencies.block-malicious', 'turns it on'],
    ['dependencies:\n  source: osv-dir:stale', 'dependencies.source', 'may not change it'],
    [
      'dependencies:\n  allow:\n    - { id: GHSA-new0-new0-new0, reason: mine, expires: 2030-01-01 }',
      'dependencies.allow[0]',
      'no waiver for "GHSA-new0-new0-new0"',
    ],
    [
      'dependencies:\n  allow:\n    - { id: GHSA-aaaa-bbbb-cccc, reason: r, expires: 2100-01-01 }',
      'dependencies.allow[0].expires',
      'expires on 2099-01-31',
    ],
    ['repository:\n  required-approvals: 1', 'repository.required-approvals', 'requires 2'],
    ['repository:\n  branches: [main, dev]', 'repository.branches', '["dev"]'],
    ['repository:\n  branches: []', 'repository.branches', 'allows any ref'],
    [
      'repository:\n  allow-bots: [renovate, dependabot]',
      'repository.allow-bots',
      '["dependabot"]',
    ],
    ['repository:\n  cannot-see: warn', 'repository.cannot-see', 'looser'],
    [
      'repository:\n  require-pull-request: false',
      'repository.require-pull-request',
      'turns it on',
    ],
    [
      'repository:\n  require-branch-protection: none',
      'repository.require-branch-protection',
      'looser',
    ],
    [
      'signatures:\n  artifacts: [{ path: x }]\n  identities:\n    - { issuer: "https://token.actions.githubusercontent.com", source-repository-owner: octo }',
      'signatures.identities[0]',
      'keep all the keys',
    ],
    [
      'signatures:\n  artifacts: [{ path: x }]\n  identities: [{ issuer: "https://token.actions.githubusercontent.com", source-repository: octo/app }]\n  trusted-root: mine.json',
      'signatures.trusted-root',
      'may not trust another',
    ],
    [
      'signatures:\n  artifacts: [{ path: x }]\n  identities: [{ issuer: "https://token.actions.githubusercontent.com", source-repository: octo/app }]\n  require-deployed-commit: false',
      'signatures.require-deployed-commit',
      'turns it on',
    ],
  ])('refuses %j, naming the key and its line', (local, key, why) => {
    const err = refused(local);
    expect(err.code).toBe('config');
    expect(err.message).toContain(`key '${key}' loosens the organisation policy ${SPEC}`);
    expect(err.message).toContain(why);
    expect(err.location?.file).toBe('local.yml');
    expect(err.location?.line).toBeGreaterThanOrEqual(3);
    expect(err.fix).toContain('may only tighten');
  });

  it('an identity that adds keys to a base identity narrows it', () => {
    const p = merged(`signatures:
  artifacts: [{ path: "dist/*.tgz" }]
  identities:
    - issuer: https://token.actions.githubusercontent.com
      source-repository: octo/app
      source-ref: refs/heads/main
`);
    expect(p.signatures!.identities[0]).toMatchObject({ 'source-ref': 'refs/heads/main' });
  });

  it('refuses a base that itself extends another, and an invalid base, naming the base', () => {
    const chained = (() => {
      try {
        parsePolicy(`version: 1\nextends: ${SPEC}\n`, 'l.yml', undefined, {
          spec: SPEC,
          file: SPEC,
          text: `version: 1\nextends: a/b/c.yml@${PIN}\ndependencies: {}\n`,
        });
      } catch (err) {
        return err as GateError;
      }
      throw new Error('expected a refusal');
    })();
    expect(chained.message).toContain('chains are not supported');
    expect(() =>
      parsePolicy(`version: 1\nextends: ${SPEC}\n`, 'l.yml', undefined, {
        spec: SPEC,
        file: SPEC,
        text: 'version: 1\ndependencies: { fail-on-severity: severe }\n',
      }),
    ).toThrow(`${SPEC}: invalid policy`);
  });
});

// ---------------------------------------------------------------------------------------------
// Through the CLI, with the base read from the local GitHub API

let server: GitHubApiServer;
let ws: string;

beforeEach(async () => {
  server = await GitHubApiServer.start();
  ws = await mkdtemp(path.join(tmpdir(), 'sg-extends-'));
  await mkdir(path.join(ws, 'osv'));
  await mkdir(path.join(ws, 'runner-temp'));
  await writeFile(
    path.join(ws, 'osv', 'GHSA-test-debg-0001.json'),
    JSON.stringify({
      id: 'GHSA-test-debg-0001',
      modified: new Date(Date.now() - 3_600_000).toISOString(),
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
});

afterEach(async () => {
  await server.close();
  await rm(ws, { recursive: true, force: true });
});

function serveFile(owner: string, repo: string, file: string, ref: string, text: string) {
  server.rest('repos/get-content', (req) => {
    if (
      req.params.owner !== owner ||
      req.params.repo !== repo ||
      req.params.path !== file ||
      req.query.ref !== ref
    ) {
      return { status: 404, body: { message: 'Not Found' } };
    }
    return {
      status: 200,
      body: {
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(text),
        name: path.posix.basename(file),
        path: file,
        sha: 'f'.repeat(40),
        content: Buffer.from(text)
          .toString('base64')
          .replace(/(.{60})/g, '$1\n'),
      },
    };
  });
}

const ORG_POLICY = (severity: string) =>
  `version: 1\ndependencies:\n  paths: [package-lock.json]\n  source: osv-dir:osv\n  fail-on-severity: ${severity}\n`;

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GITHUB_WORKSPACE: ws,
    GITHUB_API_URL: server.url,
    GITHUB_TOKEN: 'test-token',
    RUNNER_TEMP: path.join(ws, 'runner-temp'),
    ...extra,
  };
}

describe('an extends that is not read is never ignored', () => {
  it.each([
    `octo/.github/../gate.yml@${PIN}`,
    `octo/.github/./gate.yml@${PIN}`,
    `octo/.github//gate.yml@${PIN}`,
  ])(
    '%s: refused with its line, the resolver never asked, no policy without its base',
    async (spec) => {
      let asked = false;
      const loading = policyFromText(
        `version: 1\ndependencies: {}\nextends: ${spec}\n`,
        'l.yml',
        () => {
          asked = true;
          return Promise.reject(new Error('not expected'));
        },
      );
      await expect(loading).rejects.toThrow("l.yml:3: key 'extends': must be OWNER/REPO/PATH@REF");
      expect(asked).toBe(false);
    },
  );

  it("the policy's hash covers the base it extends, and the base's own hash is recorded", async () => {
    const text = `version: 1\nextends: ${SPEC}\n`;
    const load = (base: string) =>
      policyFromText(text, 'l.yml', (spec) =>
        Promise.resolve({
          spec: `${spec.owner}/${spec.repo}/${spec.path}@${spec.ref}`,
          file: 'org.yml',
          text: base,
        }),
      );
    const strict = await load('version: 1\ndependencies:\n  fail-on-severity: low\n');
    const lax = await load('version: 1\ndependencies:\n  fail-on-severity: critical\n');
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    // Same local text, another base: another effective policy, another hash.
    expect(strict.sha256).not.toBe(lax.sha256);
    expect(strict.sha256).not.toBe(sha(text));
    expect(strict.base).toEqual({
      spec: SPEC,
      file: 'org.yml',
      sha256: sha('version: 1\ndependencies:\n  fail-on-severity: low\n'),
    });
    // Without extends, the hash is the file's own.
    const plain = await policyFromText('version: 1\ndependencies: {}\n', 'p.yml');
    expect(plain.sha256).toBe(sha('version: 1\ndependencies: {}\n'));
    expect(plain).not.toHaveProperty('base');
  });

  it('a well-formed extends without its base (no resolver) is an error, not the local policy alone', () => {
    expect(() => parsePolicy(`version: 1\ndependencies: {}\nextends: ${SPEC}\n`, 'l.yml')).toThrow(
      `l.yml:3: key 'extends': ${SPEC} was not read`,
    );
  });
});

describe('extends through the API', () => {
  it('applies the organisation policy, tightened by the repository, and caches a pinned base', async () => {
    serveFile('octo', '.github', 'security-gate.yml', PIN, ORG_POLICY('critical'));
    const local = path.join(ws, 'local.yml');
    // The base alone passes (debug's advisory is high, the base blocks critical only)…
    await writeFile(local, `version: 1\nextends: ${SPEC}\n`);
    const alone = await runCli(['run', '--policy', local], env());
    expect(alone.stderr).toBe('');
    expect(alone.code).toBe(0);
    expect(alone.report!.policy!.extends).toMatchObject({ file: SPEC });
    // …and the repository's tighter threshold blocks; the pinned base came from the cache.
    await writeFile(
      local,
      `version: 1\nextends: ${SPEC}\ndependencies:\n  fail-on-severity: high\n`,
    );
    const tighter = await runCli(['run', '--policy', local], env());
    expect(tighter.code).toBe(1);
    expect(server.count('repos/get-content')).toBe(1);
  });

  it('outside a runner (no RUNNER_TEMP) a pinned base is not cached in a shared temporary folder', async () => {
    serveFile('octo', '.github', 'security-gate.yml', PIN, ORG_POLICY('critical'));
    const local = path.join(ws, 'local.yml');
    await writeFile(local, `version: 1\nextends: ${SPEC}\n`);
    const bare = env({ RUNNER_TEMP: undefined });
    expect((await runCli(['run', '--policy', local], bare)).code).toBe(0);
    expect((await runCli(['run', '--policy', local], bare)).code).toBe(0);
    expect(server.count('repos/get-content')).toBe(2);
  });

  it('a loosening repository policy is "could not evaluate", naming the key and line', async () => {
    serveFile('octo', '.github', 'security-gate.yml', PIN, ORG_POLICY('high'));
    const local = path.join(ws, 'local.yml');
    await writeFile(
      local,
      `version: 1\nextends: ${SPEC}\ndependencies:\n  fail-on-severity: critical\n`,
    );
    const r = await runCli(['run', '--policy', local], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`local.yml:4: key 'dependencies.fail-on-severity' loosens`);
  });

  it('a 502 from GitHub is retried; a pinned base is then served', async () => {
    serveFile('octo', '.github', 'security-gate.yml', PIN, ORG_POLICY('critical'));
    server.fault('repos/get-content', { type: 'status', status: 502 });
    const local = path.join(ws, 'local.yml');
    await writeFile(local, `version: 1\nextends: ${SPEC}\n`);
    const r = await runCli(['run', '--policy', local], env());
    expect(r.code).toBe(0);
    expect(server.count('repos/get-content')).toBe(2);
  });

  it('a base the token cannot read is "could not evaluate", naming the file and the fix', async () => {
    server.rest('repos/get-content', () => ({ status: 404, body: { message: 'Not Found' } }));
    const local = path.join(ws, 'local.yml');
    await writeFile(local, `version: 1\nextends: ${SPEC}\n`);
    const r = await runCli(['run', '--policy', local], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read ${SPEC}: HTTP 404`);
    expect(r.stderr).toContain('read access to octo/.github');
  });
});

describe('pull_request_target', () => {
  it('reads the policy from the base commit, never from the workspace (the head)', async () => {
    // The head's policy would not even parse: it is never read.
    await mkdir(path.join(ws, '.github'));
    await writeFile(path.join(ws, '.github', 'security-gate.yml'), 'version: 1\nmode: audit\n{{{');
    // No pull request comment here (publishing has its own tests: github-publish.test.ts).
    serveFile(
      'octo',
      'app',
      '.github/security-gate.yml',
      BASE_SHA,
      `${ORG_POLICY('high')}report:\n  pr-comment: never\n`,
    );
    const event = path.join(ws, 'event.json');
    await writeFile(
      event,
      JSON.stringify({
        pull_request: { number: 3, base: { sha: BASE_SHA, repo: { full_name: 'octo/app' } } },
      }),
    );
    const r = await runCli(
      ['run'],
      env({
        GITHUB_EVENT_NAME: 'pull_request_target',
        GITHUB_EVENT_PATH: event,
        GITHUB_REPOSITORY: 'octo/app',
      }),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.report!.policy!.path).toBe(`octo/app/.github/security-gate.yml@${BASE_SHA}`);
  });

  it('without the base commit in the event, it refuses to guess', async () => {
    const event = path.join(ws, 'event.json');
    await writeFile(event, JSON.stringify({ pull_request: { number: 3 } }));
    const r = await runCli(
      ['run'],
      env({ GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: event }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot find the base commit');
  });
});
