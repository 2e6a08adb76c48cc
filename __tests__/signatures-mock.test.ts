/**
 * The signatures check inside `security-gate run`, driven by a policy file, on bundles made by a
 * mock Sigstore instance (@sigstore/mock Fulcio, Rekor and TSA over real HTTP on 127.0.0.1), with
 * that instance's trusted root given through `signatures.trusted-root`.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { FakeServer, sendJson } from './helpers/github-server.js';
import {
  inTotoStatement,
  startMockSigstore,
  type MockIdentity,
  type MockSigstore,
} from './helpers/sigstore-instance.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const RELEASE = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const release: MockIdentity = { subject: RELEASE, issuer: ISSUER };

let sigstore: MockSigstore;
let other: MockSigstore;
beforeAll(async () => {
  [sigstore, other] = await Promise.all([startMockSigstore(), startMockSigstore()]);
});
afterAll(async () => {
  await Promise.all([sigstore.close(), other.close()]);
});

/** A fresh workspace with the mock's trusted root, files, and a policy; runs `security-gate run`. */
async function gate(
  files: Record<string, Buffer | string | object>,
  signatures: Record<string, unknown>,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  const ws = await mkdtemp(path.join(tmpdir(), 'sg-ws-'));
  const all: Record<string, unknown> = { 'trusted_root.json': sigstore.trustedRoot, ...files };
  for (const [name, content] of Object.entries(all)) {
    await mkdir(path.dirname(path.join(ws, name)), { recursive: true });
    await writeFile(
      path.join(ws, name),
      Buffer.isBuffer(content) || typeof content === 'string' ? content : JSON.stringify(content),
    );
  }
  await mkdir(path.join(ws, '.github'), { recursive: true });
  await writeFile(
    path.join(ws, '.github/security-gate.yml'),
    stringify({ version: 1, signatures: { 'trusted-root': 'trusted_root.json', ...signatures } }),
  );
  return runCli(['run', ...extra], {
    GITHUB_WORKSPACE: ws,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_SHA: 'a'.repeat(40),
    ...env,
  });
}

const artifact = Buffer.from('the release tarball\n');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const identities = [{ issuer: ISSUER, subject: RELEASE }];

describe('run: message signatures (keyless)', () => {
  it('passes every artifact matched by the glob, each with its own bundle', async () => {
    const b = Buffer.from('second artifact');
    const r = await gate(
      {
        'dist/app.tgz': artifact,
        'dist/app.tgz.sigstore.json': await sigstore.signBlob(artifact, release),
        'dist/lib.tgz': b,
        'dist/lib.tgz.sigstore.json': await sigstore.signBlob(b, release),
      },
      { artifacts: [{ path: 'dist/*.tgz' }], identities },
    );
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({
      verdict: 'pass',
      subject: { repository: 'acme/app', sha: 'a'.repeat(40) },
    });
    const arts = r.report!.checks.find((c) => c.id === 'signatures')!.artifacts!;
    expect(arts.map((a) => [a.artifact, a.verified, a.digest.sha256])).toEqual([
      ['dist/app.tgz', true, sha256(artifact)],
      ['dist/lib.tgz', true, sha256(b)],
    ]);
    expect(arts[0]).toMatchObject({
      contentType: 'message-signature',
      trustRoot: { source: 'file' },
      matchedIdentity: 'signatures.identities[0]',
    });
  });

  it('blocks when one matched artifact has no bundle, and names the missing file', async () => {
    const r = await gate(
      {
        'dist/app.tgz': artifact,
        'dist/app.tgz.sigstore.json': await sigstore.signBlob(artifact, release),
        'dist/unsigned.tgz': 'no signature',
      },
      { artifacts: [{ path: 'dist/*.tgz' }], identities },
    );
    expect(r.code).toBe(1);
    const f = r.report!.checks[0]!.findings;
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ rule: 'bundle-missing', artifact: 'dist/unsigned.tgz' });
    expect(f[0]!.message).toContain('dist/unsigned.tgz.sigstore.json');
  });

  it('uses the bundle path template with {dir} and {name}', async () => {
    const r = await gate(
      {
        'out/app.bin': artifact,
        'sigs/out/app.bin.bundle': await sigstore.signBlob(artifact, release),
      },
      { artifacts: [{ path: 'out/*.bin', bundle: 'sigs/{dir}/{name}.bundle' }], identities },
    );
    expect(r.code).toBe(0);
  });

  it('cannot evaluate when a glob matches nothing (the artifact to promote is missing)', async () => {
    const r = await gate({}, { artifacts: [{ path: 'dist/*.tgz' }], identities });
    expect(r.code).toBe(2);
    expect(r.report!.checks[0]).toMatchObject({
      status: 'error',
      findings: [{ rule: 'artifact-missing' }],
    });
  });

  it('blocks a tampered artifact at the signature step', async () => {
    const bundle = await sigstore.signBlob(artifact, release);
    const r = await gate(
      { 'app.tgz': Buffer.from('the release tarball, altered\n'), 'app.tgz.sigstore.json': bundle },
      { artifacts: [{ path: 'app.tgz' }], identities },
    );
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({ rule: 'signature-invalid' });
  });

  it('blocks a bundle from another Sigstore instance at the certificate chain', async () => {
    const r = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': await other.signBlob(artifact, release) },
      { artifacts: [{ path: 'app.tgz' }], identities },
    );
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({ step: 'certificate-chain' });
  });

  it('blocks a signature without a transparency-log entry (no threshold is relaxed)', async () => {
    const r = await gate(
      {
        'app.tgz': artifact,
        'app.tgz.sigstore.json': await sigstore.signBlob(artifact, release, {
          tlog: false,
          tsa: true,
        }),
      },
      { artifacts: [{ path: 'app.tgz' }], identities },
    );
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({ step: 'transparency-log' });
  });

  it('passes when any one of several identities matches, and reports which', async () => {
    const r = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': await sigstore.signBlob(artifact, release) },
      {
        artifacts: [{ path: 'app.tgz' }],
        identities: [
          {
            issuer: ISSUER,
            subject: 'https://github.com/acme/other/.github/workflows/x.yml@refs/heads/main',
          },
          ...identities,
        ],
      },
    );
    expect(r.code).toBe(0);
    expect(r.report!.checks[0]!.artifacts![0]!.matchedIdentity).toBe('signatures.identities[1]');
  });

  it('blocks an identity entry that names only the organisation prefix', async () => {
    const r = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': await sigstore.signBlob(artifact, release) },
      {
        artifacts: [{ path: 'app.tgz' }],
        identities: [
          { issuer: ISSUER, subject: 'https://github.com/acme/' },
          { issuer: ISSUER, 'subject-regexp': 'https://github.com/acme/' },
        ],
      },
    );
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]!.expected).toContain('; or ');
  });

  it('escaping matters: an unescaped dot in subject-regexp is a wildcard the user wrote, not one we add', async () => {
    const evil: MockIdentity = {
      subject: 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main-evil',
      issuer: ISSUER,
    };
    const r = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': await sigstore.signBlob(artifact, evil) },
      {
        artifacts: [{ path: 'app.tgz' }],
        identities: [
          {
            issuer: ISSUER,
            'subject-regexp':
              'https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/heads/main',
          },
        ],
      },
    );
    expect(r.code).toBe(1);
  });
});

describe('run: attestations (DSSE in-toto)', () => {
  const provenance = 'https://slsa.dev/provenance/v1';
  const statementFor = (b: Buffer, predicateType = provenance) =>
    inTotoStatement([{ name: 'app.tgz', digest: { sha256: sha256(b) } }], predicateType, {
      buildDefinition: {},
    });

  it('passes when the artifact digest is a subject and the predicate type is the required one', async () => {
    const r = await gate(
      {
        'app.tgz': artifact,
        'app.tgz.sigstore.json': await sigstore.signDsse(statementFor(artifact), release),
      },
      { artifacts: [{ path: 'app.tgz' }], identities, 'predicate-type': provenance },
    );
    expect(r.code).toBe(0);
    expect(r.report!.checks[0]!.artifacts![0]).toMatchObject({
      contentType: 'dsse',
      predicateType: provenance,
    });
  });

  it('blocks an attestation about another artifact', async () => {
    const r = await gate(
      {
        'app.tgz': artifact,
        'app.tgz.sigstore.json': await sigstore.signDsse(
          statementFor(Buffer.from('other')),
          release,
        ),
      },
      { artifacts: [{ path: 'app.tgz' }], identities },
    );
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({ step: 'subject-digest' });
  });

  it('blocks another predicate type, and a plain signature, when the policy names one', async () => {
    const wrong = await gate(
      {
        'app.tgz': artifact,
        'app.tgz.sigstore.json': await sigstore.signDsse(
          statementFor(artifact, 'https://spdx.dev/Document'),
          release,
        ),
      },
      { artifacts: [{ path: 'app.tgz' }], identities, 'predicate-type': provenance },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.report!.checks[0]!.findings[0]).toMatchObject({
      step: 'predicate-type',
      expected: provenance,
      found: 'https://spdx.dev/Document',
    });
    const plain = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': await sigstore.signBlob(artifact, release) },
      { artifacts: [{ path: 'app.tgz' }], identities, 'predicate-type': provenance },
    );
    expect(plain.code).toBe(1);
    expect(plain.report!.checks[0]!.findings[0]).toMatchObject({ step: 'predicate-type' });
  });

  it('blocks a DSSE envelope whose payload is not an in-toto statement', async () => {
    const r = await gate(
      {
        'app.tgz': artifact,
        'app.tgz.sigstore.json': await sigstore.signDsse(artifact, release, {
          payloadType: 'text/plain',
        }),
      },
      { artifacts: [{ path: 'app.tgz' }], identities },
    );
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]!.message).toContain('not an in-toto statement');
  });

  it('matches a sha512 subject too', async () => {
    const statement = inTotoStatement(
      [
        {
          name: 'app.tgz',
          digest: { sha512: createHash('sha512').update(artifact).digest('hex') },
        },
      ],
      provenance,
    );
    const r = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': await sigstore.signDsse(statement, release) },
      { artifacts: [{ path: 'app.tgz' }], identities },
    );
    expect(r.code).toBe(0);
  });
});

describe('key-based signatures', () => {
  const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = (k: ReturnType<typeof pair>) =>
    k.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('passes with the right key (policy identities[].key) and blocks with another key', async () => {
    const signing = pair();
    const bundle = await sigstore.signBlobWithKey(artifact, { privateKey: signing.privateKey });
    const ok = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': bundle, 'cosign.pub': pem(signing) },
      { artifacts: [{ path: 'app.tgz' }], identities: [{ key: 'cosign.pub' }] },
    );
    expect(ok.code).toBe(0);
    expect(ok.report!.checks[0]!.artifacts![0]!.signer).toEqual({
      kind: 'public-key',
      key: 'cosign.pub',
    });
    const bad = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': bundle, 'cosign.pub': pem(pair()) },
      { artifacts: [{ path: 'app.tgz' }], identities: [{ key: 'cosign.pub' }] },
    );
    expect(bad.code).toBe(1);
    expect(bad.report!.checks[0]!.findings[0]).toMatchObject({ step: 'signature' });
  });

  it('verify-artifact --key, and a key bundle is never accepted by a keyless identity', async () => {
    const signing = pair();
    const ws = await mkdtemp(path.join(tmpdir(), 'sg-key-'));
    await writeFile(path.join(ws, 'app.tgz'), artifact);
    await writeFile(
      path.join(ws, 'b.json'),
      JSON.stringify(await sigstore.signBlobWithKey(artifact, { privateKey: signing.privateKey })),
    );
    await writeFile(path.join(ws, 'k.pem'), pem(signing));
    await writeFile(path.join(ws, 'root.json'), JSON.stringify(sigstore.trustedRoot));
    const base = [
      'verify-artifact',
      path.join(ws, 'app.tgz'),
      '--bundle',
      path.join(ws, 'b.json'),
      '--trusted-root',
      path.join(ws, 'root.json'),
    ];
    expect((await runCli([...base, '--key', path.join(ws, 'k.pem')])).code).toBe(0);
    const keyless = await runCli([
      ...base,
      '--certificate-identity-regexp',
      '.*',
      '--certificate-oidc-issuer',
      ISSUER,
    ]);
    expect(keyless.code).toBe(1);
    const notPem = await runCli([...base, '--key', path.join(ws, 'app.tgz')]);
    expect(notPem.code).toBe(2);
    expect(notPem.stdout).toContain('is not a PEM public key');
  });
});

describe('run: modes and subject', () => {
  it('audit mode reports the same blocked verdict but exits 0, and says so first', async () => {
    const r = await gate(
      {
        'app.tgz': artifact,
        'app.tgz.sigstore.json': await sigstore.signBlob(artifact, {
          ...release,
          subject: 'https://github.com/evil/x',
        }),
      },
      { artifacts: [{ path: 'app.tgz' }], identities },
      ['--mode', 'audit'],
    );
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({ mode: 'audit', verdict: 'block', blockedBy: ['signatures'] });
    expect(r.stdout.split('\n')[0]).toMatch(/^AUDIT MODE: verdict BLOCKED/);
  });

  it('--repo, --sha and --ref override the runner variables in the report', async () => {
    const r = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': await sigstore.signBlob(artifact, release) },
      { artifacts: [{ path: 'app.tgz' }], identities },
      ['--repo', 'acme/other', '--sha', 'b'.repeat(40), '--ref', 'refs/heads/main'],
    );
    expect(r.report!.subject).toEqual({
      repository: 'acme/other',
      sha: 'b'.repeat(40),
      ref: 'refs/heads/main',
    });
  });
});

describe('bundle versions', () => {
  /** Rewrites a v0.3 message-signature bundle into another accepted spelling of the format. */
  async function asVersion(version: 'v0.2' | 'v0.3-legacy') {
    const bundle = (await sigstore.signBlob(artifact, release)) as {
      mediaType: string;
      verificationMaterial: Record<string, unknown>;
    };
    if (version === 'v0.3-legacy') {
      bundle.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.3';
      return bundle;
    }
    const { certificate, ...rest } = bundle.verificationMaterial;
    bundle.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
    bundle.verificationMaterial = {
      ...rest,
      x509CertificateChain: { certificates: [certificate] },
    };
    return bundle;
  }

  it.each(['v0.2', 'v0.3-legacy'] as const)('passes a %s bundle', async (version) => {
    const bundle = await asVersion(version);
    const r = await gate(
      { 'app.tgz': artifact, 'app.tgz.sigstore.json': bundle },
      { artifacts: [{ path: 'app.tgz' }], identities },
    );
    expect(r.code).toBe(0);
    expect(r.report!.checks[0]!.artifacts![0]!.bundleMediaType).toBe(bundle.mediaType);
  });

  it('matches artifacts in nested folders with **', async () => {
    const r = await gate(
      {
        'out/a/app.tgz': artifact,
        'out/a/app.tgz.sigstore.json': await sigstore.signBlob(artifact, release),
        'out/b/c/app.tgz': artifact,
        'out/b/c/app.tgz.sigstore.json': await sigstore.signBlob(artifact, release),
      },
      { artifacts: [{ path: 'out/**/*.tgz' }], identities },
    );
    expect(r.code).toBe(0);
    expect(r.report!.checks[0]!.artifacts!.map((a) => a.artifact)).toEqual([
      'out/a/app.tgz',
      'out/b/c/app.tgz',
    ]);
  });
});

describe('verify by digest and GitHub attestations', () => {
  it('verifies a message signature against the digest alone (policy `digest` and CLI sha256:<hex>)', async () => {
    const bundle = await sigstore.signBlob(artifact, release);
    const ok = await gate(
      { 'sig.json': bundle },
      { artifacts: [{ digest: `sha256:${sha256(artifact)}`, bundle: 'sig.json' }], identities },
    );
    expect(ok.code).toBe(0);
    expect(ok.report!.checks[0]!.artifacts![0]).toMatchObject({
      artifact: `sha256:${sha256(artifact)}`,
      digest: { sha256: sha256(artifact) },
      verified: true,
    });
    const other = await gate(
      { 'sig.json': bundle },
      { artifacts: [{ digest: `sha256:${'0'.repeat(64)}`, bundle: 'sig.json' }], identities },
    );
    expect(other.code).toBe(1);
    expect(other.report!.checks[0]!.findings[0]).toMatchObject({ step: 'signature' });

    const ws = await mkdtemp(path.join(tmpdir(), 'sg-digest-'));
    await writeFile(path.join(ws, 'b.json'), JSON.stringify(bundle));
    await writeFile(path.join(ws, 'root.json'), JSON.stringify(sigstore.trustedRoot));
    const args = (digest: string) => [
      'verify-artifact',
      digest,
      '--bundle',
      path.join(ws, 'b.json'),
      '--trusted-root',
      path.join(ws, 'root.json'),
      '--certificate-identity',
      RELEASE,
      '--certificate-oidc-issuer',
      ISSUER,
    ];
    expect((await runCli(args(`sha256:${sha256(artifact)}`))).code).toBe(0);
    expect((await runCli(args(`sha256:${'1'.repeat(64)}`))).code).toBe(1);
    const malformed = await runCli(args('sha256:abc'));
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('sha256');
  });

  it('matches a DSSE attestation by digest through its subjects', async () => {
    const statement = inTotoStatement(
      [{ name: 'img', digest: { sha256: sha256(artifact) } }],
      'https://slsa.dev/provenance/v1',
    );
    const r = await gate(
      { 'att.json': await sigstore.signDsse(statement, release) },
      { artifacts: [{ digest: `sha256:${sha256(artifact)}`, bundle: 'att.json' }], identities },
    );
    expect(r.code).toBe(0);
  });

  describe('source: github-attestations', () => {
    let github: FakeServer;
    let attestations: unknown[] = [];
    let status = 200;
    beforeAll(async () => {
      github = await FakeServer.start();
      github.route('GET', /^\/repos\/acme\/app\/attestations\/sha256:[0-9a-f]{64}$/, (_req, res) =>
        status === 200
          ? sendJson(res, 200, { attestations })
          : sendJson(res, status, { message: 'boom' }),
      );
    });
    afterAll(async () => {
      await github.close();
    });

    const run = (entry: Record<string, unknown>) =>
      gate({ 'app.tgz': artifact }, { artifacts: [entry], identities }, [], {
        GITHUB_API_URL: github.url,
        GITHUB_TOKEN: 'ghs_test',
      });

    it('passes an artifact whose attestation GitHub holds, and sends the token to the API only', async () => {
      const statement = inTotoStatement(
        [{ name: 'app.tgz', digest: { sha256: sha256(artifact) } }],
        'https://slsa.dev/provenance/v1',
      );
      attestations = [{ bundle: await sigstore.signDsse(statement, release), repository_id: 1 }];
      status = 200;
      const r = await run({ path: 'app.tgz', source: 'github-attestations' });
      expect(r.code).toBe(0);
      expect(r.report!.checks[0]!.artifacts![0]!.bundle).toBe('GitHub attestations of acme/app');
      expect(github.requests.at(-1)!.headers.authorization).toBe('Bearer ghs_test');
    });

    it('fails an artifact GitHub holds no attestation for (not a skip)', async () => {
      attestations = [];
      status = 200;
      const r = await run({ digest: `sha256:${sha256(artifact)}`, source: 'github-attestations' });
      expect(r.code).toBe(1);
      expect(r.report!.checks[0]!.findings[0]).toMatchObject({ rule: 'attestation-missing' });
    });

    it('verify-artifact without --bundle fetches the attestations of --repo (gh style)', async () => {
      const statement = inTotoStatement(
        [{ name: 'app.tgz', digest: { sha256: sha256(artifact) } }],
        'https://slsa.dev/provenance/v1',
      );
      attestations = [
        {
          bundle: await sigstore.signDsse(statement, {
            ...release,
            claims: { repository: 'acme/app' },
          }),
        },
      ];
      status = 200;
      const ws = await mkdtemp(path.join(tmpdir(), 'sg-gh-'));
      await writeFile(path.join(ws, 'app.tgz'), artifact);
      await writeFile(path.join(ws, 'root.json'), JSON.stringify(sigstore.trustedRoot));
      const args = (repo: string) => [
        'verify-artifact',
        path.join(ws, 'app.tgz'),
        '--repo',
        repo,
        '--trusted-root',
        path.join(ws, 'root.json'),
      ];
      const env = { GITHUB_API_URL: github.url };
      expect((await runCli(args('acme/app'), env)).code).toBe(0);
      // Another repository's endpoint answers with an error here: could not evaluate, never pass.
      expect((await runCli(args('acme/other'), env)).code).toBe(2);
    });

    it('cannot evaluate when the API refuses (403 names the permission) — never a pass', async () => {
      status = 403;
      const r = await run({ path: 'app.tgz', source: 'github-attestations' });
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('attestations: read');
    });
  });
});
