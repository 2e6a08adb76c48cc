/**
 * Verification summary attestation (SLSA VSA v1, https://slsa.dev/spec/v1.0/verification_summary):
 * when the gate passes, an in-toto statement whose subjects are the verified artifacts' digests,
 * recording what was verified — the policy (path and SHA-256), the gate's version and time, the
 * checks enforced, the trust roots and the advisory snapshot — signed keyless with Sigstore
 * (`@sigstore/sign`: a Fulcio certificate for the workflow's OIDC identity, a Rekor entry or an
 * RFC 3161 timestamp). A later gate (staging → production) can then require it:
 * `signatures.predicate-type: https://slsa.dev/verification_summary/v1` with the identity of the
 * earlier gate's workflow; the signatures check accepts only `verificationResult: PASSED`.
 */
import { bundleToJSON, BUNDLE_V03_MEDIA_TYPE, type Bundle } from '@sigstore/bundle';
import {
  DSSEBundleBuilder,
  FulcioSigner,
  RekorWitness,
  TSAWitness,
  type Witness,
} from '@sigstore/sign';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GateError, describeThrown } from '../../errors.js';
import type { Report } from '../../types.js';
import { storeAttestation } from '../github/store-attestation.js';
import { VERSION } from '../../version.js';

export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';
export const VERIFIER_ID = 'https://github.com/security-gate/security-gate';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** Sigstore instances the gate signs with: public-good (public repositories), GitHub's (private). */
export const SIGNING_INSTANCES = {
  'public-good': {
    fulcio: 'https://fulcio.sigstore.dev',
    rekor: 'https://rekor.sigstore.dev',
  },
  github: {
    fulcio: 'https://fulcio.githubapp.com',
    tsa: 'https://timestamp.githubapp.com/api/v1/timestamp',
  },
} as const;

export interface VsaStatement {
  _type: 'https://in-toto.io/Statement/v1';
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof VSA_PREDICATE_TYPE;
  predicate: Record<string, unknown>;
}

/**
 * The statement for a passing report, or a GateError saying why there is nothing to attest: a
 * summary needs at least one verified artifact digest (the `signatures` check).
 */
export function vsaStatement(report: Report): VsaStatement {
  if (report.verdict !== 'pass') {
    throw new GateError('internal', 'a verification summary is only signed for a passing verdict');
  }
  const artifacts = report.checks.find((c) => c.id === 'signatures')?.artifacts ?? [];
  const subjects = new Map<string, string>();
  for (const a of artifacts) {
    const sha256 = a.digest.sha256;
    if (a.verified && sha256 && !subjects.has(sha256)) subjects.set(sha256, a.artifact);
  }
  if (subjects.size === 0) {
    throw new GateError(
      'config',
      'report.vsa: there is no verified artifact to attest (a verification summary is about artifact digests)',
      {
        location: { key: 'report.vsa' },
        fix: 'Add a signatures section naming the artifacts, or turn report.vsa off.',
      },
    );
  }
  const trustRoots = [
    ...new Set(artifacts.flatMap((a) => (a.trustRoot ? [a.trustRoot.name] : []))),
  ].sort();
  const deps = report.checks.find((c) => c.id === 'dependencies');
  const { repository, sha, ref } = report.subject;
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [...subjects].map(([sha256, name]) => ({ name, digest: { sha256 } })),
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: VERIFIER_ID, version: { 'security-gate': VERSION } },
      timeVerified: report.generatedAt,
      resourceUri: repository && sha ? `git+https://github.com/${repository}@${sha}` : 'unknown',
      ...(report.policy
        ? {
            policy: {
              uri: report.policy.path,
              ...(report.policy.sha256 ? { digest: { sha256: report.policy.sha256 } } : {}),
            },
          }
        : {}),
      inputAttestations: artifacts
        .filter((a) => a.verified && a.bundle)
        .map((a) => ({ uri: a.bundle! })),
      verificationResult: 'PASSED',
      // The gate does not grade SLSA build levels; what it checked is recorded below.
      verifiedLevels: [],
      securityGate: {
        mode: report.mode,
        subject: {
          ...(repository ? { repository } : {}),
          ...(sha ? { sha } : {}),
          ...(ref ? { ref } : {}),
        },
        checks: report.checks.map((c) => ({ id: c.id, status: c.status, summary: c.summary })),
        trustRoots,
        ...(deps && deps.status !== 'skipped' ? { advisories: deps.summary } : {}),
        ...(report.policy?.extends ? { policyExtends: report.policy.extends } : {}),
      },
    },
  };
}

export interface SigningConfig {
  fulcioUrl: string;
  /** Record in this Rekor (public-good); absent: no transparency log. */
  rekorUrl?: string;
  /** RFC 3161 timestamp from this TSA (GitHub's instance). */
  tsaUrl?: string;
  /** The OIDC token Fulcio issues the certificate for (audience `sigstore`). */
  token: () => Promise<string>;
  timeoutMs?: number;
}

/** Signs the statement keyless; returns the bundle as JSON (v0.3). Errors are GateError('upstream'). */
export async function signStatement(
  statement: VsaStatement,
  cfg: SigningConfig,
): Promise<Record<string, unknown>> {
  if (!cfg.rekorUrl && !cfg.tsaUrl) {
    throw new GateError(
      'config',
      'report.vsa: a signature needs a transparency log or a timestamp authority',
    );
  }
  const fetchOptions = { retry: 2, timeout: cfg.timeoutMs ?? 30_000 };
  const witnesses: Witness[] = [];
  if (cfg.rekorUrl) {
    witnesses.push(
      new RekorWitness({ rekorBaseURL: cfg.rekorUrl, entryType: 'dsse', ...fetchOptions }),
    );
  }
  if (cfg.tsaUrl) witnesses.push(new TSAWitness({ tsaBaseURL: cfg.tsaUrl, ...fetchOptions }));
  const builder = new DSSEBundleBuilder({
    signer: new FulcioSigner({
      fulcioBaseURL: cfg.fulcioUrl,
      identityProvider: { getToken: cfg.token },
      ...fetchOptions,
    }),
    witnesses,
    certificateChain: false,
  });
  let bundle: Bundle;
  try {
    bundle = await builder.create({
      data: Buffer.from(JSON.stringify(statement)),
      type: IN_TOTO_PAYLOAD_TYPE,
    });
  } catch (err) {
    throw new GateError(
      'upstream',
      `signing the verification summary failed (Fulcio ${cfg.fulcioUrl}${cfg.rekorUrl ? `, Rekor ${cfg.rekorUrl}` : ''}${cfg.tsaUrl ? `, TSA ${cfg.tsaUrl}` : ''}): ${describeThrown(err)}`,
      {
        cause: err,
        fix: 'The job needs `permissions: id-token: write` for a keyless signature; retry if Sigstore was unavailable.',
      },
    );
  }
  return toV03Json(bundle);
}

/**
 * `@sigstore/sign`'s builders emit v0.2 bundles (with a one-element x509CertificateChain). v0.3
 * differs only in media type and in carrying the leaf as `certificate`; neither is covered by any
 * signature, so this conversion is lossless.
 */
export function toV03Json(bundle: Bundle): Record<string, unknown> {
  const { content } = bundle.verificationMaterial;
  let v03content = content;
  if (content.$case === 'x509CertificateChain') {
    const [leaf] = content.x509CertificateChain.certificates;
    if (!leaf) throw new GateError('internal', 'the signed bundle has an empty certificate chain');
    v03content = { $case: 'certificate', certificate: leaf };
  }
  const v03: Bundle = {
    ...bundle,
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: { ...bundle.verificationMaterial, content: v03content },
  };
  return JSON.parse(JSON.stringify(bundleToJSON(v03))) as Record<string, unknown>;
}

/**
 * The OIDC token for Fulcio: GitHub Actions' ID token (audience `sigstore`, needs
 * `permissions: id-token: write`), or SIGSTORE_ID_TOKEN outside Actions.
 */
export function oidcToken(env: NodeJS.ProcessEnv, fetchImpl: typeof fetch = globalThis.fetch) {
  return async (): Promise<string> => {
    const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (url && bearer) {
      const u = new URL(url);
      u.searchParams.set('audience', 'sigstore');
      let res: Response;
      try {
        res = await fetchImpl(u, {
          headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json' },
          redirect: 'error',
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        throw new GateError('upstream', `GitHub's OIDC token service: ${describeThrown(err)}`);
      }
      const body = (await res.json().catch(() => undefined)) as { value?: unknown } | undefined;
      if (res.status !== 200 || typeof body?.value !== 'string' || body.value === '') {
        throw new GateError(
          'upstream',
          `GitHub's OIDC token service answered HTTP ${res.status} without a token`,
          {
            fix: 'Give the job `permissions: id-token: write`.',
          },
        );
      }
      return body.value;
    }
    if (env.SIGSTORE_ID_TOKEN) return env.SIGSTORE_ID_TOKEN;
    throw new GateError(
      'config',
      'report.vsa: no OIDC token to sign the verification summary with',
      {
        location: { key: 'report.vsa' },
        fix: 'In GitHub Actions give the job `permissions: id-token: write`; elsewhere set SIGSTORE_ID_TOKEN.',
      },
    );
  };
}

/** Signs the summary of a passing report and writes the bundle whole (or not at all). */
export async function writeVsa(
  report: Report,
  cfg: { path: string; fulcioUrl: string; rekorUrl?: string; tsaUrl?: string; storeIn?: string },
  env: NodeJS.ProcessEnv,
  github?: { apiUrl: string; token?: string },
): Promise<string> {
  const statement = vsaStatement(report);
  const bundle = await signStatement(statement, {
    fulcioUrl: cfg.fulcioUrl,
    ...(cfg.rekorUrl ? { rekorUrl: cfg.rekorUrl } : {}),
    ...(cfg.tsaUrl ? { tsaUrl: cfg.tsaUrl } : {}),
    token: oidcToken(env),
  });
  const tmp = `${cfg.path}.${process.pid}.tmp`;
  try {
    await mkdir(path.dirname(cfg.path), { recursive: true });
    await writeFile(tmp, `${JSON.stringify(bundle)}\n`);
    await rename(tmp, cfg.path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new GateError(
      'input',
      `cannot write the verification summary to ${cfg.path}: ${describeThrown(err)}`,
      {
        location: { file: cfg.path, key: 'report.vsa.path' },
      },
    );
  }
  if (cfg.storeIn) {
    if (!github) throw new GateError('internal', 'report.vsa.store without a GitHub API');
    await storeAttestation({ ...github, repository: cfg.storeIn }, bundle);
  }
  return cfg.path;
}
