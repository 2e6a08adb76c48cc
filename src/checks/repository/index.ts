/**
 * The repository check: did the exact commit being deployed reach its branch through the process
 * the policy names? For one SHA and ref it decides, from evidence a GitHub adapter gathers:
 *
 * 1. the ref is one the policy allows (`branches`); a tag must point at a commit on an allowed
 *    branch;
 * 2. the commit is the merge commit of exactly one merged pull request into the target branch
 *    (`require-pull-request`);
 * 3. that pull request's approvals and code-owner approvals (reviews.ts);
 * 4. the required checks concluded successfully on the SHA;
 * 5. the branch is governed by rules at least as strict as the policy (rules.ts);
 * 6. optionally, the commit and the pull request's commits carry verified signatures.
 *
 * What the token cannot see is never "fine": `cannot-see` says whether it blocks (as "could not
 * evaluate") or warns. The check imports no adapter: it is given ports.
 */
import type { CheckResult, Finding } from '../../types.js';
import type {
  CodeownersEvidence,
  DeploymentRangeEvidence,
  PullRequestEvidence,
  RepositoryEvidence,
  TeamMembership,
} from './model.js';
import { literalBranches, matchingPattern, parseRef, type DeployedRef } from './refs.js';
import { evaluateReviews, type ReviewEvaluation } from './reviews.js';
import { evaluateBranchRules } from './rules.js';

export interface RequiredCheck {
  /** Check run name or commit status context. */
  name: string;
  /** Only check runs of this GitHub App (slug, e.g. `github-actions`); statuses do not count. */
  app?: string;
}

export interface RepositoryCheckConfig {
  /** OWNER/NAME. */
  repository: string;
  sha: string;
  /** The deployed ref (`refs/heads/main`, `refs/tags/v1.2.3`); absent: the PR's base branch. */
  ref?: string;
  branches: string[];
  requirePullRequest: boolean;
  requiredApprovals: number;
  approvalsOnFinalCommit: boolean;
  requireCodeOwnerApproval: boolean;
  requireStatusChecks: RequiredCheck[];
  requireSignedCommits: boolean;
  requireBranchProtection: 'rules' | 'any' | 'none';
  cannotSee: 'block' | 'warn';
  allowBots: string[];
  /**
   * Pull request events: judge this open pull request before merge (`sha` is its head commit),
   * as it would be judged once merged — reviews, required checks on its head, the base's rules.
   */
  pullRequest?: number;
  /** `since-last-deployment`: every commit since this environment's last successful deployment. */
  sinceLastDeployment?: string;
  /** At most this many teams are looked up (one request each). Default 10. */
  maxTeamLookups?: number;
}

export interface RepositoryPorts {
  /** Evidence for the SHA; `branch` is the target branch when known. */
  evidence(branch: string | undefined): Promise<RepositoryEvidence>;
  /** Members of `org/team`, or why the token cannot tell. */
  teamMembers(org: string, team: string): Promise<TeamMembership>;
  /** Is the SHA on `branch` (its tip or an ancestor)? */
  isOnBranch(branch: string): Promise<boolean>;
  /** The commits since `environment`'s last successful deployment, with their pull requests. */
  sinceLastDeployment(environment: string, branch: string): Promise<DeploymentRangeEvidence>;
}

const short = (sha: string) => sha.slice(0, 12);

export async function checkRepository(
  cfg: RepositoryCheckConfig,
  ports: RepositoryPorts,
): Promise<CheckResult> {
  const findings: Finding[] = [];
  const facts: string[] = [];
  const cannotSeeBlocks = cfg.cannotSee === 'block';
  const deployed: DeployedRef | undefined = cfg.ref ? parseRef(cfg.ref) : undefined;
  /** Team memberships looked up in this run, shared by every pull request evaluated. */
  const teams: Record<string, TeamMembership> = {};

  // 1. Allowed refs, and the target branch.
  let branch: string | undefined;
  if (deployed) {
    if (cfg.branches.length > 0 && !matchingPattern(cfg.branches, deployed.ref)) {
      findings.push({
        rule: 'ref-not-allowed',
        blocking: true,
        waived: false,
        severity: 'high',
        message: `${deployed.ref} is not a ref this policy deploys from`,
        expected: `a ref matching repository.branches: ${cfg.branches.join(', ')}`,
        found: deployed.ref,
        fix: 'Deploy from an allowed branch or tag, or add the ref to repository.branches.',
        location: { key: 'repository.branches' },
      });
    }
    if (deployed.kind === 'branch') branch = deployed.name;
    else if (deployed.kind === 'tag') {
      const candidates = literalBranches(cfg.branches);
      if (candidates.length === 0) {
        findings.push({
          rule: 'tag-branch-unknown',
          blocking: true,
          waived: false,
          severity: 'unknown',
          message: `${deployed.ref} is a tag; the gate needs a branch it must be on, and repository.branches names none without wildcards`,
          expected: 'a literal branch name in repository.branches (e.g. main)',
          found: cfg.branches.join(', ') || 'no branches',
          fix: 'List the branch releases are tagged from (e.g. main) in repository.branches.',
          location: { key: 'repository.branches' },
        });
      } else {
        for (const b of candidates) {
          if (await ports.isOnBranch(b)) {
            branch = b;
            break;
          }
        }
        if (branch === undefined) {
          findings.push({
            rule: 'tag-not-on-allowed-branch',
            blocking: true,
            waived: false,
            severity: 'high',
            message: `${deployed.ref} points at ${short(cfg.sha)}, which is on none of ${candidates.join(', ')}: it did not go through an allowed branch`,
            expected: `${short(cfg.sha)} reachable from ${candidates.join(' or ')}`,
            found: 'not reachable',
            fix: 'Tag a commit that was merged into an allowed branch.',
          });
        } else facts.push(`tag ${deployed.name} is on ${branch}`);
      }
    }
  }

  const evidence = await ports.evidence(branch);
  branch ??= evidence.branch;
  if (!deployed && branch !== undefined && cfg.branches.length > 0) {
    const ref = `refs/heads/${branch}`;
    if (!matchingPattern(cfg.branches, ref)) {
      findings.push({
        rule: 'ref-not-allowed',
        blocking: true,
        waived: false,
        severity: 'high',
        message: `${short(cfg.sha)} was merged into ${branch}, not a branch this policy deploys from`,
        expected: `a branch matching repository.branches: ${cfg.branches.join(', ')}`,
        found: ref,
        fix: 'Deploy from an allowed branch, or add it to repository.branches.',
        location: { key: 'repository.branches' },
      });
    }
  }

  // 2–3. The pull request and its reviews.
  const sel = evidence.selection;
  if (sel.status === 'found' && !evidence.pullRequest) {
    // Chosen but not read: its reviews were never seen, so nothing about it may pass.
    findings.push({
      rule: 'pull-request-cannot-see',
      blocking: true,
      waived: false,
      severity: 'unknown',
      message: `pull request #${sel.number} was chosen for ${short(cfg.sha)} but its details were not read`,
      expected: `the reviews, commits and files of pull request #${sel.number}`,
      found: 'not read',
      fix: 'Re-run the gate; if it persists, report it as a bug.',
    });
  } else if (sel.status === 'found' && evidence.pullRequest) {
    const pr = evidence.pullRequest;
    facts.push(
      cfg.pullRequest !== undefined
        ? `pull request #${pr.number} into ${pr.baseRef}, judged before merge`
        : `pull request #${pr.number} merged into ${pr.baseRef}`,
    );
    const review = await reviewPullRequest(
      pr,
      evidence.codeowners ?? { status: 'unreadable', ref: pr.baseRef, reason: 'not read' },
      cfg,
      ports,
      teams,
    );
    findings.push(...review.findings);
    if (cfg.requiredApprovals > 0) {
      facts.push(
        `${review.facts.countedApprovals.length} counted approval(s)${review.facts.countedApprovals.length ? ` (${review.facts.countedApprovals.join(', ')})` : ''}`,
      );
    }
    if (evidence.reviewsTruncated) findings.push(reviewsIncomplete(pr, cfg));
    if (cfg.requireSignedCommits) {
      const bad = pr.commits.filter((c) => c.signature !== undefined && c.signature !== 'valid');
      const unknown = pr.commits.filter((c) => c.signature === undefined);
      if (bad.length > 0) {
        findings.push({
          rule: 'pr-commit-unsigned',
          blocking: true,
          waived: false,
          severity: 'high',
          message: `pull request #${pr.number}: ${bad.length} commit(s) have no verified signature: ${bad.map((c) => `${short(c.sha)} (${c.signature})`).join(', ')}`,
          expected: 'every commit of the pull request signed with a key GitHub verifies',
          found: bad.map((c) => c.signature).join(', '),
          fix: 'Sign commits (git commit -S with a key added to the author’s GitHub account), or set repository.require-signed-commits: false.',
        });
      } else if (unknown.length > 0) {
        findings.push({
          rule: 'pr-commit-signature-unknown',
          blocking: cannotSeeBlocks,
          waived: false,
          severity: 'unknown',
          message: `pull request #${pr.number}: GitHub did not say whether ${unknown.length} commit(s) are signed`,
          expected: 'a signature verdict for every commit',
          found: 'no answer',
          fix: 'Set repository.cannot-see: warn to accept it.',
        });
      }
    }
  } else if (sel.status === 'ambiguous') {
    findings.push({
      rule: 'pull-request-ambiguous',
      blocking: true,
      waived: false,
      severity: 'unknown',
      message: `${short(cfg.sha)} is the merge commit of ${sel.numbers.length} merged pull requests (${sel.numbers.map((n) => `#${n}`).join(', ')})${branch ? ` into ${branch}` : ''}; the gate cannot tell which one's reviews apply`,
      expected: 'exactly one merged pull request whose merge commit is the deployed SHA',
      found: sel.numbers.map((n) => `#${n}`).join(', '),
      fix: 'Deploy a commit produced by one pull request merge.',
    });
  } else if (sel.status === 'no-branch') {
    findings.push({
      rule: 'target-branch-unknown',
      blocking: true,
      waived: false,
      severity: 'unknown',
      message: `${short(cfg.sha)} was merged by pull requests into several branches, and no ref says which deploy this is`,
      expected: 'the deployed ref (GITHUB_REF or --ref)',
      found: 'none',
      fix: 'Pass --ref (the CLI) or run in GitHub Actions, where GITHUB_REF is set.',
    });
  } else if (cfg.pullRequest !== undefined) {
    findings.push({
      rule: 'pull-request-cannot-see',
      blocking: true,
      waived: false,
      severity: 'unknown',
      message: `pull request #${cfg.pullRequest} with head ${short(cfg.sha)}${branch ? ` into ${branch}` : ''} is not among the pull requests GitHub associates with that commit`,
      expected: `pull request #${cfg.pullRequest} whose head is ${short(cfg.sha)}`,
      found:
        evidence.pullRequests.map((p) => `#${p.number} (into ${p.baseRef})`).join(', ') ||
        'no pull request',
      fix: 'Re-run the workflow for the pull request’s latest push.',
    });
  } else if (cfg.requirePullRequest) {
    const open = evidence.pullRequests.filter((p) => !p.merged).map((p) => `#${p.number}`);
    findings.push({
      rule: evidence.pullRequestsTruncated ? 'pull-request-cannot-see' : 'no-pull-request',
      blocking: evidence.pullRequestsTruncated ? cannotSeeBlocks : true,
      waived: false,
      severity: evidence.pullRequestsTruncated ? 'unknown' : 'high',
      message: evidence.pullRequestsTruncated
        ? `${short(cfg.sha)} is associated with more pull requests than GitHub lists at once; none of those listed merged it${branch ? ` into ${branch}` : ''}`
        : `${short(cfg.sha)} did not reach ${branch ?? 'its branch'} through a merged pull request (a direct push, or a commit not yet merged)${open.length ? `; it is in open or closed pull request(s) ${open.join(', ')}` : ''}`,
      expected: `a merged pull request${branch ? ` into ${branch}` : ''} whose merge commit is ${short(cfg.sha)}`,
      found:
        evidence.pullRequests.length === 0
          ? 'no pull request'
          : evidence.pullRequests
              .map((p) => `#${p.number} (${p.state.toLowerCase()}, into ${p.baseRef})`)
              .join(', '),
      fix: 'Deploy the merge commit of an approved pull request; require pull requests on the branch with a ruleset so direct pushes are refused.',
      location: { key: 'repository.require-pull-request' },
    });
  } else {
    facts.push('no pull request (not required)');
  }

  // 4. Required checks on the SHA.
  findings.push(...requiredChecks(cfg, evidence, cannotSeeBlocks));
  if (cfg.requireStatusChecks.length > 0) {
    facts.push(`${cfg.requireStatusChecks.length} required check(s) evaluated`);
  }

  // 5. Branch rules.
  if (cfg.requireBranchProtection !== 'none') {
    if (branch === undefined) {
      findings.push({
        rule: 'branch-rules-cannot-see',
        blocking: cannotSeeBlocks,
        waived: false,
        severity: 'unknown',
        message: 'no target branch is known, so its rules cannot be checked',
        expected: 'the deployed ref, or a pull request that names its base branch',
        found: 'none',
        fix: 'Pass --ref (the CLI) or run in GitHub Actions, where GITHUB_REF is set.',
      });
    } else {
      const r = evaluateBranchRules(branch, evidence.rules, evidence.classicProtection, {
        requireBranchProtection: cfg.requireBranchProtection,
        requirePullRequest: cfg.requirePullRequest,
        requiredApprovals: cfg.requiredApprovals,
        approvalsOnFinalCommit: cfg.approvalsOnFinalCommit,
        requireCodeOwnerApproval: cfg.requireCodeOwnerApproval,
        requireStatusChecks: cfg.requireStatusChecks.map((c) => c.name),
        requireSignedCommits: cfg.requireSignedCommits,
        cannotSee: cfg.cannotSee,
      });
      findings.push(...r.findings);
      facts.push(r.description);
    }
  }

  // 7. Every commit since the environment's last successful deployment.
  let requests = evidence.requests.total;
  if (cfg.sinceLastDeployment !== undefined && cfg.pullRequest !== undefined) {
    facts.push('since-last-deployment is judged when the merged commit is deployed');
  } else if (cfg.sinceLastDeployment !== undefined) {
    if (branch === undefined) {
      findings.push({
        rule: 'deployment-range-cannot-see',
        blocking: cannotSeeBlocks,
        waived: false,
        severity: 'unknown',
        message: `no target branch is known, so the commits since the last deployment to ${cfg.sinceLastDeployment} cannot be checked`,
        expected: 'the deployed ref',
        found: 'none',
        fix: 'Pass --ref (the CLI) or run in GitHub Actions, where GITHUB_REF is set.',
      });
    } else {
      const range = await ports.sinceLastDeployment(cfg.sinceLastDeployment, branch);
      requests += range.requests.total;
      const r = await evaluateRange(range, cfg, ports, teams);
      findings.push(...r.findings);
      facts.push(r.fact);
    }
  }

  // 6. The deployed commit's own signature.
  if (cfg.requireSignedCommits) {
    const s = evidence.signature;
    if (!s || !s.valid) {
      findings.push({
        rule: 'commit-unsigned',
        blocking: true,
        waived: false,
        severity: 'high',
        message: s
          ? `${short(cfg.sha)} has a signature GitHub does not verify (${s.state})`
          : `${short(cfg.sha)} is not signed`,
        expected: 'a signature GitHub verifies',
        found: s ? s.state : 'unsigned',
        fix: 'Merge through GitHub (which signs merge and squash commits), or sign the commit with a key on the committer’s account.',
      });
    } else if (s.byGitHub) {
      facts.push('commit signed by GitHub (made by a merge in GitHub, not by its author)');
    } else facts.push(`commit signed${s.signer ? ` by ${s.signer}` : ''}`);
  }

  const blocking = findings.filter((f) => f.blocking);
  const status = blocking.some((f) => f.severity === 'unknown')
    ? 'error'
    : blocking.length > 0
      ? 'fail'
      : 'pass';
  return {
    id: 'repository',
    status,
    summary: `${cfg.repository}@${short(cfg.sha)}${deployed ? ` (${deployed.ref})` : ''}: ${facts.join('; ')}; ${blocking.length} blocking finding(s); ${requests} GitHub request(s) for the evidence`,
    findings,
  };
}

function requiredChecks(
  cfg: RepositoryCheckConfig,
  evidence: RepositoryEvidence,
  cannotSeeBlocks: boolean,
): Finding[] {
  const findings: Finding[] = [];
  for (const want of cfg.requireStatusChecks) {
    const label = want.app ? `${want.name} (app ${want.app})` : want.name;
    const runs = evidence.checkRuns.filter(
      (r) => r.name === want.name && (want.app === undefined || r.appSlug === want.app),
    );
    // Re-runs leave the old run in place: the run with the highest id is the latest.
    const latest = runs.reduce<(typeof runs)[number] | undefined>(
      (best, r) => (best === undefined || (r.id ?? 0) > (best.id ?? 0) ? r : best),
      undefined,
    );
    const status =
      want.app === undefined ? evidence.statuses.find((s) => s.context === want.name) : undefined;
    const states: { source: string; state: 'success' | 'pending' | 'failed'; shown: string }[] = [];
    if (latest) {
      const done = latest.status === 'COMPLETED';
      states.push({
        source: `check run${latest.appSlug ? ` by ${latest.appSlug}` : ''}`,
        state: !done ? 'pending' : latest.conclusion === 'SUCCESS' ? 'success' : 'failed',
        shown: done ? (latest.conclusion ?? 'no conclusion') : latest.status,
      });
    }
    if (status) {
      states.push({
        source: 'commit status',
        state:
          status.state === 'SUCCESS'
            ? 'success'
            : status.state === 'PENDING' || status.state === 'EXPECTED'
              ? 'pending'
              : 'failed',
        shown: status.state,
      });
    }
    const found = states.map((s) => `${s.source}: ${s.shown}`).join(', ');
    if (states.length === 0) {
      findings.push({
        rule: evidence.checkRunsTruncated ? 'required-check-cannot-see' : 'required-check-missing',
        blocking: evidence.checkRunsTruncated ? cannotSeeBlocks : true,
        waived: false,
        severity: evidence.checkRunsTruncated ? 'unknown' : 'high',
        message: `required check ${label} did not run on ${short(cfg.sha)}${evidence.checkRunsTruncated ? ' (or is among the check runs GitHub listed beyond the first pages)' : ''}`,
        expected: `${label} concluded successfully`,
        found: 'not found',
        fix: 'Run the check on this commit (check the name: it is the job name or the status context), or remove it from repository.require-status-checks.',
        location: { key: 'repository.require-status-checks' },
      });
    } else if (states.some((s) => s.state === 'failed')) {
      findings.push({
        rule: 'required-check-failed',
        blocking: true,
        waived: false,
        severity: 'high',
        message: `required check ${label} did not succeed on ${short(cfg.sha)}: ${found}`,
        expected: `${label}: SUCCESS`,
        found,
        fix: `Fix and re-run ${want.name} on this commit before deploying.`,
        location: { key: 'repository.require-status-checks' },
      });
    } else if (states.some((s) => s.state === 'pending')) {
      findings.push({
        rule: 'required-check-pending',
        blocking: true,
        waived: false,
        severity: 'high',
        message: `required check ${label} has not finished on ${short(cfg.sha)}: ${found}`,
        expected: `${label}: SUCCESS`,
        found,
        fix: `Make the deploy job wait for ${want.name} (needs: in the workflow), then deploy.`,
        location: { key: 'repository.require-status-checks' },
      });
    }
  }
  return findings;
}

/** Reviews of one pull request, looking up team owners only where they decide something. */
async function reviewPullRequest(
  pr: PullRequestEvidence,
  codeowners: CodeownersEvidence,
  cfg: RepositoryCheckConfig,
  ports: RepositoryPorts,
  teams: Record<string, TeamMembership>,
): Promise<ReviewEvaluation> {
  const policy = {
    requiredApprovals: cfg.requiredApprovals,
    approvalsOnFinalCommit: cfg.approvalsOnFinalCommit,
    requireCodeOwnerApproval: cfg.requireCodeOwnerApproval,
    cannotSee: cfg.cannotSee,
    allowBots: cfg.allowBots,
  };
  let review = evaluateReviews(pr, policy, { codeowners, teams });
  const unknown = [
    ...new Set(
      review.facts.ownership
        .filter((o) => o.status === 'unverifiable')
        .flatMap((o) => o.owners.filter((x) => /^@[^/]+\/.+$/.test(x)))
        .map((x) => x.slice(1))
        .filter((x) => !(x in teams)),
    ),
  ];
  if (unknown.length === 0) return review;
  const max = cfg.maxTeamLookups ?? 10;
  for (const name of unknown) {
    const looked = Object.values(teams).filter(
      (m) => m.status === 'known' || !/^not looked up/.test(m.reason),
    ).length;
    if (looked >= max) {
      teams[name] = {
        status: 'unknown',
        reason: `not looked up: the gate reads at most ${max} teams per run`,
      };
      continue;
    }
    const [org, slug] = name.split('/') as [string, string];
    teams[name] = await ports.teamMembers(org, slug);
  }
  review = evaluateReviews(pr, policy, { codeowners, teams });
  return review;
}

/** Not every review of the pull request could be read: "cannot see" when approvals are required. */
function reviewsIncomplete(pr: PullRequestEvidence, cfg: RepositoryCheckConfig): Finding {
  return {
    rule: 'reviews-incomplete',
    blocking: cfg.cannotSee === 'block' && cfg.requiredApprovals > 0,
    waived: false,
    severity: 'unknown',
    message: `pull request #${pr.number}: not every review could be read, so a later dismissal or change request may be missing`,
    expected: 'every review listed',
    found: `${pr.reviews.length} reviews read`,
    fix: 'Set repository.cannot-see: warn to accept it.',
  };
}

/** Did every commit since the last deployment come through a pull request that passes the rules? */
async function evaluateRange(
  range: DeploymentRangeEvidence,
  cfg: RepositoryCheckConfig,
  ports: RepositoryPorts,
  teams: Record<string, TeamMembership>,
): Promise<{ findings: Finding[]; fact: string }> {
  const env = range.environment;
  const findings: Finding[] = [];
  const cannotSeeBlocks = cfg.cannotSee === 'block';
  const key = { key: 'repository.since-last-deployment' };
  if (!range.lastDeployment) {
    if (range.deploymentsTruncated) {
      findings.push({
        rule: 'deployment-range-cannot-see',
        blocking: cannotSeeBlocks,
        waived: false,
        severity: 'unknown',
        message: `none of the newest deployments to ${env} succeeded, and older ones exist: the gate cannot tell which commit was last deployed`,
        expected: `a successful deployment to ${env} among the newest listed`,
        found: 'none',
        fix: 'Set repository.cannot-see: warn to check only the deployed commit.',
        location: key,
      });
    }
    return {
      findings,
      fact: `no earlier successful deployment to ${env}: only this commit was checked`,
    };
  }
  const last = range.lastDeployment;
  if (range.relation === 'diverged') {
    findings.push({
      rule: 'deployment-diverged',
      blocking: false,
      waived: false,
      severity: 'low',
      message: `${short(cfg.sha)} does not contain ${short(last.sha)}, last deployed to ${env} on ${last.createdAt}: the deployment replaces commits that are not on this history`,
      location: key,
    });
  }
  if (range.truncated) {
    findings.push({
      rule: 'deployment-range-cannot-see',
      blocking: cannotSeeBlocks,
      waived: false,
      severity: 'unknown',
      message: `more commits since the last deployment to ${env} (${short(last.sha)}) than the gate reads (${range.commits.length} read)`,
      expected: 'every commit since the last deployment listed',
      found: `${range.commits.length} commits read, more exist`,
      fix: 'Deploy more often, or set repository.cannot-see: warn to accept it.',
      location: key,
    });
  }
  const reviews = new Map<number, ReviewEvaluation>();
  for (const [n, entry] of Object.entries(range.pullRequests)) {
    const review = await reviewPullRequest(entry.pr, entry.codeowners, cfg, ports, teams);
    // Reviews cut short: a later dismissal or change request may be missing, as for the deployed PR.
    if (entry.reviewsTruncated) review.findings.push(reviewsIncomplete(entry.pr, cfg));
    reviews.set(Number(n), review);
  }
  const direct: string[] = [];
  const unknown: string[] = [];
  const byFailingPr = new Map<number, string[]>();
  for (const c of range.commits) {
    const prs = c.pullRequests.filter((p) => p.merged && p.baseRef === range.branch);
    if (prs.length === 0) {
      if (!cfg.requirePullRequest) continue;
      (c.pullRequestsTruncated ? unknown : direct).push(short(c.sha));
      continue;
    }
    const passing = prs.some((p) => {
      const r = reviews.get(p.number);
      return r !== undefined && !r.findings.some((f) => f.blocking);
    });
    if (passing) continue;
    for (const p of prs)
      byFailingPr.set(p.number, [...(byFailingPr.get(p.number) ?? []), short(c.sha)]);
  }
  if (direct.length > 0) {
    findings.push({
      rule: 'unreviewed-commit-since-deployment',
      blocking: true,
      waived: false,
      severity: 'high',
      message: `${direct.length} commit(s) since the last deployment to ${env} (${short(last.sha)}) reached ${range.branch} without a merged pull request, and would ride along: ${direct.join(', ')}`,
      expected: `every commit since ${short(last.sha)} merged through an approved pull request into ${range.branch}`,
      found: `direct pushes: ${direct.join(', ')}`,
      fix: 'Revert the commits or take them through a pull request; require pull requests on the branch with a ruleset.',
      location: key,
    });
  }
  if (unknown.length > 0) {
    findings.push({
      rule: 'deployment-range-cannot-see',
      blocking: cannotSeeBlocks,
      waived: false,
      severity: 'unknown',
      message: `${unknown.length} commit(s) since the last deployment to ${env} are associated with more pull requests than GitHub lists at once, none of them merged into ${range.branch}: ${unknown.join(', ')}`,
      expected: 'a merged pull request for each commit',
      found: 'not among those listed',
      fix: 'Set repository.cannot-see: warn to accept it.',
      location: key,
    });
  }
  for (const [number, commits] of byFailingPr) {
    const r = reviews.get(number);
    const reasons = r ? r.findings.filter((f) => f.blocking) : [];
    const cannotSee = reasons.length > 0 && reasons.every((f) => f.severity === 'unknown');
    findings.push({
      rule: 'unreviewed-commit-since-deployment',
      blocking: true,
      waived: false,
      severity: r === undefined || cannotSee ? 'unknown' : 'high',
      message: `pull request #${number}, merged into ${range.branch} since the last deployment to ${env} (${short(last.sha)}), does not meet the policy, and its commit(s) ${commits.join(', ')} would ride along: ${r === undefined ? 'its reviews could not be read' : reasons.map((f) => f.message).join(' · ')}`,
      expected: 'every pull request since the last deployment approved under the same rules',
      found: r === undefined ? 'no evidence' : reasons.map((f) => f.rule).join(', '),
      fix: 'Get the pull request reviewed as the policy requires (or revert it) before deploying.',
      location: key,
    });
  }
  const prs = Object.keys(range.pullRequests).length;
  return {
    findings,
    fact: `since the last deployment to ${env} (${short(last.sha)}, ${last.createdAt}): ${range.commits.length} commit(s) through ${prs} pull request(s) checked`,
  };
}
