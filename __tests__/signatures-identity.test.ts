/**
 * Structured identity policy from Fulcio extensions, and SLSA provenance cross-checks: on real
 * GitHub Actions bundles (public-good root) and on mock-instance bundles with chosen claims.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { GITHUB_ISSUER, REAL, runCli } from './helpers/cli.js';
import {
  inTotoStatement,
  startMockSigstore,
  type MockIdentity,
  type MockSigstore,
} from './helpers/sigstore-instance.js';

const tgz = path.join(REAL, 'sigstore-js-2.1.0.tgz');
const v03 = path.join(REAL, 'sigstore-js-2.1.0-bundle.json');
const COMMIT = '26d16513386ffaa790b1c32f927544f1322e4194';
const verify = (...flags: string[]) => runCli(['verify-artifact', tgz, '--bundle', v03, ...flags]);
const reusable = (...flags: string[]) =>
  runCli([
    'verify-artifact',
    path.join(REAL, 'reusable-workflow-artifact'),
    '--bundle',
    path.join(REAL, 'reusable-workflow-attestation.sigstore.json'),
    ...flags,
  ]);

describe('gh-style identity flags on the real sigstore-js provenance', () => {
  it('reports who built it from where, read from the certificate', async () => {
    const r = await verify('--repo', 'sigstore/sigstore-js');
    expect(r.code).toBe(0);
    expect(r.report!.checks[0]!.artifacts![0]!.signer).toMatchObject({
      sourceRepository: 'https://github.com/sigstore/sigstore-js',
      sourceRepositoryId: '495574555',
      sourceRepositoryOwnerId: '71096353',
      sourceRef: 'refs/heads/main',
      sourceDigest: COMMIT,
      runnerEnvironment: 'github-hosted',
      triggerEvent: 'push',
    });
    expect(r.report!.checks[0]!.artifacts![0]!.provenance).toMatchObject({
      version: 'v1',
      builderId: 'https://github.com/actions/runner/github-hosted',
      sourceCommit: COMMIT,
    });
    expect(r.stdout).toContain(
      `built from https://github.com/sigstore/sigstore-js@refs/heads/main, commit ${COMMIT}`,
    );
  });

  it.each([
    [['--owner', 'sigstore'], 0],
    [['--owner', 'sigstor'], 1],
    [['--owner', 'sigstore-evil'], 1],
    [['--repo', 'sigstore/sigstore-js-evil'], 1],
    [['--repo', 'sigstore/sigstore'], 1],
    [['--signer-workflow', 'sigstore/sigstore-js/.github/workflows/release.yml'], 0],
    [
      ['--signer-workflow', 'sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main'],
      0,
    ],
    [['--signer-workflow', 'sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/dev'], 1],
    [['--signer-workflow', 'sigstore/sigstore-js/.github/workflows/ci.yml'], 1],
    [['--repo', 'sigstore/sigstore-js', '--source-ref', 'refs/heads/main'], 0],
    [['--repo', 'sigstore/sigstore-js', '--source-ref', 'refs/heads/mai'], 1],
    [['--repo', 'sigstore/sigstore-js', '--deny-self-hosted-runners'], 0],
    [['--repo', 'sigstore/sigstore-js', '--predicate-type', 'https://slsa.dev/provenance/v1'], 0],
    [['--repo', 'sigstore/sigstore-js', '--predicate-type', 'https://slsa.dev/provenance/v0.2'], 1],
    [
      [
        '--repo',
        'sigstore/sigstore-js',
        '--certificate-oidc-issuer',
        'https://token.actions.githubusercontent.com/other',
      ],
      1,
    ],
  ])('%j exits %i', async (flags, code) => {
    expect((await verify(...flags)).code).toBe(code);
  });

  it('ties the attestation to the deployed commit (--sha): certificate and provenance must both name it', async () => {
    expect((await verify('--repo', 'sigstore/sigstore-js', '--sha', COMMIT)).code).toBe(0);
    const other = await verify('--repo', 'sigstore/sigstore-js', '--sha', 'b'.repeat(40));
    expect(other.code).toBe(1);
    expect(other.report!.checks[0]!.findings[0]).toMatchObject({ step: 'deployed-commit' });
    expect(other.report!.checks[0]!.findings[0]!.found).toContain(`certificate: ${COMMIT}`);
  });

  it('refuses identity flags that do not say who signed', async () => {
    const r = await verify('--source-ref', 'refs/heads/main');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('say who must have signed');
  });
});

describe('reusable workflows: the signer is the reusable workflow, the source is the caller', () => {
  it('matches the caller repository from the extensions, not from the SAN', async () => {
    expect((await reusable('--repo', 'malancas/attest-demo')).code).toBe(0);
    expect(
      (
        await reusable(
          '--repo',
          'malancas/attest-demo',
          '--signer-workflow',
          'github/artifact-attestations-workflows/.github/workflows/attest.yml',
        )
      ).code,
    ).toBe(0);
    const r = await reusable(
      '--signer-workflow',
      'malancas/attest-demo/.github/workflows/shared.yml',
    );
    expect(r.code).toBe(1);
  });
});

describe('identity and provenance policy (mock instance)', () => {
  let sigstore: MockSigstore;
  beforeAll(async () => {
    sigstore = await startMockSigstore();
  });
  afterAll(async () => {
    await sigstore.close();
  });

  const artifact = Buffer.from('app build\n');
  const sha256 = createHash('sha256').update(artifact).digest('hex');
  const SHA = 'c0ffee'.padEnd(40, '0');
  const claims = {
    repository: 'acme/app',
    repository_id: '1001',
    repository_owner: 'acme',
    repository_owner_id: '42',
    ref: 'refs/heads/main',
    sha: SHA,
    job_workflow_ref: 'acme/app/.github/workflows/release.yml@refs/heads/main',
    workflow_ref: 'acme/app/.github/workflows/release.yml@refs/heads/main',
    runner_environment: 'github-hosted',
    event_name: 'push',
  };
  const who = (over: Record<string, string> = {}): MockIdentity => ({
    subject: 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main',
    issuer: GITHUB_ISSUER,
    claims: { ...claims, ...over },
  });
  const provenance = (over: Record<string, unknown> = {}) =>
    inTotoStatement([{ name: 'app', digest: { sha256 } }], 'https://slsa.dev/provenance/v1', {
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: {
          workflow: {
            repository: 'https://github.com/acme/app',
            ref: 'refs/heads/main',
            path: '.github/workflows/release.yml',
          },
        },
        internalParameters: {
          github: { repository_id: '1001', repository_owner_id: '42', event_name: 'push' },
        },
        resolvedDependencies: [
          { uri: 'git+https://github.com/acme/app@refs/heads/main', digest: { gitCommit: SHA } },
        ],
        ...over,
      },
      runDetails: { builder: { id: 'https://github.com/actions/runner/github-hosted' } },
    });

  async function gate(
    bundle: object,
    signatures: Record<string, unknown>,
    env: Record<string, string> = {},
  ) {
    const ws = await mkdtemp(path.join(tmpdir(), 'sg-id-'));
    await mkdir(path.join(ws, '.github'));
    await writeFile(path.join(ws, 'app'), artifact);
    await writeFile(path.join(ws, 'app.sigstore.json'), JSON.stringify(bundle));
    await writeFile(path.join(ws, 'root.json'), JSON.stringify(sigstore.trustedRoot));
    await writeFile(
      path.join(ws, '.github/security-gate.yml'),
      stringify({
        version: 1,
        signatures: { artifacts: [{ path: 'app' }], 'trusted-root': 'root.json', ...signatures },
      }),
    );
    return runCli(['run'], { GITHUB_WORKSPACE: ws, ...env });
  }
  const id = (extra: Record<string, unknown>) => ({
    identities: [{ issuer: GITHUB_ISSUER, ...extra }],
  });

  it('repository and owner IDs: a re-created repository with the same name is refused', async () => {
    const ok = await gate(
      await sigstore.signBlob(artifact, who()),
      id({
        'source-repository': 'acme/app',
        'source-repository-id': '1001',
        'source-repository-owner-id': '42',
      }),
    );
    expect(ok.code).toBe(0);
    const recreated = await gate(
      await sigstore.signBlob(artifact, who({ repository_id: '2002' })),
      id({ 'source-repository': 'acme/app', 'source-repository-id': '1001' }),
    );
    expect(recreated.code).toBe(1);
    expect(recreated.report!.checks[0]!.findings[0]!.expected).toContain(
      'source-repository-id 1001',
    );
    expect(recreated.report!.checks[0]!.findings[0]!.found).toContain(
      'source-repository-id "2002"',
    );
  });

  it('runner environment, trigger event, build workflow and ref pattern', async () => {
    const selfHosted = await gate(
      await sigstore.signBlob(artifact, who({ runner_environment: 'self-hosted' })),
      id({ 'source-repository': 'acme/app', 'runner-environment': 'github-hosted' }),
    );
    expect(selfHosted.code).toBe(1);
    const pr = await gate(
      await sigstore.signBlob(artifact, who({ event_name: 'pull_request_target' })),
      id({ 'source-repository': 'acme/app', 'trigger-event': 'push' }),
    );
    expect(pr.code).toBe(1);
    const wf = await gate(
      await sigstore.signBlob(artifact, who()),
      id({
        'build-workflow': 'acme/app/.github/workflows/release.yml',
        'source-ref-regexp': 'refs/heads/(main|release/.+)',
      }),
    );
    expect(wf.code).toBe(0);
    const tag = await gate(
      await sigstore.signBlob(artifact, who({ ref: 'refs/heads/main-evil' })),
      id({ 'source-repository': 'acme/app', 'source-ref-regexp': 'refs/heads/main' }),
    );
    expect(tag.code).toBe(1);
  });

  it('refuses an identity that names only the issuer (it would accept anyone)', async () => {
    const r = await gate(await sigstore.signBlob(artifact, who()), id({}));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a keyless identity must say who signed');
  });

  it('provenance that agrees with the certificate and the policy passes', async () => {
    const r = await gate(await sigstore.signDsse(provenance(), who()), {
      ...id({ 'source-repository': 'acme/app' }),
      provenance: {
        'builder-id': 'https://github.com/actions/runner/github-hosted',
        'build-type': 'https://actions.github.io/buildtypes/workflow/v1',
      },
    });
    expect(r.code).toBe(0);
  });

  it.each([
    [
      'repository',
      {
        externalParameters: {
          workflow: { repository: 'https://github.com/acme/other', ref: 'refs/heads/main' },
        },
      },
      'source repository',
    ],
    [
      'ref',
      {
        externalParameters: {
          workflow: { repository: 'https://github.com/acme/app', ref: 'refs/heads/evil' },
        },
      },
      'source ref',
    ],
    [
      'commit',
      {
        resolvedDependencies: [
          {
            uri: 'git+https://github.com/acme/app@refs/heads/main',
            digest: { gitCommit: 'd'.repeat(40) },
          },
        ],
      },
      'source commit',
    ],
  ])(
    'blocks provenance that claims another %s than the certificate',
    async (_what, over, message) => {
      const r = await gate(
        await sigstore.signDsse(provenance(over), who()),
        id({ 'source-repository': 'acme/app' }),
      );
      expect(r.code).toBe(1);
      expect(r.report!.checks[0]!.findings[0]).toMatchObject({ step: 'provenance' });
      expect(r.report!.checks[0]!.findings[0]!.message).toContain(message);
    },
  );

  it('blocks another builder, and a non-provenance attestation, when signatures.provenance is set', async () => {
    const builder = await gate(await sigstore.signDsse(provenance(), who()), {
      ...id({ 'source-repository': 'acme/app' }),
      provenance: { 'builder-id': 'https://github.com/actions/runner/self-hosted' },
    });
    expect(builder.code).toBe(1);
    expect(builder.report!.checks[0]!.findings[0]!.message).toContain('builder-id');
    const sbom = await gate(
      await sigstore.signDsse(
        inTotoStatement([{ name: 'app', digest: { sha256 } }], 'https://spdx.dev/Document'),
        who(),
      ),
      { ...id({ 'source-repository': 'acme/app' }), provenance: {} },
    );
    expect(sbom.code).toBe(1);
    expect(sbom.report!.checks[0]!.findings[0]).toMatchObject({ step: 'predicate-type' });
  });

  it('require-deployed-commit: GITHUB_SHA must be the commit the certificate and provenance name', async () => {
    const bundle = await sigstore.signDsse(provenance(), who());
    const policy = { ...id({ 'source-repository': 'acme/app' }), 'require-deployed-commit': true };
    expect((await gate(bundle, policy, { GITHUB_SHA: SHA })).code).toBe(0);
    const other = await gate(bundle, policy, { GITHUB_SHA: 'e'.repeat(40) });
    expect(other.code).toBe(1);
    expect(other.report!.checks[0]!.findings[0]).toMatchObject({ step: 'deployed-commit' });
    const unknown = await gate(bundle, policy);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('require-deployed-commit needs the deployed commit');
  });
});
