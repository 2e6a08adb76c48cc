/**
 * The signatures check's two policy decisions on plain data: whether a verified signer is one the
 * policy names (matchIdentity), and what a SLSA provenance predicate says (readProvenance). The
 * end-to-end tests (signatures-identity, signatures-mock) reach them through real bundles; these
 * pin every constraint one by one, with the expected/found text the report shows.
 */
import { describe, expect, it } from '@jest/globals';
import { matchIdentity } from '../src/checks/signatures/identity.js';
import type { FulcioExtensions } from '../src/checks/signatures/ports.js';
import { readProvenance } from '../src/checks/signatures/provenance.js';
import type { IdentityPolicy } from '../src/config/schema.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const SAN = 'https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main';
const EXT: FulcioExtensions = {
  issuer: ISSUER,
  buildSignerUri: SAN,
  buildConfigUri: 'https://github.com/octo/app/.github/workflows/build.yml@refs/heads/main',
  runnerEnvironment: 'github-hosted',
  sourceRepositoryUri: 'https://github.com/octo/app',
  sourceRepositoryRef: 'refs/heads/main',
  sourceRepositoryIdentifier: '123',
  sourceRepositoryOwnerUri: 'https://github.com/octo',
  sourceRepositoryOwnerIdentifier: '456',
  buildTrigger: 'push',
};

const cert = (ext: FulcioExtensions = EXT, san: string | null = SAN, issuer = ISSUER) => ({
  kind: 'certificate' as const,
  ...(san !== null ? { subjectAlternativeName: san } : {}),
  issuer,
  extensions: ext,
});
const match = (id: Omit<IdentityPolicy, 'issuer'>, signer = cert()) =>
  matchIdentity(signer, [{ issuer: ISSUER, ...id }], []);

describe('matchIdentity: each constraint must hold', () => {
  it.each<[string, Omit<IdentityPolicy, 'issuer'>, Omit<IdentityPolicy, 'issuer'>]>([
    ['subject', { subject: SAN }, { subject: `${SAN}x` }],
    [
      'subject-regexp',
      { 'subject-regexp': 'https://github\\.com/octo/.*' },
      { 'subject-regexp': 'octo' },
    ],
    ['source-repository', { 'source-repository': 'octo/app' }, { 'source-repository': 'octo/ap' }],
    ['source-repository-id', { 'source-repository-id': '123' }, { 'source-repository-id': '12' }],
    [
      'source-repository-owner',
      { 'source-repository-owner': 'octo' },
      { 'source-repository-owner': 'oct' },
    ],
    [
      'source-repository-owner-id',
      { 'source-repository-owner-id': '456' },
      { 'source-repository-owner-id': '45' },
    ],
    ['source-ref', { 'source-ref': 'refs/heads/main' }, { 'source-ref': 'refs/heads/mai' }],
    [
      'source-ref-regexp',
      { 'source-ref-regexp': 'refs/heads/ma.*' },
      { 'source-ref-regexp': 'main' },
    ],
    [
      'signer-workflow',
      { 'signer-workflow': 'octo/app/.github/workflows/release.yml' },
      { 'signer-workflow': 'octo/app/.github/workflows/build.yml' },
    ],
    [
      'build-workflow',
      { 'build-workflow': 'octo/app/.github/workflows/build.yml@refs/heads/main' },
      { 'build-workflow': 'octo/app/.github/workflows/build.yml@refs/heads/dev' },
    ],
    [
      'runner-environment',
      { 'runner-environment': 'github-hosted' },
      { 'runner-environment': 'self-hosted' },
    ],
    ['trigger-event', { 'trigger-event': 'push' }, { 'trigger-event': 'pull_request_target' }],
  ])('%s: the right value matches, another does not', (key, good, bad) => {
    expect(match({ 'source-repository': 'octo/app', ...good })).toEqual({ ok: true, index: 0 });
    const miss = match({ 'source-repository': 'octo/app', ...bad });
    expect(miss).toMatchObject({ ok: false, step: 'identity' });
    expect(miss.ok === false && miss.expected.startsWith(`${key} `)).toBe(true);
  });

  it('names what was expected and what the certificate says', () => {
    expect(match({ 'source-repository': 'octo/other', 'trigger-event': 'release' })).toEqual({
      ok: false,
      step: 'identity',
      expected: 'source-repository https://github.com/octo/other, trigger-event release',
      found: `SAN ${JSON.stringify(SAN)}, issuer ${JSON.stringify(ISSUER)}, source-repository "https://github.com/octo/app", trigger-event "push"`,
    });
    expect(match({ 'source-repository-owner': 'acme' })).toMatchObject({
      expected: 'source-repository-owner https://github.com/acme',
      found: expect.stringContaining(
        'source-repository-owner "https://github.com/octo"',
      ) as unknown,
    });
    expect(match({ 'signer-workflow': 'acme/app/.github/workflows/release.yml' })).toMatchObject({
      expected: 'signer-workflow https://github.com/acme/app/.github/workflows/release.yml',
    });
    expect(match({ 'build-workflow': 'acme/app/.github/workflows/build.yml' })).toMatchObject({
      expected: 'build-workflow https://github.com/acme/app/.github/workflows/build.yml',
    });
    expect(match({ subject: 'x' })).toMatchObject({
      expected: 'subject "x"',
      found: `SAN ${JSON.stringify(SAN)}, issuer ${JSON.stringify(ISSUER)}`,
    });
    expect(match({ 'subject-regexp': 'x' })).toMatchObject({
      expected: 'subject-regexp /^(?:x)$/u (whole SAN)',
    });
    expect(match({ 'source-ref-regexp': 'x' })).toMatchObject({
      expected: 'source-ref-regexp /^(?:x)$/u (whole ref)',
      found: expect.stringContaining('source-ref-regexp "refs/heads/main"') as unknown,
    });
  });

  it('a missing extension or SAN never matches, and shows as absent', () => {
    const bare = cert({ issuer: ISSUER }, null);
    for (const id of [
      { 'subject-regexp': '.*' },
      { 'source-ref-regexp': '.*' },
      { 'source-repository-owner-id': '456' },
      { 'build-workflow': 'octo/app/.github/workflows/build.yml' },
      { 'signer-workflow': 'octo/app/.github/workflows/release.yml' },
      { 'trigger-event': 'push' },
    ]) {
      expect(match(id, bare)).toMatchObject({ ok: false, step: 'identity' });
    }
    expect(match({ 'trigger-event': 'push' }, bare)).toMatchObject({
      found:
        'SAN (absent), issuer "https://token.actions.githubusercontent.com", trigger-event (absent)',
    });
  });

  it('a workflow on another host with the same path is not the workflow', () => {
    for (const host of ['https://gitlab.com/', 'https://github.co//', 'http://github.com/']) {
      const ext = {
        ...EXT,
        buildSignerUri: `${host}octo/app/.github/workflows/release.yml@refs/heads/main`,
      };
      expect(
        match({ 'signer-workflow': 'octo/app/.github/workflows/release.yml' }, cert(ext)),
      ).toMatchObject({
        ok: false,
      });
    }
  });

  it('another issuer alone is an issuer failure; with other misses, an identity failure', () => {
    const other = cert(EXT, SAN, 'https://accounts.google.com');
    expect(match({ subject: SAN }, other)).toEqual({
      ok: false,
      step: 'issuer',
      expected: `issuer ${JSON.stringify(ISSUER)}`,
      found: `SAN ${JSON.stringify(SAN)}, issuer "https://accounts.google.com"`,
    });
    expect(match({ subject: 'x' }, other)).toMatchObject({
      step: 'identity',
      expected: `issuer ${JSON.stringify(ISSUER)}, subject "x"`,
    });
    // Any one identity matching suffices; the misses of each are listed otherwise.
    const ids: IdentityPolicy[] = [
      { issuer: ISSUER, subject: 'a' },
      { issuer: ISSUER, 'source-repository': 'octo/app' },
    ];
    expect(matchIdentity(cert(), ids, [])).toEqual({ ok: true, index: 1 });
    expect(matchIdentity(cert(), [ids[0]!, { issuer: ISSUER, subject: 'b' }], [])).toMatchObject({
      expected: 'subject "a"; or subject "b"',
    });
  });

  it('keys: a listed key matches its identity; an unknown key or a certificate does not', () => {
    const ids: IdentityPolicy[] = [
      { key: 'a.pub' },
      { issuer: ISSUER, subject: SAN },
      { key: 'b.pub' },
    ];
    expect(matchIdentity({ kind: 'public-key', keyIndex: 1 }, ids, [0, 2])).toEqual({
      ok: true,
      index: 2,
    });
    expect(matchIdentity({ kind: 'public-key', keyIndex: 2 }, ids, [0, 2])).toEqual({
      ok: false,
      step: 'identity',
      expected: 'a signature by one of the listed keys',
      found: 'a signature by an unknown key',
    });
    expect(matchIdentity(cert(), [{ key: 'a.pub' }], [0])).toEqual({
      ok: false,
      step: 'identity',
      expected: 'a key-based signature (the policy lists only keys)',
      found: `a certificate for SAN ${JSON.stringify(SAN)}`,
    });
    expect(matchIdentity(cert(), ids, [0, 2])).toEqual({ ok: true, index: 1 });
  });
});

describe('readProvenance', () => {
  it('SLSA v1 as GitHub Actions writes it', () => {
    const predicate = {
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: {
          workflow: {
            ref: 'refs/heads/main',
            repository: 'https://github.com/octo/app',
            path: '.github/workflows/release.yml',
          },
        },
        internalParameters: {
          github: { event_name: 'push', repository_id: '123', repository_owner_id: '456' },
        },
        resolvedDependencies: [
          { uri: 'https://example.com/tool', digest: { sha256: 'ab' } },
          {
            uri: 'git+https://github.com/octo/app@refs/heads/main',
            digest: { gitCommit: 'c'.repeat(40) },
          },
        ],
      },
      runDetails: { builder: { id: 'https://github.com/actions/runner/github-hosted' } },
    };
    expect(readProvenance('https://slsa.dev/provenance/v1', predicate)).toEqual({
      version: 'v1',
      builderId: 'https://github.com/actions/runner/github-hosted',
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      sourceRepositoryUri: 'https://github.com/octo/app',
      sourceRef: 'refs/heads/main',
      sourceCommit: 'c'.repeat(40),
      workflowPath: '.github/workflows/release.yml',
      repositoryId: '123',
      repositoryOwnerId: '456',
      eventName: 'push',
    });
  });

  it('SLSA v1 without workflow parameters: repository and ref from the git dependency', () => {
    const predicate = {
      buildDefinition: {
        resolvedDependencies: [
          {
            uri: 'git+https://github.com/octo/app@refs/tags/v1.0.0',
            digest: { sha1: 'd'.repeat(40) },
          },
        ],
      },
    };
    expect(readProvenance('https://slsa.dev/provenance/v1', predicate)).toEqual({
      version: 'v1',
      sourceRepositoryUri: 'https://github.com/octo/app',
      sourceRef: 'refs/tags/v1.0.0',
      sourceCommit: 'd'.repeat(40),
    });
    const noRef = {
      buildDefinition: { resolvedDependencies: [{ uri: 'git+https://github.com/octo/app' }] },
    };
    expect(readProvenance('https://slsa.dev/provenance/v1', noRef)).toEqual({
      version: 'v1',
      sourceRepositoryUri: 'https://github.com/octo/app',
    });
  });

  it('SLSA v0.2 as slsa-github-generator writes it', () => {
    const predicate = {
      builder: {
        id: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0',
      },
      buildType: 'https://github.com/slsa-framework/slsa-github-generator/generic@v1',
      invocation: {
        configSource: {
          uri: 'git+https://github.com/octo/app@refs/heads/main',
          digest: { sha1: 'e'.repeat(40) },
          entryPoint: '.github/workflows/release.yml',
        },
        environment: { github_event_name: 'workflow_dispatch' },
      },
    };
    expect(readProvenance('https://slsa.dev/provenance/v0.2', predicate)).toEqual({
      version: 'v0.2',
      builderId:
        'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0',
      buildType: 'https://github.com/slsa-framework/slsa-github-generator/generic@v1',
      sourceRepositoryUri: 'https://github.com/octo/app',
      sourceRef: 'refs/heads/main',
      sourceCommit: 'e'.repeat(40),
      workflowPath: '.github/workflows/release.yml',
      eventName: 'workflow_dispatch',
    });
    const gitCommit = { invocation: { configSource: { digest: { gitCommit: 'f'.repeat(40) } } } };
    expect(readProvenance('https://slsa.dev/provenance/v0.2', gitCommit)).toEqual({
      version: 'v0.2',
      sourceCommit: 'f'.repeat(40),
    });
  });

  it('odd shapes give nothing rather than something wrong', () => {
    expect(readProvenance('https://in-toto.io/attestation/release/v0.1', {})).toBeUndefined();
    expect(readProvenance(undefined, {})).toBeUndefined();
    for (const junk of [
      null,
      [],
      'x',
      7,
      { buildDefinition: [] },
      { buildDefinition: { buildType: '' } },
    ]) {
      expect(readProvenance('https://slsa.dev/provenance/v1', junk)).toEqual({ version: 'v1' });
    }
    // A dependency that is not git, a git URI that is not a string, an empty builder id.
    const odd = {
      buildDefinition: {
        resolvedDependencies: [{ uri: 'https://x' }, { uri: 7 }, 'git+https://y'],
      },
      runDetails: { builder: { id: '' } },
    };
    expect(readProvenance('https://slsa.dev/provenance/v1', odd)).toEqual({ version: 'v1' });
    expect(
      readProvenance('https://slsa.dev/provenance/v0.2', {
        invocation: { configSource: { uri: 'https://github.com/o/r' } },
      }),
    ).toEqual({ version: 'v0.2' });
  });
});
