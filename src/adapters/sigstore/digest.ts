/**
 * Verifying by digest: hashing an artifact in one streaming pass, and checking a Sigstore
 * message-signature bundle against a digest instead of the artifact's bytes.
 *
 * `@sigstore/verify` checks a message signature with Node's `crypto.verify(alg, artifactBytes, …)`,
 * so it needs the whole artifact in memory, and Node's crypto cannot verify a signature over a
 * digest computed beforehand. {@link toSignedEntityForDigest} builds the same entity as
 * `toSignedEntity` but with a signature content that verifies the ECDSA signature over the given
 * digest as a prehashed message (`@noble/curves`). The certificate chain, SCTs, transparency-log
 * entries and timestamps are still checked by `Verifier.verify`, unchanged.
 *
 * Uses:
 * - digest mode (`sha256:<hex>` given, no artifact): {@link parseDigest}, then
 *   {@link toSignedEntityForDigest};
 * - file mode without reading a multi-GB file into memory: {@link hashFile}, then
 *   {@link toSignedEntityForDigest} with the file's SHA-256 (and an `artifact` fallback for keys
 *   that cannot verify a prehashed digest, see {@link DigestEntityOptions.artifact}).
 *
 * DSSE bundles need nothing special: their signature covers the envelope (the in-toto statement),
 * which `toSignedEntity(bundle)` verifies without the artifact. The artifact is bound only by the
 * statement's subjects: the caller MUST check that the digest is one of them.
 */
import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { Bundle } from '@sigstore/bundle';
import { crypto as sigstoreCrypto } from '@sigstore/core';
import {
  HashAlgorithm,
  hashAlgorithmToJSON,
  type MessageSignature,
} from '@sigstore/protobuf-specs';
import { toSignedEntity, VerificationError, type SignedEntity } from '@sigstore/verify';
import { GateError, describeThrown } from '../../errors.js';

/** What `SignedEntity.signature` must implement (not exported by @sigstore/verify by name). */
export type SignatureContent = SignedEntity['signature'];

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** An artifact digest: algorithm and lowercase hex. */
export interface ArtifactDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

export interface FileDigest {
  /** lowercase hex */
  sha256: string;
  /** lowercase hex */
  sha512: string;
  /** bytes read */
  size: number;
}

/**
 * Bytes read per chunk while hashing. Measured on Node 24 (bench/hash-large.mjs): 256 KiB was
 * ~20% faster than the 64 KiB default; 1 MiB and more were no faster and kept more garbage chunks
 * alive between collections (peak RSS +25 MB). Memory stays flat whatever the file size.
 */
const HASH_CHUNK_BYTES = 256 * 1024;

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

const DIGEST_FORM = 'sha256:<64 hex digits>';

/**
 * SHA-256 and SHA-512 of a file in one streaming pass (both updated per chunk): memory stays flat
 * whatever the file's size. Only regular files are read (a directory, device or pipe is refused
 * before any read, so `/dev/zero` or a FIFO cannot hang the gate).
 *
 * @throws GateError `input` naming the file when it is missing, not a regular file, or unreadable.
 */
export async function hashFile(path: string): Promise<FileDigest> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (no effect on regular files).
    handle = await open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw readError(path, err);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      const kind = info.isDirectory() ? 'a directory' : 'not a regular file';
      throw new GateError('input', `cannot hash ${path}: it is ${kind}`, {
        location: { file: path },
        fix: 'Give the path of a regular file (not a directory, device, socket or pipe).',
      });
    }
    const sha256 = createHash('sha256');
    const sha512 = createHash('sha512');
    let size = 0;
    // One buffer, reused for every read: memory stays flat whatever the file's size (a stream
    // would allocate a new chunk per read and leave them to the garbage collector).
    const buffer = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      sha256.update(chunk);
      sha512.update(chunk);
      size += bytesRead;
    }
    return { sha256: sha256.digest('hex'), sha512: sha512.digest('hex'), size };
  } catch (err) {
    if (err instanceof GateError) throw err;
    throw readError(path, err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function readError(path: string, err: unknown): GateError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const reason =
    code === 'ENOENT'
      ? 'file not found'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : describeThrown(err);
  return new GateError('input', `cannot hash ${path}: ${reason}`, {
    cause: err,
    location: { file: path },
  });
}

/**
 * Parses the CLI's digest form `sha256:<64 hex digits>`. Upper-case hex (and `SHA256:`) is
 * accepted and lower-cased; surrounding whitespace is ignored.
 *
 * @throws GateError `input` for any other form: missing prefix, another algorithm, wrong length,
 * non-hex characters.
 */
export function parseDigest(text: string): { algorithm: 'sha256'; hex: string } {
  const given = text.trim();
  const shown = JSON.stringify(given.length > 80 ? `${given.slice(0, 77)}...` : given);
  const fail = (why: string): never => {
    throw new GateError('input', `invalid digest ${shown}: ${why}; expected ${DIGEST_FORM}`, {
      fix: `Write the artifact digest as ${DIGEST_FORM}, e.g. "sha256:$(sha256sum FILE | cut -d' ' -f1)".`,
    });
  };
  if (given === '') return fail('it is empty');
  const colon = given.indexOf(':');
  if (colon < 0) {
    return fail(
      /^[0-9a-f]+$/i.test(given)
        ? 'the algorithm prefix "sha256:" is missing'
        : 'no "sha256:" prefix',
    );
  }
  const algorithm = given.slice(0, colon).toLowerCase();
  const hex = given.slice(colon + 1).toLowerCase();
  if (algorithm !== 'sha256') {
    return fail(`unsupported algorithm ${JSON.stringify(algorithm)} (only sha256 is accepted)`);
  }
  if (!/^[0-9a-f]*$/.test(hex)) return fail('the digest has characters that are not hex digits');
  if (hex.length !== 64)
    return fail(`a sha256 digest has 64 hex digits, this one has ${hex.length}`);
  return { algorithm: 'sha256', hex };
}

/** Options for {@link toSignedEntityForDigest}. */
export interface DigestEntityOptions {
  /**
   * File mode only: reads the artifact's bytes. Used solely when the signing key cannot verify a
   * prehashed digest (RSA, Ed25519, curves other than P-256/P-384/P-521): the bytes are hashed,
   * must equal the digest, and the signature is then verified over them exactly as
   * `@sigstore/verify` does. Without it, such keys make verification throw GateError `input`.
   */
  artifact?: () => Buffer;
}

/**
 * The entity `@sigstore/verify`'s `toSignedEntity(bundle, artifact)` builds (same key, tlog
 * entries and timestamps), but checked against `digest` instead of the artifact's bytes, so that
 * `new Verifier(trustMaterial).verify(entity)` runs the full chain, tlog and timestamp checks
 * unchanged and verifies the signature over the digest.
 *
 * - Message signature: the bundle's `messageDigest` must be `digest` (algorithm and value), else
 *   this throws a VerificationError (`SIGNATURE_ERROR`) saying which digests differ; the signature
 *   content refuses it too ({@link DigestSignatureContent}).
 * - DSSE: the entity is `toSignedEntity(bundle)`; the digest is NOT checked here. The caller must
 *   find it among the in-toto statement's subjects.
 *
 * @throws GateError `input` for a malformed digest; VerificationError when the bundle signs
 * another digest; what `toSignedEntity` throws for an unreadable certificate or timestamp.
 */
export function toSignedEntityForDigest(
  bundle: Bundle,
  digest: ArtifactDigest,
  options: DigestEntityOptions = {},
): SignedEntity {
  const expected = normalizeDigest(digest);
  const entity = toSignedEntity(bundle);
  if (bundle.content.$case !== 'messageSignature') return entity;
  const content = new DigestSignatureContent(bundle.content.messageSignature, expected, options);
  if (!content.bundleDigestMatches) {
    throw new VerificationError({
      code: 'SIGNATURE_ERROR',
      message: `the bundle signs ${describeBundleDigest(bundle.content.messageSignature)}, not the artifact's ${expected.algorithm}:${expected.hex}`,
    });
  }
  return { ...entity, signature: content };
}

/**
 * `SignatureContent` of a message-signature bundle checked against a digest. Mirrors
 * `@sigstore/verify`'s MessageSignatureContent, except that:
 * - `compareDigest`/`compareSignedDigest` (used against the tlog entry) accept only the given
 *   digest, and only when the bundle's `messageDigest` is that digest (same algorithm);
 * - `verifySignature` verifies the ECDSA signature (DER) over the GIVEN digest as a prehashed
 *   message, never over the bundle's own `messageDigest`, which the specification says is not to be
 *   used for verification. It returns false when the bundle's digest differs.
 */
export class DigestSignatureContent implements SignatureContent {
  readonly signature: Buffer;
  /** Whether the bundle's messageDigest is the given digest (algorithm and value). */
  readonly bundleDigestMatches: boolean;
  readonly #digest: Buffer;
  readonly #algorithm: DigestAlgorithm;
  readonly #artifact: (() => Buffer) | undefined;

  constructor(
    messageSignature: MessageSignature,
    digest: ArtifactDigest,
    options: DigestEntityOptions = {},
  ) {
    const expected = normalizeDigest(digest);
    this.signature = messageSignature.signature;
    this.#algorithm = expected.algorithm;
    this.#digest = Buffer.from(expected.hex, 'hex');
    this.#artifact = options.artifact;
    const bundleDigest = messageSignature.messageDigest;
    this.bundleDigestMatches =
      bundleDigest !== undefined &&
      bundleAlgorithm(bundleDigest.algorithm) === expected.algorithm &&
      bytesEqual(bundleDigest.digest, this.#digest);
  }

  compareSignature(signature: Buffer): boolean {
    return bytesEqual(signature, this.signature);
  }

  compareDigest(digest: Buffer): boolean {
    return this.bundleDigestMatches && bytesEqual(digest, this.#digest);
  }

  // For a message signature the signed digest is the artifact's digest (as in @sigstore/verify).
  compareSignedDigest(digest: Buffer): boolean {
    return this.compareDigest(digest);
  }

  verifySignature(key: KeyObject): boolean {
    if (!this.bundleDigestMatches) return false;
    const curve = ecdsaCurve(key);
    if (curve) return verifyPrehashed(curve, key, this.#digest, this.signature);
    if (!this.#artifact) {
      throw new GateError(
        'input',
        `cannot verify this bundle by digest: its signing key is ${describeKey(key)}, and only ECDSA P-256, P-384 and P-521 signatures can be checked against a digest (others sign the whole artifact)`,
        { fix: 'Verify the artifact file itself instead of its digest.' },
      );
    }
    // File mode with a key that signs the whole message: verify over the bytes, as @sigstore/verify.
    const bytes = this.#artifact();
    if (!bytesEqual(createHash(this.#algorithm).update(bytes).digest(), this.#digest)) return false;
    return sigstoreCrypto.verify(bytes, key, this.signature, this.#algorithm);
  }
}

type Curve = typeof p256;

/** The noble curve for an EC public key, or undefined for any other key type or curve. */
function ecdsaCurve(key: KeyObject): Curve | undefined {
  if (key.asymmetricKeyType !== 'ec') return undefined;
  switch (key.asymmetricKeyDetails?.namedCurve) {
    case 'prime256v1':
      return p256;
    case 'secp384r1':
      return p384;
    case 'secp521r1':
      return p521;
    default:
      return undefined;
  }
}

const KEY_TYPE_NAMES: Record<string, string> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  dsa: 'DSA',
};

function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return `ECDSA on curve ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'}`;
  if (type === undefined) return 'of an unknown type';
  return KEY_TYPE_NAMES[type] ?? type;
}

/**
 * ECDSA verification of a DER signature over a digest used as the message hash (no hashing
 * here). High-S signatures are accepted, as OpenSSL (and so Node and @sigstore/verify) accept them.
 */
function verifyPrehashed(curve: Curve, key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return false;
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  const point = new Uint8Array(1 + x.length + y.length);
  point[0] = 0x04; // uncompressed SEC 1 point
  point.set(x, 1);
  point.set(y, 1 + x.length);
  try {
    // Copies into plain Uint8Arrays: a Buffer from another realm (jest) must not confuse noble.
    return curve.verify(new Uint8Array(signature), new Uint8Array(digest), point, {
      prehash: false,
      lowS: false,
      format: 'der',
    });
  } catch {
    return false; // malformed signature or key: not verified
  }
}

function normalizeDigest(digest: ArtifactDigest): ArtifactDigest {
  const algorithm = digest.algorithm;
  const hex = typeof digest.hex === 'string' ? digest.hex.toLowerCase() : '';
  const length = Object.hasOwn(HEX_LENGTH, algorithm) ? HEX_LENGTH[algorithm] : undefined;
  if (length === undefined) {
    throw new GateError(
      'input',
      `unsupported digest algorithm ${JSON.stringify(String(algorithm).slice(0, 40))}: use sha256, sha384 or sha512`,
    );
  }
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex)) {
    throw new GateError(
      'input',
      `invalid ${algorithm} digest: expected ${length} hex digits, got ${hex.length > 140 ? `${hex.length} characters` : JSON.stringify(digest.hex)}`,
    );
  }
  return { algorithm, hex };
}

/**
 * The bundle's digest algorithm as @sigstore/verify reads it (unspecified means SHA-256); SHA-3
 * and unknown values match no {@link DigestAlgorithm}.
 */
function bundleAlgorithm(algorithm: HashAlgorithm): DigestAlgorithm | undefined {
  switch (algorithm) {
    case HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED:
    case HashAlgorithm.SHA2_256:
      return 'sha256';
    case HashAlgorithm.SHA2_384:
      return 'sha384';
    case HashAlgorithm.SHA2_512:
      return 'sha512';
    default:
      return undefined;
  }
}

function describeBundleDigest(ms: MessageSignature): string {
  if (!ms.messageDigest) return 'no message digest';
  const { algorithm, digest } = ms.messageDigest;
  return `${bundleAlgorithm(algorithm) ?? hashAlgorithmToJSON(algorithm)}:${digest.toString('hex')}`;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
