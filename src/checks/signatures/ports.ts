/**
 * What the signatures check needs from the outside world. The Sigstore adapter
 * (src/adapters/sigstore) implements it with real files and @sigstore/verify; tests may pass plain data.
 */
import type { TrustRootInfo, VerificationStep } from '../../types.js';

export interface InTotoStatement {
  type: string;
  predicateType?: string;
  subjects: { name?: string; digest: Record<string, string> }[];
  /** The predicate as found (JSON); read by the check, e.g. SLSA provenance. */
  predicate?: unknown;
}

/** Fulcio certificate extensions (1.3.6.1.4.1.57264.1.8 to .22), from the verified leaf. */
export interface FulcioExtensions {
  issuer?: string;
  buildSignerUri?: string;
  buildSignerDigest?: string;
  runnerEnvironment?: string;
  sourceRepositoryUri?: string;
  sourceRepositoryDigest?: string;
  sourceRepositoryRef?: string;
  sourceRepositoryIdentifier?: string;
  sourceRepositoryOwnerUri?: string;
  sourceRepositoryOwnerIdentifier?: string;
  buildConfigUri?: string;
  buildConfigDigest?: string;
  buildTrigger?: string;
  runInvocationUri?: string;
  sourceRepositoryVisibilityAtSigning?: string;
}

/** A bundle whose signature, certificate chain, transparency log and timestamps verified. */
export interface VerifiedBundle {
  ok: true;
  /** The trusted root this bundle verified against. */
  trustRoot?: TrustRootInfo;
  /** 1-based line in a JSON Lines bundle file */
  line?: number;
  mediaType: string;
  contentType: 'message-signature' | 'dsse';
  signer:
    | {
        kind: 'certificate';
        subjectAlternativeName?: string;
        issuer?: string;
        extensions: FulcioExtensions;
      }
    | { kind: 'public-key'; keyIndex: number };
  /** DSSE: the payload type and, for in-toto payloads, the statement. */
  payloadType?: string;
  statement?: InTotoStatement;
  /** DSSE in-toto payload that could not be read as a statement */
  statementError?: string;
  tlog: { logIndex: string; integratedTime?: string; logId: string }[];
  timestamps: { kind: 'transparency-log' | 'timestamp-authority'; time: string }[];
}

/** A bundle that did not verify (`fail`) or could not be evaluated (`error`). */
export interface FailedBundle {
  ok: false;
  line?: number;
  step: VerificationStep;
  kind: 'fail' | 'error';
  message: string;
}

export type BundleOutcome = VerifiedBundle | FailedBundle;

export interface ResolvedArtifact {
  /** Artifact path as shown to users (relative to the workspace when matched by a glob). */
  artifact: string;
  bundle: string;
  bundleExists: boolean;
}

/** What is verified: a file (hashed as a stream), or only its digest. */
export type ArtifactTarget = { kind: 'file'; path: string } | { kind: 'digest'; sha256: string };

/** Where the signatures come from. */
export type SignatureSource =
  | { kind: 'bundle'; path: string }
  | { kind: 'github-attestations'; owner: string; repo?: string; predicateType?: string };

export interface ArtifactVerification {
  /** sha256 always; sha512 when the file was hashed. */
  digest: { sha256: string; sha512?: string };
  /** One per bundle found; empty when the source holds none (no attestation). */
  outcomes: BundleOutcome[];
  /** The trusted root in use (the public-good one unless a custom root is given). */
  trustRoot: TrustRootInfo;
}

export interface SignaturePorts {
  /** Expands one `signatures.artifacts` entry into files; a glob that matches nothing gives []. */
  resolve(path: string, bundleTemplate: string): Promise<ResolvedArtifact[]>;
  /** Whether a (bundle) file exists. */
  exists(path: string): Promise<boolean>;
  /**
   * Hashes the artifact (or takes its digest) and verifies every bundle of the source against
   * it, the trusted root and `keys` (PEM paths, in order; a key-based signer reports the index of
   * its key). Throws a GateError when a file, the trusted root or the GitHub API fails.
   */
  verify(
    target: ArtifactTarget,
    source: SignatureSource,
    keys: readonly string[],
  ): Promise<ArtifactVerification>;
}
