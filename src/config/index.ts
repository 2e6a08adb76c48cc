/**
 * Builds the one typed configuration that `run` takes, from the action's inputs or the CLI's
 * flags (both validated by src/config/schema.ts) and the runner's standard variables.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDigest } from '../adapters/sigstore/digest.js';
import { z } from 'zod';
import { GateError } from '../errors.js';
import type { DependenciesCheckConfig } from '../checks/dependencies/index.js';
import type { RepositoryCheckConfig } from '../checks/repository/index.js';
import type { SignaturesCheckConfig } from '../checks/signatures/index.js';
import type { ArtifactTarget, SignatureSource } from '../checks/signatures/ports.js';
import type { CheckId, Mode, Subject } from '../types.js';
import { fetchRepositoryFile } from '../adapters/github/contents.js';
import { SIGNING_INSTANCES } from '../adapters/sigstore/vsa.js';
import { loadPolicy, policyFromText, type ExtendsResolver } from './load.js';
import {
  checkRepoOptionsSchema,
  parseDuration,
  repositorySchema,
  runOptionsSchema,
  type CheckRepoOptions,
  type RepositoryPolicy,
  scanDepsOptionsSchema,
  verifyArtifactOptionsSchema,
  type DependenciesPolicy,
  type ScanDepsOptions,
  GITHUB_ACTIONS_ISSUER,
  type IdentityPolicy,
  type Policy,
  type RunOptions,
  type VerifyArtifactOptions,
} from './schema.js';

export interface GateConfig {
  mode: Mode;
  subject: Subject;
  policy?: { path: string; sha256: string; extends?: { file: string; sha256: string } };
  /** Base of relative paths in the policy. */
  workspace: string;
  signatures?: SignaturesCheckConfig & {
    /** trusted_root.json instead of the public-good and GitHub roots. */
    trustedRoot?: string;
    /** Refresh the public-good root through TUF, or use the embedded one. */
    tuf: 'online' | 'offline';
    tufFallback: 'none' | 'embedded';
  };
  dependencies?: DependenciesConfig;
  repository?: RepositoryCheckConfig;
  /** The GitHub API (attestations, repository evidence): base URL and token. */
  github: { apiUrl: string; token?: string };
  outputs: { json?: string; markdown?: string; sarif?: string };
  /** `report.pr-comment`, `report.check-run`: where else on GitHub the verdict is published. */
  publish?: GitHubPublishConfig;
  /** `report.vsa`: sign a verification summary when the verdict is pass. */
  vsa?: VsaConfig;
  /** Run only these checks (verify-artifact runs only `signatures`). */
  only?: CheckId[];
}

/** Advisory data for the dependencies check. */
export type AdvisorySourceConfig =
  | { kind: 'osv-api'; url: string }
  | { kind: 'osv-dir'; path: string }
  | { kind: 'osv-zip'; path: string }
  | { kind: 'github' };

export type DependenciesConfig = Omit<DependenciesCheckConfig, 'now'> & {
  /** Lockfiles or folders to search; empty: search the workspace. */
  paths: string[];
  sboms: string[];
  source: AdvisorySourceConfig;
};

export const OSV_API = 'https://api.osv.dev';

/** `osv`, `osv-api:URL`, `osv-dir:PATH`, `osv-zip:PATH` (policy) → the source. */
export function advisorySourceFrom(text: string): AdvisorySourceConfig {
  if (text === 'osv') return { kind: 'osv-api', url: OSV_API };
  if (text === 'github') return { kind: 'github' };
  const [kind, ...rest] = text.split(':');
  const value = rest.join(':');
  if (kind === 'osv-api') return { kind, url: value };
  if (kind === 'osv-dir' || kind === 'osv-zip') return { kind, path: value };
  throw new GateError('config', `unknown advisory source ${JSON.stringify(text)}`);
}

/** Validates raw option values; errors name the flag or input. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  flagPrefix: string,
): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) =>
    i.code === 'unrecognized_keys'
      ? `unknown option ${i.keys.map((k) => flagPrefix + k).join(', ')}`
      : i.path.length > 0
        ? `${flagPrefix}${i.path.join('.')}: ${i.message}`
        : i.message,
  );
  throw new GateError('config', lines.join('\n'), {
    ...(result.error.issues[0]?.path[0] !== undefined
      ? { location: { key: `${flagPrefix}${String(result.error.issues[0].path[0])}` } }
      : {}),
  });
}

/** `security-gate run` and the action. `env` is the runner's environment. */
export async function configFromRunOptions(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  flagPrefix = '--',
): Promise<GateConfig> {
  const opts: RunOptions = parseOptions(runOptionsSchema, raw, flagPrefix);
  const workspace = path.resolve(opts.workspace);
  const policyPath = path.resolve(workspace, opts.policy);
  const github = githubFrom(env, opts.token);
  const resolver = extendsResolver(github, env);
  const loaded =
    env.GITHUB_EVENT_NAME === 'pull_request_target'
      ? await policyFromBase(opts.policy, env, github, resolver, flagPrefix)
      : await loadPolicy(path.relative(process.cwd(), policyPath) || policyPath, resolver);
  const { policy } = loaded;
  const sig = policy.signatures;
  const subject = subjectFrom(opts, env);
  return {
    mode: opts.mode ?? policy.mode,
    subject,
    policy: {
      path: loaded.path,
      sha256: loaded.sha256,
      ...(loaded.base ? { extends: { file: loaded.base.file, sha256: loaded.base.sha256 } } : {}),
    },
    workspace,
    github,
    ...(sig
      ? {
          signatures: {
            artifacts: sig.artifacts,
            tuf: sig.tuf,
            tufFallback: sig['tuf-fallback'],
            ...(subject.repository ? { attestationsRepository: subject.repository } : {}),
            identities: sig.identities,
            ...(sig['predicate-type'] !== undefined
              ? { predicateType: sig['predicate-type'] }
              : {}),
            ...(sig['trusted-root'] !== undefined ? { trustedRoot: sig['trusted-root'] } : {}),
            ...(sig.provenance
              ? {
                  provenance: {
                    ...(sig.provenance['builder-id'] !== undefined
                      ? { builderId: sig.provenance['builder-id'] }
                      : {}),
                    ...(sig.provenance['build-type'] !== undefined
                      ? { buildType: sig.provenance['build-type'] }
                      : {}),
                  },
                }
              : {}),
            ...(sig['require-deployed-commit']
              ? { deployedCommit: deployedCommit(subject, loaded.path) }
              : {}),
          },
        }
      : {}),
    ...(policy.dependencies ? { dependencies: dependenciesFrom(policy.dependencies) } : {}),
    ...(policy.repository
      ? {
          repository: PULL_REQUEST_EVENTS.has(env.GITHUB_EVENT_NAME ?? '')
            ? await beforeMerge(policy.repository, subject, env, loaded.path)
            : repositoryFrom(policy.repository, subject, loaded.path, flagPrefix),
        }
      : {}),
    outputs: {
      ...(opts.json ? { json: opts.json } : {}),
      ...(opts.markdown ? { markdown: opts.markdown } : {}),
      // --sarif (relative to the current directory) overrides report.sarif (relative to the workspace).
      ...(opts.sarif
        ? { sarif: opts.sarif }
        : policy.report?.sarif
          ? { sarif: path.resolve(workspace, policy.report.sarif) }
          : {}),
    },
    ...(policy.report?.vsa ? { vsa: vsaFrom(policy.report.vsa, workspace, subject) } : {}),
    publish: publishFrom(policy.report, env),
  };
}

export interface GitHubPublishConfig {
  prComment: 'auto' | 'always' | 'never';
  checkRun: boolean;
  /** GITHUB_EVENT_NAME, GITHUB_EVENT_PATH: the pull request of pull_request events. */
  event?: { name: string; path?: string };
  /** The workflow run's page, whose job summary holds the full report. */
  runUrl?: string;
}

/** `report.pr-comment` (default auto) and `report.check-run` (default false), with the run's context. */
function publishFrom(report: Policy['report'], env: NodeJS.ProcessEnv): GitHubPublishConfig {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const repo = env.GITHUB_REPOSITORY ?? '';
  const runId = env.GITHUB_RUN_ID ?? '';
  const runUrl =
    /^https?:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~-]+)*\/?$/.test(server) &&
    /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo) &&
    /^\d+$/.test(runId)
      ? `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${runId}`
      : undefined;
  return {
    prComment: report?.['pr-comment'] ?? 'auto',
    checkRun: report?.['check-run'] ?? false,
    ...(env.GITHUB_EVENT_NAME
      ? {
          event: {
            name: env.GITHUB_EVENT_NAME,
            ...(env.GITHUB_EVENT_PATH ? { path: env.GITHUB_EVENT_PATH } : {}),
          },
        }
      : {}),
    ...(runUrl ? { runUrl } : {}),
  };
}

export interface VsaConfig {
  /** Absolute path of the bundle to write. */
  path: string;
  /** Store it through the attestations API of this repository (OWNER/NAME). */
  storeIn?: string;
  fulcioUrl: string;
  rekorUrl?: string;
  tsaUrl?: string;
}

function vsaFrom(
  v: NonNullable<NonNullable<Policy['report']>['vsa']>,
  workspace: string,
  subject: Subject,
): VsaConfig {
  if (v.store && subject.repository === undefined) {
    throw new GateError(
      'config',
      'report.vsa.store needs the repository (GITHUB_REPOSITORY or --repo)',
      {
        location: { key: 'report.vsa.store' },
      },
    );
  }
  const instance = SIGNING_INSTANCES[v.instance];
  const rekorUrl = v['rekor-url'] ?? ('rekor' in instance ? instance.rekor : undefined);
  const tsaUrl = v['tsa-url'] ?? ('tsa' in instance ? instance.tsa : undefined);
  return {
    path: path.resolve(workspace, v.path),
    ...(v.store && subject.repository ? { storeIn: subject.repository } : {}),
    fulcioUrl: v['fulcio-url'] ?? instance.fulcio,
    ...(rekorUrl ? { rekorUrl } : {}),
    ...(tsaUrl ? { tsaUrl } : {}),
  };
}

/** The repository check's configuration: the policy section, for the deployed commit. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/**
 * Pull request events: GITHUB_SHA is GitHub's test merge, not a merged commit. The repository
 * check then judges the open pull request the event names (its head commit, its base branch) as
 * it would be judged once merged.
 */
async function beforeMerge(
  r: RepositoryPolicy,
  subject: Subject,
  env: NodeJS.ProcessEnv,
  policyPath: string,
): Promise<RepositoryCheckConfig> {
  let pr: { number?: unknown; head?: { sha?: unknown }; base?: { ref?: unknown } } | undefined;
  try {
    const event = JSON.parse(await readFile(env.GITHUB_EVENT_PATH ?? '', 'utf8')) as {
      pull_request?: typeof pr;
    };
    pr = event.pull_request;
  } catch {
    pr = undefined;
  }
  const number = pr?.number;
  const head = pr?.head?.sha;
  const base = pr?.base?.ref;
  if (
    typeof number !== 'number' ||
    !Number.isSafeInteger(number) ||
    typeof head !== 'string' ||
    !/^[0-9a-f]{40}$/.test(head) ||
    typeof base !== 'string' ||
    base === ''
  ) {
    throw new GateError(
      'config',
      `${policyPath}: the repository section on a ${env.GITHUB_EVENT_NAME} event needs the pull request (number, head commit, base branch) from the event payload (GITHUB_EVENT_PATH), and it is not there`,
      { location: { file: policyPath, key: 'repository' } },
    );
  }
  return {
    ...repositoryFrom(
      r,
      { ...subject, sha: head, ref: `refs/heads/${base}` },
      policyPath,
      'input ',
    ),
    pullRequest: number,
  };
}

function repositoryFrom(
  r: RepositoryPolicy,
  subject: Subject,
  policyPath: string,
  flagPrefix: string,
): RepositoryCheckConfig {
  const missing = [
    subject.repository === undefined ? `${flagPrefix}repo (GITHUB_REPOSITORY)` : undefined,
    subject.sha === undefined ? `${flagPrefix}sha (GITHUB_SHA)` : undefined,
  ].filter((x): x is string => x !== undefined);
  if (missing.length > 0) {
    throw new GateError(
      'config',
      `${policyPath}: the repository section needs the repository and commit being deployed; missing ${missing.join(' and ')}`,
      {
        location: { file: policyPath, key: 'repository' },
        fix: 'Run in GitHub Actions (which sets GITHUB_REPOSITORY and GITHUB_SHA), or pass --repo and --sha.',
      },
    );
  }
  if (!/^[0-9a-f]{40}$/i.test(subject.sha!)) {
    throw new GateError(
      'config',
      `the deployed commit ${JSON.stringify(subject.sha)} is not a full 40-digit commit SHA`,
      { fix: 'Pass the full SHA (GITHUB_SHA or --sha).' },
    );
  }
  return {
    repository: subject.repository!,
    sha: subject.sha!.toLowerCase(),
    ...(subject.ref !== undefined ? { ref: subject.ref } : {}),
    branches: r.branches,
    requirePullRequest: r['require-pull-request'],
    requiredApprovals: r['required-approvals'],
    approvalsOnFinalCommit: r['approvals-on-final-commit'],
    requireCodeOwnerApproval: r['require-code-owner-approval'],
    requireStatusChecks: r['require-status-checks'].map((c) =>
      typeof c === 'string' ? { name: c } : { name: c.name, ...(c.app ? { app: c.app } : {}) },
    ),
    requireSignedCommits: r['require-signed-commits'],
    requireBranchProtection: r['require-branch-protection'],
    cannotSee: r['cannot-see'],
    allowBots: r['allow-bots'],
    ...(r['since-last-deployment'] !== undefined
      ? { sinceLastDeployment: r['since-last-deployment'] }
      : {}),
  };
}

/** `security-gate check-repo`: the repository check alone, with the policy's section or defaults. */
export async function configFromCheckRepo(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<GateConfig> {
  const o: CheckRepoOptions = parseOptions(checkRepoOptionsSchema, raw, '--');
  const subject: Subject = { repository: o.repo, sha: o.sha, ...(o.ref ? { ref: o.ref } : {}) };
  let section: RepositoryPolicy = repositorySchema.parse({});
  let policy: GateConfig['policy'];
  let where = 'check-repo';
  if (o.policy !== undefined) {
    const loaded = await loadPolicy(o.policy, extendsResolver(githubFrom(env), env));
    if (!loaded.policy.repository) {
      throw new GateError('config', `${loaded.path} has no repository section`, {
        location: { file: loaded.path, key: 'repository' },
        fix: 'Add a repository section, or omit --policy to use the defaults.',
      });
    }
    section = loaded.policy.repository;
    policy = { path: loaded.path, sha256: loaded.sha256 };
    where = loaded.path;
  }
  const github = githubFrom(env);
  return {
    mode: 'enforce',
    only: ['repository'],
    subject,
    ...(policy ? { policy } : {}),
    workspace: process.cwd(),
    github: o['api-url'] ? { ...github, apiUrl: o['api-url'] } : github,
    repository: repositoryFrom(section, subject, where, '--'),
    outputs: {
      ...(o.json ? { json: o.json } : {}),
      ...(o.markdown ? { markdown: o.markdown } : {}),
    },
  };
}

function dependenciesFrom(d: DependenciesPolicy): DependenciesConfig {
  const maxAge = d['max-age'] !== undefined ? parseDuration(d['max-age']) : undefined;
  return {
    paths: d.paths ?? [],
    sboms: d.sbom ?? [],
    source: advisorySourceFrom(d.source),
    failOnSeverity: d['fail-on-severity'],
    unknownSeverity: d['unknown-severity'],
    scopes: d.scopes,
    blockMalicious: d['block-malicious'],
    deny: d.deny.map((rule, i) => ({
      package: rule.package,
      ...(rule.versions !== undefined ? { versions: rule.versions } : {}),
      ...(rule.reason !== undefined ? { reason: rule.reason } : {}),
      key: `dependencies.deny[${i}]`,
    })),
    allow: d.allow.map((w, i) => ({
      id: w.id,
      reason: w.reason,
      expires: w.expires,
      ...(w.package !== undefined ? { package: w.package } : {}),
      ...(w.version !== undefined ? { version: w.version } : {}),
      ...(w.path !== undefined ? { path: w.path } : {}),
      key: `dependencies.allow[${i}]`,
    })),
    ...(maxAge !== undefined ? { maxAgeMs: maxAge } : {}),
  };
}

/** `security-gate scan-deps`: the dependencies check alone, from flags. */
export function configFromScanDeps(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): GateConfig {
  const o: ScanDepsOptions = parseOptions(scanDepsOptionsSchema, raw, '--');
  const source: AdvisorySourceConfig = o['osv-dir']
    ? { kind: 'osv-dir', path: o['osv-dir'] }
    : o['osv-zip']
      ? { kind: 'osv-zip', path: o['osv-zip'] }
      : { kind: 'osv-api', url: o['osv-api'] ?? OSV_API };
  return {
    mode: 'enforce',
    only: ['dependencies'],
    subject: subjectFrom({}, env),
    workspace: process.cwd(),
    github: githubFrom(env),
    dependencies: {
      paths: o.paths,
      sboms: o.sbom,
      source,
      failOnSeverity: o['fail-on-severity'],
      unknownSeverity: 'block',
      scopes: ['runtime'],
      blockMalicious: true,
      deny: [],
      allow: [],
    },
    outputs: {
      ...(o.json ? { json: o.json } : {}),
      ...(o.markdown ? { markdown: o.markdown } : {}),
      ...(o.sarif ? { sarif: o.sarif } : {}),
    },
  };
}

/** `security-gate verify-artifact`: the same signatures check, from flags. */
export function configFromVerifyArtifact(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): GateConfig {
  const o: VerifyArtifactOptions = parseOptions(verifyArtifactOptionsSchema, raw, '--');
  const identity: IdentityPolicy =
    o.key !== undefined
      ? { key: o.key }
      : {
          // cosign-style flags name the issuer; gh-style flags (--owner, --repo…) default to GitHub Actions'.
          issuer: o['certificate-oidc-issuer'] ?? GITHUB_ACTIONS_ISSUER,
          ...(o['certificate-identity'] !== undefined
            ? { subject: o['certificate-identity'] }
            : {}),
          ...(o['certificate-identity-regexp'] !== undefined
            ? { 'subject-regexp': o['certificate-identity-regexp'] }
            : {}),
          ...(o.repo !== undefined ? { 'source-repository': o.repo } : {}),
          ...(o.owner !== undefined ? { 'source-repository-owner': o.owner } : {}),
          ...(o['signer-workflow'] !== undefined
            ? { 'signer-workflow': o['signer-workflow'] }
            : {}),
          ...(o['source-ref'] !== undefined ? { 'source-ref': o['source-ref'] } : {}),
          ...(o['deny-self-hosted-runners']
            ? { 'runner-environment': 'github-hosted' as const }
            : {}),
        };
  // FILE_OR_DIGEST: a path, or sha256:<hex> when no such file exists.
  const target: ArtifactTarget =
    !existsSync(o.artifact) && /^sha256:/i.test(o.artifact.trim())
      ? { kind: 'digest', sha256: parseDigest(o.artifact).hex }
      : { kind: 'file', path: o.artifact };
  const [owner = '', repo] = (o.repo ?? o.owner ?? '').split('/');
  const source: SignatureSource =
    o.bundle !== undefined
      ? { kind: 'bundle', path: o.bundle }
      : {
          kind: 'github-attestations',
          owner,
          ...(repo ? { repo } : {}),
          ...(o['predicate-type'] ? { predicateType: o['predicate-type'] } : {}),
        };
  return {
    mode: 'enforce',
    only: ['signatures'],
    github: githubFrom(env),
    subject: subjectFrom({}, env),
    workspace: process.cwd(),
    signatures: {
      artifacts: [],
      tuf: o.offline ? 'offline' : 'online',
      tufFallback: 'none',
      explicit: {
        artifact: target.kind === 'digest' ? `sha256:${target.sha256}` : o.artifact,
        target,
        source,
      },
      identities: [identity],
      identityLabels: [
        `--${(['key', 'certificate-identity', 'certificate-identity-regexp', 'repo', 'owner', 'signer-workflow'] as const).find((k) => o[k] !== undefined) ?? 'key'}`,
      ],
      identityFix:
        o.key !== undefined
          ? 'Check that --key is the public key the artifact was signed with.'
          : 'Check the identity flags (--certificate-identity[-regexp], --certificate-oidc-issuer, --owner, --repo, --signer-workflow, --source-ref) against the signer shown under "found".',
      ...(o['predicate-type'] !== undefined ? { predicateType: o['predicate-type'] } : {}),
      ...(o.sha !== undefined ? { deployedCommit: o.sha } : {}),
      ...(o['trusted-root'] !== undefined ? { trustedRoot: o['trusted-root'] } : {}),
    },
    outputs: {
      ...(o.json ? { json: o.json } : {}),
      ...(o.markdown ? { markdown: o.markdown } : {}),
      ...(o.sarif ? { sarif: o.sarif } : {}),
    },
  };
}

/** Reads the organisation policy an `extends` names through the GitHub contents API. */
function extendsResolver(github: GateConfig['github'], env: NodeJS.ProcessEnv): ExtendsResolver {
  return async (spec) => {
    const file = await fetchRepositoryFile({
      apiUrl: github.apiUrl,
      ...(github.token ? { token: github.token } : {}),
      // Pinned bases are cached only in the runner's own temporary folder.
      ...(env.RUNNER_TEMP ? { cacheDir: env.RUNNER_TEMP } : {}),
      ...spec,
    });
    return {
      spec: `${spec.owner}/${spec.repo}/${spec.path}@${spec.ref}`,
      file: file.name,
      text: file.text,
    };
  };
}

/**
 * In `pull_request_target` runs the workspace may hold the pull request's head (if the workflow
 * checked it out), which its author controls: the policy is read from the base commit through the
 * API instead, never from the workspace.
 */
async function policyFromBase(
  policyInput: string,
  env: NodeJS.ProcessEnv,
  github: GateConfig['github'],
  resolver: ExtendsResolver,
  flagPrefix: string,
) {
  const eventPath = env.GITHUB_EVENT_PATH;
  let base: { sha?: unknown; repo?: { full_name?: unknown } } | undefined;
  try {
    const event = JSON.parse(await readFile(eventPath ?? '', 'utf8')) as {
      pull_request?: { base?: typeof base };
    };
    base = event.pull_request?.base;
  } catch {
    base = undefined;
  }
  const sha = typeof base?.sha === 'string' ? base.sha : undefined;
  const repository =
    typeof base?.repo?.full_name === 'string' ? base.repo.full_name : env.GITHUB_REPOSITORY;
  if (sha === undefined || !/^[0-9a-f]{40}$/.test(sha) || !repository?.includes('/')) {
    throw new GateError(
      'config',
      `pull_request_target: cannot find the base commit in the event payload (GITHUB_EVENT_PATH ${JSON.stringify(eventPath ?? '')}), so the policy cannot be read from the base`,
      { fix: 'Run the gate on the pull_request_target event as GitHub delivers it.' },
    );
  }
  const relative = path.posix.normalize(policyInput.replace(/\\/g, '/')).replace(/^\.\//, '');
  if (relative.startsWith('../') || path.posix.isAbsolute(relative)) {
    throw new GateError(
      'config',
      `${flagPrefix}policy: ${JSON.stringify(policyInput)} is outside the repository; in pull_request_target runs the policy is read from the base commit`,
      { location: { key: `${flagPrefix}policy` } },
    );
  }
  const [owner = '', repo = ''] = repository.split('/');
  const file = await fetchRepositoryFile({
    apiUrl: github.apiUrl,
    ...(github.token ? { token: github.token } : {}),
    ...(env.RUNNER_TEMP ? { cacheDir: env.RUNNER_TEMP } : {}),
    owner,
    repo,
    path: relative,
    ref: sha,
  });
  return policyFromText(file.text, file.name, resolver);
}

/** The GitHub API: GITHUB_API_URL (default https://api.github.com) and a token. */
function githubFrom(env: NodeJS.ProcessEnv, token?: string): GateConfig['github'] {
  const apiUrl = env.GITHUB_API_URL || 'https://api.github.com';
  const t = token || env.GITHUB_TOKEN || undefined;
  return { apiUrl, ...(t ? { token: t } : {}) };
}

/** The commit being deployed, required by `signatures.require-deployed-commit`. */
function deployedCommit(subject: Subject, policyPath: string): string {
  if (subject.sha === undefined || !/^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/.test(subject.sha)) {
    throw new GateError(
      'config',
      `${policyPath}: signatures.require-deployed-commit needs the deployed commit, and ${subject.sha === undefined ? 'none is known' : `GITHUB_SHA ${JSON.stringify(subject.sha)} is not a full commit SHA`}`,
      {
        location: { file: policyPath, key: 'signatures.require-deployed-commit' },
        fix: 'Run in GitHub Actions (GITHUB_SHA), or pass --sha.',
      },
    );
  }
  return subject.sha.toLowerCase();
}

function subjectFrom(
  opts: Pick<RunOptions, 'repo' | 'sha' | 'ref'> | Record<string, never>,
  env: NodeJS.ProcessEnv,
): Subject {
  const repository = ('repo' in opts && opts.repo) || env.GITHUB_REPOSITORY || undefined;
  const sha = ('sha' in opts && opts.sha) || env.GITHUB_SHA || undefined;
  const ref = ('ref' in opts && opts.ref) || env.GITHUB_REF || undefined;
  return {
    ...(repository ? { repository } : {}),
    ...(sha ? { sha } : {}),
    ...(ref ? { ref } : {}),
  };
}
