/**
 * Cryptographic verification of Sigstore bundles with @sigstore/verify. Identity policy is NOT
 * applied here (the library's SAN policy is an unanchored regex): this returns who signed, and the
 * signatures check decides whether that signer is allowed.
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BUNDLE_V01_MEDIA_TYPE, type Bundle } from '@sigstore/bundle';
// No public export: the RFC 6962 inclusion check @sigstore/verify itself uses.
import { verifyMerkleInclusion } from '@sigstore/verify/dist/tlog/merkle.js';
import {
  toSignedEntity,
  VerificationError,
  Verifier,
  type Signer,
  type VerifierOptions,
} from '@sigstore/verify';
import { GateError, describeThrown } from '../../errors.js';
import type { VerificationStep } from '../../types.js';
import type {
  BundleOutcome,
  FailedBundle,
  InTotoStatement,
  VerifiedBundle,
} from '../../checks/signatures/ports.js';
import { parseBundleFile } from './bundle.js';
import { fulcioExtensions } from './certificate.js';
import { toSignedEntityForDigest, type ArtifactDigest } from './digest.js';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import {
  leafIssuer,
  selectTrust,
  trustMaterial,
  VERIFIER_OPTIONS,
  type LoadedTrustRoot,
} from './trust.js';

/**
 * The trusted roots a bundle may verify against. With `custom` (a trusted_root.json the user
 * gave), every bundle is verified against it alone. Otherwise the bundle's leaf certificate
 * chooses the instance (public-good or GitHub's), each with its own root and thresholds.
 */
export interface TrustSet {
  publicGood: LoadedTrustRoot;
  github: LoadedTrustRoot;
  custom?: LoadedTrustRoot;
}

export interface VerifyRequest {
  /** The artifact's digests: message signatures are verified over them, DSSE subjects matched. */
  digest: { sha256: string; sha512?: string };
  /** File mode: the bytes, for the rare key or digest algorithm that needs them. */
  readArtifact?: () => Buffer;
  bundleText: string;
  trust: TrustSet;
  /** PEM public keys allowed for key-based bundles. */
  keys: { path: string; key: KeyObject }[];
}

const STEP_BY_CODE: Record<string, VerificationStep> = {
  CERTIFICATE_ERROR: 'certificate-chain',
  PUBLIC_KEY_ERROR: 'signature',
  SIGNATURE_ERROR: 'signature',
  TIMESTAMP_ERROR: 'timestamp',
  TLOG_ERROR: 'transparency-log',
  TLOG_INCLUSION_PROOF_ERROR: 'transparency-log',
  TLOG_INCLUSION_PROMISE_ERROR: 'transparency-log',
  TLOG_MISSING_INCLUSION_ERROR: 'transparency-log',
  TLOG_BODY_ERROR: 'transparency-log',
};

/** Verifies every bundle in a bundle file against the artifact. Never throws for a bad bundle. */
export function verifyBundles(req: VerifyRequest): BundleOutcome[] {
  return parseBundleFile(req.bundleText).map((parsed): BundleOutcome => {
    const line = parsed.line === undefined ? {} : { line: parsed.line };
    if (!parsed.ok)
      return { ok: false, step: parsed.step, kind: 'error', message: parsed.message, ...line };
    try {
      if (parsed.mediaType === BUNDLE_V01_MEDIA_TYPE) checkpointlessProofs(parsed.bundle);
      return { ...verifyOne(parsed.bundle, req), mediaType: parsed.mediaType, ...line };
    } catch (err) {
      return { ...classify(err), ...line };
    }
  });
}

function verifyOne(bundle: Bundle, req: VerifyRequest): Omit<VerifiedBundle, 'mediaType'> {
  const entity =
    bundle.content.$case === 'messageSignature'
      ? toSignedEntityForDigest(bundle, signedDigest(bundle.content.messageSignature, req), {
          ...(req.readArtifact ? { artifact: req.readArtifact } : {}),
        })
      : toSignedEntity(bundle);
  refuseRootsInChain(bundle);
  const { root, options } = chooseTrust(bundle, req.trust);
  let signer: Signer;
  let keyIndex = -1;
  if (bundle.verificationMaterial.content.$case === 'publicKey') {
    if (req.keys.length === 0) {
      throw new VerificationError({
        code: 'PUBLIC_KEY_ERROR',
        message:
          'the bundle is signed with a public key, but no key was given (--key or an identities[].key entry)',
      });
    }
    // Try each allowed key; the first that verifies is the signer.
    let lastError: unknown;
    for (const [i, k] of req.keys.entries()) {
      const material = trustMaterial(root, () => ({
        publicKey: k.key,
        validFor: () => true,
      }));
      try {
        new Verifier(material, options).verify(entity);
        keyIndex = i;
        break;
      } catch (err) {
        lastError = err;
      }
    }
    if (keyIndex < 0) throw lastError;
    signer = { key: req.keys[keyIndex]!.key };
  } else {
    signer = new Verifier(trustMaterial(root), options).verify(entity);
  }

  const result: Omit<VerifiedBundle, 'mediaType'> = {
    ok: true,
    trustRoot: root.info,
    contentType: bundle.content.$case === 'dsseEnvelope' ? 'dsse' : 'message-signature',
    signer:
      keyIndex >= 0
        ? { kind: 'public-key', keyIndex }
        : {
            kind: 'certificate',
            ...(signer.identity?.subjectAlternativeName !== undefined
              ? { subjectAlternativeName: signer.identity.subjectAlternativeName }
              : {}),
            ...(signer.identity?.extensions?.issuer !== undefined
              ? { issuer: signer.identity.extensions.issuer }
              : {}),
            extensions: fulcioExtensions(signer.identity?.oids),
          },
    tlog: bundle.verificationMaterial.tlogEntries.map((e) => ({
      logIndex: e.logIndex,
      logId: e.logId?.keyId.toString('base64') ?? '',
      ...(e.integratedTime && e.integratedTime !== '0'
        ? { integratedTime: new Date(Number(e.integratedTime) * 1000).toISOString() }
        : {}),
    })),
    timestamps: entity.timestamps.map((t) =>
      t.$case === 'transparency-log'
        ? {
            kind: 'transparency-log',
            time: new Date(Number(t.tlogEntry.integratedTime) * 1000).toISOString(),
          }
        : { kind: 'timestamp-authority', time: t.timestamp.signingTime.toISOString() },
    ),
  };
  if (bundle.content.$case === 'dsseEnvelope') {
    const env = bundle.content.dsseEnvelope;
    result.payloadType = env.payloadType;
    if (env.payloadType === 'application/vnd.in-toto+json') {
      const parsed = parseStatement(env.payload);
      if (typeof parsed === 'string') result.statementError = parsed;
      else result.statement = parsed;
    }
  }
  return result;
}

/**
 * Bundles v0.1 must carry a signed entry timestamp (inclusion promise) for each log entry, and may
 * carry an inclusion proof without a checkpoint, which @sigstore/verify cannot read (it crashes on
 * the missing checkpoint). Such a proof is still checked here — the leaf must hash up to the
 * proof's own root hash (RFC 6962) — and then set aside, so that the entry is verified by its
 * promise, as the v0.1 format intends. Later versions require the checkpoint and keep it.
 */
function checkpointlessProofs(bundle: Bundle): void {
  for (const entry of bundle.verificationMaterial.tlogEntries) {
    const proof = entry.inclusionProof;
    if (!entry.inclusionPromise || !proof || proof.checkpoint) continue;
    let treeSize: bigint;
    try {
      treeSize = BigInt(proof.treeSize);
    } catch {
      throw new VerificationError({
        code: 'TLOG_INCLUSION_PROOF_ERROR',
        message: 'invalid inclusion proof tree size',
      });
    }
    type Checkpoint = Parameters<typeof verifyMerkleInclusion>[1];
    verifyMerkleInclusion(
      { ...entry, inclusionProof: { ...proof, checkpoint: { envelope: '' } } },
      {
        logSize: treeSize,
        logHash: proof.rootHash,
      } as Checkpoint,
    );
    delete entry.inclusionProof;
  }
}

/**
 * A bundle's certificate chain may carry intermediates, never a root: trust comes only from the
 * trusted root. @sigstore/verify reads only the leaf and ignores the rest; the conformance suite
 * requires a chain with a self-signed certificate to be refused, and so does the gate.
 */
function refuseRootsInChain(bundle: Bundle): void {
  const content = bundle.verificationMaterial.content;
  if (content.$case !== 'x509CertificateChain') return;
  for (const [i, cert] of content.x509CertificateChain.certificates.entries()) {
    if (i === 0) continue;
    let selfSigned: boolean;
    try {
      const x = new X509Certificate(Buffer.from(cert.rawBytes));
      selfSigned = x.subject === x.issuer;
    } catch (err) {
      throw new VerificationError({
        code: 'CERTIFICATE_ERROR',
        message: `certificate ${i} of the bundle's chain cannot be read: ${describeThrown(err)}`,
      });
    }
    if (selfSigned) {
      throw new VerificationError({
        code: 'CERTIFICATE_ERROR',
        message: `the bundle's certificate chain includes a self-signed (root) certificate at position ${i}; roots come only from the trusted root`,
      });
    }
  }
}

/**
 * The root and thresholds for one bundle. Thresholds are never chosen by loosening: public-good
 * bundles always need a transparency-log entry and an SCT; only a bundle whose certificate was
 * issued by GitHub's own CA is verified against GitHub's root, which has no logs (its thresholds
 * are 0 for logs and 1 for timestamps). A user-given root is trusted as it is: a log it does not
 * list cannot be required.
 */
function chooseTrust(
  bundle: Bundle,
  trust: TrustSet,
): { root: LoadedTrustRoot; options: VerifierOptions } {
  if (trust.custom) {
    return {
      root: trust.custom,
      options: {
        tlogThreshold: trust.custom.root.tlogs.length > 0 ? 1 : 0,
        ctlogThreshold: trust.custom.root.ctlogs.length > 0 ? 1 : 0,
        timestampThreshold: 1,
      },
    };
  }
  const instance = selectTrust(bundle, {
    'public-good': trust.publicGood.root,
    github: trust.github.root,
  });
  if (instance === 'unknown') {
    throw new VerificationError({
      code: 'CERTIFICATE_ERROR',
      message: `the signing certificate was issued by ${leafIssuer(bundle) ?? 'an unreadable issuer'}, which is neither the Sigstore public-good instance nor GitHub's; give that instance's trusted_root.json with --trusted-root / signatures.trusted-root`,
    });
  }
  return instance === 'github'
    ? { root: trust.github, options: { ...VERIFIER_OPTIONS.github } }
    : { root: trust.publicGood, options: { ...VERIFIER_OPTIONS['public-good'] } };
}

/**
 * The artifact digest to check a message signature against: the one of the algorithm the bundle
 * signed. sha256 and sha512 come from the streaming hash; another (sha384) needs the bytes.
 */
function signedDigest(
  sig: Extract<Bundle['content'], { $case: 'messageSignature' }>['messageSignature'],
  req: VerifyRequest,
): ArtifactDigest {
  const algorithm = HASH_NAMES[sig.messageDigest.algorithm];
  if (algorithm === 'sha256') return { algorithm, hex: req.digest.sha256 };
  if (algorithm === 'sha512' && req.digest.sha512) return { algorithm, hex: req.digest.sha512 };
  if (algorithm && req.readArtifact) {
    return { algorithm, hex: createHash(algorithm).update(req.readArtifact()).digest('hex') };
  }
  throw new VerificationError({
    code: 'SIGNATURE_ERROR',
    message: `the bundle signs a ${algorithm ?? 'unknown'} digest, which cannot be checked against the sha256 digest alone: verify the file instead`,
  });
}

const HASH_NAMES: Partial<Record<HashAlgorithm, ArtifactDigest['algorithm']>> = {
  [HashAlgorithm.SHA2_256]: 'sha256',
  [HashAlgorithm.SHA2_384]: 'sha384',
  [HashAlgorithm.SHA2_512]: 'sha512',
};

/** Reads an in-toto statement; returns a message when it is not one. */
export function parseStatement(payload: Buffer): InTotoStatement | string {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return `the DSSE payload is not JSON: ${describeThrown(err)}`;
  }
  const s = json as { _type?: unknown; predicateType?: unknown; subject?: unknown } | null;
  if (typeof s !== 'object' || s === null) return 'the DSSE payload is not a JSON object';
  if (
    s._type !== 'https://in-toto.io/Statement/v1' &&
    s._type !== 'https://in-toto.io/Statement/v0.1'
  ) {
    return `unknown in-toto statement type ${JSON.stringify(s._type)}`;
  }
  if (!Array.isArray(s.subject)) return 'the in-toto statement has no subject list';
  const subjects: InTotoStatement['subjects'] = [];
  for (const sub of s.subject as unknown[]) {
    const d = (sub as { digest?: unknown } | null)?.digest;
    if (typeof d !== 'object' || d === null) return 'an in-toto subject has no digest';
    const digest: Record<string, string> = {};
    for (const [alg, value] of Object.entries(d)) {
      if (typeof value === 'string') digest[alg.toLowerCase()] = value.toLowerCase();
    }
    const name = (sub as { name?: unknown }).name;
    subjects.push({ ...(typeof name === 'string' ? { name } : {}), digest });
  }
  return {
    type: s._type,
    ...(typeof s.predicateType === 'string' ? { predicateType: s.predicateType } : {}),
    subjects,
    ...('predicate' in s ? { predicate: (s as { predicate?: unknown }).predicate } : {}),
  };
}

function classify(err: unknown): FailedBundle {
  if (err instanceof VerificationError) {
    return {
      ok: false,
      kind: 'fail',
      step: STEP_BY_CODE[err.code] ?? 'signature',
      message: err.message,
    };
  }
  if (err instanceof GateError) {
    const step = err.message.startsWith('trusted root') ? 'trust-root' : 'signature';
    return { ok: false, kind: 'error', step, message: err.message };
  }
  // Library errors are not all typed (TypeError, OpenSSL, ASN.1): the bundle could not be evaluated.
  return {
    ok: false,
    kind: 'error',
    step: 'bundle-parse',
    message: `cannot verify the bundle: ${describeThrown(err)}`,
  };
}

/** Reads a PEM public key file. */
export async function loadPublicKey(path: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    throw new GateError('input', `cannot read public key ${path}: ${describeThrown(err)}`, {
      cause: err,
      location: { file: path },
      fix: 'Check the --key flag or the `signatures.identities[].key` policy key.',
    });
  }
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new GateError('input', `${path} is not a PEM public key: ${describeThrown(err)}`, {
      cause: err,
      location: { file: path },
    });
  }
}
