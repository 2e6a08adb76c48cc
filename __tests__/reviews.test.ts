import { describe, expect, it } from '@jest/globals';
import type {
  PullRequestEvidence,
  PullRequestReview,
  ReviewContext,
  ReviewPolicy,
} from '../src/checks/repository/model.js';
import { evaluateReviews } from '../src/checks/repository/reviews.js';
import type { Finding } from '../src/types.js';

const HEAD = 'b'.repeat(40);
const OLD = 'a'.repeat(40);

let nextId = 1;
function review(
  login: string,
  state: PullRequestReview['state'],
  opts: { commitId?: string; at?: string; type?: 'User' | 'Bot' } = {},
): PullRequestReview {
  const id = nextId++;
  return {
    id,
    user: { login, type: opts.type ?? 'User' },
    state,
    commitId: opts.commitId ?? HEAD,
    ...(state === 'PENDING'
      ? {}
      : { submittedAt: opts.at ?? `2026-01-01T00:00:${String(id % 60).padStart(2, '0')}Z` }),
  };
}

function pr(overrides: Partial<PullRequestEvidence> = {}): PullRequestEvidence {
  return {
    number: 7,
    author: { login: 'alice', type: 'User' },
    baseRef: 'main',
    headSha: HEAD,
    mergeCommitSha: 'c'.repeat(40),
    merged: true,
    mergedAt: '2026-01-02T00:00:00Z',
    commits: [{ sha: OLD, author: { login: 'alice' }, committer: { login: 'alice' } }],
    reviews: [],
    files: [{ filename: 'src/app.ts', status: 'modified' }],
    ...overrides,
  };
}

const POLICY: ReviewPolicy = {
  requiredApprovals: 2,
  approvalsOnFinalCommit: true,
  requireCodeOwnerApproval: false,
  cannotSee: 'block',
  allowBots: [],
};

const NO_CODEOWNERS: ReviewContext = {
  codeowners: { status: 'missing', ref: 'main', searched: ['.github/CODEOWNERS'] },
  teams: {},
};

function codeowners(text: string, extra: Partial<ReviewContext> = {}): ReviewContext {
  return {
    codeowners: { status: 'found', path: '.github/CODEOWNERS', ref: 'main', text },
    teams: {},
    ...extra,
  };
}

const rules = (fs: Finding[]) => fs.map((f) => `${f.rule}${f.blocking ? '!' : ''}`).sort();

/** Every finding follows the house style. */
function expectHouseStyle(fs: Finding[]) {
  for (const f of fs) {
    expect(f.waived).toBe(false);
    expect(f.message.length).toBeGreaterThan(10);
    expect(f.expected).toBeTruthy();
    expect(f.found).toBeTruthy();
    expect(f.fix).toBeTruthy();
  }
}

describe('evaluateReviews: approvals', () => {
  const scenarios: {
    name: string;
    pr: Partial<PullRequestEvidence>;
    policy?: Partial<ReviewPolicy>;
    counted: string[];
    findings: string[];
  }[] = [
    {
      name: 'clean: two approvals on the final commit',
      pr: { reviews: [review('bob', 'APPROVED'), review('carol', 'APPROVED')] },
      counted: ['bob', 'carol'],
      findings: [],
    },
    {
      name: 'self-approval by the PR author does not count',
      pr: { reviews: [review('Alice', 'APPROVED'), review('bob', 'APPROVED')] },
      counted: ['bob'],
      findings: ['approval-not-counted', 'approvals-insufficient!'],
    },
    {
      name: 'approval on an older head, then a push',
      pr: {
        reviews: [review('bob', 'APPROVED', { commitId: OLD }), review('carol', 'APPROVED')],
      },
      counted: ['carol'],
      findings: ['approval-not-counted', 'approvals-insufficient!'],
    },
    {
      name: 'approval on an older head counts when approvals-on-final-commit is off',
      pr: {
        reviews: [review('bob', 'APPROVED', { commitId: OLD }), review('carol', 'APPROVED')],
      },
      policy: { approvalsOnFinalCommit: false },
      counted: ['bob', 'carol'],
      findings: [],
    },
    {
      name: 'approval by someone who later committed to the PR',
      pr: {
        commits: [
          { sha: OLD, author: { login: 'alice' }, committer: { login: 'alice' } },
          { sha: HEAD, author: { login: 'alice' }, committer: { login: 'Bob' } },
        ],
        reviews: [review('bob', 'APPROVED'), review('carol', 'APPROVED')],
      },
      counted: ['carol'],
      findings: ['approval-not-counted', 'approvals-insufficient!'],
    },
    {
      name: 'approval by someone who authored a commit',
      pr: {
        commits: [{ sha: HEAD, author: { login: 'carol' }, committer: { login: 'web-flow' } }],
        reviews: [review('bob', 'APPROVED'), review('carol', 'APPROVED')],
      },
      counted: ['bob'],
      findings: ['approval-not-counted', 'approvals-insufficient!'],
    },
    {
      name: 'bot approval does not count',
      pr: {
        reviews: [review('renovate[bot]', 'APPROVED', { type: 'Bot' }), review('bob', 'APPROVED')],
      },
      counted: ['bob'],
      findings: ['approval-not-counted', 'approvals-insufficient!'],
    },
    {
      name: 'bot approval counts when listed in allow-bots (without the [bot] suffix)',
      pr: {
        reviews: [review('renovate[bot]', 'APPROVED', { type: 'Bot' }), review('bob', 'APPROVED')],
      },
      policy: { allowBots: ['Renovate'] },
      counted: ['bob', 'renovate[bot]'],
      findings: [],
    },
    {
      name: 'a [bot] login is a bot even when typed User',
      pr: { reviews: [review('ci[bot]', 'APPROVED'), review('bob', 'APPROVED')] },
      policy: { allowBots: ['other[bot]'] },
      counted: ['bob'],
      findings: ['approval-not-counted', 'approvals-insufficient!'],
    },
    {
      name: 'dismissed review cancels the approval',
      pr: {
        reviews: [
          review('bob', 'APPROVED'),
          review('bob', 'DISMISSED'),
          review('carol', 'APPROVED'),
        ],
      },
      counted: ['carol'],
      findings: ['approvals-insufficient!'],
    },
    {
      name: 'changes requested after approving withdraws the approval',
      pr: {
        reviews: [
          review('bob', 'APPROVED'),
          review('carol', 'APPROVED'),
          review('bob', 'CHANGES_REQUESTED'),
        ],
      },
      counted: ['carol'],
      findings: ['approvals-insufficient!', 'changes-requested'],
    },
    {
      name: 'a later comment or a pending review does not withdraw an approval',
      pr: {
        reviews: [
          review('bob', 'APPROVED'),
          review('bob', 'COMMENTED'),
          review('bob', 'PENDING'),
          review('carol', 'APPROVED'),
        ],
      },
      counted: ['bob', 'carol'],
      findings: [],
    },
    {
      name: 'latest by submitted_at, not by list order',
      pr: {
        reviews: [
          review('bob', 'CHANGES_REQUESTED', { at: '2026-01-01T10:00:00Z' }),
          review('bob', 'APPROVED', { at: '2026-01-01T11:00:00Z' }),
          review('carol', 'APPROVED', { at: '2026-01-01T12:00:00Z' }),
        ].reverse(),
      },
      counted: ['bob', 'carol'],
      findings: [],
    },
    {
      name: 'approval by a deleted account does not count',
      pr: {
        reviews: [
          { id: 99, state: 'APPROVED', commitId: HEAD, submittedAt: '2026-01-01T00:00:00Z' },
        ],
      },
      policy: { requiredApprovals: 1 },
      counted: [],
      findings: ['approval-not-counted', 'approvals-insufficient!'],
    },
    {
      name: 'commit with no linked author: said so, blocks under cannot-see: block',
      pr: {
        commits: [{ sha: HEAD, gitAuthor: { name: 'Eve', email: 'eve@example.com' } }],
        reviews: [review('bob', 'APPROVED'), review('carol', 'APPROVED')],
      },
      counted: ['bob', 'carol'],
      findings: ['commit-author-unknown!'],
    },
    {
      name: 'commit with no linked author warns under cannot-see: warn',
      pr: {
        commits: [{ sha: HEAD }],
        reviews: [review('bob', 'APPROVED'), review('carol', 'APPROVED')],
      },
      policy: { cannotSee: 'warn' },
      counted: ['bob', 'carol'],
      findings: ['commit-author-unknown'],
    },
    {
      name: 'commit with no linked author does not block when no approval is required',
      pr: { commits: [{ sha: HEAD, gitAuthor: { email: 'x@y.z' } }] },
      policy: { requiredApprovals: 0 },
      counted: [],
      findings: ['commit-author-unknown'],
    },
    {
      name: 'truncated commit list: committers of the rest are unknown',
      pr: {
        commitsTruncated: true,
        reviews: [review('bob', 'APPROVED'), review('carol', 'APPROVED')],
      },
      counted: ['bob', 'carol'],
      findings: ['commits-incomplete!'],
    },
    {
      name: 'no approval required and none given',
      pr: {},
      policy: { requiredApprovals: 0 },
      counted: [],
      findings: [],
    },
  ];

  it.each(scenarios)('$name', ({ pr: over, policy, counted, findings }) => {
    const result = evaluateReviews(pr(over), { ...POLICY, ...policy }, NO_CODEOWNERS);
    expect(result.facts.countedApprovals).toEqual(counted);
    expect(rules(result.findings)).toEqual([...findings].sort());
    expectHouseStyle(result.findings);
  });

  it('explains why each approval was not counted', () => {
    const { facts, findings } = evaluateReviews(
      pr({
        commits: [{ sha: HEAD, author: { login: 'bob' }, committer: { login: 'bob' } }],
        reviews: [
          review('bob', 'APPROVED', { commitId: OLD }),
          review('alice', 'APPROVED'),
          review('dependabot[bot]', 'APPROVED', { type: 'Bot' }),
        ],
      }),
      POLICY,
      NO_CODEOWNERS,
    );
    expect(facts.ignoredApprovals.map((i) => [i.login, i.reasons])).toEqual([
      ['bob', ['commit-author', 'committer', 'stale-commit']],
      ['alice', ['pr-author']],
      ['dependabot[bot]', ['bot']],
    ]);
    expect(facts.latestStates).toEqual({
      bob: 'APPROVED',
      alice: 'APPROVED',
      'dependabot[bot]': 'APPROVED',
    });
    const bot = findings.find((f) => f.message.includes('dependabot'));
    expect(bot?.fix).toContain('repository.allow-bots');
    const insufficient = findings.find((f) => f.rule === 'approvals-insufficient');
    expect(insufficient).toMatchObject({
      blocking: true,
      severity: 'high',
      message:
        'pull request #7 has 0 counted approval(s); repository.required-approvals asks for 2',
      found: '0, 3 approval(s) not counted',
    });
    expect(insufficient?.expected).toContain(HEAD.slice(0, 12));
  });

  it('edge cases: no submitted_at or commit_id, final-commit rule off, nothing counted', () => {
    const { findings, facts } = evaluateReviews(
      pr({
        reviews: [
          { id: 2, user: { login: 'alice', type: 'User' }, state: 'APPROVED' },
          { id: 1, user: { login: 'bob', type: 'User' }, state: 'APPROVED' },
        ],
        files: [{ filename: 'src/x.ts', status: 'added' }],
      }),
      {
        ...POLICY,
        approvalsOnFinalCommit: false,
        requiredApprovals: 1,
        requireCodeOwnerApproval: true,
        cannotSee: 'warn',
      },
      codeowners('* @acme/core\n'),
    );
    expect(facts.countedApprovals).toEqual(['bob']);
    const ignored = findings.find((f) => f.rule === 'approval-not-counted');
    expect(ignored?.message).toBe(
      'pull request #7: the approval by alice (review 2) does not count: alice is the pull request author; authored a commit in the pull request; committed a commit in the pull request',
    );
    expect(ignored?.expected).toBe(
      'an approval by someone who neither opened the pull request nor wrote or committed to it',
    );
    expect(findings.find((f) => f.rule === 'code-owner-approval-unverifiable')).toMatchObject({
      blocking: false,
      found: 'approvals counted from bob, none a known owner',
    });
    const none = evaluateReviews(
      pr({ reviews: [] }),
      { ...POLICY, requiredApprovals: 0, requireCodeOwnerApproval: true },
      codeowners('* @acme/core\n'),
    );
    expect(none.findings.find((f) => f.rule === 'code-owner-approval-unverifiable')?.found).toBe(
      'no counted approval',
    );
  });

  it('names the unlinked commit and its git author', () => {
    const { findings } = evaluateReviews(
      pr({
        commits: [
          { sha: HEAD, gitAuthor: { name: 'Eve', email: 'eve@example.com' } },
          { sha: OLD, gitAuthor: { email: 'anon@example.com' } },
          { sha: 'd'.repeat(40), gitAuthor: {} },
        ],
      }),
      POLICY,
      NO_CODEOWNERS,
    );
    const f = findings.find((x) => x.rule === 'commit-author-unknown');
    expect(f?.message).toContain(`${HEAD.slice(0, 12)} (Eve <eve@example.com>)`);
    expect(f?.message).toContain(`${OLD.slice(0, 12)} (<anon@example.com>)`);
    expect(f?.message).toContain('(no author email)');
  });

  it('lists counted approvers when there are too few, and a deleted reviewer requesting changes', () => {
    const { findings } = evaluateReviews(
      pr({
        reviews: [
          review('bob', 'APPROVED'),
          { id: 500, state: 'CHANGES_REQUESTED', submittedAt: '2026-01-01T00:00:00Z' },
        ],
      }),
      { ...POLICY, approvalsOnFinalCommit: false, requiredApprovals: 3 },
      NO_CODEOWNERS,
    );
    expect(findings.find((f) => f.rule === 'approvals-insufficient')).toMatchObject({
      message:
        'pull request #7 has 1 counted approval(s) (bob); repository.required-approvals asks for 3',
      found: '1',
    });
    expect(findings.find((f) => f.rule === 'changes-requested')?.message).toContain(
      'a deleted account still requests changes',
    );
  });
});

describe('evaluateReviews: code owners', () => {
  const OWNERS = `* @lead
/src/ @acme/core
/docs/ docs-owner@example.com
/vendor/
/infra/ @ops-a @ops-b
/legal/ @acme/legal @counsel
`;
  const CO: Partial<ReviewPolicy> = { requireCodeOwnerApproval: true, requiredApprovals: 1 };
  const files = (...names: string[]) =>
    names.map((filename) => ({ filename, status: 'modified' as const }));

  const scenarios: {
    name: string;
    files: string[];
    approvers: string[];
    context?: Partial<ReviewContext>;
    policy?: Partial<ReviewPolicy>;
    findings: string[];
    status?: Record<string, string>;
  }[] = [
    {
      name: 'user owner approved',
      files: ['README.md'],
      approvers: ['lead'],
      findings: [],
      status: { 'README.md': 'approved' },
    },
    {
      name: 'code owner missing',
      files: ['README.md'],
      approvers: ['bob'],
      findings: ['code-owner-approval-missing!'],
      status: { 'README.md': 'missing' },
    },
    {
      name: 'one of two user owners is enough',
      files: ['infra/main.tf'],
      approvers: ['ops-b'],
      findings: [],
    },
    {
      name: 'un-owned path needs no owner',
      files: ['vendor/lib.js'],
      approvers: ['bob'],
      findings: [],
      status: { 'vendor/lib.js': 'no-owner' },
    },
    {
      name: 'team owner, membership known, member approved',
      files: ['src/app.ts'],
      approvers: ['Dev1'],
      context: { teams: { 'ACME/core': { status: 'known', members: ['dev1', 'dev2'] } } },
      findings: [],
      status: { 'src/app.ts': 'approved' },
    },
    {
      name: 'team owner, membership known, no member approved',
      files: ['src/app.ts'],
      approvers: ['bob'],
      context: { teams: { 'acme/core': { status: 'known', members: ['dev1'] } } },
      findings: ['code-owner-approval-missing!'],
    },
    {
      name: 'team owner, membership unknown, cannot-see: block',
      files: ['src/app.ts'],
      approvers: ['dev1'],
      context: { teams: { 'acme/core': { status: 'unknown', reason: '403 Forbidden' } } },
      findings: ['code-owner-approval-unverifiable!'],
      status: { 'src/app.ts': 'unverifiable' },
    },
    {
      name: 'team owner, membership unknown, cannot-see: warn',
      files: ['src/app.ts'],
      approvers: ['dev1'],
      policy: { cannotSee: 'warn' },
      findings: ['code-owner-approval-unverifiable'],
    },
    {
      name: 'team owner never looked up counts as unknown',
      files: ['src/app.ts'],
      approvers: ['dev1'],
      findings: ['code-owner-approval-unverifiable!'],
    },
    {
      name: 'unknown team, but a user owner on the same line approved',
      files: ['legal/terms.md'],
      approvers: ['counsel'],
      findings: [],
    },
    {
      name: 'email owner resolved to a login',
      files: ['docs/a.md'],
      approvers: ['writer'],
      context: { emails: { 'Docs-Owner@example.com': 'Writer' } },
      findings: [],
    },
    {
      name: 'email owner resolved, but not the approver',
      files: ['docs/a.md'],
      approvers: ['bob'],
      context: { emails: { 'docs-owner@example.com': 'writer' } },
      findings: ['code-owner-approval-missing!'],
    },
    {
      name: 'email owner that cannot be resolved',
      files: ['docs/a.md'],
      approvers: ['writer'],
      context: { emails: { 'docs-owner@example.com': null } },
      findings: ['code-owner-approval-unverifiable!'],
    },
    {
      name: 'email owner with no resolution data at all',
      files: ['docs/a.md'],
      approvers: ['writer'],
      findings: ['code-owner-approval-unverifiable!'],
    },
    {
      name: 'an uncounted approval by the owner (self-approval) does not satisfy',
      files: ['README.md'],
      approvers: ['alice'],
      context: {
        codeowners: { status: 'found', path: 'CODEOWNERS', ref: 'main', text: '* @alice\n' },
      },
      policy: { requiredApprovals: 0 },
      findings: ['approval-not-counted', 'code-owner-approval-missing!'],
    },
    {
      name: 'file with no matching line at all',
      files: ['README.md'],
      approvers: ['bob'],
      context: {
        codeowners: { status: 'found', path: 'CODEOWNERS', ref: 'main', text: '/src/ @x\n' },
      },
      findings: [],
      status: { 'README.md': 'no-owner' },
    },
  ];

  it.each(scenarios)('$name', (s) => {
    const result = evaluateReviews(
      pr({ files: files(...s.files), reviews: s.approvers.map((a) => review(a, 'APPROVED')) }),
      { ...POLICY, ...CO, ...s.policy },
      codeowners(OWNERS, s.context),
    );
    expect(rules(result.findings)).toEqual([...s.findings].sort());
    expectHouseStyle(result.findings);
    for (const [path, status] of Object.entries(s.status ?? {})) {
      expect(result.facts.ownership.find((o) => o.path === path)?.status).toBe(status);
    }
  });

  it('groups files by the deciding CODEOWNERS line and names the permission that would help', () => {
    const { findings, facts } = evaluateReviews(
      pr({
        files: [
          ...files('README.md', 'LICENSE', 'src/a.ts', 'src/b.ts'),
          { filename: 'lib/new.ts', status: 'renamed', previousFilename: 'src/old.ts' },
        ],
        reviews: [review('bob', 'APPROVED')],
      }),
      { ...POLICY, ...CO },
      codeowners(OWNERS, {
        teams: { 'acme/core': { status: 'unknown', reason: '403 Forbidden' } },
      }),
    );
    const missing = findings.filter((f) => f.rule === 'code-owner-approval-missing');
    // `lib/new.ts` falls to `* @lead` too; `src/old.ts` (the rename's old path) to @acme/core.
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({
      location: { file: '.github/CODEOWNERS', line: 1 },
      found: 'approvals counted from bob',
    });
    expect(missing[0]?.message).toContain('3 changed file(s) owned by @lead');
    const unverifiable = findings.find((f) => f.rule === 'code-owner-approval-unverifiable');
    expect(unverifiable?.location).toEqual({ file: '.github/CODEOWNERS', line: 2 });
    expect(unverifiable?.message).toContain('members of @acme/core cannot be read (403 Forbidden)');
    expect(unverifiable?.message).toContain('src/a.ts, src/b.ts, src/old.ts');
    expect(unverifiable?.fix).toContain('members: read');
    expect(unverifiable?.fix).toContain('GITHUB_TOKEN cannot');
    expect(unverifiable?.fix).toContain('repository.cannot-see');
    expect(facts.codeowners).toEqual({
      path: '.github/CODEOWNERS',
      ref: 'main',
      rules: 6,
      problems: 0,
    });
    expect(facts.ownership.map((o) => o.path)).toEqual([
      'README.md',
      'LICENSE',
      'src/a.ts',
      'src/b.ts',
      'lib/new.ts',
      'src/old.ts',
    ]);
  });

  it('shortens long file lists', () => {
    const many = Array.from({ length: 12 }, (_, i) => `f${i}.txt`);
    const { findings } = evaluateReviews(
      pr({ files: files(...many), reviews: [] }),
      { ...POLICY, ...CO, requiredApprovals: 0 },
      codeowners(OWNERS),
    );
    const f = findings.find((x) => x.rule === 'code-owner-approval-missing');
    expect(f?.message).toContain('f9.txt and 2 more');
    expect(f?.found).toBe('no counted approval');
  });

  it('CODEOWNERS missing on the base branch blocks', () => {
    const { findings } = evaluateReviews(
      pr({ reviews: [review('bob', 'APPROVED')] }),
      { ...POLICY, ...CO },
      {
        codeowners: {
          status: 'missing',
          ref: 'main',
          searched: ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'],
        },
        teams: {},
      },
    );
    expect(rules(findings)).toEqual(['codeowners-missing!']);
    expect(findings[0]?.fix).toContain('repository.require-code-owner-approval');
    expect(findings[0]?.expected).toContain('.github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS');
    expectHouseStyle(findings);
  });

  it('CODEOWNERS missing is fine when code-owner approval is not required', () => {
    const { findings } = evaluateReviews(
      pr({ reviews: [review('bob', 'APPROVED'), review('carol', 'APPROVED')] }),
      POLICY,
      NO_CODEOWNERS,
    );
    expect(findings).toEqual([]);
  });

  it('unreadable CODEOWNERS blocks and names the permission', () => {
    const { findings } = evaluateReviews(
      pr({ reviews: [review('bob', 'APPROVED')] }),
      { ...POLICY, ...CO },
      { codeowners: { status: 'unreadable', ref: 'main', reason: '403 Forbidden' }, teams: {} },
    );
    expect(rules(findings)).toEqual(['codeowners-unreadable!']);
    expect(findings[0]?.fix).toContain('contents: read');
    expectHouseStyle(findings);
  });

  it('CODEOWNERS of 3 MB or more blocks: GitHub does not load it', () => {
    const { findings } = evaluateReviews(
      pr({ reviews: [review('lead', 'APPROVED')] }),
      { ...POLICY, ...CO },
      codeowners(`* @lead\n#${'x'.repeat(3 * 1024 * 1024)}`),
    );
    expect(rules(findings)).toEqual(['codeowners-too-large!']);
    expectHouseStyle(findings);
  });

  it('reports invalid CODEOWNERS lines as warnings with their line numbers', () => {
    const { findings, facts } = evaluateReviews(
      pr({ reviews: [review('lead', 'APPROVED')], files: files('a.txt') }),
      { ...POLICY, ...CO },
      codeowners('* @lead\n!a.txt @x\n*.txt @not/a/team\n'),
    );
    expect(rules(findings)).toEqual(['codeowners-invalid-line', 'codeowners-invalid-line']);
    expect(findings.map((f) => f.location)).toEqual([
      { file: '.github/CODEOWNERS', line: 2 },
      { file: '.github/CODEOWNERS', line: 3 },
    ]);
    expect(findings[0]?.message).toBe(
      '.github/CODEOWNERS:2: pattern !a.txt: negation with ! does not work in CODEOWNERS; GitHub skips this line, and so does the gate',
    );
    expect(facts.ownership).toEqual([
      { path: 'a.txt', line: 1, owners: ['@lead'], status: 'approved', approvedBy: 'lead' },
    ]);
    expectHouseStyle(findings);
  });

  it('a truncated file list blocks code-owner evaluation', () => {
    const { findings } = evaluateReviews(
      pr({ filesTruncated: true, reviews: [review('lead', 'APPROVED')], files: files('a') }),
      { ...POLICY, ...CO },
      codeowners(OWNERS),
    );
    expect(rules(findings)).toEqual(['changed-files-incomplete!']);
    expectHouseStyle(findings);
  });

  it('expected text reflects approvals-on-final-commit', () => {
    const { findings } = evaluateReviews(
      pr({ files: files('README.md') }),
      { ...POLICY, ...CO, approvalsOnFinalCommit: false, requiredApprovals: 0 },
      codeowners(OWNERS),
    );
    expect(findings[0]?.expected).toBe(
      "an approval from one of @lead, by someone other than the author and the PR's committers",
    );
  });
});

describe('evaluateReviews: which review decides, bots, owners named by email', () => {
  const counted = (reviews: PullRequestReview[], policy: Partial<ReviewPolicy> = {}) =>
    evaluateReviews(pr({ reviews }), { ...POLICY, requiredApprovals: 1, ...policy }, NO_CODEOWNERS)
      .facts.countedApprovals;
  const at = (hour: number) => `2026-01-01T${String(hour).padStart(2, '0')}:00:00Z`;
  const withId = (r: PullRequestReview, id: number): PullRequestReview => ({ ...r, id });

  it('the latest review by time decides, whatever order the API lists them in', () => {
    const approvedLater = review('bob', 'APPROVED', { at: at(10) });
    const changesEarlier = review('bob', 'CHANGES_REQUESTED', { at: at(9) });
    expect(counted([approvedLater, changesEarlier])).toEqual(['bob']);
    expect(counted([changesEarlier, approvedLater])).toEqual(['bob']);
  });

  it('time decides before the review id; the id only breaks a tie', () => {
    // A lower id submitted later: GitHub ids grow, but submitted_at is what decides.
    expect(
      counted([
        withId(review('bob', 'APPROVED', { at: at(9) }), 50),
        withId(review('bob', 'CHANGES_REQUESTED', { at: at(10) }), 40),
      ]),
    ).toEqual([]);
    expect(
      counted([
        withId(review('bob', 'CHANGES_REQUESTED', { at: at(9) }), 41),
        withId(review('bob', 'APPROVED', { at: at(9) }), 40),
      ]),
    ).toEqual([]);
    expect(
      counted([
        withId(review('bob', 'APPROVED', { at: at(9) }), 43),
        withId(review('bob', 'CHANGES_REQUESTED', { at: at(9) }), 42),
      ]),
    ).toEqual(['bob']);
  });

  it('a later comment or a pending review does not withdraw an approval', () => {
    expect(counted([review('bob', 'APPROVED'), review('bob', 'COMMENTED')])).toEqual(['bob']);
    expect(counted([review('bob', 'APPROVED'), review('bob', 'PENDING')])).toEqual(['bob']);
  });

  it('an account of type Bot is a bot even without [bot] in its login', () => {
    const r = evaluateReviews(
      pr({ reviews: [review('deploy-robot', 'APPROVED', { type: 'Bot' })] }),
      { ...POLICY, requiredApprovals: 1 },
      NO_CODEOWNERS,
    );
    expect(r.facts.countedApprovals).toEqual([]);
    expect(r.facts.ignoredApprovals.map((i) => [i.login, i.reasons])).toEqual([
      ['deploy-robot', ['bot']],
    ]);
  });

  it('allow-bots may name a bot with or without its [bot] suffix', () => {
    const approval = [review('renovate[bot]', 'APPROVED', { type: 'Bot' })];
    expect(counted(approval, { allowBots: ['renovate[bot]'] })).toEqual(['renovate[bot]']);
    expect(counted(approval, { allowBots: ['Renovate'] })).toEqual(['renovate[bot]']);
    expect(counted(approval, { allowBots: ['dependabot[bot]'] })).toEqual([]);
  });

  it('an owner named by email is the account that email resolves to, and no other', () => {
    const ctx = codeowners('* first@example.com second@example.com\n', {
      emails: { 'first@example.com': 'first', 'Second@Example.com': 'second' },
    });
    const policy = { ...POLICY, requiredApprovals: 1, requireCodeOwnerApproval: true };
    const bySecond = evaluateReviews(pr({ reviews: [review('second', 'APPROVED')] }), policy, ctx);
    expect(bySecond.findings).toEqual([]);
    expect(bySecond.facts.ownership).toEqual([
      {
        path: 'src/app.ts',
        line: 1,
        owners: ['first@example.com', 'second@example.com'],
        status: 'approved',
        approvedBy: 'second',
      },
    ]);
    const byOther = evaluateReviews(pr({ reviews: [review('bob', 'APPROVED')] }), policy, ctx);
    expect(rules(byOther.findings)).toEqual(['code-owner-approval-missing!']);
    expect(byOther.facts.ownership.map((o) => o.status)).toEqual(['missing']);
  });
});
