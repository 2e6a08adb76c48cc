/**
 * The signatures check: every artifact the policy names is signed, the signature verifies against
 * the trusted root, and the signer is one of the policy's identities.
 */
import { GateError, describeThrown } from '../../errors.js';
import type { ArtifactPolicy, IdentityPolicy } from '../../config/schema.js';
import type { ArtifactEvidence, CheckResult, Finding, VerificationStep } from '../../types.js';
import { matchIdentity } from './identity.js';
import { readProvenance, SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1 } from './provenance.js';
import type {
  ArtifactTarget,
  ArtifactVerification,
  BundleOutcome,
  SignaturePorts,
  SignatureSource,
  VerifiedBundle,
} from './ports.js';

export interface SignaturesCheckConfig {
  /** Policy entries (`signatures.artifacts`), each expanded through the ports. */
  artifacts: ArtifactPolicy[];
  /** Or one artifact and its signatures named on the command line (missing files are bad input). */
  explicit?: { artifact: string; target: ArtifactTarget; source: SignatureSource };
  /** Repository (OWNER/NAME) whose attestations `source: github-attestations` reads by default. */
  attestationsRepository?: string;
  identities: IdentityPolicy[];
  predicateType?: string;
  /** How the identities are named in messages (defaults to `signatures.identities[i]`). */
  identityLabels?: string[];
  /** The flag or key to fix when the identity does not match. */
  identityFix?: string;
  /** `signatures.provenance`: SLSA provenance required, with these values. */
  provenance?: { builderId?: string; buildType?: string };
  /** The commit being deployed, when `require-deployed-commit` (GITHUB_SHA / --sha). */
  deployedCommit?: string;
  concurrency?: number;
}

type DecideConfig = Pick<
  SignaturesCheckConfig,
  'identities' | 'predicateType' | 'identityFix' | 'provenance' | 'deployedCommit'
>;

interface ArtifactResult {
  evidence?: ArtifactEvidence;
  findings: Finding[];
  errored: boolean;
}

const finding = (
  f: Omit<Finding, 'waived' | 'severity' | 'blocking'> & Partial<Finding>,
): Finding => ({
  blocking: true,
  waived: false,
  severity: 'high',
  ...f,
});

const DEFAULT_BUNDLE_TEMPLATE = '{path}.sigstore.json';

function describeSource(source: Extract<SignatureSource, { kind: 'github-attestations' }>): string {
  return `GitHub attestations of ${source.repo ? `${source.owner}/${source.repo}` : `the ${source.owner} organisation`}`;
}

export async function checkSignatures(
  cfg: SignaturesCheckConfig,
  ports: SignaturePorts,
): Promise<CheckResult> {
  const keyPaths: string[] = [];
  const keyIdentity: number[] = [];
  cfg.identities.forEach((id, i) => {
    if (id.key !== undefined) {
      keyPaths.push(id.key);
      keyIdentity.push(i);
    }
  });
  const label = (i: number) => cfg.identityLabels?.[i] ?? `signatures.identities[${i}]`;

  // 1. Which artifacts, with which signatures.
  type Job = {
    artifact: string;
    target: ArtifactTarget;
    source: SignatureSource;
    bundleExists: boolean;
    origin: string;
  };
  const jobs: Job[] = [];
  const results: ArtifactResult[] = [];
  if (cfg.explicit) {
    jobs.push({ ...cfg.explicit, bundleExists: true, origin: 'command line' });
  }
  for (const [i, spec] of cfg.artifacts.entries()) {
    const key = `signatures.artifacts[${i}]`;
    const github = (): SignatureSource | undefined => {
      const repository = spec.repository ?? cfg.attestationsRepository;
      if (repository === undefined) return undefined;
      const [owner = '', repo] = repository.split('/');
      return {
        kind: 'github-attestations',
        owner,
        ...(repo ? { repo } : {}),
        ...(cfg.predicateType ? { predicateType: cfg.predicateType } : {}),
      };
    };
    const source: SignatureSource | undefined =
      spec.source === 'github-attestations' ? github() : undefined;
    if (spec.source === 'github-attestations' && !source) {
      results.push(
        errorResult(
          `${key}: \`source: github-attestations\` needs the repository whose attestations to read, and none is known`,
          key,
        ),
      );
      continue;
    }
    if (spec.digest !== undefined) {
      const sha256 = spec.digest.slice('sha256:'.length);
      if (source) {
        jobs.push({
          artifact: spec.digest,
          target: { kind: 'digest', sha256 },
          source,
          bundleExists: true,
          origin: key,
        });
      } else {
        const bundle = spec.bundle ?? '';
        jobs.push({
          artifact: spec.digest,
          target: { kind: 'digest', sha256 },
          source: { kind: 'bundle', path: bundle },
          bundleExists: await ports.exists(bundle),
          origin: key,
        });
      }
      continue;
    }
    const pattern = spec.path ?? '';
    let matched;
    try {
      matched = await ports.resolve(pattern, spec.bundle ?? DEFAULT_BUNDLE_TEMPLATE);
    } catch (err) {
      results.push(
        errorResult(
          `${key}: cannot expand ${JSON.stringify(pattern)}: ${describeThrown(err)}`,
          key,
        ),
      );
      continue;
    }
    if (matched.length === 0) {
      results.push({
        errored: true,
        findings: [
          finding({
            rule: 'artifact-missing',
            step: 'artifact',
            message: `no file matches ${JSON.stringify(pattern)} (${key}.path): the artifact to promote is not there`,
            expected: `at least one file matching ${pattern}`,
            found: 'no file',
            fix: `Build or download the artifact before this step, or correct ${key}.path.`,
            location: { key: `${key}.path` },
          }),
        ],
      });
      continue;
    }
    for (const m of matched) {
      jobs.push({
        artifact: m.artifact,
        target: { kind: 'file', path: m.artifact },
        source: source ?? { kind: 'bundle', path: m.bundle },
        bundleExists: source ? true : m.bundleExists,
        origin: key,
      });
    }
  }

  // 2. Verify each artifact (bounded concurrency), then decide.
  const verified = await mapLimit(
    jobs,
    cfg.concurrency ?? 8,
    async (job): Promise<ArtifactResult> => {
      const bundle = job.source.kind === 'bundle' ? job.source.path : describeSource(job.source);
      if (!job.bundleExists) {
        return {
          errored: false,
          evidence: { artifact: job.artifact, digest: {}, bundle, verified: false },
          findings: [
            finding({
              rule: 'bundle-missing',
              artifact: job.artifact,
              step: 'bundle-parse',
              message: `${job.artifact} is not signed: no bundle at ${bundle}`,
              expected: `a Sigstore bundle at ${bundle}`,
              found: 'no file',
              fix: `Sign the artifact in the build (e.g. \`cosign sign-blob --bundle ${bundle} ${job.artifact}\`), or point ${job.origin}.bundle at its bundle.`,
              location: { file: bundle },
            }),
          ],
        };
      }
      let v: ArtifactVerification;
      try {
        v = await ports.verify(job.target, job.source, keyPaths);
      } catch (err) {
        return errorResult(describeThrown(err), undefined, job.artifact, err);
      }
      if (v.outcomes.length === 0) {
        return {
          errored: false,
          evidence: {
            artifact: job.artifact,
            digest: { ...v.digest },
            bundle,
            trustRoot: v.trustRoot,
            verified: false,
          },
          findings: [
            finding({
              rule: 'attestation-missing',
              artifact: job.artifact,
              step: 'bundle-parse',
              message: `${job.artifact} has no attestation in ${bundle}${cfg.predicateType ? ` with predicate type ${cfg.predicateType}` : ''}`,
              expected: `an attestation for sha256:${v.digest.sha256}`,
              found: 'none (or the token cannot see them)',
              fix: 'Attest the artifact in its build (actions/attest-build-provenance), and give the gate a token with `attestations: read`.',
            }),
          ],
        };
      }
      return decideArtifact(
        job.artifact,
        bundle,
        v,
        cfg,
        keyIdentity,
        label,
        job.source.kind === 'bundle',
      );
    },
  );
  results.push(...verified);

  const findings = results.flatMap((r) => r.findings);
  const artifacts = results.flatMap((r) => (r.evidence ? [r.evidence] : []));
  const errored = results.filter((r) => r.errored).length;
  const failed = results.filter((r) => !r.errored && r.findings.some((f) => f.blocking)).length;
  const total = results.length;
  const status = errored > 0 ? 'error' : failed > 0 ? 'fail' : total === 0 ? 'error' : 'pass';
  const summary =
    status === 'pass'
      ? `${total} artifact${total === 1 ? '' : 's'} signed by an allowed identity`
      : status === 'error' && total === 0
        ? 'no artifact to verify'
        : [
            errored > 0 ? `${errored} could not be evaluated` : '',
            failed > 0 ? `${failed} failed verification` : '',
          ]
            .filter(Boolean)
            .join(', ') + ` (of ${total} artifact${total === 1 ? '' : 's'})`;
  return { id: 'signatures', status, summary, findings, artifacts };
}

function errorResult(
  message: string,
  key?: string,
  artifact?: string,
  err?: unknown,
): ArtifactResult {
  const loc = err instanceof GateError ? err.location : key ? { key } : undefined;
  const fix = err instanceof GateError ? err.fix : undefined;
  return {
    errored: true,
    findings: [
      finding({
        rule: 'verification-error',
        message,
        ...(artifact ? { artifact } : {}),
        ...(loc ? { location: loc } : {}),
        ...(fix ? { fix } : {}),
      }),
    ],
  };
}

/** Pure decision over one artifact's verification outcomes. */
export function decideArtifact(
  artifact: string,
  bundle: string,
  v: ArtifactVerification,
  cfg: DecideConfig,
  keyIdentity: readonly number[],
  label: (i: number) => string,
  /** False when `bundle` names the GitHub attestations API rather than a file. */
  bundleIsFile = true,
): ArtifactResult {
  const problems: {
    outcome: BundleOutcome;
    step: VerificationStep;
    kind: 'fail' | 'error';
    message: string;
    expected?: string;
    found?: string;
    fix?: string;
  }[] = [];
  for (const outcome of v.outcomes) {
    if (!outcome.ok) {
      problems.push({ outcome, step: outcome.step, kind: outcome.kind, message: outcome.message });
      continue;
    }
    const problem = policyProblem(outcome, v, cfg, keyIdentity, label);
    if (!problem) {
      const match = matchIdentity(outcome.signer, cfg.identities, keyIdentity);
      return {
        errored: false,
        findings: [],
        evidence: evidence(
          artifact,
          bundle,
          v,
          outcome,
          true,
          match.ok ? label(match.index) : undefined,
          cfg,
        ),
      };
    }
    problems.push({ outcome, ...problem });
  }
  const many = v.outcomes.length > 1;
  const firstVerified = v.outcomes.find((o): o is VerifiedBundle => o.ok);
  return {
    errored: problems.length > 0 && problems.every((p) => p.kind === 'error'),
    evidence: evidence(artifact, bundle, v, firstVerified, false, undefined, cfg),
    findings:
      problems.length === 0
        ? [
            finding({
              rule: 'bundle-empty',
              artifact,
              step: 'bundle-parse',
              message: `${bundle} holds no bundle`,
              ...(bundleIsFile ? { location: { file: bundle } } : {}),
            }),
          ]
        : problems.map((p) =>
            finding({
              rule:
                p.kind === 'error'
                  ? 'verification-error'
                  : p.step === 'identity' || p.step === 'issuer'
                    ? 'identity-mismatch'
                    : 'signature-invalid',
              artifact,
              step: p.step,
              message: `${artifact}: ${stepName(p.step)} failed${many && p.outcome.line !== undefined ? ` (bundle on line ${p.outcome.line} of ${bundle})` : ''}: ${p.message}`,
              ...(p.expected !== undefined ? { expected: p.expected } : {}),
              ...(p.found !== undefined ? { found: p.found } : {}),
              fix: p.fix ?? fixFor(p.step, bundle),
              ...(bundleIsFile
                ? {
                    location: {
                      file: bundle,
                      ...(p.outcome.line !== undefined ? { line: p.outcome.line } : {}),
                    },
                  }
                : {}),
            }),
          ),
  };
}

type Problem = {
  step: VerificationStep;
  kind: 'fail';
  message: string;
  expected?: string;
  found?: string;
  fix?: string;
};

function policyProblem(
  outcome: VerifiedBundle,
  v: ArtifactVerification,
  cfg: Pick<SignaturesCheckConfig, 'identities' | 'predicateType' | 'identityFix'>,
  keyIdentity: readonly number[],
  label: (i: number) => string,
):
  | {
      step: VerificationStep;
      kind: 'fail';
      message: string;
      expected?: string;
      found?: string;
      fix?: string;
    }
  | undefined {
  if (outcome.contentType === 'dsse') {
    if (!outcome.statement) {
      return {
        step: 'subject-digest',
        kind: 'fail',
        message:
          outcome.statementError ??
          `the DSSE payload type ${JSON.stringify(outcome.payloadType)} is not an in-toto statement, so it names no artifact`,
        expected: 'payload type application/vnd.in-toto+json with an in-toto statement',
        found: outcome.payloadType ?? '(none)',
      };
    }
    const subjects = outcome.statement.subjects;
    const bound = subjects.some(
      (s) => s.digest.sha256 === v.digest.sha256 || s.digest.sha512 === v.digest.sha512,
    );
    if (!bound) {
      return {
        step: 'subject-digest',
        kind: 'fail',
        message:
          'the artifact is not a subject of the attestation (its digest differs: wrong or tampered artifact)',
        expected: `a subject with ${subjects.some((s) => s.digest.sha512 !== undefined) && !subjects.some((s) => s.digest.sha256 !== undefined) ? `sha512:${v.digest.sha512}` : `sha256:${v.digest.sha256}`} (the artifact's digest)`,
        found:
          subjects
            .map(
              (s) =>
                `${s.name ?? '(unnamed)'} ${Object.entries(s.digest)
                  .map(([a, d]) => `${a}:${d}`)
                  .join(' ')}`,
            )
            .join('; ') || 'no subjects',
        fix: 'Make sure the deployed file is the one that was attested, byte for byte.',
      };
    }
  }
  if (cfg.predicateType !== undefined) {
    const found = outcome.contentType === 'dsse' ? outcome.statement?.predicateType : undefined;
    if (found !== cfg.predicateType) {
      return {
        step: 'predicate-type',
        kind: 'fail',
        message: 'the attestation does not carry the predicate type the policy requires',
        expected: cfg.predicateType,
        found:
          outcome.contentType === 'dsse'
            ? (found ?? '(none)')
            : 'a plain message signature (no attestation)',
        fix: 'Attest the artifact with that predicate (e.g. actions/attest-build-provenance), or change signatures.predicate-type.',
      };
    }
  }
  const summary = summaryProblem(outcome);
  if (summary) return summary;
  const provenance = provenanceProblem(outcome, cfg);
  if (provenance) return provenance;
  const match = matchIdentity(outcome.signer, cfg.identities, keyIdentity);
  if (!match.ok) {
    return {
      step: match.step,
      kind: 'fail',
      message:
        match.step === 'issuer'
          ? 'the certificate was issued for another OIDC issuer'
          : 'the signer is not an allowed identity',
      expected: match.expected,
      found: match.found,
      fix:
        cfg.identityFix ??
        `If this signer is legitimate, add it to signatures.identities (see ${label(0)}).`,
    };
  }
  return undefined;
}

/**
 * SLSA provenance against the policy, against the signing certificate (the attestation must not
 * claim another repository, ref or commit than the certificate Fulcio issued), and the commit
 * being deployed.
 */
function provenanceProblem(outcome: VerifiedBundle, cfg: DecideConfig): Problem | undefined {
  const statement = outcome.statement;
  const prov = statement ? readProvenance(statement.predicateType, statement.predicate) : undefined;
  if (cfg.provenance && !prov) {
    return {
      step: 'predicate-type',
      kind: 'fail',
      message: 'the policy requires SLSA provenance, and this is not SLSA provenance',
      expected: `${SLSA_PROVENANCE_V1} or ${SLSA_PROVENANCE_V02}`,
      found: statement?.predicateType ?? 'a plain message signature (no attestation)',
      fix: 'Attest the build with actions/attest-build-provenance, or remove signatures.provenance.',
    };
  }
  const ext = outcome.signer.kind === 'certificate' ? outcome.signer.extensions : undefined;
  if (prov && ext) {
    const pairs: [string, string | undefined, string | undefined][] = [
      ['source repository', prov.sourceRepositoryUri, ext.sourceRepositoryUri],
      ['source ref', prov.sourceRef, ext.sourceRepositoryRef],
      ['source commit', prov.sourceCommit, ext.sourceRepositoryDigest],
      ['repository ID', prov.repositoryId, ext.sourceRepositoryIdentifier],
      ['repository owner ID', prov.repositoryOwnerId, ext.sourceRepositoryOwnerIdentifier],
    ];
    for (const [what, claimed, certified] of pairs) {
      if (claimed !== undefined && certified !== undefined && claimed !== certified) {
        return {
          step: 'provenance',
          kind: 'fail',
          message: `the provenance claims another ${what} than the signing certificate`,
          expected: `${what} ${certified} (from the certificate)`,
          found: `${what} ${claimed} (in the provenance)`,
          fix: 'Do not promote: the attestation content disagrees with the identity that signed it.',
        };
      }
    }
  }
  if (prov && cfg.provenance) {
    for (const [key, want, got] of [
      ['builder-id', cfg.provenance.builderId, prov.builderId],
      ['build-type', cfg.provenance.buildType, prov.buildType],
    ] as const) {
      if (want !== undefined && want !== got) {
        return {
          step: 'provenance',
          kind: 'fail',
          message: `the provenance's ${key} is not the one the policy requires`,
          expected: want,
          found: got ?? '(absent)',
          fix: `Build with the expected builder, or change signatures.provenance.${key}.`,
        };
      }
    }
  }
  if (cfg.deployedCommit !== undefined) {
    const named = [
      ...(ext?.sourceRepositoryDigest !== undefined
        ? [['certificate', ext.sourceRepositoryDigest] as const]
        : []),
      ...(prov?.sourceCommit !== undefined ? [['provenance', prov.sourceCommit] as const] : []),
    ];
    const wrong = named.find(([, sha]) => sha.toLowerCase() !== cfg.deployedCommit!.toLowerCase());
    if (named.length === 0 || wrong) {
      return {
        step: 'deployed-commit',
        kind: 'fail',
        message:
          named.length === 0
            ? 'nothing in the signature names the commit it was built from, so it cannot vouch for the deployed commit'
            : `the ${wrong![0]} names another commit than the one being deployed: it was built from other source`,
        expected: `commit ${cfg.deployedCommit} (being deployed)`,
        found:
          named.length === 0 ? 'no commit' : named.map(([w, sha]) => `${w}: ${sha}`).join(', '),
        fix: 'Promote the artifact built from this commit, or turn off signatures.require-deployed-commit.',
      };
    }
  }
  return undefined;
}

function evidence(
  artifact: string,
  bundle: string,
  v: ArtifactVerification,
  outcome: VerifiedBundle | undefined,
  verified: boolean,
  matchedIdentity: string | undefined,
  cfg: Pick<SignaturesCheckConfig, 'identities'>,
): ArtifactEvidence {
  const e: ArtifactEvidence = {
    artifact,
    digest: { ...v.digest },
    bundle,
    trustRoot: v.trustRoot,
    verified,
  };
  if (!outcome) return e;
  if (outcome.trustRoot) e.trustRoot = outcome.trustRoot;
  e.bundleMediaType = outcome.mediaType;
  e.contentType = outcome.contentType;
  e.signer =
    outcome.signer.kind === 'certificate'
      ? certificateSigner(outcome.signer)
      : { kind: 'public-key', key: keyPathOf(outcome.signer.keyIndex, cfg.identities) };
  const prov = outcome.statement
    ? readProvenance(outcome.statement.predicateType, outcome.statement.predicate)
    : undefined;
  if (prov) e.provenance = prov;
  if (matchedIdentity) e.matchedIdentity = matchedIdentity;
  if (outcome.statement?.predicateType) e.predicateType = outcome.statement.predicateType;
  e.tlog = outcome.tlog;
  e.timestamps = outcome.timestamps;
  return e;
}

function certificateSigner(
  signer: Extract<VerifiedBundle['signer'], { kind: 'certificate' }>,
): NonNullable<ArtifactEvidence['signer']> {
  const x = signer.extensions;
  const fields: [keyof NonNullable<ArtifactEvidence['signer']>, string | undefined][] = [
    ['subjectAlternativeName', signer.subjectAlternativeName],
    ['issuer', signer.issuer],
    ['sourceRepository', x.sourceRepositoryUri],
    ['sourceRepositoryId', x.sourceRepositoryIdentifier],
    ['sourceRepositoryOwner', x.sourceRepositoryOwnerUri],
    ['sourceRepositoryOwnerId', x.sourceRepositoryOwnerIdentifier],
    ['sourceRef', x.sourceRepositoryRef],
    ['sourceDigest', x.sourceRepositoryDigest],
    ['signerWorkflow', x.buildSignerUri],
    ['buildWorkflow', x.buildConfigUri],
    ['runnerEnvironment', x.runnerEnvironment],
    ['triggerEvent', x.buildTrigger],
    ['runInvocation', x.runInvocationUri],
  ];
  return { kind: 'certificate', ...Object.fromEntries(fields.filter(([, v]) => v !== undefined)) };
}

function keyPathOf(keyIndex: number, identities: readonly IdentityPolicy[]): string {
  return identities.filter((id) => id.key !== undefined)[keyIndex]?.key ?? `key #${keyIndex}`;
}

const STEP_NAMES: Record<VerificationStep, string> = {
  artifact: 'reading the artifact',
  'bundle-parse': 'bundle parse',
  'bundle-version': 'bundle version',
  'trust-root': 'trusted root',
  'certificate-chain': 'certificate chain',
  'transparency-log': 'transparency log',
  timestamp: 'timestamp',
  signature: 'signature',
  'subject-digest': 'attestation subject',
  'predicate-type': 'predicate type',
  provenance: 'provenance',
  'deployed-commit': 'deployed commit',
  identity: 'identity',
  issuer: 'issuer',
};

export function stepName(step: VerificationStep): string {
  return STEP_NAMES[step];
}

function fixFor(step: VerificationStep, bundle: string): string {
  switch (step) {
    case 'bundle-parse':
    case 'bundle-version':
      return `Produce ${bundle} with a current Sigstore client (bundle v0.1 to v0.3).`;
    case 'certificate-chain':
    case 'transparency-log':
    case 'timestamp':
      return 'The bundle does not chain to the trusted root: check that it comes from the Sigstore instance you trust (signatures.trusted-root / --trusted-root).';
    case 'signature':
      return 'The artifact or bundle was altered after signing: do not promote it; rebuild and re-sign.';
    default:
      return 'See the message.';
  }
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';

/**
 * A verification summary (SLSA VSA) vouches for the artifact only when it says PASSED: a signed
 * FAILED summary from an earlier gate must never let the artifact through.
 */
function summaryProblem(outcome: VerifiedBundle): Problem | undefined {
  const statement = outcome.contentType === 'dsse' ? outcome.statement : undefined;
  if (statement?.predicateType !== VSA_PREDICATE_TYPE) return undefined;
  const result = (statement.predicate as { verificationResult?: unknown } | undefined)
    ?.verificationResult;
  if (result === 'PASSED') return undefined;
  return {
    step: 'predicate-type',
    kind: 'fail',
    message: 'the verification summary does not say the artifact passed',
    expected: 'verificationResult: PASSED',
    found: `verificationResult: ${JSON.stringify(result) ?? 'absent'}`,
    fix: 'Promote only artifacts an earlier gate passed.',
  };
}
