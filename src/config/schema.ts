/**
 * The one schema of the gate's configuration: the policy file, the action's inputs and the CLI's
 * flags. Defaults and cross-field rules live here; the TypeScript types are derived from it, and
 * `schema/policy.schema.json` is generated from it (npm run build).
 */
import { z } from 'zod';
import { parseVersionsSpec } from '../checks/dependencies/versions-spec.js';

/** Keys of DESIGN.md §5 that later versions implement; a policy that uses them is refused. */
export const NOT_YET_SUPPORTED_KEYS: Record<string, string> = {};

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
      .describe(
        'Verify by digest, without the file (e.g. a container image or a file too large to ship to the gate).',
      )
      .optional(),
    bundle: nonEmpty
      .refine(
        (t) =>
          (t.match(/\{[^}]*\}/g) ?? []).every((v) => ['{path}', '{dir}', '{name}'].includes(v)),
        {
          message: 'only {path}, {dir} and {name} may appear in braces',
        },
      )
      .describe(
        'Path (template) of the Sigstore bundle. With `path`: {path} is the artifact path, {dir} its folder, {name} its file name; default {path}.sigstore.json. With `digest`: a plain path, required. A bundle file may hold one bundle (JSON) or several (JSON Lines); one of them must verify.',
      )
      .optional(),
    source: z
      .enum(['bundle', 'github-attestations'])
      .default('bundle')
      .describe(
        'Where signatures come from: `bundle` files, or the GitHub attestations API (GET /repos/{owner}/{repo}/attestations/sha256:{hex}); with the API, an artifact without attestation fails.',
      ),
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)?$/, 'must be OWNER/NAME or OWNER')
      .describe(
        'With `source: github-attestations`: the repository (OWNER/NAME) or organisation (OWNER) whose attestations to read; default the repository being deployed (GITHUB_REPOSITORY / --repo).',
      )
      .optional(),
  })
  .superRefine((a, ctx) => {
    if ((a.path === undefined) === (a.digest === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'each artifact needs exactly one of `path` or `digest`',
      });
    }
    if (a.source === 'github-attestations' && a.bundle !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: '`bundle` does not apply to `source: github-attestations`',
      });
    }
    if (a.source === 'bundle' && a.repository !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: '`repository` applies only to `source: github-attestations`',
      });
    }
    if (a.source === 'bundle' && a.digest !== undefined) {
      if (a.bundle === undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            'a `digest` entry needs `bundle` (a plain path) or `source: github-attestations`',
        });
      } else if (/\{[^}]*\}/.test(a.bundle)) {
        ctx.addIssue({
          code: 'custom',
          message: 'with `digest`, `bundle` is a plain path (no {path}, {dir} or {name})',
        });
      }
    }
  });

const ownerName = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be OWNER/NAME');
const owner = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be an owner (user or organisation) name');
const numericId = z.string().regex(/^[0-9]+$/, 'must be a numeric ID (as a string)');
const workflowRef = z
  .string()
  .regex(
    /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/\S+\.ya?ml(@\S+)?$/,
    'must be OWNER/REPO/PATH/TO/WORKFLOW.yml, optionally @REF',
  );

/** Keys that say WHO signed (beyond the issuer); a keyless identity needs at least one. */
export const IDENTITY_KEYS = [
  'subject',
  'subject-regexp',
  'source-repository',
  'source-repository-id',
  'source-repository-owner',
  'source-repository-owner-id',
  'signer-workflow',
  'build-workflow',
] as const;

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
    'source-repository': ownerName
      .describe(
        'OWNER/NAME of the repository the build ran from (Fulcio extension 1.3.6.1.4.1.57264.1.12 must be https://github.com/OWNER/NAME).',
      )
      .optional(),
    'source-repository-id': numericId
      .describe(
        'Numeric ID of that repository (extension .15): survives renames, and a deleted and re-created repository gets a new ID.',
      )
      .optional(),
    'source-repository-owner': owner
      .describe('Owner of that repository (extension .16 must be https://github.com/OWNER).')
      .optional(),
    'source-repository-owner-id': numericId
      .describe('Numeric ID of the owner (extension .17).')
      .optional(),
    'source-ref': nonEmpty
      .describe('Git ref the build ran on, exactly (extension .14), e.g. refs/heads/main.')
      .optional(),
    'source-ref-regexp': wholeStringRegexp
      .describe(
        'Pattern the whole source ref must match (extension .14), e.g. refs/tags/v[0-9]+\\..*',
      )
      .optional(),
    'signer-workflow': workflowRef
      .describe(
        'The workflow that signed (extension .9, Build Signer URI; for a reusable workflow, the reusable one): OWNER/REPO/PATH.yml, optionally @REF to pin its ref too.',
      )
      .optional(),
    'build-workflow': workflowRef
      .describe(
        'The top-level workflow that ran (extension .18, Build Config URI; the caller of a reusable workflow): OWNER/REPO/PATH.yml, optionally @REF.',
      )
      .optional(),
    'runner-environment': z
      .enum(['github-hosted', 'self-hosted'])
      .describe(
        'Where the build ran (extension .11). github-hosted refuses builds on self-hosted runners.',
      )
      .optional(),
    'trigger-event': nonEmpty
      .describe(
        'The event that triggered the build (extension .20), e.g. push, release, workflow_dispatch.',
      )
      .optional(),
    key: nonEmpty
      .describe('Path of a PEM public key (key-based signing) instead of a keyless identity.')
      .optional(),
  })
  .superRefine((id, ctx) => {
    const keyless = Object.keys(id).filter((k) => k !== 'key');
    if (id.key !== undefined) {
      if (keyless.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `\`key\` cannot be combined with ${keyless.join(', ')}`,
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
    if (id.subject !== undefined && id['subject-regexp'] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give `subject` (exact) or `subject-regexp` (pattern), not both',
      });
    }
    if (id['source-ref'] !== undefined && id['source-ref-regexp'] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give `source-ref` or `source-ref-regexp`, not both',
      });
    }
    if (!IDENTITY_KEYS.some((k) => id[k] !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: `a keyless identity must say who signed: one of ${IDENTITY_KEYS.join(', ')} (an issuer alone would accept anyone it issues certificates to)`,
      });
    }
  });

const provenanceSchema = z
  .strictObject({
    'builder-id': nonEmpty
      .describe(
        'Exact builder ID of the SLSA provenance, e.g. https://github.com/actions/runner/github-hosted.',
      )
      .optional(),
    'build-type': nonEmpty
      .describe(
        'Exact build type, e.g. https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1.',
      )
      .optional(),
  })
  .describe(
    'When present, every artifact needs SLSA provenance (v1 or v0.2) whose source repository, ref and commit agree with the signing certificate, and which has these values.',
  );

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
    tuf: z
      .enum(['online', 'offline'])
      .default('online')
      .describe(
        'online: refresh the Sigstore public-good trusted root through TUF (needs the network); offline: use the root embedded in this release of the gate. The report says which root verified each artifact and how old it is.',
      ),
    'tuf-fallback': z
      .enum(['none', 'embedded'])
      .default('none')
      .describe(
        'When the online refresh fails: none makes it "could not evaluate"; embedded uses the embedded root and records why in the report.',
      ),
    provenance: provenanceSchema.optional(),
    'require-deployed-commit': z
      .boolean()
      .default(false)
      .describe(
        'The signing certificate (source digest, extension .13) and any SLSA provenance must name the commit being deployed (GITHUB_SHA or --sha): provenance built from another commit cannot promote this one.',
      ),
  })
  .describe('Artifact signatures (Sigstore bundles).');

/** `24h`, `7d`, `30m`, `90s` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  return (
    Number(m[1]) *
    { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd']
  );
}

const purlWithoutVersion = z
  .string()
  .regex(
    /^pkg:[a-z0-9.+-]+\/[^@\s]+$/i,
    'must be a package URL without version, e.g. pkg:npm/event-stream',
  );

export const dependenciesSchema = z
  .strictObject({
    paths: z
      .array(nonEmpty)
      .describe(
        'Lockfiles, or folders to search for them (respecting .gitignore), relative to the workspace. Default: search the workspace.',
      )
      .optional(),
    sbom: z
      .array(nonEmpty)
      .describe('CycloneDX (1.4–1.6) or SPDX (2.3) JSON SBOMs to check as well.')
      .optional(),
    source: z
      .string()
      .regex(
        /^(osv|github|osv-api:https?:\/\/\S+|osv-dir:.+|osv-zip:.+)$/,
        'must be osv, github, osv-api:URL, osv-dir:PATH or osv-zip:PATH',
      )
      .default('osv')
      .describe(
        'Advisory data: osv (the OSV API at https://api.osv.dev), github (the GitHub Advisory Database through the API, reviewed and malware advisories; not CRAN or Hackage), osv-api:URL (an OSV-compatible API), osv-dir:PATH (one OSV record per JSON file, as in osv.dev exports) or osv-zip:PATH (osv.dev all.zip).',
      ),
    'max-age': z
      .string()
      .refine((t) => parseDuration(t) !== undefined, {
        message: 'must be a duration like 24h, 7d or 90m',
      })
      .describe(
        'Oldest offline advisory snapshot accepted (newest `modified` of the records), e.g. 24h.',
      )
      .optional(),
    'fail-on-severity': z
      .enum(['low', 'moderate', 'high', 'critical'])
      .default('high')
      .describe('Advisories of this severity or higher block.'),
    'unknown-severity': z
      .enum(['block', 'warn'])
      .default('block')
      .describe(
        'Advisories with no usable severity, and packages whose version cannot be checked: block or warn.',
      ),
    scopes: z
      .array(z.enum(['runtime', 'dev']))
      .min(1)
      .default(['runtime'])
      .describe(
        'Which dependencies count. Packages whose scope the lockfile does not say always count.',
      ),
    'block-malicious': z
      .boolean()
      .default(true)
      .describe('Malicious-package records (MAL-…) block whatever their severity.'),
    deny: z
      .array(
        z.strictObject({
          package: purlWithoutVersion,
          versions: nonEmpty
            .superRefine((spec, ctx) => {
              const parsed = parseVersionsSpec(spec);
              if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
            })
            .describe(
              'Exact versions ("3.3.6, 3.3.5") or comparisons (">=1.0.0 <1.2.0 || = 2.0.0": AND within an alternative, OR across ||), not both in one alternative; all when absent.',
            )
            .optional(),
          reason: nonEmpty.optional(),
        }),
      )
      .default([])
      .describe('Packages that must not ship, whatever the advisories say.'),
    allow: z
      .array(
        z.strictObject({
          id: nonEmpty.describe('Advisory id (GHSA-…, CVE-…, PYSEC-…); matches aliases too.'),
          reason: nonEmpty.describe('Why it is acceptable (required).'),
          expires: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
            .describe('Last day the waiver applies (required); an expired waiver is an error.'),
          package: purlWithoutVersion.describe('Only for this package.').optional(),
          version: nonEmpty.describe('Only for this version.').optional(),
          path: nonEmpty.describe('Only for this lockfile.').optional(),
        }),
      )
      .default([])
      .describe(
        'Waivers: each with a reason and an expiry; waivers that match nothing are reported.',
      ),
  })
  .describe('Dependencies being shipped, matched against advisory data.');

const refPattern = nonEmpty.refine((p) => !/\s/.test(p), { message: 'must not contain spaces' });

export const repositorySchema = z
  .strictObject({
    branches: z
      .array(refPattern)
      .default([])
      .describe(
        'Refs deploys may come from: branch patterns (main, release/*) or full ref patterns (refs/tags/v*); * stays within a path segment, ** crosses them. A tag deploy must point at a commit on a branch listed here without wildcards. Empty: any ref.',
      ),
    'require-pull-request': z
      .boolean()
      .default(true)
      .describe(
        'The deployed commit must be the merge commit (merge, squash, rebase or merge queue) of exactly one merged pull request into the target branch.',
      ),
    'required-approvals': z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(1)
      .describe(
        "Approving reviews needed, each reviewer's latest review only; not by the PR author, anyone who authored or committed to it, or bots (unless in allow-bots).",
      ),
    'approvals-on-final-commit': z
      .boolean()
      .default(true)
      .describe("Only approvals of the pull request's final head commit count."),
    'require-code-owner-approval': z
      .boolean()
      .default(false)
      .describe(
        "Every changed file's code owners (CODEOWNERS of the base branch) must have approved. Team owners need a token that can read team members.",
      ),
    'require-status-checks': z
      .array(
        z.union([
          nonEmpty,
          z.strictObject({
            name: nonEmpty.describe('Check run name or commit status context.'),
            app: nonEmpty
              .describe(
                'Only check runs created by this GitHub App (slug, e.g. github-actions) count; commit statuses do not.',
              )
              .optional(),
          }),
        ]),
      )
      .default([])
      .describe(
        'Checks that must have concluded successfully on the deployed commit (the latest run of each name; pending, skipped, neutral and missing block).',
      ),
    'require-signed-commits': z
      .boolean()
      .default(false)
      .describe(
        "The deployed commit and the pull request's commits carry signatures GitHub verifies. Commits made in GitHub's UI or by a merge are signed by GitHub, not by their author.",
      ),
    'require-branch-protection': z
      .enum(['rules', 'any', 'none'])
      .default('any')
      .describe(
        'The target branch must be governed by rules at least as strict as this section: rules (repository or organisation rulesets only), any (rulesets or classic branch protection), none (not checked).',
      ),
    'cannot-see': z
      .enum(['block', 'warn'])
      .default('block')
      .describe(
        'What the token cannot read (classic protection, team members, lists cut short): block (could not evaluate) or warn. The finding names the permission that would make it visible.',
      ),
    'allow-bots': z
      .array(nonEmpty)
      .default([])
      .describe('Bot logins whose approvals count (name or name[bot]).'),
    'since-last-deployment': nonEmpty
      .describe(
        "Environment name: every commit between the environment's last successful deployment and the deployed commit must have come through a pull request that meets this section too, so an unreviewed commit cannot ride along. Off when absent.",
      )
      .optional(),
  })
  .describe('How the deployed commit reached its branch: pull request, reviews, checks, rules.');

export const reportPolicySchema = z
  .strictObject({
    'pr-comment': z
      .enum(['auto', 'always', 'never'])
      .default('auto')
      .describe(
        'One comment per pull request with the verdict, updated in place: auto (runs on pull_request / pull_request_target, and deploys of a commit that is the merge commit of a merged pull request), always (the same, and a warning when no pull request is found), never. Needs `pull-requests: write`; without it the step warns and the verdict is unchanged.',
      ),
    'check-run': z
      .boolean()
      .default(false)
      .describe(
        'Create a check run named security-gate on the deployed commit (on the pull request head for pull_request events) with the verdict (success, failure, or neutral in audit mode) and up to 50 annotations. Needs `checks: write`; without it the step warns and the verdict is unchanged.',
      ),
    sarif: nonEmpty
      .describe(
        'Also write the report as a SARIF 2.1.0 log to this path (relative to the workspace) for GitHub code scanning; --sarif overrides it. Written whole or not at all; a failed write is "could not evaluate".',
      )
      .optional(),
    vsa: z
      .strictObject({
        path: nonEmpty
          .default('security-gate.vsa.sigstore.json')
          .describe('Where to write the Sigstore bundle, relative to the workspace.'),
        instance: z
          .enum(['public-good', 'github'])
          .default('public-good')
          .describe(
            "Sigstore instance: public-good (Fulcio + Rekor, public repositories) or github (GitHub's Fulcio + timestamp authority, private repositories).",
          ),
        'fulcio-url': z
          .string()
          .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
          .describe('Another Fulcio (a private Sigstore deployment).')
          .optional(),
        'rekor-url': z
          .string()
          .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
          .describe('Another Rekor.')
          .optional(),
        'tsa-url': z
          .string()
          .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
          .describe('Another RFC 3161 timestamp authority.')
          .optional(),
        store: z
          .boolean()
          .default(false)
          .describe(
            "Also store the bundle through GitHub's attestations API (needs `attestations: write`), for `source: github-attestations` and `gh attestation verify`.",
          ),
      })
      .describe(
        'When the verdict is pass, sign a SLSA verification summary (https://slsa.dev/verification_summary/v1) of the verified artifact digests, keyless with the workflow identity (needs `id-token: write`); its path is the `vsa-bundle` output. Signing failure fails the step.',
      )
      .optional(),
  })
  .describe(
    'Where the report goes besides the job summary and the step outputs: files, the pull request, a check run.',
  );

export interface ExtendsSpec {
  owner: string;
  repo: string;
  path: string;
  ref: string;
}

const SPEC = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/([^@\s]+)@([^@\s]+)$/;
const EXTENDS_FORMAT =
  'must be OWNER/REPO/PATH@REF (no empty, . or .. path segments), e.g. my-org/.github/security-gate.yml@<commit sha>';

export function parseExtends(text: string): ExtendsSpec | undefined {
  const m = SPEC.exec(text);
  if (!m || m[3]!.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return { owner: m[1]!, repo: m[2]!, path: m[3]!, ref: m[4]! };
}

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
    extends: z
      .string()
      // The one definition of a valid spec: what passes here is what gets fetched. The pattern
      // also reaches the JSON Schema, so editors flag a malformed spec as it is typed.
      .regex(SPEC, { message: EXTENDS_FORMAT, abort: true })
      .refine((s) => parseExtends(s) !== undefined, { message: EXTENDS_FORMAT })
      .describe(
        'Organisation policy this one extends: OWNER/REPO/PATH@REF, read through the GitHub API (pin REF to a commit SHA). This file may only tighten it; a key that loosens it is an error naming the key.',
      )
      .optional(),
    signatures: signaturesSchema.optional(),
    dependencies: dependenciesSchema.optional(),
    report: reportPolicySchema.optional(),
    repository: repositorySchema.optional(),
  })
  .describe('security-gate policy (.github/security-gate.yml)');

export type Policy = z.output<typeof policySchema>;
export type SignaturesPolicy = z.output<typeof signaturesSchema>;
export type DependenciesPolicy = z.output<typeof dependenciesSchema>;
export type RepositoryPolicy = z.output<typeof repositorySchema>;
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
  /** The action's `github-token` input (the CLI reads GITHUB_TOKEN). */
  token: z.string().optional(),
});
export type RunOptions = z.output<typeof runOptionsSchema>;

/** The `verify-artifact` command's flags. */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
export const verifyArtifactOptionsSchema = z
  .strictObject({
    artifact: nonEmpty,
    bundle: nonEmpty.optional(),
    'certificate-identity': nonEmpty.optional(),
    'certificate-identity-regexp': wholeStringRegexp.optional(),
    'certificate-oidc-issuer': nonEmpty.optional(),
    owner: owner.optional(),
    repo: ownerName.optional(),
    'signer-workflow': workflowRef.optional(),
    'source-ref': nonEmpty.optional(),
    'deny-self-hosted-runners': z.boolean().optional(),
    'predicate-type': nonEmpty.optional(),
    sha: z
      .string()
      .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full commit SHA (40 or 64 lowercase hex)')
      .optional(),
    key: nonEmpty.optional(),
    'trusted-root': nonEmpty.optional(),
    offline: z.boolean().optional(),
    json: nonEmpty.optional(),
    markdown: nonEmpty.optional(),
    sarif: nonEmpty.optional(),
  })
  .superRefine((o, ctx) => {
    const who = [
      'certificate-identity',
      'certificate-identity-regexp',
      'owner',
      'repo',
      'signer-workflow',
    ] as const;
    const keylessFlags = [
      ...who,
      'certificate-oidc-issuer',
      'source-ref',
      'deny-self-hosted-runners',
    ] as const;
    if (o.bundle === undefined && o.repo === undefined && o.owner === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['bundle'],
        message: 'required, unless --repo or --owner says whose GitHub attestations to fetch',
      });
    }
    if (o.key !== undefined) {
      const mixed = keylessFlags.filter((k) => o[k] !== undefined);
      if (mixed.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `--key cannot be combined with ${mixed.map((k) => `--${k}`).join(', ')}`,
        });
      }
      return;
    }
    if (o['certificate-identity'] !== undefined && o['certificate-identity-regexp'] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'give --certificate-identity (exact SAN) or --certificate-identity-regexp (whole-SAN pattern), not both',
      });
    }
    if (!who.some((k) => o[k] !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: `say who must have signed: ${who.map((k) => `--${k}`).join(', ')} (or --key)`,
      });
    }
    if (
      (o['certificate-identity'] !== undefined || o['certificate-identity-regexp'] !== undefined) &&
      o['certificate-oidc-issuer'] === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        message:
          '--certificate-oidc-issuer is required with --certificate-identity and --certificate-identity-regexp',
      });
    }
  });
export type VerifyArtifactOptions = z.output<typeof verifyArtifactOptionsSchema>;

/** The `check-repo` command's flags. */
export const checkRepoOptionsSchema = z.strictObject({
  repo: ownerName,
  sha: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full commit SHA (40 lowercase hex)'),
  ref: nonEmpty.optional(),
  'api-url': z
    .string()
    .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
    .optional(),
  policy: nonEmpty.optional(),
  json: nonEmpty.optional(),
  markdown: nonEmpty.optional(),
});
export type CheckRepoOptions = z.output<typeof checkRepoOptionsSchema>;

/** The `scan-deps` command's flags. */
export const scanDepsOptionsSchema = z
  .strictObject({
    paths: z.array(nonEmpty).default([]),
    sbom: z.array(nonEmpty).default([]),
    'osv-dir': nonEmpty.optional(),
    'osv-zip': nonEmpty.optional(),
    'osv-api': z
      .string()
      .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
      .optional(),
    'fail-on-severity': z.enum(['low', 'moderate', 'high', 'critical']).default('high'),
    json: nonEmpty.optional(),
    markdown: nonEmpty.optional(),
    sarif: nonEmpty.optional(),
  })
  .superRefine((o, ctx) => {
    const sources = (['osv-dir', 'osv-zip', 'osv-api'] as const).filter((k) => o[k] !== undefined);
    if (sources.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: `give one advisory source, not ${sources.map((k) => `--${k}`).join(' and ')}`,
      });
    }
  });
export type ScanDepsOptions = z.output<typeof scanDepsOptionsSchema>;
