/**
 * How the action's inputs, the CLI's flags and the runner's variables become the configuration
 * the checks act on: which commit and repository are judged, which advisory source is read, which
 * signer is required, where the verdict is published. A wrong mapping here would judge the wrong
 * thing while every check still passes its own tests.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  configFromCheckRepo,
  configFromRunOptions,
  configFromScanDeps,
  configFromVerifyArtifact,
} from '../src/config/index.js';
import { thrownBy, rejectionOf } from './helpers/gate-error.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const SAN = 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const HEAD = 'fedcba9876543210fedcba9876543210fedcba98';

const SIGNATURES = `signatures:
  artifacts:
    - path: dist/*.tgz
  identities:
    - issuer: ${ISSUER}
      subject: ${SAN}
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'security-gate-options-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function file(text: string, ext = 'yml'): Promise<string> {
  const f = path.join(dir, `f-${++counter}.${ext}`);
  await writeFile(f, text, 'utf8');
  return f;
}

describe('run: the signatures section', () => {
  it('passes provenance, predicate type, trusted root and the attestations repository on', async () => {
    const policy = await file(`version: 1
${SIGNATURES}  predicate-type: https://slsa.dev/provenance/v1
  trusted-root: roots/trusted_root.json
  tuf: offline
  tuf-fallback: embedded
  provenance:
    builder-id: https://github.com/actions/runner/github-hosted
    build-type: https://actions.github.io/buildtypes/workflow/v1
`);
    const config = await configFromRunOptions(
      { policy, workspace: dir },
      { GITHUB_REPOSITORY: 'acme/widget', GITHUB_SHA: SHA },
    );
    expect(config.signatures).toEqual({
      artifacts: [{ path: 'dist/*.tgz', source: 'bundle' }],
      identities: [{ issuer: ISSUER, subject: SAN }],
      tuf: 'offline',
      tufFallback: 'embedded',
      attestationsRepository: 'acme/widget',
      predicateType: 'https://slsa.dev/provenance/v1',
      trustedRoot: 'roots/trusted_root.json',
      provenance: {
        builderId: 'https://github.com/actions/runner/github-hosted',
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      },
    });
  });

  it('provenance with only a builder ID, and no attestations repository when none is known', async () => {
    const policy = await file(`version: 1
${SIGNATURES}  provenance:
    builder-id: https://github.com/actions/runner/github-hosted
`);
    const config = await configFromRunOptions({ policy, workspace: dir }, {});
    expect(config.signatures?.provenance).toEqual({
      builderId: 'https://github.com/actions/runner/github-hosted',
    });
    expect(config.signatures).not.toHaveProperty('attestationsRepository');
    expect(config.signatures).not.toHaveProperty('deployedCommit');
  });

  it('require-deployed-commit binds the certificate to GITHUB_SHA (or --sha), lower-cased', async () => {
    const policy = await file(`version: 1
${SIGNATURES}  require-deployed-commit: true
`);
    const fromEnv = await configFromRunOptions(
      { policy, workspace: dir },
      { GITHUB_SHA: SHA.toUpperCase() },
    );
    expect(fromEnv.signatures?.deployedCommit).toBe(SHA);
    const sha256 = 'ab'.repeat(32);
    const fromFlag = await configFromRunOptions(
      { policy, workspace: dir, sha: sha256 },
      { GITHUB_SHA: SHA },
    );
    expect(fromFlag.signatures?.deployedCommit).toBe(sha256);
  });

  it('require-deployed-commit without a known commit, or with a short one, is an error naming the key', async () => {
    const policy = await file(`version: 1
${SIGNATURES}  require-deployed-commit: true
`);
    const none = await rejectionOf(configFromRunOptions({ policy, workspace: dir }, {}));
    expect(none.message).toBe(
      `${path.relative(process.cwd(), policy)}: signatures.require-deployed-commit needs the deployed commit, and none is known`,
    );
    expect(none.location).toEqual({
      file: path.relative(process.cwd(), policy),
      key: 'signatures.require-deployed-commit',
    });
    expect(none.fix).toBe('Run in GitHub Actions (GITHUB_SHA), or pass --sha.');
    const short = await rejectionOf(
      configFromRunOptions({ policy, workspace: dir }, { GITHUB_SHA: SHA.slice(0, 12) }),
    );
    expect(short.message).toContain(`GITHUB_SHA "${SHA.slice(0, 12)}" is not a full commit SHA`);
    const trailing = await rejectionOf(
      configFromRunOptions({ policy, workspace: dir }, { GITHUB_SHA: `${SHA}0` }),
    );
    expect(trailing.message).toContain('is not a full commit SHA');
  });
});

describe('run: the subject and the GitHub API', () => {
  it('takes the repository, commit and ref from the runner; flags win; empty values are absent', async () => {
    const policy = await file(`version: 1\n${SIGNATURES}`);
    const env = {
      GITHUB_REPOSITORY: 'acme/widget',
      GITHUB_SHA: SHA,
      GITHUB_REF: 'refs/heads/main',
    };
    expect((await configFromRunOptions({ policy, workspace: dir }, env)).subject).toEqual({
      repository: 'acme/widget',
      sha: SHA,
      ref: 'refs/heads/main',
    });
    expect(
      (
        await configFromRunOptions(
          { policy, workspace: dir, repo: 'acme/other', sha: HEAD, ref: 'refs/tags/v1' },
          env,
        )
      ).subject,
    ).toEqual({ repository: 'acme/other', sha: HEAD, ref: 'refs/tags/v1' });
    expect(
      (
        await configFromRunOptions(
          { policy, workspace: dir },
          { GITHUB_REPOSITORY: '', GITHUB_SHA: '', GITHUB_REF: '' },
        )
      ).subject,
    ).toEqual({});
  });

  it('uses GITHUB_API_URL (default api.github.com) and the token input before GITHUB_TOKEN', async () => {
    const policy = await file(`version: 1\n${SIGNATURES}`);
    expect((await configFromRunOptions({ policy, workspace: dir }, {})).github).toEqual({
      apiUrl: 'https://api.github.com',
    });
    expect(
      (
        await configFromRunOptions(
          { policy, workspace: dir },
          { GITHUB_API_URL: '', GITHUB_TOKEN: '' },
        )
      ).github,
    ).toEqual({ apiUrl: 'https://api.github.com' });
    expect(
      (
        await configFromRunOptions(
          { policy, workspace: dir, token: 'ghs_input' },
          { GITHUB_API_URL: 'https://ghe.example/api/v3', GITHUB_TOKEN: 'ghs_env' },
        )
      ).github,
    ).toEqual({ apiUrl: 'https://ghe.example/api/v3', token: 'ghs_input' });
    expect(
      (
        await configFromRunOptions(
          { policy, workspace: dir, token: '' },
          { GITHUB_TOKEN: 'ghs_env' },
        )
      ).github,
    ).toEqual({ apiUrl: 'https://api.github.com', token: 'ghs_env' });
  });

  it('links the job summary only when server, repository and run id are well formed', async () => {
    const policy = await file(`version: 1\n${SIGNATURES}`);
    const runUrl = async (env: NodeJS.ProcessEnv) =>
      (await configFromRunOptions({ policy, workspace: dir }, env)).publish?.runUrl;
    const ok = { GITHUB_REPOSITORY: 'acme/widget', GITHUB_RUN_ID: '42' };
    expect(await runUrl(ok)).toBe('https://github.com/acme/widget/actions/runs/42');
    expect(await runUrl({ ...ok, GITHUB_SERVER_URL: 'https://ghe.example:8443/' })).toBe(
      'https://ghe.example:8443/acme/widget/actions/runs/42',
    );
    expect(await runUrl({ ...ok, GITHUB_SERVER_URL: 'https://ghe.example/prefix' })).toBe(
      'https://ghe.example/prefix/acme/widget/actions/runs/42',
    );
    // Anything else would put attacker-shaped text into a link in the comment.
    expect(await runUrl({ ...ok, GITHUB_SERVER_URL: 'javascript:alert(1)//' })).toBeUndefined();
    expect(await runUrl({ ...ok, GITHUB_SERVER_URL: 'https://x.example/a b' })).toBeUndefined();
    expect(await runUrl({ ...ok, GITHUB_REPOSITORY: 'acme/widget)[x](y' })).toBeUndefined();
    expect(await runUrl({ ...ok, GITHUB_REPOSITORY: 'widget' })).toBeUndefined();
    expect(await runUrl({ ...ok, GITHUB_RUN_ID: '42a' })).toBeUndefined();
    expect(await runUrl({ ...ok, GITHUB_RUN_ID: '' })).toBeUndefined();
    expect(await runUrl({ GITHUB_RUN_ID: '42' })).toBeUndefined();
  });

  it('passes the event name and payload path on for the pull request comment', async () => {
    const policy = await file(`version: 1\n${SIGNATURES}`);
    const publish = async (env: NodeJS.ProcessEnv) =>
      (await configFromRunOptions({ policy, workspace: dir }, env)).publish;
    expect(await publish({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: '/e.json' })).toEqual({
      prComment: 'auto',
      checkRun: false,
      event: { name: 'push', path: '/e.json' },
    });
    expect(await publish({ GITHUB_EVENT_NAME: 'workflow_dispatch' })).toEqual({
      prComment: 'auto',
      checkRun: false,
      event: { name: 'workflow_dispatch' },
    });
    expect(await publish({})).toEqual({ prComment: 'auto', checkRun: false });
  });

  it('records the policy and the markdown output', async () => {
    const policy = await file(`version: 1\n${SIGNATURES}`);
    const config = await configFromRunOptions(
      { policy, workspace: dir, markdown: 'gate.md', json: 'gate.json' },
      {},
    );
    expect(config.policy?.path).toBe(path.relative(process.cwd(), policy));
    expect(config.policy).not.toHaveProperty('extends');
    expect(config.outputs).toEqual({ json: 'gate.json', markdown: 'gate.md' });
    expect(config.workspace).toBe(dir);
    expect(config).not.toHaveProperty('only');
    expect(config).not.toHaveProperty('dependencies');
    expect(config).not.toHaveProperty('repository');
    expect(config).not.toHaveProperty('vsa');
  });
});

describe('run: the dependencies section', () => {
  it('passes every key on, deny and allow entries with the key that names them', async () => {
    const policy = await file(`version: 1
dependencies:
  paths: [app/package-lock.json]
  sbom: [sbom.cdx.json]
  source: osv-dir:osv
  fail-on-severity: moderate
  unknown-severity: warn
  scopes: [runtime, dev]
  block-malicious: false
  max-age: 2h
  deny:
    - package: pkg:npm/left-pad
      reason: unpublished once
    - package: pkg:npm/event-stream
      versions: ">= 3.3.6, < 4.0.0"
  allow:
    - id: GHSA-aaaa-bbbb-cccc
      reason: not reachable
      expires: 2999-01-01
    - id: CVE-2024-1
      reason: vendor fix pending
      expires: 2999-01-01
      package: pkg:npm/lodash
      version: 4.17.20
      path: app/package-lock.json
`);
    const config = await configFromRunOptions({ policy, workspace: dir }, {});
    expect(config.dependencies).toEqual({
      paths: ['app/package-lock.json'],
      sboms: ['sbom.cdx.json'],
      source: { kind: 'osv-dir', path: 'osv' },
      failOnSeverity: 'moderate',
      unknownSeverity: 'warn',
      scopes: ['runtime', 'dev'],
      blockMalicious: false,
      maxAgeMs: 2 * 3600_000,
      deny: [
        { package: 'pkg:npm/left-pad', reason: 'unpublished once', key: 'dependencies.deny[0]' },
        {
          package: 'pkg:npm/event-stream',
          versions: '>= 3.3.6, < 4.0.0',
          key: 'dependencies.deny[1]',
        },
      ],
      allow: [
        {
          id: 'GHSA-aaaa-bbbb-cccc',
          reason: 'not reachable',
          expires: '2999-01-01',
          key: 'dependencies.allow[0]',
        },
        {
          id: 'CVE-2024-1',
          reason: 'vendor fix pending',
          expires: '2999-01-01',
          package: 'pkg:npm/lodash',
          version: '4.17.20',
          path: 'app/package-lock.json',
          key: 'dependencies.allow[1]',
        },
      ],
    });
  });

  it('defaults: the workspace, the OSV API, high, runtime, malicious blocked, no max-age', async () => {
    const policy = await file('version: 1\ndependencies: {}\n');
    const config = await configFromRunOptions({ policy, workspace: dir }, {});
    expect(config.dependencies).toEqual({
      paths: [],
      sboms: [],
      source: { kind: 'osv-api', url: 'https://api.osv.dev' },
      failOnSeverity: 'high',
      unknownSeverity: 'block',
      scopes: ['runtime'],
      blockMalicious: true,
      deny: [],
      allow: [],
    });
  });
});

describe('run: the repository section', () => {
  const FULL = `version: 1
repository:
  branches: [main, "release/*"]
  require-pull-request: false
  required-approvals: 2
  approvals-on-final-commit: false
  require-code-owner-approval: true
  require-status-checks:
    - build
    - name: test
      app: github-actions
    - name: lint
  require-signed-commits: true
  require-branch-protection: rules
  cannot-see: warn
  allow-bots: ["renovate[bot]"]
  since-last-deployment: production
`;

  it('judges the runner commit on push, with every key passed on', async () => {
    const policy = await file(FULL);
    const config = await configFromRunOptions(
      { policy, workspace: dir },
      {
        GITHUB_REPOSITORY: 'acme/widget',
        GITHUB_SHA: SHA.toUpperCase(),
        GITHUB_REF: 'refs/heads/main',
        GITHUB_EVENT_NAME: 'push',
      },
    );
    expect(config.repository).toEqual({
      repository: 'acme/widget',
      sha: SHA,
      ref: 'refs/heads/main',
      branches: ['main', 'release/*'],
      requirePullRequest: false,
      requiredApprovals: 2,
      approvalsOnFinalCommit: false,
      requireCodeOwnerApproval: true,
      requireStatusChecks: [
        { name: 'build' },
        { name: 'test', app: 'github-actions' },
        { name: 'lint' },
      ],
      requireSignedCommits: true,
      requireBranchProtection: 'rules',
      cannotSee: 'warn',
      allowBots: ['renovate[bot]'],
      sinceLastDeployment: 'production',
    });
  });

  it('defaults: one approval on the final commit, through a pull request, no ref when none is known', async () => {
    const policy = await file('version: 1\nrepository: {}\n');
    const config = await configFromRunOptions(
      { policy, workspace: dir },
      { GITHUB_REPOSITORY: 'acme/widget', GITHUB_SHA: SHA },
    );
    expect(config.repository).toEqual({
      repository: 'acme/widget',
      sha: SHA,
      branches: [],
      requirePullRequest: true,
      requiredApprovals: 1,
      approvalsOnFinalCommit: true,
      requireCodeOwnerApproval: false,
      requireStatusChecks: [],
      requireSignedCommits: false,
      requireBranchProtection: 'any',
      cannotSee: 'block',
      allowBots: [],
    });
  });

  it('without the repository or the commit, names what is missing with the flag or input prefix', async () => {
    const policy = await file('version: 1\nrepository: {}\n');
    const rel = path.relative(process.cwd(), policy);
    const both = await rejectionOf(configFromRunOptions({ policy, workspace: dir }, {}));
    expect(both.message).toBe(
      `${rel}: the repository section needs the repository and commit being deployed; missing --repo (GITHUB_REPOSITORY) and --sha (GITHUB_SHA)`,
    );
    expect(both.location).toEqual({ file: rel, key: 'repository' });
    expect(both.fix).toMatch(/^Run in GitHub Actions/);
    const sha = await rejectionOf(
      configFromRunOptions(
        { policy, workspace: dir },
        { GITHUB_REPOSITORY: 'acme/widget' },
        'input ',
      ),
    );
    expect(sha.message).toMatch(/; missing input sha \(GITHUB_SHA\)$/);
    const repo = await rejectionOf(
      configFromRunOptions({ policy, workspace: dir }, { GITHUB_SHA: SHA }),
    );
    expect(repo.message).toMatch(/; missing --repo \(GITHUB_REPOSITORY\)$/);
  });

  it('refuses a runner commit that is not a full SHA', async () => {
    const policy = await file('version: 1\nrepository: {}\n');
    for (const bad of [SHA.slice(0, 39), `${SHA}a`, `x${SHA.slice(1)}`]) {
      const err = await rejectionOf(
        configFromRunOptions(
          { policy, workspace: dir },
          { GITHUB_REPOSITORY: 'acme/widget', GITHUB_SHA: bad },
        ),
      );
      expect(err.message).toBe(
        `the deployed commit ${JSON.stringify(bad)} is not a full 40-digit commit SHA`,
      );
    }
  });

  it("on pull_request, judges the pull request's head commit against its base branch", async () => {
    const policy = await file(FULL);
    const payload = await file(
      JSON.stringify({
        pull_request: { number: 7, head: { sha: HEAD }, base: { ref: 'main' } },
      }),
      'json',
    );
    const config = await configFromRunOptions(
      { policy, workspace: dir },
      {
        GITHUB_REPOSITORY: 'acme/widget',
        GITHUB_SHA: SHA, // GitHub's test merge, not what will be deployed
        GITHUB_REF: 'refs/pull/7/merge',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: payload,
      },
    );
    expect(config.repository).toMatchObject({
      repository: 'acme/widget',
      sha: HEAD,
      ref: 'refs/heads/main',
      pullRequest: 7,
      requiredApprovals: 2,
    });
  });

  it('on pull_request, a payload without a usable pull request is an error naming GITHUB_EVENT_PATH', async () => {
    const policy = await file('version: 1\nrepository: {}\n');
    const rel = path.relative(process.cwd(), policy);
    const env = {
      GITHUB_REPOSITORY: 'acme/widget',
      GITHUB_SHA: SHA,
      GITHUB_EVENT_NAME: 'pull_request',
    };
    const good = { number: 7, head: { sha: HEAD }, base: { ref: 'main' } };
    const payloads: unknown[] = [
      {},
      { pull_request: { ...good, number: '7' } },
      { pull_request: { ...good, number: 7.5 } },
      { pull_request: { ...good, number: 2 ** 53 } },
      { pull_request: { ...good, head: { sha: HEAD.slice(1) } } },
      { pull_request: { ...good, head: { sha: HEAD.toUpperCase() } } },
      { pull_request: { ...good, head: {} } },
      { pull_request: { ...good, base: { ref: '' } } },
      { pull_request: { ...good, base: { ref: 1 } } },
      { pull_request: { number: 7, head: { sha: HEAD } } },
    ];
    for (const p of payloads) {
      const err = await rejectionOf(
        configFromRunOptions(
          { policy, workspace: dir },
          { ...env, GITHUB_EVENT_PATH: await file(JSON.stringify(p), 'json') },
        ),
      );
      expect(err.message).toBe(
        `${rel}: the repository section on a pull_request event needs the pull request (number, head commit, base branch) from the event payload (GITHUB_EVENT_PATH), and it is not there`,
      );
      expect(err.location).toEqual({ file: rel, key: 'repository' });
    }
    const unreadable = await rejectionOf(
      configFromRunOptions(
        { policy, workspace: dir },
        { ...env, GITHUB_EVENT_PATH: path.join(dir, 'absent.json') },
      ),
    );
    expect(unreadable.message).toContain('from the event payload (GITHUB_EVENT_PATH)');
    const garbage = await rejectionOf(
      configFromRunOptions(
        { policy, workspace: dir },
        { ...env, GITHUB_EVENT_PATH: await file('{"pull_request": ', 'json') },
      ),
    );
    expect(garbage.message).toContain('from the event payload (GITHUB_EVENT_PATH)');
  });
});

describe('run: report.vsa', () => {
  it('public-good by default: Fulcio and Rekor, the bundle path in the workspace', async () => {
    const policy = await file(`version: 1\n${SIGNATURES}report:\n  vsa:\n    path: out/vsa.json\n`);
    const config = await configFromRunOptions({ policy, workspace: dir }, {});
    expect(config.vsa).toEqual({
      path: path.join(dir, 'out/vsa.json'),
      fulcioUrl: 'https://fulcio.sigstore.dev',
      rekorUrl: 'https://rekor.sigstore.dev',
    });
  });

  it("github: GitHub's Fulcio and timestamp authority, stored in the subject's repository", async () => {
    const policy = await file(
      `version: 1\n${SIGNATURES}report:\n  vsa:\n    path: vsa.json\n    instance: github\n    store: true\n`,
    );
    const config = await configFromRunOptions(
      { policy, workspace: dir },
      { GITHUB_REPOSITORY: 'acme/widget' },
    );
    expect(config.vsa).toEqual({
      path: path.join(dir, 'vsa.json'),
      storeIn: 'acme/widget',
      fulcioUrl: 'https://fulcio.githubapp.com',
      tsaUrl: 'https://timestamp.githubapp.com/api/v1/timestamp',
    });
  });

  it('explicit URLs win over the instance', async () => {
    const policy = await file(`version: 1
${SIGNATURES}report:
  vsa:
    path: vsa.json
    fulcio-url: http://127.0.0.1:1/fulcio
    rekor-url: http://127.0.0.1:1/rekor
    tsa-url: http://127.0.0.1:1/tsa
`);
    const config = await configFromRunOptions({ policy, workspace: dir }, {});
    expect(config.vsa).toEqual({
      path: path.join(dir, 'vsa.json'),
      fulcioUrl: 'http://127.0.0.1:1/fulcio',
      rekorUrl: 'http://127.0.0.1:1/rekor',
      tsaUrl: 'http://127.0.0.1:1/tsa',
    });
  });

  it('store without a known repository is an error naming report.vsa.store', async () => {
    const policy = await file(
      `version: 1\n${SIGNATURES}report:\n  vsa:\n    path: vsa.json\n    store: true\n`,
    );
    const err = await rejectionOf(configFromRunOptions({ policy, workspace: dir }, {}));
    expect(err.message).toBe('report.vsa.store needs the repository (GITHUB_REPOSITORY or --repo)');
    expect(err.location).toEqual({ key: 'report.vsa.store' });
  });
});

describe('run: pull_request_target reads the policy from the base commit', () => {
  const env = { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REPOSITORY: 'acme/widget' };

  it('without the base commit in the payload, refuses rather than reading the workspace', async () => {
    // The workspace holds a valid policy, which must not be used.
    await writeFile(path.join(dir, 'security-gate.yml'), `version: 1\n${SIGNATURES}`);
    for (const payload of [
      {},
      { pull_request: { base: { sha: SHA.slice(2), repo: { full_name: 'acme/widget' } } } },
      { pull_request: { base: { sha: 1 } } },
    ]) {
      const eventPath = await file(JSON.stringify(payload), 'json');
      const err = await rejectionOf(
        configFromRunOptions(
          { policy: 'security-gate.yml', workspace: dir },
          { ...env, GITHUB_EVENT_PATH: eventPath },
        ),
      );
      expect(err.message).toBe(
        `pull_request_target: cannot find the base commit in the event payload (GITHUB_EVENT_PATH ${JSON.stringify(eventPath)}), so the policy cannot be read from the base`,
      );
      expect(err.fix).toBe('Run the gate on the pull_request_target event as GitHub delivers it.');
    }
    const noEnv = await rejectionOf(
      configFromRunOptions({ policy: 'security-gate.yml', workspace: dir }, env),
    );
    expect(noEnv.message).toContain('(GITHUB_EVENT_PATH "")');
    const noRepo = await rejectionOf(
      configFromRunOptions(
        { policy: 'security-gate.yml', workspace: dir },
        {
          GITHUB_EVENT_NAME: 'pull_request_target',
          GITHUB_EVENT_PATH: await file(
            JSON.stringify({ pull_request: { base: { sha: SHA } } }),
            'json',
          ),
        },
      ),
    );
    expect(noRepo.message).toContain('cannot find the base commit');
  });

  it('refuses a policy path outside the repository, naming the input', async () => {
    const eventPath = await file(
      JSON.stringify({ pull_request: { base: { sha: SHA, repo: { full_name: 'acme/widget' } } } }),
      'json',
    );
    for (const outside of [
      '../policy.yml',
      './a/../../policy.yml',
      '/etc/policy.yml',
      '..\\p.yml',
    ]) {
      const err = await rejectionOf(
        configFromRunOptions(
          { policy: outside, workspace: dir },
          { ...env, GITHUB_EVENT_PATH: eventPath },
          'input ',
        ),
      );
      expect(err.message).toBe(
        `input policy: ${JSON.stringify(outside)} is outside the repository; in pull_request_target runs the policy is read from the base commit`,
      );
      expect(err.location).toEqual({ key: 'input policy' });
    }
  });
});

describe('run: flags and inputs', () => {
  it('refuses bad values, naming the flag or input', async () => {
    const policy = await file(`version: 1\n${SIGNATURES}`);
    const cases: [Record<string, unknown>, string][] = [
      [{ repo: 'widget' }, 'input repo: must be OWNER/NAME'],
      [{ repo: 'acme/widget/x' }, 'input repo: must be OWNER/NAME'],
      [{ repo: ' acme/widget' }, 'input repo: must be OWNER/NAME'],
      [{ sha: SHA.toUpperCase() }, 'input sha: must be a full commit SHA (40 or 64 lowercase hex)'],
      [{ sha: SHA.slice(1) }, 'input sha: must be a full commit SHA (40 or 64 lowercase hex)'],
      [{ sha: `${SHA}0` }, 'input sha: must be a full commit SHA (40 or 64 lowercase hex)'],
      [
        { sha: `${SHA}${'0'.repeat(23)}` },
        'input sha: must be a full commit SHA (40 or 64 lowercase hex)',
      ],
      [{ sha: ` ${SHA}` }, 'input sha: must be a full commit SHA (40 or 64 lowercase hex)'],
      [{ ref: '' }, 'input ref: must not be empty'],
      [{ workspace: '  ' }, 'input workspace: must not be empty'],
      [{ policy: '' }, 'input policy: must not be empty'],
    ];
    for (const [raw, message] of cases) {
      const err = await rejectionOf(
        configFromRunOptions({ policy, workspace: dir, ...raw }, {}, 'input '),
      );
      expect(err.message).toBe(message);
      expect(err.location).toEqual({ key: `input ${Object.keys(raw)[0]}` });
    }
    const sha256 = `${SHA}${'0'.repeat(24)}`;
    expect(
      (await configFromRunOptions({ policy, workspace: dir, sha: sha256 }, {})).subject,
    ).toEqual({
      sha: sha256,
    });
  });
});

describe('check-repo', () => {
  const base = { repo: 'acme/widget', sha: SHA };

  it('uses the default repository rules without --policy, and judges only the repository', async () => {
    const config = await configFromCheckRepo({ ...base, ref: 'refs/heads/main' }, {});
    expect(config).toMatchObject({
      mode: 'enforce',
      only: ['repository'],
      subject: { repository: 'acme/widget', sha: SHA, ref: 'refs/heads/main' },
      github: { apiUrl: 'https://api.github.com' },
      outputs: {},
      repository: {
        repository: 'acme/widget',
        sha: SHA,
        ref: 'refs/heads/main',
        requirePullRequest: true,
        requiredApprovals: 1,
      },
    });
    expect(config).not.toHaveProperty('policy');
    expect(config.workspace).toBe(process.cwd());
  });

  it("takes the policy's repository section, --api-url and the outputs", async () => {
    const policy = await file('version: 1\nrepository:\n  required-approvals: 3\n');
    const config = await configFromCheckRepo(
      { ...base, policy, 'api-url': 'http://127.0.0.1:9/api', json: 'r.json', markdown: 'r.md' },
      { GITHUB_TOKEN: 'ghs_x' },
    );
    expect(config.repository?.requiredApprovals).toBe(3);
    expect(config.policy?.path).toBe(policy);
    expect(config.github).toEqual({ apiUrl: 'http://127.0.0.1:9/api', token: 'ghs_x' });
    expect(config.outputs).toEqual({ json: 'r.json', markdown: 'r.md' });
    expect(config.subject).toEqual({ repository: 'acme/widget', sha: SHA });
  });

  it('refuses a policy without a repository section, naming the file', async () => {
    const policy = await file(`version: 1\n${SIGNATURES}`);
    const err = await rejectionOf(configFromCheckRepo({ ...base, policy }, {}));
    expect(err.message).toBe(`${policy} has no repository section`);
    expect(err.location).toEqual({ file: policy, key: 'repository' });
  });

  it('refuses bad flags, naming each', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, sha: SHA.toUpperCase() }, '--sha: must be a full commit SHA (40 lowercase hex)'],
      [{ ...base, sha: `${SHA}00` }, '--sha: must be a full commit SHA (40 lowercase hex)'],
      [{ ...base, sha: ` ${SHA}` }, '--sha: must be a full commit SHA (40 lowercase hex)'],
      [{ ...base, repo: 'widget' }, '--repo: must be OWNER/NAME'],
      [{ ...base, repo: 'acme/widget/x' }, '--repo: must be OWNER/NAME'],
      [{ ...base, repo: ' acme/widget' }, '--repo: must be OWNER/NAME'],
      [{ ...base, 'api-url': 'ftp://x' }, '--api-url: must be an http(s) URL'],
      [{ ...base, 'api-url': 'https://' }, '--api-url: must be an http(s) URL'],
      [{ ...base, 'api-url': 'https://a b' }, '--api-url: must be an http(s) URL'],
      [{ ...base, 'api-url': ' https://x' }, '--api-url: must be an http(s) URL'],
      [{ ...base, ref: ' ' }, '--ref: must not be empty'],
      [{ ...base, extra: 'x' }, 'unknown option --extra'],
    ];
    for (const [raw, message] of cases) {
      const err = await rejectionOf(configFromCheckRepo(raw, {}));
      expect(err.message).toBe(message);
    }
    expect((await configFromCheckRepo({ ...base, 'api-url': 'http://x' }, {})).github.apiUrl).toBe(
      'http://x',
    );
  });
});

describe('scan-deps', () => {
  it('runs only the dependencies check, with the fixed policy of the command', () => {
    const config = configFromScanDeps(
      { paths: ['a/package-lock.json'], sbom: ['s.json'], json: 'j', markdown: 'm', sarif: 's' },
      { GITHUB_REPOSITORY: 'acme/widget' },
    );
    expect(config).toMatchObject({
      mode: 'enforce',
      only: ['dependencies'],
      subject: { repository: 'acme/widget' },
      outputs: { json: 'j', markdown: 'm', sarif: 's' },
    });
    expect(config.dependencies).toEqual({
      paths: ['a/package-lock.json'],
      sboms: ['s.json'],
      source: { kind: 'osv-api', url: 'https://api.osv.dev' },
      failOnSeverity: 'high',
      unknownSeverity: 'block',
      scopes: ['runtime'],
      blockMalicious: true,
      deny: [],
      allow: [],
    });
  });

  it('chooses the one advisory source given', () => {
    const source = (raw: Record<string, unknown>) =>
      configFromScanDeps(raw, {}).dependencies?.source;
    expect(source({ 'osv-dir': 'osv' })).toEqual({ kind: 'osv-dir', path: 'osv' });
    expect(source({ 'osv-zip': 'all.zip' })).toEqual({ kind: 'osv-zip', path: 'all.zip' });
    expect(source({ 'osv-api': 'http://127.0.0.1:1' })).toEqual({
      kind: 'osv-api',
      url: 'http://127.0.0.1:1',
    });
    expect(configFromScanDeps({}, {}).dependencies?.paths).toEqual([]);
    expect(configFromScanDeps({}, {}).dependencies?.sboms).toEqual([]);
    for (const severity of ['low', 'moderate', 'high', 'critical']) {
      expect(
        configFromScanDeps({ 'fail-on-severity': severity }, {}).dependencies?.failOnSeverity,
      ).toBe(severity);
    }
  });

  it('refuses bad flags, naming each', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ 'osv-api': 'api.osv.dev' }, '--osv-api: must be an http(s) URL'],
      [{ 'osv-api': 'https://x y' }, '--osv-api: must be an http(s) URL'],
      [{ 'osv-api': 'file:///x' }, '--osv-api: must be an http(s) URL'],
      [{ 'osv-api': 'https://x\n' }, '--osv-api: must be an http(s) URL'],
      [
        { 'osv-dir': 'a', 'osv-api': 'https://x' },
        'give one advisory source, not --osv-dir and --osv-api',
      ],
      [{ paths: [''] }, '--paths.0: must not be empty'],
    ];
    for (const [raw, message] of cases) {
      expect(thrownBy(() => configFromScanDeps(raw, {})).message).toBe(message);
    }
    const severity = thrownBy(() => configFromScanDeps({ 'fail-on-severity': 'medium' }, {}));
    expect(severity.message).toMatch(
      /^--fail-on-severity: .*"low"\|"moderate"\|"high"\|"critical"/,
    );
  });
});

describe('verify-artifact', () => {
  const SOME = { artifact: 'app.tgz', bundle: 'app.sigstore.json' };

  it('gh-style flags: GitHub Actions issuer, the repository and owner, the signer workflow', () => {
    const config = configFromVerifyArtifact(
      {
        artifact: 'app.tgz',
        repo: 'acme/widget',
        'signer-workflow': 'acme/release/.github/workflows/build.yml@refs/heads/main',
        'source-ref': 'refs/heads/main',
        'deny-self-hosted-runners': true,
        'predicate-type': 'https://slsa.dev/provenance/v1',
        sha: SHA,
        'trusted-root': 'root.json',
        offline: true,
        sarif: 'out.sarif',
      },
      { GITHUB_API_URL: 'http://127.0.0.1:1' },
    );
    expect(config.signatures).toEqual({
      artifacts: [],
      tuf: 'offline',
      tufFallback: 'none',
      explicit: {
        artifact: 'app.tgz',
        target: { kind: 'file', path: 'app.tgz' },
        source: {
          kind: 'github-attestations',
          owner: 'acme',
          repo: 'widget',
          predicateType: 'https://slsa.dev/provenance/v1',
        },
      },
      identities: [
        {
          issuer: ISSUER,
          'source-repository': 'acme/widget',
          'signer-workflow': 'acme/release/.github/workflows/build.yml@refs/heads/main',
          'source-ref': 'refs/heads/main',
          'runner-environment': 'github-hosted',
        },
      ],
      identityLabels: ['--repo'],
      identityFix: expect.stringContaining('--signer-workflow'),
      predicateType: 'https://slsa.dev/provenance/v1',
      deployedCommit: SHA,
      trustedRoot: 'root.json',
    });
    expect(config.only).toEqual(['signatures']);
    expect(config.outputs).toEqual({ sarif: 'out.sarif' });
    expect(config.github).toEqual({ apiUrl: 'http://127.0.0.1:1' });
  });

  it('--owner alone fetches the attestations of any repository of that owner', () => {
    const config = configFromVerifyArtifact({ artifact: 'app.tgz', owner: 'acme' }, {});
    expect(config.signatures?.explicit?.source).toEqual({
      kind: 'github-attestations',
      owner: 'acme',
    });
    expect(config.signatures?.identities).toEqual([
      { issuer: ISSUER, 'source-repository-owner': 'acme' },
    ]);
    expect(config.signatures?.identityLabels).toEqual(['--owner']);
    expect(config.signatures?.tuf).toBe('online');
  });

  it('labels the identity by the flag that named it', () => {
    const label = (raw: Record<string, unknown>) =>
      configFromVerifyArtifact({ ...SOME, ...raw }, {}).signatures?.identityLabels;
    expect(label({ key: 'k.pub' })).toEqual(['--key']);
    expect(label({ 'certificate-identity': SAN, 'certificate-oidc-issuer': ISSUER })).toEqual([
      '--certificate-identity',
    ]);
    expect(
      label({ 'certificate-identity-regexp': '^https://x$', 'certificate-oidc-issuer': ISSUER }),
    ).toEqual(['--certificate-identity-regexp']);
    expect(label({ 'signer-workflow': 'acme/widget/.github/workflows/r.yml' })).toEqual([
      '--signer-workflow',
    ]);
    expect(configFromVerifyArtifact({ ...SOME, key: 'k.pub' }, {}).signatures?.identityFix).toBe(
      'Check that --key is the public key the artifact was signed with.',
    );
  });

  it('a sha256: digest names the artifact when no such file exists; a file of that name wins', async () => {
    const hex = 'ab'.repeat(32);
    const byDigest = configFromVerifyArtifact(
      { ...SOME, artifact: ` SHA256:${hex.toUpperCase()}`, key: 'k.pub' },
      {},
    );
    expect(byDigest.signatures?.explicit?.target).toEqual({ kind: 'digest', sha256: hex });
    expect(byDigest.signatures?.explicit?.artifact).toBe(`sha256:${hex}`);
    const named = await file('contents', 'bin');
    const cwd = process.cwd();
    const relative = path.relative(cwd, named);
    const byFile = configFromVerifyArtifact({ ...SOME, artifact: relative, key: 'k.pub' }, {});
    expect(byFile.signatures?.explicit?.target).toEqual({ kind: 'file', path: relative });
    expect(
      configFromVerifyArtifact({ ...SOME, key: 'k.pub' }, {}).signatures?.explicit?.target,
    ).toEqual({ kind: 'file', path: 'app.tgz' });
  });

  it('refuses bad flags, naming each', () => {
    const id = { 'certificate-identity': SAN, 'certificate-oidc-issuer': ISSUER };
    const cases: [Record<string, unknown>, string][] = [
      [
        { artifact: 'a', ...id },
        '--bundle: required, unless --repo or --owner says whose GitHub attestations to fetch',
      ],
      [
        { ...SOME, ...id, sha: SHA.slice(1) },
        '--sha: must be a full commit SHA (40 or 64 lowercase hex)',
      ],
      [
        { ...SOME, ...id, sha: `${SHA}0` },
        '--sha: must be a full commit SHA (40 or 64 lowercase hex)',
      ],
      [
        { ...SOME, ...id, sha: `x${SHA}` },
        '--sha: must be a full commit SHA (40 or 64 lowercase hex)',
      ],
      [
        { ...SOME, key: 'k', 'certificate-oidc-issuer': ISSUER, 'source-ref': 'x' },
        '--key cannot be combined with --certificate-oidc-issuer, --source-ref',
      ],
      [
        { ...SOME, key: 'k', 'deny-self-hosted-runners': true },
        '--key cannot be combined with --deny-self-hosted-runners',
      ],
      [
        { ...SOME, 'certificate-oidc-issuer': ISSUER },
        'say who must have signed: --certificate-identity, --certificate-identity-regexp, --owner, --repo, --signer-workflow (or --key)',
      ],
      [
        { ...SOME, 'certificate-identity-regexp': '^x$' },
        '--certificate-oidc-issuer is required with --certificate-identity and --certificate-identity-regexp',
      ],
      [{ ...SOME, owner: 'acme/widget' }, '--owner: must be an owner (user or organisation) name'],
      [{ ...SOME, repo: 'acme' }, '--repo: must be OWNER/NAME'],
    ];
    for (const [raw, message] of cases) {
      expect(thrownBy(() => configFromVerifyArtifact(raw, {})).message).toBe(message);
    }
    // A 64-hex (SHA-256 repository) commit is accepted.
    expect(
      configFromVerifyArtifact({ ...SOME, ...id, sha: 'ab'.repeat(32) }, {}).signatures
        ?.deployedCommit,
    ).toBe('ab'.repeat(32));
  });
});
