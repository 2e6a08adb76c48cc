/**
 * The one schema of the gate's configuration: the policy file, the action's inputs and the CLI's
 * flags. Defaults and cross-field rules live here; the TypeScript types are derived from it, and
 * `schema/policy.schema.json` is generated from it (npm run build).
 */
import { z } from 'zod';

/** Keys of DESIGN.md §5 that later versions implement; a policy that uses them is refused. */
export const NOT_YET_SUPPORTED_KEYS: Record<string, string> = {
  extends: 'organisation policy (extends) is not supported by this version yet',
  dependencies: 'the dependencies check is not supported by this version yet',
  repository: 'the repository check is not supported by this version yet',
  report: 'report settings (PR comment, check run, SARIF) are not supported by this version yet',
};

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** A regular expression that must compile; it is always matched against the whole value. */
const wholeStringRegexp = nonEmpty.refine(
  (source) => {
    try {
      new RegExp(source, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not a valid regular expression' },
);

const artifactSchema = z
  .strictObject({
    path: nonEmpty
      .describe(
        'Glob of artifact files, relative to the workspace (GITHUB_WORKSPACE or the current directory). Each match must be signed.',
      )
      .optional(),
    digest: z
      .string()
      .regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex digits>')
      .describe('Verify by digest, without the file (not supported by this version yet).')
      .optional(),
    bundle: nonEmpty
      .refine(
        (t) =>
          (t.match(/\{[^}]*\}/g) ?? []).every((v) => ['{path}', '{dir}', '{name}'].includes(v)),
        {
          message: 'only {path}, {dir} and {name} may appear in braces',
        },
      )
      .default('{path}.sigstore.json')
      .describe(
        'Path template of the Sigstore bundle for each matched artifact: {path} is the artifact path, {dir} its folder, {name} its file name. A bundle file may hold one bundle (JSON) or several (JSON Lines); one of them must verify.',
      ),
    source: z
      .enum(['bundle', 'github-attestations'])
      .default('bundle')
      .describe(
        'Where signatures come from: `bundle` files, or the GitHub attestations API (not supported by this version yet).',
      ),
  })
  .superRefine((a, ctx) => {
    if ((a.path === undefined) === (a.digest === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'each artifact needs exactly one of `path` or `digest`',
      });
    }
  });

const identitySchema = z
  .strictObject({
    issuer: nonEmpty
      .describe(
        'OIDC issuer of the signing certificate, matched exactly (e.g. https://token.actions.githubusercontent.com).',
      )
      .optional(),
    subject: nonEmpty
      .describe('Certificate subject (SAN), matched exactly: the whole string, no pattern.')
      .optional(),
    'subject-regexp': wholeStringRegexp
      .describe(
        'Regular expression (JavaScript syntax, unicode mode) that must match the WHOLE certificate SAN; it is anchored for you. Escape dots.',
      )
      .optional(),
    key: nonEmpty
      .describe('Path of a PEM public key (key-based signing) instead of a keyless identity.')
      .optional(),
  })
  .superRefine((id, ctx) => {
    if (id.key !== undefined) {
      if (
        id.issuer !== undefined ||
        id.subject !== undefined ||
        id['subject-regexp'] !== undefined
      ) {
        ctx.addIssue({
          code: 'custom',
          message: '`key` cannot be combined with issuer/subject/subject-regexp',
        });
      }
      return;
    }
    if (id.issuer === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuer'],
        message: 'a keyless identity needs `issuer`',
      });
    }
    if ((id.subject === undefined) === (id['subject-regexp'] === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'a keyless identity needs exactly one of `subject` (exact) or `subject-regexp` (whole-string pattern)',
      });
    }
  });

export const signaturesSchema = z
  .strictObject({
    artifacts: z
      .array(artifactSchema)
      .min(1, 'list at least one artifact')
      .describe('Artifacts that must be signed. Each is verified on its own.'),
    identities: z
      .array(identitySchema)
      .min(1, 'list at least one identity')
      .describe('Who may have signed. An artifact passes if its signature matches any one entry.'),
    'predicate-type': nonEmpty
      .describe(
        'When set, every artifact must carry a DSSE in-toto attestation with exactly this predicate type (e.g. https://slsa.dev/provenance/v1).',
      )
      .optional(),
    'trusted-root': nonEmpty
      .describe(
        'Path of a Sigstore trusted_root.json to verify against instead of the Sigstore public-good root embedded in @sigstore/tuf.',
      )
      .optional(),
  })
  .describe('Artifact signatures (Sigstore bundles).');

export const policySchema = z
  .strictObject({
    $schema: z.string().optional().describe('Editor hint; ignored.'),
    version: z.literal(1).describe('Policy format version. Must be 1.'),
    mode: z
      .enum(['enforce', 'audit'])
      .default('enforce')
      .describe(
        'enforce: a blocked verdict fails the step. audit: the same verdict is reported, the step passes.',
      ),
    signatures: signaturesSchema.optional(),
  })
  .describe('security-gate policy (.github/security-gate.yml)');

export type Policy = z.output<typeof policySchema>;
export type SignaturesPolicy = z.output<typeof signaturesSchema>;
export type ArtifactPolicy = SignaturesPolicy['artifacts'][number];
export type IdentityPolicy = SignaturesPolicy['identities'][number];

/** The `run` command's options, shared by the action's inputs and the CLI's flags. */
export const runOptionsSchema = z.strictObject({
  policy: nonEmpty.default('.github/security-gate.yml'),
  mode: z.enum(['enforce', 'audit']).optional(),
  json: nonEmpty.optional(),
  markdown: nonEmpty.optional(),
  sarif: nonEmpty.optional(),
  repo: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be OWNER/NAME')
    .optional(),
  sha: z
    .string()
    .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full commit SHA (40 or 64 lowercase hex)')
    .optional(),
  ref: nonEmpty.optional(),
  workspace: nonEmpty.default('.'),
});
export type RunOptions = z.output<typeof runOptionsSchema>;

/** The `verify-artifact` command's flags. */
export const verifyArtifactOptionsSchema = z
  .strictObject({
    artifact: nonEmpty,
    bundle: nonEmpty,
    'certificate-identity': nonEmpty.optional(),
    'certificate-identity-regexp': wholeStringRegexp.optional(),
    'certificate-oidc-issuer': nonEmpty.optional(),
    key: nonEmpty.optional(),
    'trusted-root': nonEmpty.optional(),
    json: nonEmpty.optional(),
    markdown: nonEmpty.optional(),
  })
  .superRefine((o, ctx) => {
    const keyless =
      o['certificate-identity'] !== undefined ||
      o['certificate-identity-regexp'] !== undefined ||
      o['certificate-oidc-issuer'] !== undefined;
    if (o.key !== undefined) {
      if (keyless) {
        ctx.addIssue({
          code: 'custom',
          message:
            '--key cannot be combined with --certificate-identity, --certificate-identity-regexp or --certificate-oidc-issuer',
        });
      }
      return;
    }
    if (
      (o['certificate-identity'] === undefined) ===
      (o['certificate-identity-regexp'] === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        message:
          'give exactly one of --certificate-identity (exact SAN) or --certificate-identity-regexp (whole-SAN pattern), or --key',
      });
    }
    if (o['certificate-oidc-issuer'] === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: '--certificate-oidc-issuer is required for keyless verification',
      });
    }
  });
export type VerifyArtifactOptions = z.output<typeof verifyArtifactOptionsSchema>;
