/**
 * Verifying by digest (src/adapters/sigstore/digest.ts): streaming file hashes, the CLI's
 * `sha256:<hex>` form, and message-signature bundles verified against a digest with the full
 * @sigstore/verify chain/tlog/timestamp checks. Bundles are real, made by a mock Sigstore instance
 * (Fulcio, Rekor, TSA over HTTP on 127.0.0.1) or signed by hand with node:crypto keys and
 * timestamped by the mock TSA.
 */
import { execFileSync } from 'node:child_process';
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { p256 } from '@noble/curves/nist.js';
import { BUNDLE_V03_MEDIA_TYPE, bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { HashAlgorithm, TrustedRoot } from '@sigstore/protobuf-specs';
import { TSAWitness } from '@sigstore/sign';
import {
  toSignedEntity,
  toTrustMaterial,
  VerificationError,
  Verifier,
  type Signer,
  type VerifierOptions,
} from '@sigstore/verify';
import {
  DigestSignatureContent,
  hashFile,
  parseDigest,
  toSignedEntityForDigest,
  type ArtifactDigest,
  type DigestAlgorithm,
} from '../src/adapters/sigstore/digest.js';
import { GateError } from '../src/errors.js';
import {
  inTotoStatement,
  publicKeyHint,
  startMockSigstore,
  type MockIdentity,
  type MockSigstore,
} from './helpers/sigstore-instance.js';

const RELEASE = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const release: MockIdentity = {
  subject: RELEASE,
  issuer: 'https://token.actions.githubusercontent.com',
};

const artifact = Buffer.from('the release tarball\n');
const other = Buffer.from('a different tarball\n');
const digestOf = (data: Buffer, algorithm: DigestAlgorithm = 'sha256'): ArtifactDigest => ({
  algorithm,
  hex: createHash(algorithm).update(data).digest('hex'),
});

let sigstore: MockSigstore;
let stranger: MockSigstore;
let work: string;
beforeAll(async () => {
  [sigstore, stranger] = await Promise.all([startMockSigstore(), startMockSigstore()]);
  work = await mkdtemp(path.join(tmpdir(), 'sg-digest-'));
});
afterAll(async () => {
  await Promise.all([sigstore.close(), stranger.close()]);
  await chmod(work, 0o700).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

interface VerifyOptions {
  /** the public key allowed for key-based bundles */
  key?: KeyObject;
  /** the instance whose trusted root is used (default: the one that signed) */
  root?: MockSigstore;
  verifier?: VerifierOptions;
  artifact?: () => Buffer;
}

function trust(opts: VerifyOptions) {
  const key = opts.key;
  return toTrustMaterial(
    TrustedRoot.fromJSON((opts.root ?? sigstore).trustedRoot),
    key ? () => ({ publicKey: key, validFor: () => true }) : undefined,
  );
}

/** Digest mode: verify the bundle against `digest` with the full Verifier. */
function verifyByDigest(
  json: Record<string, unknown>,
  digest: ArtifactDigest,
  opts: VerifyOptions = {},
): Signer {
  const entity = toSignedEntityForDigest(
    bundleFromJSON(json),
    digest,
    opts.artifact ? { artifact: opts.artifact } : {},
  );
  return new Verifier(trust(opts), opts.verifier).verify(entity);
}

/** File mode as @sigstore/verify does it (whole artifact in memory), for comparison. */
function verifyByBytes(
  json: Record<string, unknown>,
  data: Buffer,
  opts: VerifyOptions = {},
): Signer {
  return new Verifier(trust(opts), opts.verifier).verify(
    toSignedEntity(bundleFromJSON(json), data),
  );
}

/** What a thrown value is, for `toMatchObject`. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/**
 * A v0.3 key-based message-signature bundle built by hand: `signature` over `data`, a
 * `messageDigest` of `algorithm`, and an RFC 3161 timestamp from the mock TSA (no Rekor entry:
 * verify with `tlogThreshold: 0`). For signatures @sigstore/sign cannot make (SHA-384/512,
 * Ed25519, RSA, doctored signatures).
 */
async function bundleByHand(
  data: Buffer,
  publicKey: KeyObject,
  signature: Buffer,
  algorithm: DigestAlgorithm = 'sha256',
): Promise<Record<string, unknown>> {
  const content: Bundle['content'] = {
    $case: 'messageSignature',
    messageSignature: {
      messageDigest: {
        algorithm: {
          sha256: HashAlgorithm.SHA2_256,
          sha384: HashAlgorithm.SHA2_384,
          sha512: HashAlgorithm.SHA2_512,
        }[algorithm],
        digest: createHash(algorithm).update(data).digest(),
      },
      signature,
    },
  };
  const { rfc3161Timestamps = [] } = await new TSAWitness({
    tsaBaseURL: sigstore.url,
    retry: 0,
  }).testify(content);
  const bundle: Bundle = {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      content: { $case: 'publicKey', publicKey: { hint: publicKeyHint(publicKey) } },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps },
    },
    content,
  };
  return JSON.parse(JSON.stringify(bundleToJSON(bundle))) as Record<string, unknown>;
}

/** A copy of a message-signature bundle (JSON) whose messageDigest is the SHA-256 of `data`. */
function withMessageDigest(json: Record<string, unknown>, data: Buffer): Record<string, unknown> {
  const copy = structuredClone(json);
  const ms = copy['messageSignature'] as { messageDigest: { digest: string } };
  ms.messageDigest.digest = createHash('sha256').update(data).digest('base64');
  return copy;
}

const NO_TLOG: VerifierOptions = { tlogThreshold: 0 };

function ecKey(namedCurve: 'P-256' | 'P-384' | 'P-521') {
  return generateKeyPairSync('ec', { namedCurve });
}

/** The same ECDSA P-256 signature with s replaced by n − s (equally valid; OpenSSL accepts it). */
function toHighS(der: Buffer): Buffer {
  const sig = p256.Signature.fromBytes(new Uint8Array(der), 'der');
  const s = sig.hasHighS() ? sig.s : p256.Point.Fn.ORDER - sig.s;
  return Buffer.from(new p256.Signature(sig.r, s).toBytes('der'));
}

describe('toSignedEntityForDigest: keyless message signatures (Fulcio P-256, SHA-256)', () => {
  let bundle: Record<string, unknown>;
  beforeAll(async () => {
    bundle = await sigstore.signBlob(artifact, release);
  });

  it('verifies against the artifact digest, with the same signer as file mode', () => {
    const signer = verifyByDigest(bundle, digestOf(artifact));
    expect(signer.identity?.subjectAlternativeName).toBe(RELEASE);
    expect(signer.identity?.extensions?.issuer).toBe(release.issuer);
    expect(signer).toEqual(verifyByBytes(bundle, artifact));
  });

  it('accepts the digest in upper case through parseDigest', () => {
    const digest = parseDigest(`SHA256:${digestOf(artifact).hex.toUpperCase()}`);
    expect(verifyByDigest(bundle, digest).identity?.subjectAlternativeName).toBe(RELEASE);
  });

  it('fails with a VerificationError naming both digests for another digest', () => {
    const err = thrown(() => verifyByDigest(bundle, digestOf(other)));
    expect(err).toBeInstanceOf(VerificationError);
    expect(err).toMatchObject({ code: 'SIGNATURE_ERROR' });
    expect((err as Error).message).toContain(`sha256:${digestOf(artifact).hex}`);
    expect((err as Error).message).toContain(`sha256:${digestOf(other).hex}`);
  });

  it('fails for the right artifact hashed with another algorithm', () => {
    for (const algorithm of ['sha384', 'sha512'] as const) {
      expect(() => verifyByDigest(bundle, digestOf(artifact, algorithm))).toThrow(
        VerificationError,
      );
    }
  });

  it('fails when the bundle messageDigest is rewritten to match another artifact (tlog body)', () => {
    const forged = withMessageDigest(bundle, other);
    const err = thrown(() => verifyByDigest(forged, digestOf(other)));
    expect(err).toBeInstanceOf(VerificationError);
    expect(err).toMatchObject({ code: 'TLOG_BODY_ERROR' });
  });

  it('fails the signature check when a tlog-less bundle claims another artifact digest', async () => {
    const tsaOnly = await sigstore.signBlob(artifact, release, { tlog: false, tsa: true });
    expect(verifyByDigest(tsaOnly, digestOf(artifact), { verifier: NO_TLOG })).toBeDefined();
    const forged = withMessageDigest(tsaOnly, other);
    const err = thrown(() =>
      verifyByDigest(forged, digestOf(other), {
        verifier: NO_TLOG,
      }),
    );
    expect(err).toBeInstanceOf(VerificationError);
    expect(err).toMatchObject({
      code: 'SIGNATURE_ERROR',
      message: 'signature verification failed',
    });
  });

  it('still checks the certificate chain: another instance’s trusted root fails', () => {
    const err = thrown(() => verifyByDigest(bundle, digestOf(artifact), { root: stranger }));
    expect(err).toBeInstanceOf(VerificationError);
    expect(err).toMatchObject({ code: 'CERTIFICATE_ERROR' });
  });

  it('refuses a malformed digest with GateError input', () => {
    const b = bundleFromJSON(bundle);
    for (const digest of [
      { algorithm: 'sha256', hex: 'abc' },
      { algorithm: 'sha256', hex: 'z'.repeat(64) },
      { algorithm: 'md5', hex: 'a'.repeat(32) },
      { algorithm: 'constructor', hex: 'a'.repeat(64) },
    ]) {
      const err = thrown(() => toSignedEntityForDigest(b, digest as ArtifactDigest));
      expect(err).toBeInstanceOf(GateError);
      expect(err).toMatchObject({ code: 'input' });
    }
  });
});

describe('toSignedEntityForDigest: DSSE bundles', () => {
  it('is toSignedEntity(bundle): the digest is bound by the statement subjects, checked by the caller', async () => {
    const statement = inTotoStatement(
      [{ name: 'app.tgz', digest: { sha256: digestOf(artifact).hex } }],
      'https://slsa.dev/provenance/v1',
    );
    const bundle = await sigstore.signDsse(statement, release);
    // Verifies whatever the digest: matching it to a subject is the signatures check's job.
    for (const digest of [digestOf(artifact), digestOf(other)]) {
      expect(verifyByDigest(bundle, digest).identity?.subjectAlternativeName).toBe(RELEASE);
    }
  });
});

describe('toSignedEntityForDigest: key-based message signatures', () => {
  it('verifies a P-256 key bundle (with its Rekor entry), and not with another key', async () => {
    const { privateKey, publicKey } = ecKey('P-256');
    const bundle = await sigstore.signBlobWithKey(artifact, { privateKey });
    expect(verifyByDigest(bundle, digestOf(artifact), { key: publicKey }).key).toBe(publicKey);
    expect(() => verifyByDigest(bundle, digestOf(other), { key: publicKey })).toThrow(
      VerificationError,
    );
    const err = thrown(() =>
      verifyByDigest(bundle, digestOf(artifact), { key: ecKey('P-256').publicKey }),
    );
    expect(err).toMatchObject({ code: 'SIGNATURE_ERROR' });
  });

  it('verifies a P-384 key bundle signed with SHA-256 (as signBlobWithKey makes them)', async () => {
    const { privateKey, publicKey } = ecKey('P-384');
    const bundle = await sigstore.signBlobWithKey(artifact, { privateKey });
    expect(verifyByDigest(bundle, digestOf(artifact), { key: publicKey }).key).toBe(publicKey);
    expect(verifyByBytes(bundle, artifact, { key: publicKey }).key).toBe(publicKey);
  });

  it.each([
    ['P-384', 'sha384'],
    ['P-521', 'sha512'],
    ['P-256', 'sha384'],
  ] as const)('verifies a %s key bundle signed with %s', async (curve, algorithm) => {
    const { privateKey, publicKey } = ecKey(curve);
    const bundle = await bundleByHand(
      artifact,
      publicKey,
      sign(algorithm, artifact, privateKey),
      algorithm,
    );
    const opts = { key: publicKey, verifier: NO_TLOG };
    expect(verifyByBytes(bundle, artifact, opts).key).toBe(publicKey);
    expect(verifyByDigest(bundle, digestOf(artifact, algorithm), opts).key).toBe(publicKey);
    // The bundle says which algorithm: the same artifact under SHA-256 is another digest.
    expect(() => verifyByDigest(bundle, digestOf(artifact), opts)).toThrow(VerificationError);
    expect(() => verifyByDigest(bundle, digestOf(other, algorithm), opts)).toThrow(
      VerificationError,
    );
  });

  it('accepts a high-S ECDSA signature, as OpenSSL (file mode) does', async () => {
    const { privateKey, publicKey } = ecKey('P-256');
    const highS = toHighS(sign('sha256', artifact, privateKey));
    expect(nodeVerify('sha256', artifact, publicKey, highS)).toBe(true);
    const bundle = await bundleByHand(artifact, publicKey, highS);
    const opts = { key: publicKey, verifier: NO_TLOG };
    expect(verifyByBytes(bundle, artifact, opts).key).toBe(publicKey);
    expect(verifyByDigest(bundle, digestOf(artifact), opts).key).toBe(publicKey);
  });

  it('fails on a corrupted or non-DER signature, as file mode does', async () => {
    const { privateKey, publicKey } = ecKey('P-256');
    const good = sign('sha256', artifact, privateKey);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 0x01;
    const compact = Buffer.from(p256.Signature.fromBytes(new Uint8Array(good), 'der').toBytes());
    const opts = { key: publicKey, verifier: NO_TLOG };
    for (const bad of [
      flipped,
      Buffer.concat([good, Buffer.from([0])]),
      good.subarray(0, 8),
      compact,
    ]) {
      const bundle = await bundleByHand(artifact, publicKey, bad);
      expect(() => verifyByBytes(bundle, artifact, opts)).toThrow(VerificationError);
      expect(thrown(() => verifyByDigest(bundle, digestOf(artifact), opts))).toMatchObject({
        code: 'SIGNATURE_ERROR',
      });
    }
  });

  it('refuses an Ed25519 key with a clear GateError, and never passes', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const bundle = await bundleByHand(artifact, publicKey, sign(null, artifact, privateKey));
    const opts = { key: publicKey, verifier: NO_TLOG };
    const err = thrown(() => verifyByDigest(bundle, digestOf(artifact), opts));
    expect(err).toBeInstanceOf(GateError);
    expect(err).toMatchObject({ code: 'input' });
    expect((err as Error).message).toMatch(/by digest.*Ed25519.*P-256, P-384 and P-521/);
    // With the artifact at hand it is checked as @sigstore/verify does, which refuses Ed25519
    // message signatures (Node's verify with a SHA-256 digest): never a pass.
    expect(() => verifyByBytes(bundle, artifact, opts)).toThrow(VerificationError);
    expect(() =>
      verifyByDigest(bundle, digestOf(artifact), { ...opts, artifact: () => artifact }),
    ).toThrow(VerificationError);
  });

  it('refuses an RSA key by digest; file mode falls back to the bytes and checks them', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const bundle = await bundleByHand(artifact, publicKey, sign('sha256', artifact, privateKey));
    const opts = { key: publicKey, verifier: NO_TLOG };
    const err = thrown(() => verifyByDigest(bundle, digestOf(artifact), opts));
    expect(err).toMatchObject({ code: 'input', message: expect.stringMatching(/RSA/) });
    expect(
      verifyByDigest(bundle, digestOf(artifact), { ...opts, artifact: () => artifact }).key,
    ).toBe(publicKey);
    // Bytes that do not hash to the digest (a file changed after hashing) never verify.
    expect(() =>
      verifyByDigest(bundle, digestOf(artifact), { ...opts, artifact: () => other }),
    ).toThrow(VerificationError);
  });
});

describe('DigestSignatureContent', () => {
  it('compares only the given digest, and only when the bundle signs it', async () => {
    const { privateKey, publicKey } = ecKey('P-256');
    const json = await sigstore.signBlobWithKey(artifact, { privateKey });
    const b = bundleFromJSON(json);
    if (b.content.$case !== 'messageSignature') throw new Error('expected a message signature');
    const ms = b.content.messageSignature;
    const raw = (d: ArtifactDigest) => Buffer.from(d.hex, 'hex');

    const right = new DigestSignatureContent(ms, digestOf(artifact));
    expect(right.bundleDigestMatches).toBe(true);
    expect(right.compareDigest(raw(digestOf(artifact)))).toBe(true);
    expect(right.compareSignedDigest(raw(digestOf(artifact)))).toBe(true);
    expect(right.compareDigest(raw(digestOf(other)))).toBe(false);
    expect(right.compareSignature(ms.signature)).toBe(true);
    expect(right.compareSignature(Buffer.alloc(ms.signature.length))).toBe(false);
    expect(right.verifySignature(publicKey)).toBe(true);
    expect(right.verifySignature(createPublicKey(ecKey('P-256').privateKey))).toBe(false);

    const wrong = new DigestSignatureContent(ms, digestOf(other));
    expect(wrong.bundleDigestMatches).toBe(false);
    expect(wrong.compareDigest(raw(digestOf(other)))).toBe(false);
    expect(wrong.compareDigest(raw(digestOf(artifact)))).toBe(false);
    expect(wrong.verifySignature(publicKey)).toBe(false);

    const noDigest = new DigestSignatureContent(
      { ...ms, messageDigest: undefined },
      digestOf(artifact),
    );
    expect(noDigest.compareDigest(raw(digestOf(artifact)))).toBe(false);
    expect(noDigest.verifySignature(publicKey)).toBe(false);
  });
});

describe('hashFile', () => {
  const expected = (data: Buffer) => ({
    sha256: createHash('sha256').update(data).digest('hex'),
    sha512: createHash('sha512').update(data).digest('hex'),
    size: data.length,
  });

  it.each([
    ['an empty file', Buffer.alloc(0)],
    ['a small file', Buffer.from('hello\n')],
    ['a file of a few MB (several chunks, last one partial)', randomBytes(5 * 1024 * 1024 + 123)],
  ])('hashes %s like node:crypto', async (_name, data) => {
    const file = path.join(work, `f-${data.length}`);
    await writeFile(file, data);
    await expect(hashFile(file)).resolves.toEqual(expected(data));
  });

  async function inputError(p: string): Promise<GateError> {
    const err = await hashFile(p).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GateError);
    expect(err).toMatchObject({ code: 'input', location: { file: p } });
    return err as GateError;
  }

  it('refuses a missing file, naming it', async () => {
    const p = path.join(work, 'missing.tgz');
    expect((await inputError(p)).message).toBe(`cannot hash ${p}: file not found`);
  });

  it('refuses a directory', async () => {
    expect((await inputError(work)).message).toBe(`cannot hash ${work}: it is a directory`);
  });

  it('refuses a device without reading it forever', async () => {
    expect((await inputError('/dev/zero')).message).toMatch(/not a regular file/);
  });

  (process.platform === 'linux' ? it : it.skip)(
    'refuses a FIFO without waiting for a writer',
    async () => {
      const fifo = path.join(work, 'fifo');
      execFileSync('mkfifo', [fifo]);
      expect((await inputError(fifo)).message).toMatch(/not a regular file/);
    },
  );

  // root reads anything: the permission case needs an ordinary user.
  (process.getuid?.() === 0 ? it.skip : it)('refuses an unreadable file', async () => {
    const file = path.join(work, 'secret');
    await writeFile(file, 'x', { mode: 0o000 });
    expect((await inputError(file)).message).toBe(`cannot hash ${file}: permission denied`);
  });
});

describe('parseDigest', () => {
  const hex = 'ab'.repeat(32);

  it.each([
    [`sha256:${hex}`, hex],
    [`sha256:${hex.toUpperCase()}`, hex],
    [`SHA256:${hex}`, hex],
    [`  sha256:${hex}\n`, hex],
  ])('accepts %j', (text, want) => {
    expect(parseDigest(text)).toEqual({ algorithm: 'sha256', hex: want });
  });

  it.each([
    ['', /it is empty/],
    [hex, /the algorithm prefix "sha256:" is missing/],
    ['latest', /no "sha256:" prefix/],
    [`sha512:${'ab'.repeat(64)}`, /unsupported algorithm "sha512"/],
    [`sha1:${'ab'.repeat(20)}`, /unsupported algorithm "sha1"/],
    [`:${hex}`, /unsupported algorithm ""/],
    [`sha256:${hex.slice(1)}`, /64 hex digits, this one has 63/],
    [`sha256:${hex}0`, /64 hex digits, this one has 65/],
    ['sha256:', /64 hex digits, this one has 0/],
    [`sha256:${'g'.repeat(64)}`, /not hex digits/],
    [`sha256:${hex.slice(2)}:x`, /not hex digits/],
    [`sha256: ${hex}`, /not hex digits/],
  ])('refuses %j', (text, why) => {
    const err = thrown(() => parseDigest(text));
    expect(err).toBeInstanceOf(GateError);
    expect(err).toMatchObject({ code: 'input' });
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toContain('expected sha256:<64 hex digits>');
  });

  it('does not echo a huge input in full', () => {
    const err = thrown(() => parseDigest(`sha256:${'x'.repeat(10_000)}`)) as Error;
    expect(err.message.length).toBeLessThan(300);
  });
});
