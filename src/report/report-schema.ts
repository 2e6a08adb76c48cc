/**
 * The JSON report (DESIGN.md §4, schemaVersion 1). The TypeScript types in src/types.ts are
 * derived from this schema, and schema/report.schema.json is generated from it.
 */
import { z } from 'zod';

export const CHECK_IDS = ['signatures', 'dependencies', 'repository'] as const;
export const SEVERITIES = ['critical', 'high', 'moderate', 'low', 'unknown'] as const;
export const VERIFICATION_STEPS = [
  'artifact',
  'bundle-parse',
  'bundle-version',
  'trust-root',
  'certificate-chain',
  'transparency-log',
  'timestamp',
  'signature',
  'subject-digest',
  'predicate-type',
  'provenance',
  'deployed-commit',
  'identity',
  'issuer',
] as const;

const location = z.strictObject({
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
  key: z.string().optional(),
});

const trustRoot = z.strictObject({
  name: z.string().describe('Which trusted root verified the bundle.'),
  source: z.enum(['embedded', 'file', 'tuf']),
  freshness: z
    .strictObject({
      source: z.enum(['tuf-online', 'embedded', 'embedded-fallback']),
      mirror: z.string().optional(),
      fetchedAt: z.string().optional(),
      rootExpires: z.string().optional(),
      rootVersion: z.number().optional(),
      targetsExpires: z.string().optional(),
      newestEntry: z
        .string()
        .optional()
        .describe('The newest validity start in the root: it is at least this recent.'),
      reason: z
        .string()
        .optional()
        .describe('Why the embedded root was used after a failed refresh.'),
    })
    .optional()
    .describe('For the public-good root: refreshed through TUF now, or embedded, and how old.'),
  path: z.string().optional(),
  version: z
    .string()
    .optional()
    .describe('For the embedded root: the @sigstore/tuf version that carries it.'),
});

const signer = z.strictObject({
  kind: z.enum(['certificate', 'public-key']),
  subjectAlternativeName: z.string().optional(),
  issuer: z.string().optional(),
  key: z.string().optional().describe('For key-based signatures: the key file that verified it.'),
  sourceRepository: z.string().optional().describe('Fulcio extension .12 (source repository URI).'),
  sourceRepositoryId: z.string().optional().describe('Fulcio extension .15.'),
  sourceRepositoryOwner: z.string().optional().describe('Fulcio extension .16 (owner URI).'),
  sourceRepositoryOwnerId: z.string().optional().describe('Fulcio extension .17.'),
  sourceRef: z.string().optional().describe('Fulcio extension .14.'),
  sourceDigest: z.string().optional().describe('Fulcio extension .13 (the commit built).'),
  signerWorkflow: z.string().optional().describe('Fulcio extension .9 (Build Signer URI).'),
  buildWorkflow: z.string().optional().describe('Fulcio extension .18 (Build Config URI).'),
  runnerEnvironment: z.string().optional().describe('Fulcio extension .11.'),
  triggerEvent: z.string().optional().describe('Fulcio extension .20.'),
  runInvocation: z.string().optional().describe('Fulcio extension .21 (the workflow run).'),
});

const provenance = z.strictObject({
  version: z.enum(['v1', 'v0.2']),
  builderId: z.string().optional(),
  buildType: z.string().optional(),
  sourceRepositoryUri: z.string().optional(),
  sourceRef: z.string().optional(),
  sourceCommit: z.string().optional(),
  workflowPath: z.string().optional(),
  repositoryId: z.string().optional(),
  repositoryOwnerId: z.string().optional(),
  eventName: z.string().optional(),
});

const artifactEvidence = z.strictObject({
  artifact: z
    .string()
    .describe('Artifact path, as matched by the policy or given on the command line.'),
  digest: z
    .record(z.string(), z.string())
    .describe('Digests of the artifact, e.g. {"sha256": "…"}.'),
  bundle: z.string().optional(),
  bundleMediaType: z.string().optional(),
  contentType: z.enum(['message-signature', 'dsse']).optional(),
  signer: signer.optional(),
  matchedIdentity: z
    .string()
    .optional()
    .describe('The identity entry that matched (e.g. identities[0]).'),
  predicateType: z.string().optional(),
  provenance: provenance
    .optional()
    .describe('SLSA provenance read from the attestation, when it is one.'),
  tlog: z
    .array(
      z.strictObject({
        logIndex: z.string(),
        integratedTime: z.string().optional(),
        logId: z.string(),
      }),
    )
    .optional(),
  timestamps: z
    .array(
      z.strictObject({
        kind: z.enum(['transparency-log', 'timestamp-authority']),
        time: z.string(),
      }),
    )
    .optional(),
  trustRoot: trustRoot.optional(),
  verified: z
    .boolean()
    .describe('True when signature, trust chain and policy all held for this artifact.'),
});

export const findingSchema = z.strictObject({
  rule: z.string(),
  blocking: z.boolean(),
  waived: z.boolean(),
  severity: z.enum(SEVERITIES),
  message: z.string(),
  expected: z.string().optional(),
  found: z.string().optional(),
  fix: z
    .string()
    .optional()
    .describe('How to fix it: the policy key, flag, permission or command.'),
  location: location.optional(),
  artifact: z.string().optional(),
  step: z
    .enum(VERIFICATION_STEPS)
    .optional()
    .describe('signatures: which verification step failed.'),
  package: z
    .strictObject({
      ecosystem: z.string(),
      name: z.string(),
      version: z.string(),
      purl: z.string(),
    })
    .optional()
    .describe('dependencies: the package version being shipped.'),
  advisory: z
    .strictObject({
      id: z.string(),
      ids: z
        .array(z.string())
        .describe('Every advisory record merged into this finding (aliases of each other).'),
      aliases: z.array(z.string()),
      summary: z.string().optional(),
      severity: z.enum(SEVERITIES),
      cvss: z.string().optional().describe('The CVSS vector the severity was computed from.'),
      score: z.number().optional(),
      fixed: z.array(z.string()).describe('Versions that fix it.'),
      url: z.string().optional(),
    })
    .optional()
    .describe('dependencies: the advisory.'),
});

export const checkResultSchema = z.strictObject({
  id: z.enum(CHECK_IDS),
  status: z.enum(['pass', 'fail', 'error', 'skipped']),
  summary: z.string(),
  findings: z.array(findingSchema),
  artifacts: z.array(artifactEvidence).optional(),
  durationMs: z.number().nonnegative().optional(),
});

export const reportSchema = z.strictObject({
  schemaVersion: z.literal(1),
  tool: z.strictObject({ name: z.literal('security-gate'), version: z.string() }),
  mode: z.enum(['enforce', 'audit']),
  verdict: z.enum(['pass', 'block']),
  blockedBy: z.array(z.enum(CHECK_IDS)).describe('Checks whose status is fail or error.'),
  subject: z.strictObject({
    repository: z.string().optional(),
    sha: z.string().optional(),
    ref: z.string().optional(),
  }),
  policy: z
    .strictObject({
      path: z.string(),
      sha256: z
        .string()
        .optional()
        .describe('Of the policy text, and of the organisation policy it extends when it does.'),
      extends: z
        .strictObject({ file: z.string(), sha256: z.string() })
        .optional()
        .describe('The organisation policy it extends (OWNER/REPO/PATH@REF), as read.'),
    })
    .optional(),
  generatedAt: z.string(),
  checks: z.array(checkResultSchema),
});
