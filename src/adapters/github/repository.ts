/**
 * Gathers the repository evidence for one deployed commit from GitHub, in as few requests as
 * possible (the GITHUB_TOKEN budget is 1,000 requests/hour per repository, shared by every
 * workflow):
 *
 * 1. ONE GraphQL query (`GateRepositoryEvidence`): the commit, the pull requests associated with
 *    it (each with reviews, commits, changed files and the CODEOWNERS candidates of its base
 *    branch), the commit's check suites/runs and its commit statuses.
 * 2. `GET /repos/{o}/{r}/rules/branches/{branch}`: the rulesets (repository and organisation)
 *    that apply to the target branch (GraphQL has no equivalent that includes organisation rules).
 * 3. `GET /repos/{o}/{r}/branches/{branch}/protection`: classic branch protection (needs
 *    Administration: read, which the default GITHUB_TOKEN cannot have: 403/404 is "cannot see").
 *
 * Only when needed: `GET /pulls/{n}/files` (GraphQL's changed files have no previous path, which
 * CODEOWNERS needs for renames and copies; also used past 100 files) and follow-up GraphQL pages
 * for more than 100 reviews or commits. Every list is bounded; a cut list is flagged, never silent.
 *
 * The client is plain `fetch` (like attestations.ts), not Octokit: Octokit resolves a truncated or
 * non-JSON body as a string, and its retry/throttling plugins retry on their own terms; here every
 * attempt is bounded in time and size, retried a bounded number of times on 429, 403 rate limits,
 * 5xx and network errors, and every body is parsed and zod-validated before use. Failures raise
 * `GateError('upstream')` naming the service and status; 401/403 permission problems raise
 * `GateError('config')` naming the permission that would help.
 */
import { backoff, githubMessage, sanitize, truncate } from './response.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { GateError, describeThrown } from '../../errors.js';
import { githubApiRoot, githubRequest } from './request.js';
import type { RepositoryPorts } from '../../checks/repository/index.js';
import {
  CODEOWNERS_LOCATIONS,
  type Actor,
  type ChangedFile,
  type CodeownersEvidence,
  type PullRequestCommit,
  type PullRequestEvidence,
  type PullRequestReview,
  type AssociatedPullRequest,
  type BranchRulesEvidence,
  type CheckRunEvidence,
  type ClassicProtection,
  type ClassicProtectionEvidence,
  type DeploymentRangeEvidence,
  type PullRequestSelection,
  type RepositoryEvidence,
  type RuleEvidence,
  type TeamMembership,
} from '../../checks/repository/model.js';

export type {
  AssociatedPullRequest,
  BranchRulesEvidence,
  CheckRunEvidence,
  ClassicProtectionEvidence,
  CommitStatusEvidence,
  PullRequestSelection,
  RepositoryEvidence,
  RuleEvidence,
} from '../../checks/repository/model.js';

export interface RepositoryQuery {
  /** REST API root, e.g. `https://api.github.com` or `https://HOST/api/v3` (GraphQL: `/graphql` beside it). */
  apiUrl: string;
  token?: string;
  owner: string;
  repo: string;
  /** The deployed commit (40 hex digits). */
  sha: string;
  /** Target branch (no `refs/heads/`). Absent: the chosen pull request's base branch. */
  branch?: string;
  /** Retries after the first attempt, per request. Default 3. */
  maxRetries?: number;
  /** Per attempt (headers and body). Default 30 000. */
  timeoutMs?: number;
  /** Read classic branch protection (one more request). Default true. */
  classicProtection?: boolean;
  /** First backoff delay for 5xx/network errors; doubles per retry. Default 1 000. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts; a rate limit asking for longer fails at once. Default 10 000. */
  maxRetryDelayMs?: number;
  /** Pages of 100 per list (reviews, commits, files, rules). Default 10. */
  maxPages?: number;
  /**
   * Before merge (pull request events): the pull request with this number, of which `sha` is the
   * head commit, is the one judged — open, not merged — instead of the merged one whose merge
   * commit is `sha`.
   */
  pullRequest?: number;
}

// ---------------------------------------------------------------------------------------------
// Options

const DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 3,
  retryBaseDelayMs: 1_000,
  maxRetryDelayMs: 10_000,
  maxPages: 10,
};
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const ASSOCIATED_PRS = 10;
const CHECK_SUITES = 50;
const PAGE = 100;
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const DEPLOYMENTS = 50;
const COMMITS_PER_QUERY = 50;
const PRS_PER_QUERY = 10;

/** Permissions of the GraphQL query, for 401/403 messages. */
const GRAPHQL_PERMISSIONS =
  '`contents: read`, `pull-requests: read`, `checks: read`, `statuses: read`';

interface Options {
  apiBase: URL;
  graphqlUrl: URL;
  token: string | undefined;
  owner: string;
  repo: string;
  sha: string;
  branch: string | undefined;
  classicProtection: boolean;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  maxPages: number;
  pullRequest: number | undefined;
}

function checkQuery(q: RepositoryQuery): Options {
  const bad = (what: string, fix: string) => new GateError('input', what, { fix });
  const apiBase = githubApiRoot(q.apiUrl);
  for (const [key, value] of [
    ['owner', q.owner],
    ['repo', q.repo],
  ] as const) {
    if (typeof value !== 'string' || !NAME.test(value) || value === '.' || value === '..') {
      throw bad(
        `repository query: ${key} ${JSON.stringify(value)} is not a GitHub name`,
        'give the bare name',
      );
    }
  }
  if (typeof q.sha !== 'string' || !/^[0-9a-fA-F]{40}$/.test(q.sha)) {
    throw bad(
      `repository query: sha ${JSON.stringify(q.sha)} is not 40 hex digits`,
      'pass the full commit SHA',
    );
  }
  if (
    q.branch !== undefined &&
    (typeof q.branch !== 'string' || q.branch === '' || q.branch.startsWith('refs/'))
  ) {
    throw bad(
      `repository query: branch ${JSON.stringify(q.branch)} is not a branch name`,
      'pass e.g. "main", without refs/heads/',
    );
  }
  const int = (key: keyof typeof DEFAULTS, value: number | undefined, min: number) => {
    const v = value ?? DEFAULTS[key];
    if (!Number.isSafeInteger(v) || v < min) {
      throw bad(
        `repository query: ${key} must be an integer ≥ ${min}, got ${String(value)}`,
        `omit ${key} for the default`,
      );
    }
    return v;
  };
  const basePath = apiBase.pathname.replace(/\/+$/, '');
  // api.github.com/graphql; GHES: HOST/api/graphql beside HOST/api/v3.
  const graphqlPath = basePath.endsWith('/api/v3')
    ? `${basePath.slice(0, -3)}/graphql`
    : `${basePath}/graphql`;
  return {
    apiBase,
    graphqlUrl: new URL(graphqlPath, apiBase.origin),
    token: q.token === '' ? undefined : q.token,
    owner: q.owner,
    repo: q.repo,
    sha: q.sha.toLowerCase(),
    branch: q.branch,
    classicProtection: q.classicProtection ?? true,
    timeoutMs: int('timeoutMs', q.timeoutMs, 1),
    maxRetries: int('maxRetries', q.maxRetries, 0),
    retryBaseDelayMs: int('retryBaseDelayMs', q.retryBaseDelayMs, 0),
    maxRetryDelayMs: int('maxRetryDelayMs', q.maxRetryDelayMs, 0),
    maxPages: int('maxPages', q.maxPages, 1),
    pullRequest: q.pullRequest,
  };
}

// ---------------------------------------------------------------------------------------------
// GraphQL documents

const ACTOR = 'login __typename';
const GIT_ACTOR = 'name email user { login }';
const REVIEW_FIELDS = `databaseId state submittedAt author { ${ACTOR} } commit { oid }`;
const COMMIT_FIELDS = `commit { oid author { ${GIT_ACTOR} } committer { ${GIT_ACTOR} } signature { isValid wasSignedByGitHub } }`;
const BLOB = '... on Blob { oid text isBinary isTruncated }';

/** Everything the review decision needs of one pull request. */
const PR_FIELDS = `
  number url state merged mergedAt baseRefName headRefOid
  mergeCommit { oid }
  author { ${ACTOR} }
  mergedBy { ${ACTOR} }
  reviews(first: ${PAGE}) { totalCount pageInfo { hasNextPage endCursor } nodes { ${REVIEW_FIELDS} } }
  commits(first: ${PAGE}) { totalCount pageInfo { hasNextPage endCursor } nodes { ${COMMIT_FIELDS} } }
  files(first: ${PAGE}) { totalCount pageInfo { hasNextPage endCursor } nodes { path changeType } }
  baseRef {
    target {
      ... on Commit {
        oid
        c0: file(path: "${CODEOWNERS_LOCATIONS[0]}") { object { ${BLOB} } }
        c1: file(path: "${CODEOWNERS_LOCATIONS[1]}") { object { ${BLOB} } }
        c2: file(path: "${CODEOWNERS_LOCATIONS[2]}") { object { ${BLOB} } }
      }
    }
  }`;

const DEPLOYMENTS_QUERY = `
query GateLastDeployment($owner: String!, $repo: String!, $environment: String!) {
  repository(owner: $owner, name: $repo) {
    deployments(environments: [$environment], first: ${DEPLOYMENTS}, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      nodes { databaseId commitOid createdAt latestStatus { state } }
    }
  }
}`;

/**
 * One query for several objects of the same kind, aliased `${prefix}0`, `${prefix}1`, …, each
 * read with its own variable: `field(i)` selects the i-th.
 */
function batchQuery(
  name: string,
  prefix: string,
  varType: string,
  count: number,
  field: (v: string) => string,
): string {
  const vars = Array.from({ length: count }, (_, i) => `$${prefix}${i}: ${varType}`).join(', ');
  const fields = Array.from(
    { length: count },
    (_, i) => `${prefix}${i}: ${field(`$${prefix}${i}`)}`,
  ).join('\n    ');
  return `
query ${name}($owner: String!, $repo: String!, ${vars}) {
  repository(owner: $owner, name: $repo) {
    ${fields}
  }
}`;
}

/** Up to COMMITS_PER_QUERY commits: the pull requests GitHub associates with each. */
const commitsQuery = (count: number): string =>
  batchQuery(
    'GateCommitPullRequests',
    'c',
    'GitObjectID!',
    count,
    (v) =>
      `object(oid: ${v}) { ... on Commit { oid associatedPullRequests(first: ${ASSOCIATED_PRS}) { totalCount nodes { number merged baseRefName mergeCommit { oid } } } } }`,
  );

/** Up to PRS_PER_QUERY pull requests, with what their reviews need. */
const pullRequestsQuery = (count: number): string =>
  batchQuery(
    'GatePullRequests',
    'p',
    'Int!',
    count,
    (v) => `pullRequest(number: ${v}) { ${PR_FIELDS} }`,
  );

const EVIDENCE_QUERY = `
query GateRepositoryEvidence($owner: String!, $repo: String!, $sha: GitObjectID!) {
  repository(owner: $owner, name: $repo) {
    object(oid: $sha) {
      ... on Commit {
        oid
        associatedPullRequests(first: ${ASSOCIATED_PRS}) {
          totalCount
          nodes { ${PR_FIELDS} }
        }
        signature { isValid state wasSignedByGitHub signer { login } }
        checkSuites(first: ${CHECK_SUITES}) {
          totalCount
          nodes { app { slug } checkRuns(first: ${PAGE}) { totalCount nodes { databaseId name status conclusion } } }
        }
        status { contexts { context state } }
      }
    }
  }
}`;

const MORE_QUERY = `
query GatePullRequestPage($owner: String!, $repo: String!, $number: Int!,
  $reviewsAfter: String, $commitsAfter: String, $wantReviews: Boolean!, $wantCommits: Boolean!) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviews(first: ${PAGE}, after: $reviewsAfter) @include(if: $wantReviews) {
        pageInfo { hasNextPage endCursor } nodes { ${REVIEW_FIELDS} }
      }
      commits(first: ${PAGE}, after: $commitsAfter) @include(if: $wantCommits) {
        pageInfo { hasNextPage endCursor } nodes { ${COMMIT_FIELDS} }
      }
    }
  }
}`;

// ---------------------------------------------------------------------------------------------
// Response shapes

const actorShape = z.looseObject({ login: z.string().min(1), __typename: z.string() });
const gitActorShape = z.looseObject({
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  user: z
    .looseObject({ login: z.string().min(1) })
    .nullable()
    .optional(),
});
const pageInfoShape = z.looseObject({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const reviewShape = z.looseObject({
  databaseId: z.number().int().nullable(),
  state: z.enum(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING']),
  submittedAt: z.string().nullable().optional(),
  author: actorShape.nullable(),
  commit: z.looseObject({ oid: z.string() }).nullable(),
});
const commitNodeShape = z.looseObject({
  commit: z.looseObject({
    oid: z.string().regex(/^[0-9a-f]{40}$/),
    author: gitActorShape.nullable(),
    committer: gitActorShape.nullable(),
    signature: z
      .looseObject({ isValid: z.boolean(), wasSignedByGitHub: z.boolean() })
      .nullable()
      .optional(),
  }),
});
const blobShape = z
  .looseObject({ object: z.looseObject({}).nullable() })
  .nullable()
  .optional();
const reviewsConn = z.looseObject({
  totalCount: z.number().int(),
  pageInfo: pageInfoShape,
  nodes: z.array(reviewShape),
});
const commitsConn = z.looseObject({
  totalCount: z.number().int(),
  pageInfo: pageInfoShape,
  nodes: z.array(commitNodeShape),
});
const filesConn = z.looseObject({
  totalCount: z.number().int(),
  pageInfo: pageInfoShape,
  nodes: z.array(
    z.looseObject({
      path: z.string().min(1),
      changeType: z.enum(['ADDED', 'CHANGED', 'COPIED', 'DELETED', 'MODIFIED', 'RENAMED']),
    }),
  ),
});
const prShape = z.looseObject({
  number: z.number().int().positive(),
  url: z.string().optional(),
  state: z.enum(['OPEN', 'CLOSED', 'MERGED']),
  merged: z.boolean(),
  mergedAt: z.string().nullable(),
  baseRefName: z.string().min(1),
  headRefOid: z.string().regex(/^[0-9a-f]{40}$/),
  mergeCommit: z.looseObject({ oid: z.string() }).nullable(),
  author: actorShape.nullable(),
  mergedBy: actorShape.nullable(),
  reviews: reviewsConn,
  commits: commitsConn,
  files: filesConn,
  baseRef: z
    .looseObject({
      target: z
        .looseObject({ oid: z.string().optional(), c0: blobShape, c1: blobShape, c2: blobShape })
        .nullable(),
    })
    .nullable(),
});
const evidenceShape = z.looseObject({
  repository: z
    .looseObject({
      object: z
        .looseObject({
          oid: z.string(),
          associatedPullRequests: z.looseObject({
            totalCount: z.number().int(),
            nodes: z.array(prShape),
          }),
          checkSuites: z.looseObject({
            totalCount: z.number().int(),
            nodes: z.array(
              z.looseObject({
                app: z.looseObject({ slug: z.string() }).nullable(),
                checkRuns: z.looseObject({
                  totalCount: z.number().int(),
                  nodes: z.array(
                    z.looseObject({
                      databaseId: z.number().int().nullable().optional(),
                      name: z.string(),
                      status: z.string(),
                      conclusion: z.string().nullable(),
                    }),
                  ),
                }),
              }),
            ),
          }),
          status: z
            .looseObject({
              contexts: z.array(z.looseObject({ context: z.string(), state: z.string() })),
            })
            .nullable(),
          signature: z
            .looseObject({
              isValid: z.boolean(),
              state: z.string(),
              wasSignedByGitHub: z.boolean(),
              signer: z.looseObject({ login: z.string() }).nullable().optional(),
            })
            .nullable()
            .optional(),
        })
        .nullable(),
    })
    .nullable(),
});
const moreShape = z.looseObject({
  repository: z.looseObject({
    pullRequest: z.looseObject({
      reviews: z.looseObject({ pageInfo: pageInfoShape, nodes: z.array(reviewShape) }).optional(),
      commits: z
        .looseObject({ pageInfo: pageInfoShape, nodes: z.array(commitNodeShape) })
        .optional(),
    }),
  }),
});
const graphqlErrorShape = z.looseObject({
  message: z.string(),
  type: z.string().optional(),
  path: z.array(z.union([z.string(), z.number()])).optional(),
});
const graphqlEnvelope = z.looseObject({
  data: z.unknown().optional(),
  errors: z.array(graphqlErrorShape).optional(),
});
const restFileShape = z.looseObject({
  filename: z.string().min(1),
  status: z.enum(['added', 'removed', 'modified', 'renamed', 'copied', 'changed', 'unchanged']),
  previous_filename: z.string().optional(),
});
const ruleShape = z.looseObject({
  type: z.string().min(1),
  ruleset_source_type: z.string().optional(),
  ruleset_source: z.string().optional(),
  ruleset_id: z.number().int().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});
const enabledShape = z.looseObject({ enabled: z.boolean() }).optional();
const protectionShape = z.looseObject({
  required_status_checks: z
    .looseObject({
      contexts: z.array(z.string()).optional(),
      checks: z.array(z.looseObject({ context: z.string() })).optional(),
    })
    .nullable()
    .optional(),
  required_pull_request_reviews: z
    .looseObject({
      required_approving_review_count: z.number().int().nonnegative().optional(),
      require_code_owner_reviews: z.boolean().optional(),
      require_last_push_approval: z.boolean().optional(),
      dismiss_stale_reviews: z.boolean().optional(),
    })
    .nullable()
    .optional(),
  required_signatures: enabledShape,
  enforce_admins: enabledShape,
});

const deploymentsShape = z.looseObject({
  repository: z
    .looseObject({
      deployments: z.looseObject({
        totalCount: z.number().int(),
        nodes: z.array(
          z.looseObject({
            databaseId: z.number().int().nullable().optional(),
            commitOid: z.string().regex(/^[0-9a-f]{40}$/),
            createdAt: z.string(),
            latestStatus: z.looseObject({ state: z.string() }).nullable(),
          }),
        ),
      }),
    })
    .nullable(),
});
const commitPrsShape = z.looseObject({
  repository: z.record(
    z.string(),
    z
      .looseObject({
        oid: z.string(),
        associatedPullRequests: z.looseObject({
          totalCount: z.number().int(),
          nodes: z.array(
            z.looseObject({
              number: z.number().int().positive(),
              merged: z.boolean(),
              baseRefName: z.string(),
              mergeCommit: z.looseObject({ oid: z.string() }).nullable(),
            }),
          ),
        }),
      })
      .nullable(),
  ),
});
const pullRequestsShape = z.looseObject({
  repository: z.record(z.string(), prShape.nullable()),
});
const compareShape = z.looseObject({
  status: z.enum(['diverged', 'ahead', 'behind', 'identical']),
  total_commits: z.number().int().nonnegative(),
  commits: z.array(z.looseObject({ sha: z.string().regex(/^[0-9a-f]{40}$/) })),
});

type PrNode = z.infer<typeof prShape>;
type ReviewNode = z.infer<typeof reviewShape>;
type CommitNode = z.infer<typeof commitNodeShape>;

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * Gathers {@link RepositoryEvidence} for `q.sha`. Requests, common case: 1 GraphQL query, plus
 * the branch rules and (unless `classicProtection: false`) classic protection: 3 in all, whatever
 * the number of reviews and files up to 100. Throws GateError: `input` for a bad query or a
 * commit GitHub does not know, `config` when the token lacks a permission, `upstream` otherwise.
 */
export async function gatherRepositoryEvidence(
  q: RepositoryQuery,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<RepositoryEvidence> {
  const opts = checkQuery(q);
  const client = new Client(opts, fetchImpl);
  try {
    return await gather(client, opts);
  } finally {
    // Nothing keeps running after we return or throw (e.g. branch requests begun early).
    client.cancel.abort();
  }
}

/** The repository check's ports for one deployed commit (src/checks/repository/index.ts). */
export function createRepositoryPorts(
  cfg: {
    github: { apiUrl: string; token?: string };
    check: { repository: string; sha: string; pullRequest?: number };
  },
  overrides: Partial<RepositoryQuery> = {},
  fetchImpl: typeof fetch = globalThis.fetch,
): RepositoryPorts {
  const [owner = '', repo = ''] = cfg.check.repository.split('/');
  const base: RepositoryQuery = {
    apiUrl: cfg.github.apiUrl,
    ...(cfg.github.token !== undefined ? { token: cfg.github.token } : {}),
    owner,
    repo,
    sha: cfg.check.sha,
    ...(cfg.check.pullRequest !== undefined ? { pullRequest: cfg.check.pullRequest } : {}),
    ...overrides,
  };
  return {
    evidence: (branch) =>
      gatherRepositoryEvidence(branch === undefined ? base : { ...base, branch }, fetchImpl),
    teamMembers: (org, team) => lookupTeamMembers(base, org, team, fetchImpl),
    isOnBranch: (branch) => commitIsOnBranch(base, branch, fetchImpl),
    sinceLastDeployment: (environment, branch) =>
      gatherDeploymentRange(base, environment, branch, fetchImpl),
  };
}

/**
 * What happened on `branch` since the environment's last successful deployment: that deployment,
 * the commits between it and the SHA (`GET /compare/{last}...{sha}`), the pull requests GitHub
 * associates with each, and the review evidence of each merged pull request into `branch`.
 * Requests: 1 GraphQL (deployments) + 1 REST per 100 commits + 1 GraphQL per 50 commits + 1
 * GraphQL per 10 pull requests. Lists past the bounds are flagged, never silently cut.
 */
export async function gatherDeploymentRange(
  q: RepositoryQuery,
  environment: string,
  branch: string,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<DeploymentRangeEvidence> {
  const opts = checkQuery({ ...q, branch });
  const client = new Client(opts, fetchImpl);
  try {
    return await deploymentRange(client, opts, environment, branch);
  } finally {
    client.cancel.abort();
  }
}

async function deploymentRange(
  client: Client,
  opts: Options,
  environment: string,
  branch: string,
): Promise<DeploymentRangeEvidence> {
  const vars = { owner: opts.owner, repo: opts.repo };
  const deployments = await client.graphql(
    DEPLOYMENTS_QUERY,
    { ...vars, environment },
    deploymentsShape,
  );
  if (!deployments.repository) {
    throw new GateError(
      'config',
      `GitHub GraphQL: repository ${opts.owner}/${opts.repo} not found or not readable`,
      {
        fix: 'give the token `contents: read` and `deployments: read` on the repository',
      },
    );
  }
  const list = deployments.repository.deployments;
  const last = list.nodes.find((d) => d.latestStatus?.state === 'SUCCESS');
  const out: DeploymentRangeEvidence = {
    environment,
    branch,
    commits: [],
    truncated: false,
    pullRequests: {},
    requests: client.counts,
  };
  if (!last) {
    // Older deployments than those listed may have succeeded: say so rather than "first deploy".
    out.deploymentsTruncated = list.totalCount > list.nodes.length;
    out.requests = { ...client.counts };
    return out;
  }
  out.lastDeployment = {
    sha: last.commitOid,
    createdAt: last.createdAt,
    ...(typeof last.databaseId === 'number' ? { id: last.databaseId } : {}),
  };
  if (last.commitOid === opts.sha) {
    out.requests = { ...client.counts };
    return out;
  }

  const { status, shas, truncated } = await client.compare(last.commitOid, opts.sha);
  out.relation = status;
  out.truncated = truncated;
  const range = shas.filter((s) => s !== opts.sha);
  const inRange = new Set(range);
  inRange.add(opts.sha);
  const wanted = new Set<number>();
  for (let i = 0; i < range.length; i += COMMITS_PER_QUERY) {
    const chunk = range.slice(i, i + COMMITS_PER_QUERY);
    const data = await client.graphql(
      commitsQuery(chunk.length),
      { ...vars, ...Object.fromEntries(chunk.map((s, j) => [`c${j}`, s])) },
      commitPrsShape,
    );
    chunk.forEach((sha, j) => {
      const node = data.repository[`c${j}`];
      if (!node) throw shapeError('GitHub GraphQL (GateCommitPullRequests)', `no commit ${sha}`);
      const prs = node.associatedPullRequests.nodes.map((p) => ({
        number: p.number,
        merged: p.merged,
        baseRef: p.baseRefName,
        ...(p.mergeCommit ? { mergeCommitSha: p.mergeCommit.oid.toLowerCase() } : {}),
      }));
      out.commits.push({
        sha,
        pullRequests: prs,
        pullRequestsTruncated: node.associatedPullRequests.totalCount > prs.length,
      });
      for (const p of prs) if (p.merged && p.baseRef === branch) wanted.add(p.number);
    });
  }

  const numbers = [...wanted].sort((a, b) => a - b);
  for (let i = 0; i < numbers.length; i += PRS_PER_QUERY) {
    const chunk = numbers.slice(i, i + PRS_PER_QUERY);
    const data = await client.graphql(
      pullRequestsQuery(chunk.length),
      { ...vars, ...Object.fromEntries(chunk.map((n, j) => [`p${j}`, n])) },
      pullRequestsShape,
    );
    for (const [j, number] of chunk.entries()) {
      const node = data.repository[`p${j}`];
      if (!node)
        throw shapeError('GitHub GraphQL (GatePullRequests)', `no pull request #${number}`);
      const { pr, reviewsTruncated } = await pullRequestEvidence(client, opts, node);
      out.pullRequests[number] = { pr, codeowners: codeownersOf(node), reviewsTruncated };
    }
  }
  out.requests = { ...client.counts };
  return out;
}

/**
 * Members of team `org/slug` (`GET /orgs/{org}/teams/{team_slug}/members`, child teams included),
 * or why they cannot be known: the default GITHUB_TOKEN cannot read teams (403/404), which needs
 * organisation `members: read` (a GitHub App or a fine-grained token). One request per 100 members.
 */
export async function lookupTeamMembers(
  q: RepositoryQuery,
  org: string,
  slug: string,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<TeamMembership> {
  const opts = checkQuery(q);
  if (!NAME.test(org) || !NAME.test(slug)) {
    return { status: 'unknown', reason: `@${org}/${slug} is not a valid team name` };
  }
  const client = new Client(opts, fetchImpl);
  try {
    return await client.teamMembers(org, slug);
  } finally {
    client.cancel.abort();
  }
}

/**
 * Is `sha` on `branch` (the branch's tip or an ancestor of it)? `GET /repos/{o}/{r}/compare/
 * {branch}...{sha}`: `identical` or `behind` means yes. Throws GateError when GitHub cannot say.
 */
export async function commitIsOnBranch(
  q: RepositoryQuery,
  branch: string,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<boolean> {
  const opts = checkQuery({ ...q, branch });
  const client = new Client(opts, fetchImpl);
  try {
    return await client.isOnBranch(branch, opts.sha);
  } finally {
    client.cancel.abort();
  }
}

async function gather(client: Client, opts: Options): Promise<RepositoryEvidence> {
  // With the branch known, the branch requests run alongside the GraphQL query.
  const early = opts.branch === undefined ? undefined : branchEvidence(client, opts, opts.branch);
  // Do not leave a rejection unhandled while the GraphQL query runs.
  early?.catch(() => undefined);

  const data = await client.graphql(
    EVIDENCE_QUERY,
    { owner: opts.owner, repo: opts.repo, sha: opts.sha },
    evidenceShape,
  );
  const commit = data.repository?.object;
  if (!data.repository) {
    throw new GateError(
      'config',
      `GitHub GraphQL: repository ${opts.owner}/${opts.repo} not found or not readable`,
      {
        fix: 'give the token `contents: read` on the repository',
      },
    );
  }
  if (!commit) {
    throw new GateError(
      'input',
      `commit ${opts.sha} is not in ${opts.owner}/${opts.repo} (GitHub GraphQL returned no commit)`,
      {
        fix: 'deploy a commit that was pushed to the repository; check --sha / GITHUB_SHA',
      },
    );
  }

  const nodes = commit.associatedPullRequests.nodes;
  const pullRequests = nodes.map(toAssociated);
  const selection = select(pullRequests, opts);
  const evidence: RepositoryEvidence = {
    owner: opts.owner,
    repo: opts.repo,
    sha: opts.sha,
    pullRequests,
    pullRequestsTruncated: commit.associatedPullRequests.totalCount > nodes.length,
    selection,
    checkRuns: [],
    checkRunsTruncated: commit.checkSuites.totalCount > commit.checkSuites.nodes.length,
    statuses: (commit.status?.contexts ?? []).map((c) => ({ context: c.context, state: c.state })),
    requests: client.counts,
  };
  if (commit.signature) {
    evidence.signature = {
      valid: commit.signature.isValid,
      state: commit.signature.state,
      byGitHub: commit.signature.wasSignedByGitHub,
      ...(commit.signature.signer ? { signer: commit.signature.signer.login } : {}),
    };
  }
  for (const suite of commit.checkSuites.nodes) {
    if (suite.checkRuns.totalCount > suite.checkRuns.nodes.length)
      evidence.checkRunsTruncated = true;
    for (const run of suite.checkRuns.nodes) {
      const r: CheckRunEvidence = { name: run.name, status: run.status };
      if (typeof run.databaseId === 'number') r.id = run.databaseId;
      if (run.conclusion !== null) r.conclusion = run.conclusion;
      if (suite.app) r.appSlug = suite.app.slug;
      evidence.checkRuns.push(r);
    }
  }

  if (selection.status === 'found') {
    const node = nodes.find((n) => n.number === selection.number)!;
    const { pr, reviewsTruncated } = await pullRequestEvidence(client, opts, node);
    evidence.pullRequest = pr;
    evidence.reviewsTruncated = reviewsTruncated;
    evidence.codeowners = codeownersOf(node);
  }

  const branch = opts.branch ?? evidence.pullRequest?.baseRef;
  if (branch !== undefined) {
    evidence.branch = branch;
    const { rules, classic } = await (early ?? branchEvidence(client, opts, branch));
    evidence.rules = rules;
    if (classic) evidence.classicProtection = classic;
  }
  evidence.requests = { ...client.counts };
  return evidence;
}

function toAssociated(n: PrNode): AssociatedPullRequest {
  const out: AssociatedPullRequest = {
    number: n.number,
    state: n.state,
    merged: n.merged,
    baseRef: n.baseRefName,
    headSha: n.headRefOid,
  };
  if (n.url) out.url = n.url;
  if (n.mergeCommit) out.mergeCommitSha = n.mergeCommit.oid.toLowerCase();
  if (n.mergedAt) out.mergedAt = n.mergedAt;
  return out;
}

/** Merged PRs whose merge commit is the SHA, into the target branch (when known). */
function select(prs: AssociatedPullRequest[], opts: Options): PullRequestSelection {
  if (opts.pullRequest !== undefined) {
    // Before merge: the pull request the event names, open, whose head is the SHA.
    const pr = prs.find(
      (p) =>
        p.number === opts.pullRequest &&
        p.headSha.toLowerCase() === opts.sha &&
        (opts.branch === undefined || p.baseRef === opts.branch),
    );
    return pr ? { status: 'found', number: pr.number } : { status: 'none' };
  }
  const candidates = prs.filter(
    (p) =>
      p.merged &&
      p.mergeCommitSha === opts.sha &&
      (opts.branch === undefined || p.baseRef === opts.branch),
  );
  if (candidates.length === 1) return { status: 'found', number: candidates[0]!.number };
  if (candidates.length === 0) return { status: 'none' };
  if (opts.branch === undefined && new Set(candidates.map((c) => c.baseRef)).size > 1)
    return { status: 'no-branch' };
  return { status: 'ambiguous', numbers: candidates.map((c) => c.number) };
}

const ACTOR_TYPES = new Set<Actor['type']>(['User', 'Bot', 'Organization', 'Mannequin']);

function toActor(a: z.infer<typeof actorShape>): Actor {
  const type = ACTOR_TYPES.has(a.__typename as Actor['type'])
    ? (a.__typename as Actor['type'])
    : 'User';
  return { login: a.login, type };
}

function toReview(r: ReviewNode, index: number): PullRequestReview {
  // databaseId is null only for reviews GitHub cannot number; keep their order after real ids.
  const out: PullRequestReview = {
    id: r.databaseId ?? Number.MAX_SAFE_INTEGER - 1_000_000 + index,
    state: r.state,
  };
  if (r.author) out.user = toActor(r.author);
  if (r.commit) out.commitId = r.commit.oid.toLowerCase();
  if (r.submittedAt) out.submittedAt = r.submittedAt;
  return out;
}

function toCommit(n: CommitNode): PullRequestCommit {
  const c = n.commit;
  const out: PullRequestCommit = { sha: c.oid };
  if (c.author?.user) out.author = { login: c.author.user.login };
  if (c.committer?.user) out.committer = { login: c.committer.user.login };
  const ident = (g: z.infer<typeof gitActorShape> | null) => {
    const id: { name?: string; email?: string } = {};
    if (g?.name) id.name = g.name;
    if (g?.email) id.email = g.email;
    return id;
  };
  // Absent from the response (older fixtures, GHES without the field): unknown, not unsigned.
  if (c.signature === null) out.signature = 'unsigned';
  else if (c.signature) out.signature = c.signature.isValid ? 'valid' : 'invalid';
  if (c.author) out.gitAuthor = ident(c.author);
  if (c.committer) out.gitCommitter = ident(c.committer);
  return out;
}

const CHANGE_TYPES: Record<string, ChangedFile['status']> = {
  ADDED: 'added',
  CHANGED: 'changed',
  COPIED: 'copied',
  DELETED: 'removed',
  MODIFIED: 'modified',
  RENAMED: 'renamed',
};

async function pullRequestEvidence(
  client: Client,
  opts: Options,
  n: PrNode,
): Promise<{ pr: PullRequestEvidence; reviewsTruncated: boolean }> {
  const pr: PullRequestEvidence = {
    number: n.number,
    // A deleted author shows as GitHub's `ghost`.
    author: n.author ? toActor(n.author) : { login: 'ghost', type: 'User' },
    baseRef: n.baseRefName,
    headSha: n.headRefOid.toLowerCase(),
    merged: n.merged,
    commits: [],
    reviews: [],
    files: [],
  };
  if (n.url) pr.url = n.url;
  if (n.mergeCommit) pr.mergeCommitSha = n.mergeCommit.oid.toLowerCase();
  if (n.mergedAt) pr.mergedAt = n.mergedAt;
  if (n.mergedBy) pr.mergedBy = toActor(n.mergedBy);

  // Reviews and commits past the first 100: follow-up pages, both lists in the same query.
  const reviews = [...n.reviews.nodes];
  const commits = [...n.commits.nodes];
  let rInfo = n.reviews.pageInfo;
  let cInfo = n.commits.pageInfo;
  for (let page = 1; page < opts.maxPages && (rInfo.hasNextPage || cInfo.hasNextPage); page++) {
    const more = await client.graphql(
      MORE_QUERY,
      {
        owner: opts.owner,
        repo: opts.repo,
        number: n.number,
        reviewsAfter: rInfo.hasNextPage ? rInfo.endCursor : null,
        commitsAfter: cInfo.hasNextPage ? cInfo.endCursor : null,
        wantReviews: rInfo.hasNextPage,
        wantCommits: cInfo.hasNextPage,
      },
      moreShape,
    );
    const p = more.repository.pullRequest;
    if (rInfo.hasNextPage) {
      if (!p.reviews) throw shapeError('GitHub GraphQL', 'GatePullRequestPage has no reviews');
      reviews.push(...p.reviews.nodes);
      rInfo = p.reviews.pageInfo;
    }
    if (cInfo.hasNextPage) {
      if (!p.commits) throw shapeError('GitHub GraphQL', 'GatePullRequestPage has no commits');
      commits.push(...p.commits.nodes);
      cInfo = p.commits.pageInfo;
    }
  }
  pr.reviews = reviews.map(toReview);
  pr.commits = commits.map(toCommit);
  if (cInfo.hasNextPage) pr.commitsTruncated = true;

  // GraphQL files have no previous path: REST for renames/copies and for more than 100 files.
  const needsRest =
    n.files.pageInfo.hasNextPage ||
    n.files.nodes.some((f) => f.changeType === 'RENAMED' || f.changeType === 'COPIED');
  if (needsRest) {
    const { files, truncated } = await client.listFiles(n.number);
    pr.files = files;
    if (truncated) pr.filesTruncated = true;
  } else {
    pr.files = n.files.nodes.map((f) => ({
      filename: f.path,
      status: CHANGE_TYPES[f.changeType]!,
    }));
  }
  return { pr, reviewsTruncated: rInfo.hasNextPage };
}

const blobObject = z.looseObject({
  oid: z.string(),
  text: z.string().nullable(),
  isBinary: z.boolean().nullable(),
  isTruncated: z.boolean(),
});

function codeownersOf(n: PrNode): CodeownersEvidence {
  const ref = n.baseRefName;
  const target = n.baseRef?.target;
  if (!n.baseRef)
    return { status: 'unreadable', ref, reason: `the base branch ${ref} no longer exists` };
  if (!target || target.oid === undefined) {
    return {
      status: 'unreadable',
      ref,
      reason: `the base branch ${ref} does not point at a commit`,
    };
  }
  const found = [target.c0, target.c1, target.c2];
  for (let i = 0; i < CODEOWNERS_LOCATIONS.length; i++) {
    const entry = found[i];
    if (!entry) continue; // no such path on the base branch
    const path = CODEOWNERS_LOCATIONS[i]!;
    const blob = blobObject.safeParse(entry.object);
    if (!blob.success)
      return { status: 'unreadable', ref, reason: `${path} on ${ref} is not a file` };
    if (blob.data.isTruncated || blob.data.isBinary || blob.data.text === null) {
      return {
        status: 'unreadable',
        ref,
        reason: `${path} on ${ref} is binary or too large for GitHub to return as text`,
      };
    }
    return { status: 'found', path, ref, blobSha: blob.data.oid, text: blob.data.text };
  }
  return { status: 'missing', ref, searched: CODEOWNERS_LOCATIONS };
}

async function branchEvidence(
  client: Client,
  opts: Options,
  branch: string,
): Promise<{ rules: BranchRulesEvidence; classic?: ClassicProtectionEvidence }> {
  const [rules, classic] = await Promise.all([
    client.branchRules(branch),
    opts.classicProtection ? client.classicProtection(branch) : Promise.resolve(undefined),
  ]);
  return classic ? { rules, classic } : { rules };
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Fetched {
  status: number;
  statusText: string;
  headers: Headers;
  body: Uint8Array;
}

const GRAPHQL_SERVICE = 'GitHub GraphQL API';
const REST_SERVICE = 'GitHub REST API';

class Client {
  readonly counts = { total: 0, graphql: 0, rest: 0 };
  /** Aborted when gatherRepositoryEvidence settles: stops requests and retry waits. */
  readonly cancel = new AbortController();

  constructor(
    private readonly opts: Options,
    private readonly fetchImpl: typeof fetch,
  ) {}

  private restUrl(path: string, query: Record<string, string> = {}): URL {
    const base = this.opts.apiBase.pathname.replace(/\/+$/, '');
    const url = new URL(`${base}${path}`, this.opts.apiBase.origin);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  private repoPath(): string {
    return `/repos/${encodeURIComponent(this.opts.owner)}/${encodeURIComponent(this.opts.repo)}`;
  }

  async graphql<T>(
    query: string,
    variables: Record<string, unknown>,
    shape: z.ZodType<T>,
  ): Promise<T> {
    const operation = /query (\w+)/.exec(query)?.[1] ?? 'query';
    const what = `${GRAPHQL_SERVICE} (${operation})`;
    for (let attempt = 0; ; attempt++) {
      const res = await this.request(
        'graphql',
        what,
        this.opts.graphqlUrl,
        JSON.stringify({ query, variables, operationName: operation }),
      );
      if (res.status === 401 || res.status === 403) {
        throw permissionError(what, res, GRAPHQL_PERMISSIONS);
      }
      if (res.status !== 200) throw statusError(what, res);
      const envelope = parseJson(what, res, graphqlEnvelope);
      const errors = envelope.errors ?? [];
      if (errors.some((e) => e.type === 'RATE_LIMITED')) {
        // GraphQL's primary limit answers 200 with RATE_LIMITED; the headers say until when.
        const reset =
          res.headers.get('x-ratelimit-remaining') === '0'
            ? Number(res.headers.get('x-ratelimit-reset')) * 1000 - Date.now()
            : Number.NaN;
        const wait = Number.isFinite(reset)
          ? Math.max(0, reset)
          : backoff(attempt, Math.max(this.opts.retryBaseDelayMs, 1), this.opts.maxRetryDelayMs);
        if (attempt < this.opts.maxRetries && wait <= this.opts.maxRetryDelayMs) {
          try {
            await sleep(wait, undefined, { signal: this.cancel.signal });
          } catch {
            throw new GateError('upstream', `${what}: cancelled`);
          }
          continue;
        }
      }
      if (errors.length > 0) throw graphqlError(what, errors);
      const checked = shape.safeParse(envelope.data);
      if (!checked.success) throw shapeError(what, z.prettifyError(checked.error));
      return checked.data;
    }
  }

  async listFiles(number: number): Promise<{ files: ChangedFile[]; truncated: boolean }> {
    const what = `${REST_SERVICE} GET /repos/{owner}/{repo}/pulls/{pull_number}/files`;
    const files: ChangedFile[] = [];
    for (let page = 1; page <= this.opts.maxPages; page++) {
      const url = this.restUrl(`${this.repoPath()}/pulls/${number}/files`, {
        per_page: String(PAGE),
        page: String(page),
      });
      const res = await this.request('rest', what, url);
      if (res.status === 401 || res.status === 403 || res.status === 404) {
        throw permissionError(
          what,
          res,
          '`pull-requests: read` (and `contents: read` for a private repository)',
        );
      }
      if (res.status !== 200) throw statusError(what, res);
      const list = parseJson(what, res, z.array(restFileShape));
      for (const f of list) {
        const file: ChangedFile = { filename: f.filename, status: f.status };
        if (f.previous_filename) file.previousFilename = f.previous_filename;
        files.push(file);
      }
      if (list.length < PAGE || !/rel="next"/.test(res.headers.get('link') ?? ''))
        return { files, truncated: false };
    }
    return { files, truncated: true };
  }

  async branchRules(branch: string): Promise<BranchRulesEvidence> {
    const what = `${REST_SERVICE} GET /repos/{owner}/{repo}/rules/branches/{branch}`;
    const rules: RuleEvidence[] = [];
    for (let page = 1; page <= this.opts.maxPages; page++) {
      const url = this.restUrl(`${this.repoPath()}/rules/branches/${encodeURIComponent(branch)}`, {
        per_page: String(PAGE),
        page: String(page),
      });
      const res = await this.request('rest', what, url);
      if (res.status === 401) throw permissionError(what, res, '`metadata: read`');
      if (res.status === 403 || res.status === 404) {
        return {
          visibility: res.status === 403 ? 'forbidden' : 'not-found',
          branch,
          status: res.status,
          reason: `HTTP ${res.status}${githubMessage(res)}`,
          permission: 'Metadata: read (read access to the repository)',
        };
      }
      if (res.status !== 200) throw statusError(what, res);
      const list = parseJson(what, res, z.array(ruleShape));
      for (const r of list) {
        const rule: RuleEvidence = { type: r.type };
        if (r.ruleset_source_type !== undefined) rule.rulesetSourceType = r.ruleset_source_type;
        if (r.ruleset_source !== undefined) rule.rulesetSource = r.ruleset_source;
        if (r.ruleset_id !== undefined) rule.rulesetId = r.ruleset_id;
        if (r.parameters !== undefined) rule.parameters = r.parameters;
        rules.push(rule);
      }
      if (list.length < PAGE || !/rel="next"/.test(res.headers.get('link') ?? '')) {
        return { visibility: 'visible', branch, rules, truncated: false };
      }
    }
    return { visibility: 'visible', branch, rules, truncated: true };
  }

  async teamMembers(org: string, slug: string): Promise<TeamMembership> {
    const what = `${REST_SERVICE} GET /orgs/{org}/teams/{team_slug}/members`;
    const members: string[] = [];
    for (let page = 1; page <= this.opts.maxPages; page++) {
      const url = this.restUrl(
        `/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(slug)}/members`,
        { per_page: String(PAGE), page: String(page) },
      );
      const res = await this.request('rest', what, url);
      if (res.status === 401 || res.status === 403 || res.status === 404) {
        return {
          status: 'unknown',
          reason: `HTTP ${res.status}${githubMessage(res)}: reading team members needs organisation permission \`members: read\` (a GitHub App or a fine-grained token; the default GITHUB_TOKEN cannot)`,
        };
      }
      if (res.status !== 200) throw statusError(what, res);
      const list = parseJson(what, res, z.array(z.looseObject({ login: z.string().min(1) })));
      members.push(...list.map((m) => m.login));
      if (list.length < PAGE || !/rel="next"/.test(res.headers.get('link') ?? '')) {
        return { status: 'known', members };
      }
    }
    return {
      status: 'unknown',
      reason: `@${org}/${slug} has more than ${this.opts.maxPages * PAGE} members; the gate reads at most that many`,
    };
  }

  /** Commits reachable from `head` but not from `base`, oldest first, bounded. */
  async compare(
    base: string,
    head: string,
  ): Promise<{
    status: DeploymentRangeEvidence['relation'] & string;
    shas: string[];
    truncated: boolean;
  }> {
    const what = `${REST_SERVICE} GET /repos/{owner}/{repo}/compare/{base}...{head}`;
    const shas: string[] = [];
    let status: 'diverged' | 'ahead' | 'behind' | 'identical' = 'identical';
    for (let page = 1; page <= this.opts.maxPages; page++) {
      const url = this.restUrl(`${this.repoPath()}/compare/${base}...${head}`, {
        per_page: String(PAGE),
        page: String(page),
      });
      const res = await this.request('rest', what, url);
      if (res.status === 401 || res.status === 403)
        throw permissionError(what, res, '`contents: read`');
      if (res.status !== 200) throw statusError(what, res);
      const body = parseJson(what, res, compareShape);
      status = body.status;
      shas.push(...body.commits.map((c) => c.sha));
      if (shas.length >= body.total_commits || body.commits.length < PAGE) {
        return { status, shas, truncated: shas.length < body.total_commits };
      }
    }
    return { status, shas, truncated: true };
  }

  async isOnBranch(branch: string, sha: string): Promise<boolean> {
    const what = `${REST_SERVICE} GET /repos/{owner}/{repo}/compare/{base}...{head}`;
    const url = this.restUrl(`${this.repoPath()}/compare/${encodeURIComponent(branch)}...${sha}`, {
      per_page: '1',
    });
    const res = await this.request('rest', what, url);
    if (res.status === 401 || res.status === 403) {
      throw permissionError(what, res, '`contents: read`');
    }
    if (res.status === 404) {
      throw new GateError(
        'input',
        `${what}: GitHub does not know branch ${JSON.stringify(branch)} or commit ${sha} in ${this.opts.owner}/${this.opts.repo}${githubMessage(res)}`,
        { fix: 'check repository.branches and the deployed commit' },
      );
    }
    if (res.status !== 200) throw statusError(what, res);
    const body = parseJson(
      what,
      res,
      z.looseObject({ status: z.enum(['diverged', 'ahead', 'behind', 'identical']) }),
    );
    return body.status === 'identical' || body.status === 'behind';
  }

  async classicProtection(branch: string): Promise<ClassicProtectionEvidence> {
    const what = `${REST_SERVICE} GET /repos/{owner}/{repo}/branches/{branch}/protection`;
    const url = this.restUrl(
      `${this.repoPath()}/branches/${encodeURIComponent(branch)}/protection`,
    );
    const res = await this.request('rest', what, url);
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      return {
        visibility: res.status === 404 ? 'not-found' : 'forbidden',
        branch,
        status: res.status,
        reason: `HTTP ${res.status}${githubMessage(res)}${res.status === 404 ? ' (no classic protection, or the token cannot see it)' : ''}`,
        permission: 'Administration: read',
      };
    }
    if (res.status !== 200) throw statusError(what, res);
    const p = parseJson(what, res, protectionShape);
    const protection: ClassicProtection = {
      statusChecks: [
        ...new Set([
          ...(p.required_status_checks?.contexts ?? []),
          ...(p.required_status_checks?.checks ?? []).map((c) => c.context),
        ]),
      ],
      signedCommits: p.required_signatures?.enabled ?? false,
      enforceAdmins: p.enforce_admins?.enabled ?? false,
    };
    const reviews = p.required_pull_request_reviews;
    if (reviews) {
      protection.pullRequest = {
        approvals: reviews.required_approving_review_count ?? 0,
        codeOwners: reviews.require_code_owner_reviews ?? false,
        lastPushApproval: reviews.require_last_push_approval ?? false,
        dismissStale: reviews.dismiss_stale_reviews ?? false,
      };
    }
    return { visibility: 'visible', branch, protection };
  }

  /** One logical request with bounded retries (src/adapters/github/request.ts). */
  private request(
    kind: 'graphql' | 'rest',
    what: string,
    url: URL,
    body?: string,
  ): Promise<Fetched> {
    return githubRequest(
      {
        what,
        url,
        ...(this.opts.token !== undefined ? { token: this.opts.token } : {}),
        ...(body !== undefined ? { body } : {}),
        maxRetries: this.opts.maxRetries,
        timeoutMs: this.opts.timeoutMs,
        retryBaseDelayMs: this.opts.retryBaseDelayMs,
        maxRetryDelayMs: this.opts.maxRetryDelayMs,
        maxBytes: MAX_RESPONSE_BYTES,
        signal: this.cancel.signal,
        onAttempt: () => {
          this.counts.total++;
          this.counts[kind]++;
        },
      },
      this.fetchImpl,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Errors and parsing

function parseJson<T>(what: string, res: Fetched, shape: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.body));
  } catch (err) {
    throw new GateError(
      'upstream',
      `${what} answered HTTP ${res.status} with a body that is not JSON (${res.body.byteLength} bytes; truncated?): ${describeThrown(err)}`,
      { cause: err, fix: 'retry; if it persists, check https://www.githubstatus.com' },
    );
  }
  const checked = shape.safeParse(json);
  if (!checked.success) throw shapeError(what, z.prettifyError(checked.error));
  return checked.data;
}

function shapeError(what: string, detail: string): GateError {
  return new GateError(
    'upstream',
    `${what}: the response does not have the documented shape: ${truncate(detail, 500)}`,
  );
}

function statusError(what: string, res: Fetched): GateError {
  return new GateError('upstream', `${what} answered HTTP ${res.status}${githubMessage(res)}`);
}

function permissionError(what: string, res: Fetched, permission: string): GateError {
  const reason =
    res.status === 401 ? 'the token was refused (HTTP 401)' : `access denied (HTTP ${res.status})`;
  return new GateError(
    'config',
    `${what}: ${reason}${githubMessage(res)}; the token needs ${permission}`,
    {
      fix: `grant ${permission} in the workflow's \`permissions:\` (or the token's repository permissions)`,
    },
  );
}

/** Which permission a GraphQL error path points at. */
function permissionForPath(path: readonly (string | number)[] | undefined): string {
  const p = (path ?? []).map(String);
  if (p.includes('checkSuites')) return '`checks: read`';
  if (p.includes('status')) return '`statuses: read`';
  if (
    p.some((s) =>
      ['associatedPullRequests', 'pullRequest', 'reviews', 'commits', 'files'].includes(s),
    )
  ) {
    return '`pull-requests: read`';
  }
  if (p.some((s) => ['c0', 'c1', 'c2', 'object', 'repository'].includes(s)))
    return '`contents: read`';
  return GRAPHQL_PERMISSIONS;
}

function graphqlError(what: string, errors: z.infer<typeof graphqlErrorShape>[]): GateError {
  const first = errors[0]!;
  const text = errors.map((e) => `${e.type ? `${e.type}: ` : ''}${sanitize(e.message)}`).join('; ');
  if (
    errors.some(
      (e) => e.type === 'FORBIDDEN' || e.type === 'NOT_FOUND' || /not accessible/i.test(e.message),
    )
  ) {
    const denied =
      errors.find(
        (e) =>
          e.type === 'FORBIDDEN' || e.type === 'NOT_FOUND' || /not accessible/i.test(e.message),
      ) ?? first;
    const permission = permissionForPath(denied.path);
    return new GateError(
      'config',
      `${what}: ${truncate(text, 500)}; the token needs ${permission}`,
      {
        fix: `grant ${permission} in the workflow's \`permissions:\``,
      },
    );
  }
  if (errors.some((e) => e.type === 'RATE_LIMITED')) {
    return new GateError(
      'upstream',
      `${what}: rate limited after retries: ${truncate(text, 500)}`,
      { fix: 'retry later' },
    );
  }
  return new GateError('upstream', `${what} answered with errors: ${truncate(text, 500)}`);
}
