/**
 * Is the target branch governed by rules at least as strict as the policy? Reads the rules that
 * apply to the branch (repository and organisation rulesets, `GET /rules/branches/{b}`) and,
 * with `require-branch-protection: any`, classic branch protection too. "Not protected" (GitHub
 * showed us there is nothing) and "cannot see" (GitHub refused to show) are different findings;
 * `cannot-see` decides whether the latter blocks. Pure: no I/O.
 */
import { z } from 'zod';
import type { Finding } from '../../types.js';
import type { BranchRulesEvidence, ClassicProtectionEvidence, RuleEvidence } from './model.js';

/** What a set of rules requires of changes to the branch, in the policy's terms. */
export interface Requirements {
  pullRequest: boolean;
  approvals: number;
  codeOwners: boolean;
  /** Approvals must be of the latest push (dismiss stale reviews, or last-push approval). */
  finalCommit: boolean;
  statusChecks: string[];
  signedCommits: boolean;
  /** Where these came from, for messages: `ruleset 12 (Organization octo)`, `classic protection`. */
  sources: string[];
}

export interface BranchRulesPolicy {
  requireBranchProtection: 'rules' | 'any' | 'none';
  requirePullRequest: boolean;
  requiredApprovals: number;
  approvalsOnFinalCommit: boolean;
  requireCodeOwnerApproval: boolean;
  requireStatusChecks: readonly string[];
  requireSignedCommits: boolean;
  cannotSee: 'block' | 'warn';
}

const pullRequestParams = z.looseObject({
  required_approving_review_count: z.number().int().nonnegative().optional(),
  require_code_owner_review: z.boolean().optional(),
  require_last_push_approval: z.boolean().optional(),
  dismiss_stale_reviews_on_push: z.boolean().optional(),
});
const statusCheckParams = z.looseObject({
  required_status_checks: z.array(z.looseObject({ context: z.string() })),
});

function empty(): Requirements {
  return {
    pullRequest: false,
    approvals: 0,
    codeOwners: false,
    finalCommit: false,
    statusChecks: [],
    signedCommits: false,
    sources: [],
  };
}

function sourceOf(r: RuleEvidence): string {
  const id = r.rulesetId !== undefined ? `ruleset ${r.rulesetId}` : 'ruleset';
  const from = [r.rulesetSourceType, r.rulesetSource].filter(Boolean).join(' ');
  return from ? `${id} (${from})` : id;
}

/** Requirements of the rulesets; throws on a rule whose parameters are not GitHub's shape. */
export function fromRules(rules: readonly RuleEvidence[]): Requirements {
  const req = empty();
  for (const r of rules) {
    const source = sourceOf(r);
    if (!req.sources.includes(source)) req.sources.push(source);
    if (r.type === 'pull_request') {
      const p = pullRequestParams.parse(r.parameters ?? {});
      req.pullRequest = true;
      req.approvals = Math.max(req.approvals, p.required_approving_review_count ?? 0);
      req.codeOwners ||= p.require_code_owner_review ?? false;
      req.finalCommit ||=
        (p.require_last_push_approval ?? false) || (p.dismiss_stale_reviews_on_push ?? false);
    } else if (r.type === 'required_status_checks') {
      const p = statusCheckParams.parse(r.parameters ?? {});
      req.statusChecks.push(...p.required_status_checks.map((c) => c.context));
    } else if (r.type === 'required_signatures') {
      req.signedCommits = true;
    }
  }
  return req;
}

function merge(a: Requirements, b: Requirements): Requirements {
  return {
    pullRequest: a.pullRequest || b.pullRequest,
    approvals: Math.max(a.approvals, b.approvals),
    codeOwners: a.codeOwners || b.codeOwners,
    finalCommit: a.finalCommit || b.finalCommit,
    statusChecks: [...new Set([...a.statusChecks, ...b.statusChecks])],
    signedCommits: a.signedCommits || b.signedCommits,
    sources: [...a.sources, ...b.sources],
  };
}

/** What the policy asks of the branch that `req` does not require. */
export function gaps(req: Requirements, policy: BranchRulesPolicy): string[] {
  const out: string[] = [];
  if (policy.requirePullRequest && !req.pullRequest) out.push('a pull request before merging');
  if (policy.requiredApprovals > req.approvals) {
    out.push(
      `${policy.requiredApprovals} approving review(s) (the rules require ${req.approvals})`,
    );
  }
  if (policy.requireCodeOwnerApproval && !req.codeOwners) out.push('code owner review');
  if (policy.approvalsOnFinalCommit && policy.requiredApprovals > 0 && !req.finalCommit) {
    out.push('approval of the most recent push (dismiss stale approvals, or last-push approval)');
  }
  const missing = policy.requireStatusChecks.filter((c) => !req.statusChecks.includes(c));
  if (missing.length > 0) out.push(`status checks ${missing.join(', ')}`);
  if (policy.requireSignedCommits && !req.signedCommits) out.push('signed commits');
  return out;
}

/** "Branch not protected" is GitHub's 404 message when it shows there is no classic protection. */
function classicAbsent(c: ClassicProtectionEvidence | undefined): boolean {
  return c?.visibility === 'not-found' && /branch not protected/i.test(c.reason);
}

export function evaluateBranchRules(
  branch: string,
  rules: BranchRulesEvidence | undefined,
  classic: ClassicProtectionEvidence | undefined,
  policy: BranchRulesPolicy,
): { findings: Finding[]; description: string } {
  const mode = policy.requireBranchProtection;
  if (mode === 'none') return { findings: [], description: 'not required' };
  const cannotSeeBlocks = policy.cannotSee === 'block';
  const findings: Finding[] = [];
  const fixRules = `Add a ruleset for ${branch} (Settings → Rules → Rulesets) requiring what the policy requires, or relax the repository section of the policy.`;

  let req = empty();
  const invisible: string[] = [];
  if (!rules || rules.visibility !== 'visible') {
    invisible.push(
      rules
        ? `the rules of ${branch} (${rules.reason}; needs ${rules.permission})`
        : `the rules of ${branch}`,
    );
  } else {
    req = fromRules(rules.rules);
    if (rules.truncated) invisible.push(`some rules of ${branch} (more pages than the gate reads)`);
  }
  if (mode === 'any') {
    if (classic?.visibility === 'visible') {
      const p = classic.protection;
      req = merge(req, {
        pullRequest: p.pullRequest !== undefined,
        approvals: p.pullRequest?.approvals ?? 0,
        codeOwners: p.pullRequest?.codeOwners ?? false,
        finalCommit:
          (p.pullRequest?.lastPushApproval ?? false) || (p.pullRequest?.dismissStale ?? false),
        statusChecks: p.statusChecks,
        signedCommits: p.signedCommits,
        sources: ['classic branch protection'],
      });
    } else if (!classicAbsent(classic)) {
      invisible.push(
        classic
          ? `classic branch protection of ${branch} (${classic.reason}; needs ${classic.permission})`
          : `classic branch protection of ${branch} (not read)`,
      );
    }
  }

  const missing = gaps(req, policy);
  const governed =
    req.sources.length > 0 && (req.pullRequest || req.statusChecks.length > 0 || req.signedCommits);
  const description = governed
    ? `${branch} governed by ${req.sources.join(', ')}`
    : `${branch} has no visible rules`;
  if (missing.length === 0 && governed) return { findings, description };
  if (invisible.length > 0) {
    // What the gate cannot see might make up the difference: say so, never "protected".
    findings.push({
      rule: 'branch-rules-cannot-see',
      blocking: cannotSeeBlocks,
      waived: false,
      severity: 'unknown',
      message: `cannot tell whether ${branch} is governed by rules as strict as the policy: the token cannot read ${invisible.join('; ')}${missing.length ? `. Visible rules lack: ${missing.join('; ')}` : ''}`,
      expected: `rules on ${branch} requiring ${gaps(empty(), policy).join('; ') || 'protection'}`,
      found: governed ? description : 'nothing visible',
      fix:
        mode === 'any'
          ? 'Use repository rulesets (readable with the default token), or give the gate a token with Administration: read (a GitHub App or fine-grained token) to read classic protection; or set repository.cannot-see: warn.'
          : 'Give the token read access to the repository (contents: read), or set repository.cannot-see: warn.',
    });
    return { findings, description };
  }
  if (!governed) {
    findings.push({
      rule: 'branch-not-protected',
      blocking: true,
      waived: false,
      severity: 'high',
      message: `${branch} is not protected: no ${mode === 'rules' ? 'ruleset' : 'ruleset or classic branch protection'} governs it, so anyone with write access can push to it directly`,
      expected: `rules on ${branch} (repository.require-branch-protection: ${mode})`,
      found: 'no rules',
      fix: fixRules,
    });
    return { findings, description };
  }
  findings.push({
    rule: 'branch-rules-weaker',
    blocking: true,
    waived: false,
    severity: 'high',
    message: `the rules of ${branch} (${req.sources.join(', ')}) are weaker than the policy: they do not require ${missing.join('; ')}`,
    expected: `rules requiring ${missing.join('; ')}`,
    found: description,
    fix: fixRules,
  });
  return { findings, description };
}
