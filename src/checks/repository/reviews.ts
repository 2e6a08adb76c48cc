/**
 * Did the pull request behind the deployed commit get the reviews the policy requires? A pure
 * decision over evidence an adapter gathered (model.ts); no I/O.
 *
 * Rules (GitHub's own, tightened where a gate must be stricter):
 * - Each reviewer's latest review decides, where COMMENTED and PENDING reviews are skipped: a
 *   later comment does not withdraw an approval, a later CHANGES_REQUESTED does, and a DISMISSED
 *   review cancels (an older approval does not come back).
 * - Approvals that do not count: by the PR author; by anyone who authored or committed a commit
 *   in the PR; by bots unless in `allow-bots`; by deleted accounts; with
 *   `approvals-on-final-commit`, any approval of another commit than the PR's final head.
 * - `require-code-owner-approval`: for every changed file (and the old path of a rename), the
 *   owners from the LAST matching CODEOWNERS line of the base branch need a counted approval from
 *   one of them; files without owners need none. Team owners need team membership data, which
 *   the default GITHUB_TOKEN cannot read: `cannot-see` decides whether that blocks.
 */
import type { Finding } from '../../types.js';
import { ownersOf, parseCodeowners, type CodeOwner, type CodeownersRule } from './codeowners.js';
import type {
  Actor,
  PullRequestEvidence,
  PullRequestReview,
  ReviewContext,
  ReviewPolicy,
  TeamMembership,
} from './model.js';

/** Why an approval was not counted. */
export type IgnoredReason =
  'pr-author' | 'commit-author' | 'committer' | 'bot' | 'deleted-account' | 'stale-commit';

export interface ReviewFacts {
  /** Each reviewer's deciding state (lower-cased login → state). */
  latestStates: Record<string, 'APPROVED' | 'CHANGES_REQUESTED' | 'DISMISSED'>;
  /** Logins whose approvals count, sorted. */
  countedApprovals: string[];
  /** Approvals that do not count, with why. */
  ignoredApprovals: { login: string; reviewId: number; reasons: IgnoredReason[] }[];
  /** Commits whose author has no linked GitHub account. */
  unknownAuthorCommits: string[];
  /** The CODEOWNERS file used, when code-owner approval was evaluated. */
  codeowners?: { path: string; ref: string; rules: number; problems: number };
  /** Per changed path: the deciding CODEOWNERS line, its owners, and who satisfied it. */
  ownership: {
    path: string;
    line?: number;
    owners: string[];
    status: 'no-owner' | 'approved' | 'missing' | 'unverifiable';
    approvedBy?: string;
  }[];
}

export interface ReviewEvaluation {
  findings: Finding[];
  facts: ReviewFacts;
}

const lower = (s: string): string => s.toLowerCase();

function isBot(actor: Partial<Actor> & { login: string }): boolean {
  return actor.type === 'Bot' || /\[bot\]$/i.test(actor.login);
}

function botAllowed(login: string, allowBots: readonly string[]): boolean {
  const bare = lower(login).replace(/\[bot\]$/, '');
  return allowBots.some((b) => lower(b).replace(/\[bot\]$/, '') === bare);
}

function list(items: readonly string[], max = 10): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

const REASON_TEXT: Record<IgnoredReason, string> = {
  'pr-author': 'is the pull request author',
  'commit-author': 'authored a commit in the pull request',
  committer: 'committed a commit in the pull request',
  bot: 'is a bot not listed in repository.allow-bots',
  'deleted-account': 'is a deleted account',
  'stale-commit': 'approved an older head commit, not the final one',
};

/** The deciding review per reviewer: latest by submitted_at then id, skipping COMMENTED/PENDING. */
function latestDecisive(reviews: readonly PullRequestReview[]): PullRequestReview[] {
  const ordered = reviews
    .filter((r) => r.state !== 'COMMENTED' && r.state !== 'PENDING')
    .slice()
    .sort((a, b) => (a.submittedAt ?? '').localeCompare(b.submittedAt ?? '') || a.id - b.id);
  const byUser = new Map<string, PullRequestReview>();
  let ghost = 0;
  for (const r of ordered) byUser.set(r.user ? lower(r.user.login) : `\0ghost${ghost++}`, r);
  return [...byUser.values()];
}

export function evaluateReviews(
  pr: PullRequestEvidence,
  policy: ReviewPolicy,
  context: ReviewContext,
): ReviewEvaluation {
  const findings: Finding[] = [];
  const facts: ReviewFacts = {
    latestStates: {},
    countedApprovals: [],
    ignoredApprovals: [],
    unknownAuthorCommits: [],
    ownership: [],
  };
  const prName = `pull request #${pr.number}`;
  // What the gate cannot see blocks only where approvals matter at all.
  const cannotSeeBlocks =
    policy.cannotSee === 'block' &&
    (policy.requiredApprovals > 0 || policy.requireCodeOwnerApproval);

  // Who may not approve: the author and everyone who authored or committed a commit.
  const commitAuthors = new Set<string>();
  const committers = new Set<string>();
  for (const c of pr.commits) {
    if (c.author) commitAuthors.add(lower(c.author.login));
    else facts.unknownAuthorCommits.push(c.sha);
    if (c.committer) committers.add(lower(c.committer.login));
  }
  if (facts.unknownAuthorCommits.length > 0) {
    const who = pr.commits
      .filter((c) => !c.author)
      .map((c) => {
        const g = c.gitAuthor;
        const id = g?.email ? `${g.name ? `${g.name} ` : ''}<${g.email}>` : 'no author email';
        return `${c.sha.slice(0, 12)} (${id})`;
      });
    findings.push({
      rule: 'commit-author-unknown',
      blocking: cannotSeeBlocks,
      waived: false,
      severity: 'unknown',
      message: `${prName}: ${who.length} commit(s) have an author email linked to no GitHub account, so the gate cannot tell whether an approver wrote them: ${list(who)}`,
      expected: 'every commit author linked to a GitHub account, so self-approval can be ruled out',
      found: `unknown author on ${list(facts.unknownAuthorCommits.map((s) => s.slice(0, 12)))}`,
      fix: 'Commit with an email address verified on the author’s GitHub account (git config user.email), or set repository.cannot-see: warn to accept it.',
    });
  }
  if (pr.commitsTruncated) {
    findings.push({
      rule: 'commits-incomplete',
      blocking: cannotSeeBlocks,
      waived: false,
      severity: 'unknown',
      message: `${prName}: only ${pr.commits.length} of its commits could be listed (the REST API stops at 250), so committers of the others cannot be excluded from approving`,
      expected: 'every commit of the pull request listed',
      found: `${pr.commits.length} commits listed, more exist`,
      fix: 'Split large pull requests, or set repository.cannot-see: warn to accept it.',
    });
  }

  // Each reviewer's deciding state, then which approvals count.
  const counted = new Set<string>();
  const authorLogin = lower(pr.author.login);
  for (const r of latestDecisive(pr.reviews)) {
    if (r.user) {
      facts.latestStates[lower(r.user.login)] = r.state as ReviewFacts['latestStates'][string];
    }
    if (r.state === 'CHANGES_REQUESTED') {
      findings.push({
        rule: 'changes-requested',
        blocking: false,
        waived: false,
        severity: 'moderate',
        message: `${prName}: ${r.user?.login ?? 'a deleted account'} still requests changes (latest review ${r.id})`,
        expected: 'no reviewer whose latest review requests changes',
        found: 'CHANGES_REQUESTED',
        fix: 'Ask the reviewer to approve or dismiss the review before deploying.',
      });
    }
    if (r.state !== 'APPROVED') continue;
    const reasons: IgnoredReason[] = [];
    const login = r.user ? lower(r.user.login) : '';
    if (!r.user) reasons.push('deleted-account');
    else {
      if (login === authorLogin) reasons.push('pr-author');
      if (commitAuthors.has(login)) reasons.push('commit-author');
      if (committers.has(login)) reasons.push('committer');
      if (isBot(r.user) && !botAllowed(r.user.login, policy.allowBots)) reasons.push('bot');
    }
    if (policy.approvalsOnFinalCommit && r.commitId !== pr.headSha) reasons.push('stale-commit');
    if (reasons.length === 0) {
      counted.add(login);
      continue;
    }
    const shown = r.user?.login ?? 'a deleted account';
    facts.ignoredApprovals.push({ login: shown, reviewId: r.id, reasons });
    findings.push({
      rule: 'approval-not-counted',
      blocking: false,
      waived: false,
      severity: 'low',
      message: `${prName}: the approval by ${shown} (review ${r.id}${r.commitId ? ` on ${r.commitId.slice(0, 12)}` : ''}) does not count: ${shown} ${reasons.map((x) => REASON_TEXT[x]).join('; ')}`,
      expected: policy.approvalsOnFinalCommit
        ? `an approval of ${pr.headSha.slice(0, 12)} by someone who neither opened the pull request nor wrote or committed to it`
        : 'an approval by someone who neither opened the pull request nor wrote or committed to it',
      found: reasons.join(', '),
      fix: reasons.includes('bot')
        ? `List the bot in repository.allow-bots if its approvals should count, or get a human approval.`
        : 'Get an approval from another reviewer on the final commit.',
    });
  }
  facts.countedApprovals = [...counted].sort();

  if (counted.size < policy.requiredApprovals) {
    findings.push({
      rule: 'approvals-insufficient',
      blocking: true,
      waived: false,
      severity: 'high',
      message: `${prName} has ${counted.size} counted approval(s)${counted.size ? ` (${facts.countedApprovals.join(', ')})` : ''}; repository.required-approvals asks for ${policy.requiredApprovals}`,
      expected: `at least ${policy.requiredApprovals} approval(s) from reviewers other than the author and the PR's committers${policy.approvalsOnFinalCommit ? `, on the final commit ${pr.headSha.slice(0, 12)}` : ''}`,
      found: `${counted.size}${facts.ignoredApprovals.length ? `, ${facts.ignoredApprovals.length} approval(s) not counted` : ''}`,
      fix: 'Get the missing approvals before merging, or lower repository.required-approvals.',
    });
  }

  if (policy.requireCodeOwnerApproval) {
    evaluateCodeOwners(pr, policy, context, counted, findings, facts);
  }
  return { findings, facts };
}

function ownerText(o: CodeOwner): string {
  return o.text;
}

type OwnerResult =
  { status: 'approved'; by: string } | { status: 'no' } | { status: 'unknown'; why: string };

function checkOwner(
  owner: CodeOwner,
  counted: ReadonlySet<string>,
  context: ReviewContext,
): OwnerResult {
  if (owner.kind === 'user') {
    return counted.has(lower(owner.login))
      ? { status: 'approved', by: owner.login }
      : { status: 'no' };
  }
  if (owner.kind === 'email') {
    const emails = context.emails ?? {};
    const key = Object.keys(emails).find((k) => lower(k) === lower(owner.email));
    const login = key === undefined ? undefined : emails[key];
    if (login === undefined || login === null) {
      return {
        status: 'unknown',
        why: `${owner.email} could not be resolved to a GitHub account`,
      };
    }
    return counted.has(lower(login)) ? { status: 'approved', by: login } : { status: 'no' };
  }
  const name = `${owner.org}/${owner.team}`;
  const key = Object.keys(context.teams).find((k) => lower(k) === lower(name));
  const membership: TeamMembership = (key === undefined ? undefined : context.teams[key]) ?? {
    status: 'unknown',
    reason: 'membership was not looked up',
  };
  if (membership.status === 'unknown') {
    return { status: 'unknown', why: `members of @${name} cannot be read (${membership.reason})` };
  }
  const member = membership.members.find((m) => counted.has(lower(m)));
  return member ? { status: 'approved', by: `${member} (@${name})` } : { status: 'no' };
}

function evaluateCodeOwners(
  pr: PullRequestEvidence,
  policy: ReviewPolicy,
  context: ReviewContext,
  counted: ReadonlySet<string>,
  findings: Finding[],
  facts: ReviewFacts,
): void {
  const prName = `pull request #${pr.number}`;
  const co = context.codeowners;
  if (co.status === 'missing') {
    findings.push({
      rule: 'codeowners-missing',
      blocking: true,
      waived: false,
      severity: 'high',
      message: `${prName}: repository.require-code-owner-approval is on, but the base branch ${co.ref} has no CODEOWNERS file`,
      expected: `a CODEOWNERS file at one of ${co.searched.join(', ')} on ${co.ref}`,
      found: 'none',
      fix: 'Add .github/CODEOWNERS to the base branch, or set repository.require-code-owner-approval: false.',
    });
    return;
  }
  if (co.status === 'unreadable') {
    findings.push({
      rule: 'codeowners-unreadable',
      blocking: true,
      waived: false,
      severity: 'unknown',
      message: `${prName}: could not read CODEOWNERS on ${co.ref}: ${co.reason}`,
      expected: 'CODEOWNERS readable on the base branch',
      found: co.reason,
      fix: 'Grant the token contents: read on the repository (workflow permissions: contents: read).',
    });
    return;
  }
  const parsed = parseCodeowners(co.text, co.path);
  facts.codeowners = {
    path: co.path,
    ref: co.ref,
    rules: parsed.rules.length,
    problems: parsed.problems.length,
  };
  if (parsed.tooLarge) {
    findings.push({
      rule: 'codeowners-too-large',
      blocking: true,
      waived: false,
      severity: 'high',
      message: `${co.path} on ${co.ref} is 3 MB or more, so GitHub does not load it and requested no code owner review`,
      expected: 'a CODEOWNERS file under 3 MB',
      found: `${Buffer.byteLength(co.text, 'utf8')} bytes`,
      fix: `Shrink ${co.path} with wildcard patterns.`,
      location: { file: co.path },
    });
    return;
  }
  for (const p of parsed.problems) {
    findings.push({
      rule: 'codeowners-invalid-line',
      blocking: false,
      waived: false,
      severity: 'low',
      message: `${co.path}:${p.line}: ${p.message}; GitHub skips this line, and so does the gate`,
      expected: 'a pattern followed by @user, @org/team or email owners',
      found: p.text.trim(),
      fix: `Fix or remove line ${p.line} of ${co.path} (see "About code owners", Syntax exceptions).`,
      location: { file: co.path, line: p.line },
    });
  }
  if (pr.filesTruncated) {
    findings.push({
      rule: 'changed-files-incomplete',
      blocking: true,
      waived: false,
      severity: 'unknown',
      message: `${prName}: only ${pr.files.length} changed files could be listed (the REST API stops at 3000), so code owners of the others are unknown`,
      expected: 'every changed file listed',
      found: `${pr.files.length} files listed, more exist`,
      fix: 'Split the change into smaller pull requests, or set repository.require-code-owner-approval: false.',
    });
  }

  const paths = [
    ...new Set(
      pr.files.flatMap((f) =>
        f.previousFilename ? [f.filename, f.previousFilename] : [f.filename],
      ),
    ),
  ];
  // Group paths by deciding rule: one finding per CODEOWNERS line, not per file.
  const missing = new Map<CodeownersRule, string[]>();
  const unverifiable = new Map<CodeownersRule, { paths: string[]; why: string[] }>();
  for (const path of paths) {
    const match = ownersOf(parsed.rules, path);
    if (!match || match.owners.length === 0) {
      facts.ownership.push({
        path,
        ...(match ? { line: match.rule.line } : {}),
        owners: [],
        status: 'no-owner',
      });
      continue;
    }
    const results = match.owners.map((o) => checkOwner(o, counted, context));
    const owners = match.owners.map(ownerText);
    const approved = results.find((r) => r.status === 'approved');
    if (approved) {
      facts.ownership.push({
        path,
        line: match.rule.line,
        owners,
        status: 'approved',
        approvedBy: approved.by,
      });
      continue;
    }
    const unknown = results.flatMap((r) => (r.status === 'unknown' ? [r.why] : []));
    if (unknown.length > 0) {
      facts.ownership.push({ path, line: match.rule.line, owners, status: 'unverifiable' });
      const entry = unverifiable.get(match.rule) ?? { paths: [], why: unknown };
      entry.paths.push(path);
      unverifiable.set(match.rule, entry);
    } else {
      facts.ownership.push({ path, line: match.rule.line, owners, status: 'missing' });
      missing.set(match.rule, [...(missing.get(match.rule) ?? []), path]);
    }
  }

  for (const [rule, files] of missing) {
    const owners = rule.owners.map(ownerText).join(' ');
    findings.push({
      rule: 'code-owner-approval-missing',
      blocking: true,
      waived: false,
      severity: 'high',
      message: `${prName}: ${files.length} changed file(s) owned by ${owners} (${co.path}:${rule.line} \`${rule.pattern}\`) have no counted approval from an owner: ${list(files)}`,
      expected: `an approval from one of ${owners}, by someone other than the author and the PR's committers${policy.approvalsOnFinalCommit ? ', on the final commit' : ''}`,
      found: facts.countedApprovals.length
        ? `approvals counted from ${facts.countedApprovals.join(', ')}`
        : 'no counted approval',
      fix: `Get an approval from one of ${owners}, or change the owners on line ${rule.line} of ${co.path}; repository.require-code-owner-approval enables this rule.`,
      location: { file: co.path, line: rule.line },
    });
  }
  for (const [rule, { paths: files, why }] of unverifiable) {
    const owners = rule.owners.map(ownerText).join(' ');
    findings.push({
      rule: 'code-owner-approval-unverifiable',
      blocking: policy.cannotSee === 'block',
      waived: false,
      severity: 'unknown',
      message: `${prName}: cannot tell whether ${files.length} changed file(s) owned by ${owners} (${co.path}:${rule.line} \`${rule.pattern}\`) were approved by an owner: ${why.join('; ')}. Files: ${list(files)}`,
      expected: `a counted approval from one of ${owners}, verifiable by the gate`,
      found: facts.countedApprovals.length
        ? `approvals counted from ${facts.countedApprovals.join(', ')}, none a known owner`
        : 'no counted approval',
      fix: 'Give the gate a token that can read team members: a GitHub App installation token or a fine-grained token with organisation permission members: read (the default GITHUB_TOKEN cannot read teams); use @user owners instead of email addresses; or set repository.cannot-see: warn.',
      location: { file: co.path, line: rule.line },
    });
  }
}
