/**
 * The repository check's data model: the evidence a GitHub adapter gathers for one deployed
 * commit, shaped after GitHub's REST responses so the adapter can fill it field by field, and the
 * policy the pure decision code (codeowners.ts, reviews.ts) applies to it. Nothing here does I/O.
 *
 * REST sources (https://docs.github.com/en/rest):
 * - `GET /repos/{o}/{r}/pulls/{n}`                → PullRequestEvidence (top level)
 * - `GET /repos/{o}/{r}/pulls/{n}/commits`        → PullRequestEvidence.commits (at most 250)
 * - `GET /repos/{o}/{r}/pulls/{n}/reviews`        → PullRequestEvidence.reviews (oldest first)
 * - `GET /repos/{o}/{r}/pulls/{n}/files`          → PullRequestEvidence.files (at most 3000)
 * - `GET /repos/{o}/{r}/contents/{path}?ref=BASE` → CodeownersEvidence
 * - `GET /orgs/{org}/teams/{slug}/members`        → TeamMembership (needs `members: read`)
 */

/** A GitHub account as REST returns it in `user`, `author`, `committer` (the `simple-user` shape). */
export interface Actor {
  /** `login`. GitHub logins are case-insensitive; the decision code compares them lower-cased. */
  login: string;
  /**
   * `type`: `User`, `Bot` (GitHub Apps act as `name[bot]`), `Organization`, or `Mannequin`
   * (imported accounts). Anything else is treated as a person, never as a bot.
   */
  type: 'User' | 'Bot' | 'Organization' | 'Mannequin';
}

/** A git identity from the commit object itself (`commit.author` / `commit.committer`). */
export interface GitIdentity {
  name?: string;
  email?: string;
}

/** One commit of the pull request (`GET /pulls/{n}/commits`, one array element). */
export interface PullRequestCommit {
  /** `sha`. */
  sha: string;
  /**
   * `author`: the GitHub account linked to the commit's author email, or absent when REST
   * returns `null` (the email belongs to no account). Absent means "author unknown", never "nobody".
   */
  author?: Pick<Actor, 'login'> & Partial<Pick<Actor, 'type'>>;
  /**
   * `committer`: the account linked to the committer email; `web-flow` for commits made in
   * GitHub's web UI (GitHub signs those: that says nothing about who wrote them).
   */
  committer?: Pick<Actor, 'login'> & Partial<Pick<Actor, 'type'>>;
  /** GitHub's verdict on the commit's signature (`commit.signature`); absent when not asked. */
  signature?: 'valid' | 'invalid' | 'unsigned';
  /** `commit.author` (name and email as written in the commit), for messages. */
  gitAuthor?: GitIdentity;
  /** `commit.committer`, for messages. */
  gitCommitter?: GitIdentity;
}

/** Review states as REST spells them (`state` of a pull request review). */
export const REVIEW_STATES = [
  'APPROVED',
  'CHANGES_REQUESTED',
  'COMMENTED',
  'DISMISSED',
  'PENDING',
] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** One review (`GET /pulls/{n}/reviews`, one array element). */
export interface PullRequestReview {
  /** `id`: increases with time; breaks ties between equal `submitted_at`. */
  id: number;
  /** `user`: absent when REST returns `null` (a deleted account, shown as "ghost"). */
  user?: Actor;
  /** `state`. A dismissed review keeps its place in the list with state `DISMISSED`. */
  state: ReviewState;
  /** `commit_id`: the PR head commit the review was submitted against; null on some old reviews. */
  commitId?: string;
  /** `submitted_at` (ISO 8601); absent for `PENDING` (unsubmitted) reviews. */
  submittedAt?: string;
}

/** One changed file (`GET /pulls/{n}/files`, one array element). */
export interface ChangedFile {
  /** `filename`: repository-relative path, no leading slash, case-sensitive. */
  filename: string;
  /** `status`. */
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  /** `previous_filename`, for `renamed` (and `copied`): the old path is changed too. */
  previousFilename?: string;
}

/** The merged pull request that produced the deployed commit, with what its review depends on. */
export interface PullRequestEvidence {
  /** `number`. */
  number: number;
  /** `html_url`, for messages. */
  url?: string;
  /** `user`: who opened the pull request. */
  author: Actor;
  /** `base.ref`: the branch it was merged into (CODEOWNERS is read from this branch). */
  baseRef: string;
  /** `head.sha`: the final head commit; "approvals on the final commit" compare against it. */
  headSha: string;
  /** `merge_commit_sha`: the merge, squash or rebase commit on the base branch. */
  mergeCommitSha?: string;
  /** `merged`. */
  merged: boolean;
  /** `merged_at` (ISO 8601). */
  mergedAt?: string;
  /** `merged_by`. */
  mergedBy?: Actor;
  /** The PR's commits, oldest first. */
  commits: PullRequestCommit[];
  /**
   * True when the adapter could not list every commit (`/pulls/{n}/commits` stops at 250):
   * committers of the missing commits are unknown.
   */
  commitsTruncated?: boolean;
  /** Every review, in API order (oldest first); the decision code sorts again anyway. */
  reviews: PullRequestReview[];
  /** Changed files. */
  files: ChangedFile[];
  /** True when the adapter could not list every file (`/pulls/{n}/files` stops at 3000). */
  filesTruncated?: boolean;
}

/** Where GitHub looks for CODEOWNERS, in order; the first file that exists is the only one used. */
export const CODEOWNERS_LOCATIONS = [
  '.github/CODEOWNERS',
  'CODEOWNERS',
  'docs/CODEOWNERS',
] as const;

/** The CODEOWNERS file of the pull request's BASE branch, or why there is none. */
export type CodeownersEvidence =
  | {
      status: 'found';
      /** Which of CODEOWNERS_LOCATIONS it was. */
      path: string;
      /** The ref (base branch) or commit it was read at. */
      ref: string;
      /** Blob SHA (`sha` of the contents response), for the report. */
      blobSha?: string;
      /** The file, decoded as UTF-8. */
      text: string;
    }
  | {
      /** None of CODEOWNERS_LOCATIONS exists on `ref` (each answered 404 with read access proven). */
      status: 'missing';
      ref: string;
      searched: readonly string[];
    }
  | {
      /** Could not be read: a 403, a 404 without proven access, a network failure, a bad encoding. */
      status: 'unreadable';
      ref: string;
      reason: string;
    };

/**
 * Members of one team, or why the token cannot tell. Listing team members needs
 * `members: read` on the organisation (a GitHub App or a fine-grained token); the default
 * GITHUB_TOKEN cannot read it.
 */
export type TeamMembership =
  | {
      status: 'known';
      /** Logins of every member (including child teams' members, as GitHub counts them). */
      members: string[];
    }
  | {
      status: 'unknown';
      /** e.g. `403 Resource not accessible by integration`. */
      reason: string;
    };

/** Everything besides the pull request that the review decision needs. */
export interface ReviewContext {
  /** CODEOWNERS of the base branch; only read when code-owner approval is required. */
  codeowners: CodeownersEvidence;
  /** Team memberships keyed by `org/team-slug` (case-insensitive); a missing key is unknown. */
  teams: Record<string, TeamMembership>;
  /**
   * Email owners in CODEOWNERS resolved to logins (`null`: no account found). A missing key is
   * unknown: REST cannot reliably map an email to an account (only public emails are searchable).
   */
  emails?: Record<string, string | null>;
}

/** `repository:` policy keys that concern reviews (DESIGN.md §5), as the config layer passes them. */
export interface ReviewPolicy {
  /** `repository.required-approvals`: counted approvals needed (0: none). */
  requiredApprovals: number;
  /** `repository.approvals-on-final-commit`: only approvals of the PR's final head commit count. */
  approvalsOnFinalCommit: boolean;
  /** `repository.require-code-owner-approval`. */
  requireCodeOwnerApproval: boolean;
  /** `repository.cannot-see`: whether what the token cannot see blocks or warns. */
  cannotSee: 'block' | 'warn';
  /** `repository.allow-bots`: bot logins whose approvals count (`name` or `name[bot]`). */
  allowBots: string[];
}

// ---------------------------------------------------------------------------------------------
// What the GitHub adapter gathers for the deployed commit (src/adapters/github/repository.ts).

/** A pull request GitHub associates with the commit (merged or not, any base). */
export interface AssociatedPullRequest {
  number: number;
  url?: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  merged: boolean;
  baseRef: string;
  headSha: string;
  mergeCommitSha?: string;
  mergedAt?: string;
}

export interface CheckRunEvidence {
  /** `databaseId`: grows with time, so the highest id of a name is its latest run. */
  id?: number;
  name: string;
  /** GraphQL `CheckStatusState`: QUEUED, IN_PROGRESS, COMPLETED, WAITING, PENDING, REQUESTED. */
  status: string;
  /** GraphQL `CheckConclusionState` (SUCCESS, FAILURE, …); absent until completed. */
  conclusion?: string;
  /** The app that owns the check suite (`github-actions` for workflows); absent when unknown. */
  appSlug?: string;
}

export interface CommitStatusEvidence {
  context: string;
  /** `StatusState`: ERROR, EXPECTED, FAILURE, PENDING, SUCCESS. */
  state: string;
}

export interface RuleEvidence {
  type: string;
  rulesetSourceType?: string;
  rulesetSource?: string;
  rulesetId?: number;
  parameters?: Record<string, unknown>;
}

/** Rulesets on the branch. `forbidden`/`not-found` are "cannot see", never "protected". */
export type BranchRulesEvidence =
  | { visibility: 'visible'; branch: string; rules: RuleEvidence[]; truncated: boolean }
  | {
      visibility: 'forbidden' | 'not-found';
      branch: string;
      status: number;
      reason: string;
      /** What would make it visible. */
      permission: string;
    };

/** What classic branch protection requires (`GET /branches/{b}/protection`), as the check reads it. */
export interface ClassicProtection {
  pullRequest?: {
    approvals: number;
    codeOwners: boolean;
    lastPushApproval: boolean;
    dismissStale: boolean;
  };
  /** Required status check contexts. */
  statusChecks: string[];
  signedCommits: boolean;
  enforceAdmins: boolean;
}

/** The deployed commit's signature as GitHub verified it (GraphQL `Commit.signature`). */
export interface CommitSignatureEvidence {
  /** `isValid`: GitHub verified the signature. */
  valid: boolean;
  /** `state`, e.g. VALID, UNSIGNED, UNKNOWN_KEY, EXPIRED_KEY. */
  state: string;
  /** `wasSignedByGitHub`: made in GitHub's UI or by a merge; signed by GitHub, not the author. */
  byGitHub: boolean;
  /** `signer.login`, when GitHub links the key to an account. */
  signer?: string;
}

export type ClassicProtectionEvidence =
  | { visibility: 'visible'; branch: string; protection: ClassicProtection }
  | {
      visibility: 'forbidden' | 'not-found';
      branch: string;
      status: number;
      reason: string;
      permission: 'Administration: read';
    };

/** Which associated PR is the one that put the SHA on the target branch. */
export type PullRequestSelection =
  | { status: 'found'; number: number }
  | {
      /** No merged PR into the target branch has the SHA as merge commit (e.g. a direct push). */
      status: 'none';
    }
  | { status: 'ambiguous'; numbers: number[] }
  | {
      /** Without `branch`, several merged PRs with that merge commit into different bases. */
      status: 'no-branch';
    };

export interface RepositoryEvidence {
  owner: string;
  repo: string;
  sha: string;
  /** `branch` as asked, or the chosen PR's base; absent when neither is known. */
  branch?: string;
  /** Every PR GitHub associates with the commit (first 10 of `associatedPullRequests`). */
  pullRequests: AssociatedPullRequest[];
  /** GitHub associates more PRs than were listed: a `none` selection may then be wrong. */
  pullRequestsTruncated: boolean;
  selection: PullRequestSelection;
  /** The chosen PR with reviews, commits and files (only when `selection.status` is `found`). */
  pullRequest?: PullRequestEvidence;
  /** True when not every review could be listed (later reviews may be missing). */
  reviewsTruncated?: boolean;
  /** CODEOWNERS of the chosen PR's base branch, read at the branch's current tip. */
  codeowners?: CodeownersEvidence;
  checkRuns: CheckRunEvidence[];
  /** More than 50 check suites or 100 runs in one suite: the list is incomplete. */
  checkRunsTruncated: boolean;
  statuses: CommitStatusEvidence[];
  /** The commit's signature; absent when the commit is not signed. */
  signature?: CommitSignatureEvidence;
  /** Absent when no branch is known. */
  rules?: BranchRulesEvidence;
  /** Absent when not requested or no branch is known. */
  classicProtection?: ClassicProtectionEvidence;
  /** HTTP requests made, retries included. */
  requests: { total: number; graphql: number; rest: number };
}

/** Since the environment's last successful deployment (`since-last-deployment`). */
export interface DeploymentRangeEvidence {
  environment: string;
  branch: string;
  /** The newest deployment whose latest status is success; absent: none among those listed. */
  lastDeployment?: { sha: string; createdAt: string; id?: number };
  /** No successful deployment among the newest listed, and older ones exist. */
  deploymentsTruncated?: boolean;
  /** How the SHA relates to the last deployed commit (compare API). */
  relation?: 'diverged' | 'ahead' | 'behind' | 'identical';
  /** Commits reachable from the SHA but not from the last deployment, excluding the SHA itself. */
  commits: {
    sha: string;
    pullRequests: { number: number; merged: boolean; baseRef: string; mergeCommitSha?: string }[];
    pullRequestsTruncated: boolean;
  }[];
  /** More commits than the gate reads. */
  truncated: boolean;
  /** Merged pull requests into the branch that those commits belong to, with their evidence. */
  pullRequests: Record<
    number,
    { pr: PullRequestEvidence; codeowners: CodeownersEvidence; reviewsTruncated: boolean }
  >;
  requests: { total: number; graphql: number; rest: number };
}
