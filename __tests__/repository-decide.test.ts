/**
 * The repository check's decisions on plain evidence (no server): the cases the end-to-end
 * scenarios in repository-check.test.ts do not reach — odd refs, truncated lists, evidence the
 * token cannot see, limits — each asserted as the finding a release manager would read.
 */
import { describe, expect, it } from '@jest/globals';
import {
  checkRepository as check,
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
import { expectWellFormedRepositoryResult } from './helpers/repository-findings.js';

/** The check, with what every result owes its reader asserted on each call. */
async function checkRepository(...args: Parameters<typeof check>): ReturnType<typeof check> {
  const r = await check(...args);
  expectWellFormedRepositoryResult(r);
  return r;
}

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

  it('team owners are looked up only where no approval already settles the file', async () => {
    const codeowners = {
      status: 'found' as const,
      path: '.github/CODEOWNERS',
      ref: 'main',
      text: 'src/ @alice @o/t1\ndocs/ @o/t2 @carol\n',
    };
    const p = pr({
      files: ['src/a.ts', 'docs/b.md'].map((f) => ({ filename: f, status: 'modified' as const })),
    });
    const fake = ports(evidence({ codeowners, pullRequest: p }), {
      teams: { 'o/t2': { status: 'known', members: ['alice'] } },
    });
    const r = await checkRepository(
      config({ requireCodeOwnerApproval: true, requireBranchProtection: 'none' }),
      fake,
    );
    // src/ is settled by alice's approval; docs/ needs o/t2 (alice is a member), never o/t1.
    expect(fake.teamCalls).toEqual(['o/t2']);
    expect(r.status).toBe('pass');
  });

  it('code owners required but CODEOWNERS not read: cannot see, never approved', async () => {
    const r = await checkRepository(
      config({ requireCodeOwnerApproval: true, requireBranchProtection: 'none' }),
      ports(evidence({ codeowners: undefined })),
    );
    expect(r.findings.map((f) => [f.rule, f.blocking])).toEqual([['codeowners-unreadable', true]]);
    expect(r.status).toBe('error');
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

describe('what the release manager reads, on plain evidence', () => {
  it('the summary of a clean merge names the pull request, approvals, checks and rules', async () => {
    const r = await checkRepository(
      config({ requireStatusChecks: [{ name: 'build' }], requireBranchProtection: 'none' }),
      ports(evidence()),
    );
    expect(r.summary).toBe(
      'octo/app@aaaaaaaaaaaa (refs/heads/main): pull request #7 merged into main; 1 counted approval(s) (alice); 1 required check(s) evaluated; 0 blocking finding(s); 3 GitHub request(s) for the evidence',
    );
    expect(r.findings).toEqual([]);
  });

  it('no approvals required: no approval count, and reviews cut short do not block', async () => {
    const r = await checkRepository(
      config({ requiredApprovals: 0, requireBranchProtection: 'none' }),
      ports(evidence({ reviewsTruncated: true })),
    );
    expect(r.status).toBe('pass');
    expect(r.summary).not.toContain('approval');
    expect(r.findings.map((f) => [f.rule, f.blocking])).toEqual([['reviews-incomplete', false]]);
    const warned = await checkRepository(
      config({ cannotSee: 'warn', requireBranchProtection: 'none' }),
      ports(evidence({ reviewsTruncated: true })),
    );
    expect(warned.findings.map((f) => [f.rule, f.blocking])).toEqual([
      ['reviews-incomplete', false],
    ]);
    expect(warned.summary).toContain('1 counted approval(s) (alice)');
  });

  it('an empty `branches` allows any ref and any base branch', async () => {
    const any = await checkRepository(
      config({ branches: [], ref: 'refs/heads/feature', requireBranchProtection: 'none' }),
      ports(evidence({ branch: 'feature' })),
    );
    expect(any.status).toBe('pass');
    const noRef = await checkRepository(
      config({ branches: [], ref: undefined, requireBranchProtection: 'none' }),
      ports(evidence({ branch: 'feature' })),
    );
    expect(noRef.status).toBe('pass');
    expect(noRef.summary).toMatch(/^octo\/app@aaaaaaaaaaaa: pull request #7 merged into main;/);
  });

  it('a ref that is not allowed names the patterns and the ref', async () => {
    const r = await checkRepository(
      config({ branches: ['main', 'release/*'], ref: 'refs/heads/feature' }),
      ports(evidence({ branch: 'feature' })),
    );
    const f = r.findings.find((x) => x.rule === 'ref-not-allowed')!;
    expect(f).toMatchObject({
      expected: 'a ref matching repository.branches: main, release/*',
      found: 'refs/heads/feature',
      location: { key: 'repository.branches' },
    });
    const merged = await checkRepository(
      config({ branches: ['main'], ref: undefined }),
      ports(evidence({ branch: 'feature' })),
    );
    expect(merged.findings.find((x) => x.rule === 'ref-not-allowed')).toMatchObject({
      message: 'aaaaaaaaaaaa was merged into feature, not a branch this policy deploys from',
      expected: 'a branch matching repository.branches: main',
      found: 'refs/heads/feature',
      location: { key: 'repository.branches' },
    });
  });

  it('a tag with only wildcard branches says which branches it saw', async () => {
    const r = await checkRepository(
      config({ branches: ['release/*', 'refs/tags/v*'], ref: 'refs/tags/v1.0.0' }),
      ports(evidence()),
    );
    expect(r.findings.find((f) => f.rule === 'tag-branch-unknown')).toMatchObject({
      found: 'release/*, refs/tags/v*',
      location: { key: 'repository.branches' },
    });
  });

  it('unsigned commits do not matter unless the policy requires signatures', async () => {
    const unsigned = pr({
      commits: [
        { sha: HEAD, author: { login: 'author' }, committer: { login: 'author' } },
        {
          sha: 'c'.repeat(40),
          author: { login: 'author' },
          committer: { login: 'author' },
          signature: 'unsigned',
        },
      ],
    });
    const ev = evidence({
      pullRequest: unsigned,
      signature: { valid: false, state: 'UNSIGNED', byGitHub: false },
    });
    const off = await checkRepository(config({ requireBranchProtection: 'none' }), ports(ev));
    expect(off.findings).toEqual([]);
    const on = await checkRepository(
      config({ requireSignedCommits: true, requireBranchProtection: 'none' }),
      ports(ev),
    );
    expect(on.findings.map((f) => [f.rule, f.found])).toEqual([
      ['pr-commit-unsigned', 'unsigned'],
      ['commit-unsigned', 'UNSIGNED'],
    ]);
    expect(on.findings[0]!.message).toBe(
      'pull request #7: 1 commit(s) have no verified signature: cccccccccccc (unsigned)',
    );
    expect(on.findings[1]!.message).toBe(
      'aaaaaaaaaaaa has a signature GitHub does not verify (UNSIGNED)',
    );
    const none = await checkRepository(
      config({ requireSignedCommits: true, requireBranchProtection: 'none' }),
      ports(evidence({ signature: undefined })),
    );
    expect(none.findings.map((f) => [f.rule, f.message, f.found])).toEqual([
      ['commit-unsigned', 'aaaaaaaaaaaa is not signed', 'unsigned'],
    ]);
  });

  it('a commit merged by two pull requests lists both', async () => {
    const r = await checkRepository(
      config(),
      ports(
        evidence({ selection: { status: 'ambiguous', numbers: [7, 8] }, pullRequest: undefined }),
      ),
    );
    expect(r.findings.find((f) => f.rule === 'pull-request-ambiguous')).toMatchObject({
      message: expect.stringContaining('aaaaaaaaaaaa is the merge commit of'),
      found: '#7, #8',
    });
  });

  it('a direct push names the open pull requests that hold the commit, lower-case states', async () => {
    const r = await checkRepository(
      config({ requireBranchProtection: 'none' }),
      ports(
        evidence({
          selection: { status: 'none' },
          pullRequest: undefined,
          pullRequests: [
            { number: 9, state: 'OPEN', merged: false, baseRef: 'main', headSha: SHA },
            { number: 5, state: 'MERGED', merged: true, baseRef: 'dev', headSha: SHA },
          ],
        }),
      ),
    );
    expect(r.findings).toEqual([
      {
        rule: 'no-pull-request',
        blocking: true,
        waived: false,
        severity: 'high',
        message:
          'aaaaaaaaaaaa did not reach main through a merged pull request (a direct push, or a commit not yet merged); it is in open or closed pull request(s) #9',
        expected: 'a merged pull request into main whose merge commit is aaaaaaaaaaaa',
        found: '#9 (open, into main), #5 (merged, into dev)',
        fix: 'Deploy the merge commit of an approved pull request; require pull requests on the branch with a ruleset so direct pushes are refused.',
        location: { key: 'repository.require-pull-request' },
      },
    ]);
  });

  it('before merge, a pull request GitHub does not associate with the head lists what it found', async () => {
    const r = await checkRepository(
      config({ pullRequest: 12, requireBranchProtection: 'none' }),
      ports(
        evidence({
          selection: { status: 'none' },
          pullRequest: undefined,
          pullRequests: [
            { number: 3, state: 'OPEN', merged: false, baseRef: 'main', headSha: SHA },
          ],
        }),
      ),
    );
    expect(r.findings.map((f) => [f.rule, f.message, f.found])).toEqual([
      [
        'pull-request-cannot-see',
        'pull request #12 with head aaaaaaaaaaaa into main is not among the pull requests GitHub associates with that commit',
        '#3 (into main)',
      ],
    ]);
    expect(r.status).toBe('error');
  });

  it('before merge, since-last-deployment waits for the merged commit', async () => {
    const r = await checkRepository(
      config({ pullRequest: 7, sinceLastDeployment: 'prod', requireBranchProtection: 'none' }),
      ports(evidence()),
    );
    expect(r.status).toBe('pass');
    expect(r.summary).toContain(
      'pull request #7 into main, judged before merge; 1 counted approval(s) (alice); since-last-deployment is judged when the merged commit is deployed',
    );
  });
});

describe('required checks on plain evidence', () => {
  const run = (over: Partial<RepositoryEvidence['checkRuns'][number]>) => ({
    id: 1,
    name: 'build',
    status: 'COMPLETED',
    conclusion: 'SUCCESS',
    appSlug: 'github-actions',
    ...over,
  });
  const judge = (
    checkRuns: RepositoryEvidence['checkRuns'],
    statuses: RepositoryEvidence['statuses'] = [],
    want: RepositoryCheckConfig['requireStatusChecks'] = [{ name: 'build' }],
  ) =>
    checkRepository(
      config({ requireStatusChecks: want, requireBranchProtection: 'none' }),
      ports(evidence({ checkRuns, statuses })),
    );

  it('a check pinned to an app ignores a run of the same name by another app', async () => {
    const pinned = [{ name: 'build', app: 'github-actions' }];
    const imitated = await judge([run({ appSlug: 'evil-app' })], [], pinned);
    expect(imitated.findings.map((f) => [f.rule, f.message])).toEqual([
      [
        'required-check-missing',
        'required check build (app github-actions) did not run on aaaaaaaaaaaa',
      ],
    ]);
    expect(imitated.findings[0]!.expected).toBe(
      'build (app github-actions) concluded successfully',
    );
    // A status of the same context does not count for a pinned check either.
    const status = await judge([], [{ context: 'build', state: 'SUCCESS' }], pinned);
    expect(status.findings.map((f) => f.rule)).toEqual(['required-check-missing']);
    expect((await judge([run({})], [], pinned)).status).toBe('pass');
    expect((await judge([run({ name: 'test' })])).findings.map((f) => f.rule)).toEqual([
      'required-check-missing',
    ]);
  });

  it('the run with the highest id decides, whatever the order', async () => {
    const failedThenFixed = [
      run({ id: 2, conclusion: 'SUCCESS' }),
      run({ id: 1, conclusion: 'FAILURE' }),
    ];
    expect((await judge(failedThenFixed)).status).toBe('pass');
    expect((await judge([...failedThenFixed].reverse())).status).toBe('pass');
    const fixedThenFailed = [
      run({ id: 1, conclusion: 'SUCCESS' }),
      run({ id: 2, conclusion: 'FAILURE' }),
    ];
    const r = await judge(fixedThenFailed);
    expect(r.findings.map((f) => [f.rule, f.found])).toEqual([
      ['required-check-failed', 'check run by github-actions: FAILURE'],
    ]);
    expect(r.findings[0]!.message).toBe(
      'required check build did not succeed on aaaaaaaaaaaa: check run by github-actions: FAILURE',
    );
    expect(r.findings[0]!.fix).toBe('Fix and re-run build on this commit before deploying.');
  });

  it('shows the run state, and a run without app or conclusion as such', async () => {
    const running = await judge([run({ status: 'IN_PROGRESS', conclusion: undefined })]);
    expect(running.findings.map((f) => [f.rule, f.found, f.fix])).toEqual([
      [
        'required-check-pending',
        'check run by github-actions: IN_PROGRESS',
        'Make the deploy job wait for build (needs: in the workflow), then deploy.',
      ],
    ]);
    const odd = await judge([run({ conclusion: undefined, appSlug: undefined })]);
    expect(odd.findings.map((f) => [f.rule, f.found])).toEqual([
      ['required-check-failed', 'check run: no conclusion'],
    ]);
  });

  it('a check run and a status of the same name: any failure fails, else any pending is pending', async () => {
    const both = (conclusion: string, state: string) =>
      judge([run({ conclusion })], [{ context: 'build', state }]);
    expect((await both('SUCCESS', 'SUCCESS')).status).toBe('pass');
    expect((await both('SUCCESS', 'FAILURE')).findings.map((f) => [f.rule, f.found])).toEqual([
      ['required-check-failed', 'check run by github-actions: SUCCESS, commit status: FAILURE'],
    ]);
    expect((await both('SUCCESS', 'PENDING')).findings.map((f) => f.rule)).toEqual([
      'required-check-pending',
    ]);
    expect((await both('SUCCESS', 'ERROR')).findings.map((f) => f.rule)).toEqual([
      'required-check-failed',
    ]);
    expect((await both('FAILURE', 'PENDING')).findings.map((f) => f.rule)).toEqual([
      'required-check-failed',
    ]);
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

  const commit = (
    digit: string,
    prs: { number: number; merged?: boolean; baseRef?: string }[],
  ) => ({
    sha: digit.repeat(40),
    pullRequests: prs.map((p) => ({ merged: true, baseRef: 'main', ...p })),
    pullRequestsTruncated: false,
  });
  const approved = (number: number) => ({
    pr: pr({ number }),
    codeowners: { status: 'missing' as const, ref: 'main', searched: ['.github/CODEOWNERS'] },
    reviewsTruncated: false,
  });
  const selfApproved = (number: number) => ({
    pr: pr({
      number,
      reviews: [
        {
          id: 1,
          user: { login: 'author', type: 'User' as const },
          state: 'APPROVED' as const,
          commitId: HEAD,
          submittedAt: '2026-11-01T09:00:00Z',
        },
      ],
    }),
    codeowners: { status: 'missing' as const, ref: 'main', searched: ['.github/CODEOWNERS'] },
    reviewsTruncated: false,
  });

  it('no earlier successful deployment: only this commit is checked, and the summary says so', async () => {
    const r = await checkRepository(
      cfg,
      ports(evidence(), { range: range({ lastDeployment: undefined }) }),
    );
    expect(r.findings).toEqual([]);
    expect(r.summary).toContain(
      '; no earlier successful deployment to prod: only this commit was checked;',
    );
  });

  it('a commit in two merged pull requests rides along if one of them meets the policy', async () => {
    const r = await checkRepository(
      cfg,
      ports(evidence(), {
        range: range({
          commits: [commit('1', [{ number: 8 }, { number: 9 }])],
          pullRequests: { 8: selfApproved(8), 9: approved(9) },
        }),
      }),
    );
    expect(r.findings).toEqual([]);
    expect(r.summary).toContain(
      '; since the last deployment to prod (ffffffffffff, 2026-11-01T00:00:00Z): 1 commit(s) through 2 pull request(s) checked;',
    );
  });

  it('commits of a failing pull request are listed under it, with its reasons', async () => {
    const r = await checkRepository(
      cfg,
      ports(evidence(), {
        range: range({
          commits: [commit('1', [{ number: 8 }]), commit('2', [{ number: 8 }])],
          pullRequests: { 8: selfApproved(8) },
        }),
      }),
    );
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      rule: 'unreviewed-commit-since-deployment',
      severity: 'high',
      message: expect.stringMatching(
        /^pull request #8, merged into main since the last deployment to prod \(ffffffffffff\), does not meet the policy, and its commit\(s\) 111111111111, 222222222222 would ride along: /,
      ),
      found: 'approvals-insufficient',
      location: { key: 'repository.since-last-deployment' },
    });
    expect(r.status).toBe('fail');
  });

  it('a pull request whose only reasons are "cannot see" makes the range unknown, not failed', async () => {
    const hidden = {
      ...approved(9),
      codeowners: { status: 'unreadable' as const, ref: 'main', reason: 'HTTP 403' },
    };
    const r = await checkRepository(
      { ...cfg, requireCodeOwnerApproval: true },
      ports(
        evidence({
          codeowners: { status: 'found', path: 'CODEOWNERS', ref: 'main', text: '* @alice\n' },
        }),
        {
          range: range({ commits: [commit('1', [{ number: 9 }])], pullRequests: { 9: hidden } }),
        },
      ),
    );
    expect(r.findings.map((f) => [f.rule, f.severity, f.found])).toEqual([
      ['unreviewed-commit-since-deployment', 'unknown', 'codeowners-unreadable'],
    ]);
    expect(r.status).toBe('error');
  });

  it('a pull request since the last deployment whose reviews were cut short is not taken as approved', async () => {
    // Its one readable review approves; a later dismissal may be on a page the gate did not read.
    const cut = { ...approved(8), reviewsTruncated: true };
    const ev = evidence();
    const r = await checkRepository(
      cfg,
      ports(ev, {
        range: range({ commits: [commit('1', [{ number: 8 }])], pullRequests: { 8: cut } }),
      }),
    );
    expect(r.findings.map((f) => [f.rule, f.severity, f.found])).toEqual([
      ['unreviewed-commit-since-deployment', 'unknown', 'reviews-incomplete'],
    ]);
    expect(r.findings[0]!.message).toContain(
      'pull request #8: not every review could be read, so a later dismissal or change request may be missing',
    );
    expect(r.status).toBe('error');
    // With cannot-see: warn (or no approvals required) it is accepted, as for the deployed PR.
    const warned = await checkRepository(
      { ...cfg, cannotSee: 'warn' },
      ports(ev, {
        range: range({ commits: [commit('1', [{ number: 8 }])], pullRequests: { 8: cut } }),
      }),
    );
    expect(warned.findings).toEqual([]);
  });

  it('a merge into another branch is no pull request for this one; not required, nothing blocks', async () => {
    const ev = ports(evidence(), {
      range: range({
        commits: [
          commit('1', [{ number: 8, baseRef: 'dev' }]),
          commit('2', [{ number: 9, merged: false }]),
        ],
        pullRequests: {},
      }),
    });
    const r = await checkRepository(cfg, ev);
    expect(r.findings.map((f) => [f.rule, f.found])).toEqual([
      ['unreviewed-commit-since-deployment', 'direct pushes: 111111111111, 222222222222'],
    ]);
    const notRequired = await checkRepository({ ...cfg, requirePullRequest: false }, ev);
    expect(notRequired.findings).toEqual([]);
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
