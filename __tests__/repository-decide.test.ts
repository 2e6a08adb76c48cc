/**
 * The repository check's decisions on plain evidence (no server): the cases the end-to-end
 * scenarios in repository-check.test.ts do not reach — odd refs, truncated lists, evidence the
 * token cannot see, limits — each asserted as the finding a release manager would read.
 */
import { describe, expect, it } from '@jest/globals';
import {
  checkRepository,
  type RepositoryCheckConfig,
  type RepositoryPorts,
} from '../src/checks/repository/index.js';
import type {
  DeploymentRangeEvidence,
  PullRequestEvidence,
  RepositoryEvidence,
  TeamMembership,
} from '../src/checks/repository/model.js';
import {
  fullPattern,
  literalBranches,
  matchingPattern,
  parseRef,
} from '../src/checks/repository/refs.js';
import { evaluateBranchRules, fromRules } from '../src/checks/repository/rules.js';

const SHA = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);

function pr(over: Partial<PullRequestEvidence> = {}): PullRequestEvidence {
  return {
    number: 7,
    author: { login: 'author', type: 'User' },
    baseRef: 'main',
    headSha: HEAD,
    mergeCommitSha: SHA,
    merged: true,
    commits: [
      {
        sha: HEAD,
        author: { login: 'author' },
        committer: { login: 'web-flow' },
        signature: 'valid',
      },
    ],
    reviews: [
      {
        id: 1,
        user: { login: 'alice', type: 'User' },
        state: 'APPROVED',
        commitId: HEAD,
        submittedAt: '2026-11-01T09:00:00Z',
      },
    ],
    files: [{ filename: 'src/a.ts', status: 'modified' }],
    ...over,
  };
}

function evidence(over: Partial<RepositoryEvidence> = {}): RepositoryEvidence {
  const p = pr();
  return {
    owner: 'octo',
    repo: 'app',
    sha: SHA,
    branch: 'main',
    pullRequests: [
      {
        number: 7,
        state: 'MERGED',
        merged: true,
        baseRef: 'main',
        headSha: HEAD,
        mergeCommitSha: SHA,
      },
    ],
    pullRequestsTruncated: false,
    selection: { status: 'found', number: 7 },
    pullRequest: p,
    codeowners: {
      status: 'found',
      path: '.github/CODEOWNERS',
      ref: 'main',
      text: '* @octo/devs\n',
    },
    checkRuns: [
      {
        id: 1,
        name: 'build',
        status: 'COMPLETED',
        conclusion: 'SUCCESS',
        appSlug: 'github-actions',
      },
    ],
    checkRunsTruncated: false,
    statuses: [],
    signature: { valid: true, state: 'VALID', byGitHub: true },
    rules: {
      visibility: 'visible',
      branch: 'main',
      truncated: false,
      rules: [
        {
          type: 'pull_request',
          rulesetId: 1,
          parameters: { required_approving_review_count: 1, dismiss_stale_reviews_on_push: true },
        },
      ],
    },
    classicProtection: {
      visibility: 'not-found',
      branch: 'main',
      status: 404,
      reason: 'HTTP 404: Branch not protected',
      permission: 'Administration: read',
    },
    requests: { total: 3, graphql: 1, rest: 2 },
    ...over,
  };
}

function config(over: Partial<RepositoryCheckConfig> = {}): RepositoryCheckConfig {
  return {
    repository: 'octo/app',
    sha: SHA,
    ref: 'refs/heads/main',
    branches: ['main'],
    requirePullRequest: true,
    requiredApprovals: 1,
    approvalsOnFinalCommit: true,
    requireCodeOwnerApproval: false,
    requireStatusChecks: [],
    requireSignedCommits: false,
    requireBranchProtection: 'any',
    cannotSee: 'block',
    allowBots: [],
    ...over,
  };
}

function ports(
  ev: RepositoryEvidence,
  extra: {
    teams?: Record<string, TeamMembership>;
    onBranch?: string[];
    range?: DeploymentRangeEvidence;
  } = {},
): RepositoryPorts & { teamCalls: string[]; branches: (string | undefined)[] } {
  const teamCalls: string[] = [];
  const branches: (string | undefined)[] = [];
  return {
    teamCalls,
    branches,
    evidence: (branch) => {
      branches.push(branch);
      return Promise.resolve(ev);
    },
    teamMembers: (org, team) => {
      teamCalls.push(`${org}/${team}`);
      return Promise.resolve(
        extra.teams?.[`${org}/${team}`] ?? { status: 'unknown', reason: 'HTTP 403' },
      );
    },
    isOnBranch: (b) => Promise.resolve((extra.onBranch ?? []).includes(b)),
    sinceLastDeployment: () =>
      extra.range ? Promise.resolve(extra.range) : Promise.reject(new Error('not expected')),
  };
}

const rulesOf = (r: Awaited<ReturnType<typeof checkRepository>>) =>
  r.findings.filter((f) => f.blocking).map((f) => f.rule);

describe('refs', () => {
  it('parses branch, tag, other and bare refs', () => {
    expect(parseRef('refs/heads/release/1.x')).toEqual({
      kind: 'branch',
      ref: 'refs/heads/release/1.x',
      name: 'release/1.x',
    });
    expect(parseRef('refs/tags/v1')).toEqual({ kind: 'tag', ref: 'refs/tags/v1', name: 'v1' });
    expect(parseRef('refs/pull/3/merge')).toEqual({ kind: 'other', ref: 'refs/pull/3/merge' });
    expect(parseRef('main')).toEqual({ kind: 'branch', ref: 'refs/heads/main', name: 'main' });
  });

  it('matches * within a segment, ** across, ? one character, and escapes the rest', () => {
    expect(fullPattern('main')).toBe('refs/heads/main');
    expect(matchingPattern(['release/*'], 'refs/heads/release/1.x')).toBe('release/*');
    expect(matchingPattern(['release/*'], 'refs/heads/release/1/x')).toBeUndefined();
    expect(matchingPattern(['release/**'], 'refs/heads/release/1/x')).toBe('release/**');
    expect(matchingPattern(['v?'], 'refs/heads/v1')).toBe('v?');
    expect(matchingPattern(['a.b'], 'refs/heads/axb')).toBeUndefined();
    expect(matchingPattern(['refs/tags/v*'], 'refs/tags/v1.2.3')).toBe('refs/tags/v*');
    expect(matchingPattern(['main'], 'refs/heads/main-evil')).toBeUndefined();
    // Escaped characters still match themselves.
    expect(matchingPattern(['a.b'], 'refs/heads/a.b')).toBe('a.b');
    expect(matchingPattern(['c++/(x)'], 'refs/heads/c++/(x)')).toBe('c++/(x)');
    // A literal tag is not a branch a tag may be looked for on.
    expect(literalBranches(['refs/tags/v1', 'refs/pull/1/merge'])).toEqual([]);
    expect(literalBranches(['main', 'release/*', 'refs/tags/v*', 'refs/heads/prod'])).toEqual([
      'main',
      'prod',
    ]);
  });
});

describe('checkRepository on plain evidence', () => {
  it('passes a clean merge, asking the adapter for the ref’s branch', async () => {
    const p = ports(evidence());
    const r = await checkRepository(config(), p);
    expect(r.status).toBe('pass');
    expect(p.branches).toEqual(['main']);
    expect(r.summary).toContain('1 counted approval(s) (alice); main governed by ruleset 1');
  });

  it('a pull request ref is not an allowed ref, and brings no branch', async () => {
    const p = ports(evidence());
    const r = await checkRepository(config({ ref: 'refs/pull/3/merge' }), p);
    expect(rulesOf(r)).toEqual(['ref-not-allowed']);
    expect(p.branches).toEqual([undefined]);
  });

  it('without a ref, the pull request’s base must be an allowed branch', async () => {
    const r = await checkRepository(
      config({ ref: undefined, branches: ['release/*'] }),
      ports(evidence()),
    );
    expect(rulesOf(r)).toEqual(['ref-not-allowed']);
    expect(r.findings[0]!.message).toContain('merged into main');
  });

  it('a tag with only wildcard branches cannot be placed', async () => {
    const r = await checkRepository(
      config({ ref: 'refs/tags/v1', branches: ['release/*', 'refs/tags/v*'] }),
      ports(evidence()),
    );
    expect(r.status).toBe('error');
    expect(rulesOf(r)).toContain('tag-branch-unknown');
  });

  it('several bases and no ref: the target branch is unknown', async () => {
    const r = await checkRepository(
      config({ ref: undefined, requireBranchProtection: 'none' }),
      ports(
        evidence({ selection: { status: 'no-branch' }, pullRequest: undefined, branch: undefined }),
      ),
    );
    expect(r.status).toBe('error');
    expect(rulesOf(r)).toEqual(['target-branch-unknown']);
  });

  it('a direct push is fine when pull requests are not required', async () => {
    const r = await checkRepository(
      config({ requirePullRequest: false, requireBranchProtection: 'none' }),
      ports(evidence({ selection: { status: 'none' }, pullRequest: undefined, pullRequests: [] })),
    );
    expect(r.status).toBe('pass');
    expect(r.summary).toContain('no pull request (not required)');
  });

  it('a chosen pull request whose details were not read never passes, even when not required', async () => {
    const r = await checkRepository(
      config({ requirePullRequest: false, requireBranchProtection: 'none' }),
      ports(evidence({ pullRequest: undefined })),
    );
    expect(r.status).toBe('error');
    expect(rulesOf(r)).toEqual(['pull-request-cannot-see']);
    expect(r.summary).not.toContain('not required');
  });

  it('more associated pull requests than listed: cannot see, and warn lets it through', async () => {
    const ev = evidence({
      selection: { status: 'none' },
      pullRequest: undefined,
      pullRequestsTruncated: true,
    });
    const blocked = await checkRepository(config(), ports(ev));
    expect(blocked.status).toBe('error');
    expect(rulesOf(blocked)).toEqual(['pull-request-cannot-see']);
    const warned = await checkRepository(config({ cannotSee: 'warn' }), ports(ev));
    expect(warned.status).toBe('pass');
  });

  it('reviews cut short are "cannot see"', async () => {
    const r = await checkRepository(config(), ports(evidence({ reviewsTruncated: true })));
    expect(r.status).toBe('error');
    expect(rulesOf(r)).toEqual(['reviews-incomplete']);
  });

  it('team owners: looked up once each, at most maxTeamLookups', async () => {
    const codeowners = {
      status: 'found' as const,
      path: '.github/CODEOWNERS',
      ref: 'main',
      text: 'a/ @o/t1\nb/ @o/t2\nc/ @o/t3\n',
    };
    const p = pr({
      files: ['a/x', 'b/x', 'c/x'].map((f) => ({ filename: f, status: 'modified' as const })),
    });
    const fake = ports(evidence({ codeowners, pullRequest: p }), {
      teams: { 'o/t1': { status: 'known', members: ['alice'] } },
    });
    const r = await checkRepository(
      config({
        requireCodeOwnerApproval: true,
        maxTeamLookups: 2,
        cannotSee: 'warn',
        requireBranchProtection: 'none',
      }),
      fake,
    );
    expect(fake.teamCalls).toEqual(['o/t1', 'o/t2']);
    const unverifiable = r.findings.filter((f) => f.rule === 'code-owner-approval-unverifiable');
    expect(unverifiable.map((f) => f.message).join(' ')).toContain(
      'not looked up: the gate reads at most 2 teams',
    );
    expect(r.status).toBe('pass');
  });

  it('required checks: a failed status, a pending status, and a cut list', async () => {
    const statuses = [
      { context: 'lint', state: 'FAILURE' },
      { context: 'e2e', state: 'EXPECTED' },
    ];
    const r = await checkRepository(
      config({
        requireStatusChecks: [{ name: 'lint' }, { name: 'e2e' }, { name: 'gone' }],
        requireBranchProtection: 'none',
      }),
      ports(evidence({ statuses, checkRunsTruncated: true })),
    );
    expect(rulesOf(r)).toEqual([
      'required-check-failed',
      'required-check-pending',
      'required-check-cannot-see',
    ]);
    expect(r.status).toBe('error');
  });

  it('branch rules the token cannot read at all, and rules cut short', async () => {
    const hidden = await checkRepository(
      config(),
      ports(
        evidence({
          rules: {
            visibility: 'forbidden',
            branch: 'main',
            status: 403,
            reason: 'HTTP 403',
            permission: 'Metadata: read',
          },
        }),
      ),
    );
    expect(rulesOf(hidden)).toEqual(['branch-rules-cannot-see']);
    expect(hidden.findings[0]!.message).toContain('Metadata: read');
    const cut = await checkRepository(
      config({ requiredApprovals: 2 }),
      ports(
        evidence({
          rules: {
            visibility: 'visible',
            branch: 'main',
            truncated: true,
            rules: [{ type: 'pull_request', parameters: { required_approving_review_count: 1 } }],
          },
          pullRequest: pr({
            reviews: ['alice', 'bob'].map((u, i) => ({
              id: i + 1,
              user: { login: u, type: 'User' as const },
              state: 'APPROVED' as const,
              commitId: HEAD,
              submittedAt: '2026-11-01T09:00:00Z',
            })),
          }),
        }),
      ),
    );
    expect(rulesOf(cut)).toEqual(['branch-rules-cannot-see']);
    expect(cut.findings[0]!.message).toContain('more pages than the gate reads');
  });

  it('no target branch: its rules cannot be checked', async () => {
    const r = await checkRepository(
      config({ ref: undefined, requirePullRequest: false }),
      ports(evidence({ selection: { status: 'none' }, pullRequest: undefined, branch: undefined })),
    );
    expect(rulesOf(r)).toEqual(['branch-rules-cannot-see']);
  });

  it('signatures: an invalid signature, an author-signed commit, and commits GitHub said nothing about', async () => {
    const invalid = await checkRepository(
      config({ requireSignedCommits: true, requireBranchProtection: 'none' }),
      ports(evidence({ signature: { valid: false, state: 'UNKNOWN_KEY', byGitHub: false } })),
    );
    expect(rulesOf(invalid)).toEqual(['commit-unsigned']);
    expect(invalid.findings[0]!.message).toContain('UNKNOWN_KEY');
    const unknown = await checkRepository(
      config({ requireSignedCommits: true, requireBranchProtection: 'none' }),
      ports(
        evidence({
          signature: { valid: true, state: 'VALID', byGitHub: false, signer: 'octocat' },
          pullRequest: pr({ commits: [{ sha: HEAD, author: { login: 'author' } }] }),
        }),
      ),
    );
    expect(rulesOf(unknown)).toEqual(['pr-commit-signature-unknown']);
    expect(unknown.summary).toContain('commit signed by octocat');
  });
});

describe('since-last-deployment on plain evidence', () => {
  const range = (over: Partial<DeploymentRangeEvidence>): DeploymentRangeEvidence => ({
    environment: 'prod',
    branch: 'main',
    lastDeployment: { sha: 'f'.repeat(40), createdAt: '2026-11-01T00:00:00Z' },
    commits: [],
    truncated: false,
    pullRequests: {},
    requests: { total: 2, graphql: 1, rest: 1 },
    ...over,
  });
  const cfg = config({ sinceLastDeployment: 'prod', requireBranchProtection: 'none' });

  it('no successful deployment among the newest, and older ones exist: cannot see', async () => {
    const r = await checkRepository(
      cfg,
      ports(evidence(), {
        range: range({ lastDeployment: undefined, deploymentsTruncated: true }),
      }),
    );
    expect(rulesOf(r)).toEqual(['deployment-range-cannot-see']);
  });

  it('a diverged history is reported; a range past the bounds is cannot see', async () => {
    const r = await checkRepository(
      cfg,
      ports(evidence(), { range: range({ relation: 'diverged', truncated: true }) }),
    );
    expect(r.findings.map((f) => [f.rule, f.blocking])).toEqual([
      ['deployment-diverged', false],
      ['deployment-range-cannot-see', true],
    ]);
  });

  it('a commit whose pull requests are not all listed, and a pull request without evidence', async () => {
    const r = await checkRepository(
      cfg,
      ports(evidence(), {
        range: range({
          commits: [
            { sha: '1'.repeat(40), pullRequests: [], pullRequestsTruncated: true },
            {
              sha: '2'.repeat(40),
              pullRequests: [{ number: 9, merged: true, baseRef: 'main' }],
              pullRequestsTruncated: false,
            },
            {
              sha: '3'.repeat(40),
              pullRequests: [{ number: 10, merged: false, baseRef: 'main' }],
              pullRequestsTruncated: false,
            },
          ],
        }),
      }),
    );
    expect(rulesOf(r)).toEqual([
      'unreviewed-commit-since-deployment',
      'deployment-range-cannot-see',
      'unreviewed-commit-since-deployment',
    ]);
    expect(r.findings.map((f) => f.message).join(' ')).toContain('its reviews could not be read');
  });

  it('without a target branch the range cannot be checked', async () => {
    const r = await checkRepository(
      { ...cfg, ref: undefined, requirePullRequest: false },
      ports(evidence({ selection: { status: 'none' }, pullRequest: undefined, branch: undefined })),
    );
    expect(rulesOf(r)).toEqual(['deployment-range-cannot-see']);
  });
});

describe('branch rules', () => {
  it('refuses rule parameters that are not GitHub’s shape (never guesses)', () => {
    expect(() =>
      fromRules([{ type: 'pull_request', parameters: { required_approving_review_count: 'two' } }]),
    ).toThrow();
  });

  it('names the rulesets and their source', () => {
    const req = fromRules([
      {
        type: 'required_signatures',
        rulesetId: 3,
        rulesetSourceType: 'Organization',
        rulesetSource: 'octo',
      },
      { type: 'deletion' },
    ]);
    expect(req.sources).toEqual(['ruleset 3 (Organization octo)', 'ruleset']);
    expect(req.signedCommits).toBe(true);
  });

  it('with `rules`, classic protection is not read for the decision', () => {
    const r = evaluateBranchRules(
      'main',
      { visibility: 'visible', branch: 'main', rules: [], truncated: false },
      undefined,
      {
        requireBranchProtection: 'rules',
        requirePullRequest: true,
        requiredApprovals: 1,
        approvalsOnFinalCommit: true,
        requireCodeOwnerApproval: true,
        requireStatusChecks: [],
        requireSignedCommits: false,
        cannotSee: 'block',
      },
    );
    expect(r.findings.map((f) => f.rule)).toEqual(['branch-not-protected']);
  });
});
