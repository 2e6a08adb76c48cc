/**
 * verify-artifact on real bundles from GitHub Actions workflows (fixtures/sigstore-real, see its
 * README), against the Sigstore public-good root embedded in @sigstore/tuf: no network.
 */
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { GITHUB_ISSUER, REAL, SIGSTORE_JS_SAN, runCli } from './helpers/cli.js';

const tgz = path.join(REAL, 'sigstore-js-2.1.0.tgz');
const v03 = path.join(REAL, 'sigstore-js-2.1.0-bundle.json');
const v01 = path.join(REAL, 'sigstore-js-2.1.0-bundle-v0.1.json');
const keyless = (san: string, issuer = GITHUB_ISSUER) => [
  '--certificate-identity',
  san,
  '--certificate-oidc-issuer',
  issuer,
];
const verify = (artifact: string, bundle: string, ...flags: string[]) =>
  runCli(['verify-artifact', artifact, '--bundle', bundle, ...flags]);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'sg-real-'));
});

describe('verify-artifact: real npm provenance of sigstore@2.1.0', () => {
  it.each([
    ['v0.3', v03, 'application/vnd.dev.sigstore.bundle.v0.3+json'],
    ['v0.1', v01, 'application/vnd.dev.sigstore.bundle+json;version=0.1'],
  ])('passes the %s bundle with the exact identity and issuer', async (_v, bundle, mediaType) => {
    const r = await verify(tgz, bundle, ...keyless(SIGSTORE_JS_SAN));
    expect(r.code).toBe(0);
    expect(r.report?.verdict).toBe('pass');
    const [artifact] = r.report!.checks[0]!.artifacts!;
    expect(artifact).toMatchObject({
      verified: true,
      bundleMediaType: mediaType,
      contentType: 'dsse',
      predicateType: 'https://slsa.dev/provenance/v1',
      signer: {
        kind: 'certificate',
        subjectAlternativeName: SIGSTORE_JS_SAN,
        issuer: GITHUB_ISSUER,
      },
      trustRoot: { name: 'sigstore-public-good', source: 'embedded' },
      digest: { sha256: 'f0c641fce0310cb43208f4272dc1423153630e44ba8cdc0b5ce8466f724e0eed' },
    });
    expect(artifact!.tlog?.[0]?.logIndex).toMatch(/^\d+$/);
    expect(r.stdout).toContain('PASS');
  });

  it('accepts flags and the positional in any order', async () => {
    const r = await runCli([
      'verify-artifact',
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
      '--bundle',
      v03,
      tgz,
      '--certificate-identity',
      SIGSTORE_JS_SAN,
    ]);
    expect(r.code).toBe(0);
  });

  it('passes a JSON Lines file with two bundles when one verifies', async () => {
    const r = await verify(
      tgz,
      path.join(REAL, 'sigstore-js-2.1.0_with_2_bundles.jsonl'),
      ...keyless(SIGSTORE_JS_SAN),
    );
    expect(r.code).toBe(0);
  });

  it('passes a whole-SAN regular expression', async () => {
    const r = await runCli([
      'verify-artifact',
      tgz,
      '--bundle',
      v03,
      '--certificate-identity-regexp',
      'https://github\\.com/sigstore/sigstore-js/\\.github/workflows/release\\.yml@refs/heads/.*',
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
    ]);
    expect(r.code).toBe(0);
  });

  it('blocks a tampered artifact: it is not a subject of the attestation', async () => {
    const tampered = path.join(work, 'sigstore-2.1.0.tgz');
    const bytes = await readFile(tgz);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0x01, bytes.length - 1);
    await writeFile(tampered, bytes);
    const r = await verify(tampered, v03, ...keyless(SIGSTORE_JS_SAN));
    expect(r.code).toBe(1);
    expect(r.report?.verdict).toBe('block');
    expect(r.report?.checks[0]?.findings[0]).toMatchObject({
      step: 'subject-digest',
      blocking: true,
    });
    expect(r.stdout).toMatch(/not a subject of the attestation/);
  });

  it('blocks another identity, naming expected and found', async () => {
    const r = await verify(
      tgz,
      v03,
      ...keyless(
        'https://github.com/sigstore/sigstore-js/.github/workflows/other.yml@refs/heads/main',
      ),
    );
    expect(r.code).toBe(1);
    const f = r.report!.checks[0]!.findings[0]!;
    expect(f).toMatchObject({ rule: 'identity-mismatch', step: 'identity' });
    expect(f.expected).toContain('other.yml');
    expect(f.found).toContain(SIGSTORE_JS_SAN);
  });

  it.each([
    [
      'an exact identity that is a prefix of the SAN',
      ['--certificate-identity', 'https://github.com/sigstore/'],
    ],
    [
      'a regexp matching a prefix of the SAN',
      ['--certificate-identity-regexp', 'https://github\\.com/sigstore/'],
    ],
    ['a regexp matching the middle of the SAN', ['--certificate-identity-regexp', 'sigstore-js']],
    [
      'a regexp matching a suffix of the SAN',
      ['--certificate-identity-regexp', 'release\\.yml@refs/heads/main'],
    ],
    [
      'a regexp with an alternation that would escape an anchor',
      ['--certificate-identity-regexp', 'x|https://github\\.com/'],
    ],
  ])('blocks %s (no unanchored matching)', async (_name, flags) => {
    const r = await verify(tgz, v03, ...flags, '--certificate-oidc-issuer', GITHUB_ISSUER);
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({ step: 'identity' });
  });

  it('blocks the right SAN from the wrong issuer', async () => {
    const r = await verify(tgz, v03, ...keyless(SIGSTORE_JS_SAN, 'https://accounts.google.com'));
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({ step: 'issuer' });
  });

  it('blocks a bundle whose transparency-log entry signature does not match', async () => {
    const r = await verify(
      path.join(REAL, 'reusable-workflow-artifact'),
      path.join(REAL, 'sigstoreBundle-invalid-signature.json'),
      '--certificate-identity-regexp',
      '.*',
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
    );
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({
      rule: 'signature-invalid',
      step: 'transparency-log',
    });
  });
});

describe('verify-artifact: other real signers', () => {
  it('passes provenance made by a reusable workflow, with that workflow as the SAN', async () => {
    const r = await verify(
      path.join(REAL, 'reusable-workflow-artifact'),
      path.join(REAL, 'reusable-workflow-attestation.sigstore.json'),
      '--certificate-identity-regexp',
      'https://github\\.com/github/artifact-attestations-workflows/\\.github/workflows/attest\\.yml@.*',
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
    );
    expect(r.code).toBe(0);
  });

  const customSan =
    'https://github.com/too-legit/attest/.github/workflows/integration.yml@refs/heads/main';
  it('passes an enterprise issuer when the policy names it exactly', async () => {
    const r = await verify(
      path.join(REAL, 'custom-issuer-artifact'),
      path.join(REAL, 'custom-issuer.sigstore.json'),
      ...keyless(customSan, 'https://token.actions.githubusercontent.com/hammer-time'),
    );
    expect(r.code).toBe(0);
  });

  it('blocks the enterprise-issuer bundle under the plain GitHub issuer (issuer is exact, not a prefix)', async () => {
    const r = await verify(
      path.join(REAL, 'custom-issuer-artifact'),
      path.join(REAL, 'custom-issuer.sigstore.json'),
      ...keyless(customSan),
    );
    expect(r.code).toBe(1);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({ step: 'issuer' });
  });

  const whl = path.join(REAL, 'github_provenance_demo-0.0.12-py3-none-any.whl');
  const whlBundle = path.join(REAL, 'github_provenance_demo-0.0.12-py3-none-any-bundle.jsonl');
  const demoSan =
    'https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main';

  it("verifies a bundle from GitHub's own Sigstore instance against GitHub's root, chosen from its certificate", async () => {
    const r = await verify(
      whl,
      whlBundle,
      '--certificate-identity',
      demoSan,
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
    );
    expect(r.code).toBe(0);
    expect(r.report!.checks[0]!.artifacts![0]!.trustRoot).toMatchObject({
      name: 'github',
      source: 'embedded',
    });
    expect(r.report!.checks[0]!.artifacts![0]!.timestamps).toEqual([
      expect.objectContaining({ kind: 'timestamp-authority' }),
    ]);
  });

  it("never passes GitHub's bundle against the public-good root given as a file", async () => {
    const root = path.join(work, 'public-good.json');
    const seeds = JSON.parse(
      await readFile(
        path.join(REAL, '..', '..', '..', 'node_modules/@sigstore/tuf/seeds.json'),
        'utf8',
      ),
    ) as Record<string, { targets: Record<string, string> }>;
    await writeFile(
      root,
      Buffer.from(
        seeds['https://tuf-repo-cdn.sigstore.dev']!.targets['trusted_root.json']!,
        'base64',
      ),
    );
    const r = await verify(
      whl,
      whlBundle,
      '--certificate-identity',
      demoSan,
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
      '--trusted-root',
      root,
    );
    expect(r.code).toBe(1);
  });

  it('never relaxes thresholds for public-good: its bundle without the transparency-log entry fails', async () => {
    const bundle = JSON.parse(await readFile(v03, 'utf8')) as {
      verificationMaterial: { tlogEntries: unknown[] };
    };
    bundle.verificationMaterial.tlogEntries = [];
    const file = path.join(work, 'no-tlog.json');
    await writeFile(file, JSON.stringify(bundle));
    const r = await verify(tgz, file, ...keyless(SIGSTORE_JS_SAN));
    expect(r.code).not.toBe(0);
    expect(r.report?.verdict).toBe('block');
  });
});

describe('verify-artifact: broken input is "could not evaluate" (exit 2)', () => {
  const good = keyless(SIGSTORE_JS_SAN);

  it('refuses a truncated bundle', async () => {
    const file = path.join(work, 'truncated.json');
    await writeFile(file, (await readFile(v03, 'utf8')).slice(0, 300));
    const r = await verify(tgz, file, ...good);
    expect(r.code).toBe(2);
    expect(r.report!.checks[0]!.findings).toHaveLength(1);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({
      step: 'bundle-parse',
      rule: 'verification-error',
    });
    expect(r.stdout).toContain('not valid JSON');
  });

  it.each([
    ['garbage', 'hello, world'],
    ['an empty file', ''],
    ['a JSON array', '[1, 2]'],
    [
      'a bundle with no content',
      JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }),
    ],
  ])('refuses %s as a bundle', async (_name, text) => {
    const file = path.join(work, 'bad.json');
    await writeFile(file, text);
    const r = await verify(tgz, file, ...good);
    expect(r.code).toBe(2);
    expect(r.report!.checks[0]!.status).toBe('error');
    expect(r.report!.checks[0]!.findings[0]!.step).toBe('bundle-parse');
  });

  it.each([
    'application/vnd.dev.sigstore.bundle+json;version=0.4',
    'application/vnd.dev.sigstore.bundle.v0.4+json',
    'application/vnd.dev.sigstore.bundle.v0.3+jsonx',
  ])('refuses an unknown bundle version %s', async (mediaType) => {
    const bundle = JSON.parse(await readFile(v03, 'utf8')) as Record<string, unknown>;
    bundle.mediaType = mediaType;
    const file = path.join(work, 'unknown-version.json');
    await writeFile(file, JSON.stringify(bundle));
    const r = await verify(tgz, file, ...good);
    expect(r.code).toBe(2);
    expect(r.report!.checks[0]!.findings[0]).toMatchObject({ step: 'bundle-version' });
  });

  it('refuses a missing artifact and a missing bundle, naming the file', async () => {
    const a = await verify(path.join(work, 'nope.tgz'), v03, ...good);
    expect(a.code).toBe(2);
    expect(a.stdout).toContain('nope.tgz: file not found');
    const b = await verify(tgz, path.join(work, 'nope.json'), ...good);
    expect(b.code).toBe(2);
    expect(b.stdout).toContain('bundle file not found');
  });

  it('refuses a malformed trusted root', async () => {
    const file = path.join(work, 'trusted_root.json');
    await writeFile(
      file,
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        tlogs: [{ publicKey: { validFor: {} } }],
      }),
    );
    const r = await verify(tgz, v03, ...good, '--trusted-root', file);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/tlogs\[0\](\.publicKey)? has no validFor\.start/);
  });

  it('refuses wrong flags with a one-screen message and no report', async () => {
    for (const args of [
      ['verify-artifact', tgz, '--bundle', v03, '--certificate-identity', SIGSTORE_JS_SAN],
      ['verify-artifact', tgz, '--bundle', v03, ...good, '--certificate-identity-regexp', '.*'],
      ['verify-artifact', tgz, '--bundle', v03, ...good, '--no-such-flag'],
      ['verify-artifact', '--bundle', v03, ...good],
      [
        'verify-artifact',
        tgz,
        '--bundle',
        v03,
        '--certificate-identity-regexp',
        '(',
        '--certificate-oidc-issuer',
        GITHUB_ISSUER,
      ],
      ['frobnicate'],
    ]) {
      const r = await runCli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/^security-gate: could not evaluate: /);
      expect(r.stderr).not.toMatch(/\n\s+at .*\.(ts|js):\d+/); // no stack trace
      expect(r.report).toBeUndefined();
    }
  });

  it('verifies a copy of the artifact under another name (the name is not trusted, the digest is)', async () => {
    const copy = path.join(work, 'renamed.tgz');
    await copyFile(tgz, copy);
    expect((await verify(copy, v03, ...good)).code).toBe(0);
  });
});
