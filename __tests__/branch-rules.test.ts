/**
 * Is the deployed branch governed by rules at least as strict as the policy? The decision of
 * src/checks/repository/rules.ts on plain evidence: each requirement the policy can ask for, met
 * or missing, from rulesets and from classic protection, and the three outcomes a release manager
 * reads (weaker rules, no rules, rules the token cannot see). Written against the survivors of
 * mutation testing (README "Mutation testing").
 */
import { describe, expect, it } from '@jest/globals';
import type {
  BranchRulesEvidence,
  ClassicProtection,
  ClassicProtectionEvidence,
  RuleEvidence,
} from '../src/checks/repository/model.js';
import {
  evaluateBranchRules,
  fromRules,
  type BranchRulesPolicy,
} from '../src/checks/repository/rules.js';

const STRICT: BranchRulesPolicy = {
  requireBranchProtection: 'rules',
  requirePullRequest: true,
  requiredApprovals: 2,
  approvalsOnFinalCommit: true,
  requireCodeOwnerApproval: true,
  requireStatusChecks: ['build', 'test'],
  requireSignedCommits: true,
  cannotSee: 'block',
};

/** A policy that asks for protection and nothing in particular. */
const BARE: BranchRulesPolicy = {
  ...STRICT,
  requirePullRequest: false,
  requiredApprovals: 0,
  approvalsOnFinalCommit: false,
  requireCodeOwnerApproval: false,
  requireStatusChecks: [],
  requireSignedCommits: false,
};

const ALL_GAPS = [
  'a pull request before merging',
  '2 approving review(s) (the rules require 0)',
  'code owner review',
  'approval of the most recent push (dismiss stale approvals, or last-push approval)',
  'status checks build, test',
  'signed commits',
];

const FROM = { rulesetId: 1, rulesetSourceType: 'Repository', rulesetSource: 'octo/app' };

function pullRequest(params: Record<string, unknown>): RuleEvidence {
  return { type: 'pull_request', ...FROM, parameters: params };
}
function statusChecks(...contexts: string[]): RuleEvidence {
  return {
    type: 'required_status_checks',
    ...FROM,
    parameters: { required_status_checks: contexts.map((context) => ({ context })) },
  };
}
const SIGNATURES: RuleEvidence = { type: 'required_signatures', ...FROM };

/** Every rule STRICT asks for, in one repository ruleset. */
const FULL: RuleEvidence[] = [
  pullRequest({
    required_approving_review_count: 2,
    require_code_owner_review: true,
    require_last_push_approval: true,
  }),
  statusChecks('build', 'test'),
  SIGNATURES,
];

function visible(rules: RuleEvidence[], truncated = false): BranchRulesEvidence {
  return { visibility: 'visible', branch: 'main', rules, truncated };
}

function classic(protection: Partial<ClassicProtection>): ClassicProtectionEvidence {
  return {
    visibility: 'visible',
    branch: 'main',
    protection: { statusChecks: [], signedCommits: false, enforceAdmins: false, ...protection },
  };
}

const NOT_PROTECTED: ClassicProtectionEvidence = {
  visibility: 'not-found',
  branch: 'main',
  status: 404,
  reason: 'Branch not protected',
  permission: 'Administration: read',
};

/** What the policy lacks in `rules`, as the `branch-rules-weaker` finding says it; [] if none. */
function lacking(rules: RuleEvidence[], policy: BranchRulesPolicy = STRICT): string[] {
  const r = evaluateBranchRules('main', visible(rules), undefined, policy);
  if (r.findings.length === 0) return [];
  expect(r.findings.map((f) => f.rule)).toEqual(['branch-rules-weaker']);
  return r.findings[0]!.expected!.replace(/^rules requiring /, '').split('; ');
}

describe('rulesets that meet the policy', () => {
  it('pass with no finding, naming the ruleset once however many rules it has', () => {
    expect(evaluateBranchRules('main', visible(FULL), undefined, STRICT)).toEqual({
      findings: [],
      description: 'main governed by ruleset 1 (Repository octo/app)',
    });
  });

  it('dismissing stale approvals on push counts as approval of the final commit', () => {
    expect(
      lacking([
        pullRequest({
          required_approving_review_count: 2,
          require_code_owner_review: true,
          dismiss_stale_reviews_on_push: true,
        }),
        statusChecks('build', 'test'),
        SIGNATURES,
      ]),
    ).toEqual([]);
  });

  it('two pull-request rules: the most approvals, and code owners if either asks', () => {
    expect(
      lacking([
        pullRequest({ required_approving_review_count: 2, require_code_owner_review: true }),
        pullRequest({ required_approving_review_count: 1, require_last_push_approval: true }),
        statusChecks('build'),
        statusChecks('test'),
        SIGNATURES,
      ]),
    ).toEqual([]);
  });

  it('approval of the final commit is not asked for when the policy requires no approval', () => {
    expect(
      lacking([pullRequest({}), statusChecks('build', 'test'), SIGNATURES], {
        ...STRICT,
        requiredApprovals: 0,
        requireCodeOwnerApproval: false,
      }),
    ).toEqual([]);
  });
});

describe('rulesets weaker than the policy: branch-rules-weaker, blocking, naming each gap', () => {
  it('the finding a release manager reads', () => {
    const r = evaluateBranchRules('main', visible([statusChecks('build')]), undefined, {
      ...BARE,
      requireStatusChecks: ['build', 'test'],
      requireSignedCommits: true,
    });
    expect(r).toEqual({
      description: 'main governed by ruleset 1 (Repository octo/app)',
      findings: [
        {
          rule: 'branch-rules-weaker',
          blocking: true,
          waived: false,
          severity: 'high',
          message:
            'the rules of main (ruleset 1 (Repository octo/app)) are weaker than the policy: they do not require status checks test; signed commits',
          expected: 'rules requiring status checks test; signed commits',
          found: 'main governed by ruleset 1 (Repository octo/app)',
          fix: 'Add a ruleset for main (Settings → Rules → Rulesets) requiring what the policy requires, or relax the repository section of the policy.',
        },
      ],
    });
  });

  it('no pull-request rule: everything a pull request would bring is missing', () => {
    expect(lacking([statusChecks('build', 'test'), SIGNATURES])).toEqual([
      'a pull request before merging',
      '2 approving review(s) (the rules require 0)',
      'code owner review',
      'approval of the most recent push (dismiss stale approvals, or last-push approval)',
    ]);
  });

  it('each requirement of a pull-request rule, one at a time', () => {
    const rest = [statusChecks('build', 'test'), SIGNATURES];
    const full = {
      required_approving_review_count: 2,
      require_code_owner_review: true,
      require_last_push_approval: true,
    };
    expect(
      lacking([pullRequest({ ...full, required_approving_review_count: 1 }), ...rest]),
    ).toEqual(['2 approving review(s) (the rules require 1)']);
    expect(lacking([pullRequest({ ...full, require_code_owner_review: false }), ...rest])).toEqual([
      'code owner review',
    ]);
    // A rule that does not mention code owners does not require them.
    expect(
      lacking([
        pullRequest({ required_approving_review_count: 2, require_last_push_approval: true }),
        ...rest,
      ]),
    ).toEqual(['code owner review']);
    expect(lacking([pullRequest({ ...full, require_last_push_approval: false }), ...rest])).toEqual(
      ['approval of the most recent push (dismiss stale approvals, or last-push approval)'],
    );
    expect(
      lacking([
        pullRequest({ ...full, require_last_push_approval: false }),
        pullRequest({ required_approving_review_count: 0, require_code_owner_review: false }),
        ...rest,
      ]),
    ).toEqual([
      'approval of the most recent push (dismiss stale approvals, or last-push approval)',
    ]);
  });

  it('a missing status check or signed-commits rule', () => {
    const pr = FULL[0]!;
    expect(lacking([pr, statusChecks('build'), SIGNATURES])).toEqual(['status checks test']);
    expect(lacking([pr, statusChecks('build', 'test')])).toEqual(['signed commits']);
    expect(lacking([pr, SIGNATURES])).toEqual(['status checks build, test']);
  });
});

describe('no rules: branch-not-protected, blocking', () => {
  it('rulesets that govern nothing the gate counts (pull request, status checks, signatures)', () => {
    const r = evaluateBranchRules(
      'main',
      visible([{ type: 'deletion', ...FROM }]),
      undefined,
      STRICT,
    );
    expect(r).toEqual({
      description: 'main has no visible rules',
      findings: [
        {
          rule: 'branch-not-protected',
          blocking: true,
          waived: false,
          severity: 'high',
          message:
            'main is not protected: no ruleset governs it, so anyone with write access can push to it directly',
          expected: 'rules on main (repository.require-branch-protection: rules)',
          found: 'no rules',
          fix: 'Add a ruleset for main (Settings → Rules → Rulesets) requiring what the policy requires, or relax the repository section of the policy.',
        },
      ],
    });
  });

  it('even a policy that asks for nothing in particular needs some rule', () => {
    expect(
      evaluateBranchRules('main', visible([]), undefined, BARE).findings.map((f) => f.rule),
    ).toEqual(['branch-not-protected']);
  });

  it('one status-check rule, or one signed-commits rule, does govern the branch', () => {
    expect(evaluateBranchRules('main', visible([statusChecks('build')]), undefined, BARE)).toEqual({
      findings: [],
      description: 'main governed by ruleset 1 (Repository octo/app)',
    });
    expect(evaluateBranchRules('main', visible([SIGNATURES]), undefined, BARE).findings).toEqual(
      [],
    );
    expect(
      evaluateBranchRules('main', visible([pullRequest({})]), undefined, BARE).findings,
    ).toEqual([]);
  });

  it('with `any`, GitHub saying "Branch not protected" is no protection, not "cannot see"', () => {
    const r = evaluateBranchRules('main', visible([]), NOT_PROTECTED, {
      ...BARE,
      requireBranchProtection: 'any',
    });
    expect(r.findings).toMatchObject([
      {
        rule: 'branch-not-protected',
        blocking: true,
        message:
          'main is not protected: no ruleset or classic branch protection governs it, so anyone with write access can push to it directly',
        expected: 'rules on main (repository.require-branch-protection: any)',
      },
    ]);
  });

  it('`none` requires nothing and reads nothing', () => {
    expect(
      evaluateBranchRules('main', undefined, undefined, {
        ...STRICT,
        requireBranchProtection: 'none',
      }),
    ).toEqual({ findings: [], description: 'not required' });
  });
});

describe('classic branch protection (require-branch-protection: any)', () => {
  const ANY: BranchRulesPolicy = { ...STRICT, requireBranchProtection: 'any' };
  const FULL_CLASSIC = classic({
    pullRequest: { approvals: 2, codeOwners: true, lastPushApproval: true, dismissStale: false },
    statusChecks: ['build', 'test'],
    signedCommits: true,
  });

  it('classic protection alone can meet the policy', () => {
    expect(evaluateBranchRules('main', visible([]), FULL_CLASSIC, ANY)).toEqual({
      findings: [],
      description: 'main governed by classic branch protection',
    });
  });

  it('is not read with `rules`', () => {
    expect(
      evaluateBranchRules('main', visible([]), FULL_CLASSIC, STRICT).findings.map((f) => f.rule),
    ).toEqual(['branch-not-protected']);
  });

  it('each classic requirement counts, and so does dismissing stale reviews', () => {
    const weaker = (p: Partial<ClassicProtection>) =>
      evaluateBranchRules('main', visible([]), classic(p), ANY).findings.map((f) => f.expected);
    const pr = { approvals: 2, codeOwners: true, lastPushApproval: false, dismissStale: true };
    const all = { statusChecks: ['build', 'test'], signedCommits: true };
    expect(weaker({ ...all, pullRequest: pr })).toEqual([]);
    expect(weaker({ ...all, pullRequest: { ...pr, dismissStale: false } })).toEqual([
      'rules requiring approval of the most recent push (dismiss stale approvals, or last-push approval)',
    ]);
    expect(weaker({ ...all, pullRequest: { ...pr, approvals: 1, codeOwners: false } })).toEqual([
      'rules requiring 2 approving review(s) (the rules require 1); code owner review',
    ]);
    expect(weaker(all)).toEqual([`rules requiring ${ALL_GAPS.slice(0, 4).join('; ')}`]);
    expect(weaker({ pullRequest: pr })).toEqual([
      'rules requiring status checks build, test; signed commits',
    ]);
  });

  it('rulesets and classic protection add up: the stricter of each, status checks united', () => {
    const r = evaluateBranchRules(
      'main',
      visible([
        pullRequest({ required_approving_review_count: 2, require_code_owner_review: true }),
        statusChecks('build'),
      ]),
      classic({
        pullRequest: {
          approvals: 1,
          codeOwners: false,
          lastPushApproval: true,
          dismissStale: false,
        },
        statusChecks: ['test'],
        signedCommits: true,
      }),
      ANY,
    );
    expect(r).toEqual({
      findings: [],
      description: 'main governed by ruleset 1 (Repository octo/app), classic branch protection',
    });
    const reverse = evaluateBranchRules(
      'main',
      visible([
        pullRequest({ required_approving_review_count: 1, require_last_push_approval: true }),
        SIGNATURES,
      ]),
      classic({
        pullRequest: {
          approvals: 2,
          codeOwners: true,
          lastPushApproval: false,
          dismissStale: false,
        },
        statusChecks: ['build', 'test'],
        signedCommits: false,
      }),
      ANY,
    );
    expect(reverse.findings).toEqual([]);
  });

  it('classic protection the token cannot read is "cannot see", naming the permission', () => {
    const r = evaluateBranchRules(
      'main',
      visible([]),
      {
        visibility: 'forbidden',
        branch: 'main',
        status: 403,
        reason: 'Resource not accessible by integration',
        permission: 'Administration: read',
      },
      ANY,
    );
    expect(r.findings).toEqual([
      {
        rule: 'branch-rules-cannot-see',
        blocking: true,
        waived: false,
        severity: 'unknown',
        message: `cannot tell whether main is governed by rules as strict as the policy: the token cannot read classic branch protection of main (Resource not accessible by integration; needs Administration: read). Visible rules lack: ${ALL_GAPS.join('; ')}`,
        expected: `rules on main requiring ${ALL_GAPS.join('; ')}`,
        found: 'nothing visible',
        fix: 'Use repository rulesets (readable with the default token), or give the gate a token with Administration: read (a GitHub App or fine-grained token) to read classic protection; or set repository.cannot-see: warn.',
      },
    ]);
  });

  it('a 404 that is not "Branch not protected", or no answer, is "cannot see" too', () => {
    const notFound = { ...NOT_PROTECTED, reason: 'Not Found' };
    expect(
      evaluateBranchRules('main', visible([]), notFound, ANY).findings.map((f) => f.message),
    ).toEqual([
      expect.stringContaining(
        'the token cannot read classic branch protection of main (Not Found; needs Administration: read)',
      ),
    ]);
    expect(
      evaluateBranchRules('main', visible([]), undefined, ANY).findings.map((f) => f.message),
    ).toEqual([
      expect.stringContaining('the token cannot read classic branch protection of main (not read)'),
    ]);
    expect(
      evaluateBranchRules(
        'main',
        visible([]),
        { ...NOT_PROTECTED, status: 403, visibility: 'forbidden' },
        ANY,
      ).findings.map((f) => f.rule),
    ).toEqual(['branch-rules-cannot-see']);
  });
});

describe('rules the token cannot see: branch-rules-cannot-see, never "protected"', () => {
  const FORBIDDEN: BranchRulesEvidence = {
    visibility: 'forbidden',
    branch: 'main',
    status: 403,
    reason: 'Resource not accessible by integration',
    permission: 'contents: read',
  };

  it('blocks with cannot-see: block, warns with cannot-see: warn', () => {
    const block = evaluateBranchRules('main', FORBIDDEN, undefined, STRICT);
    expect(block).toEqual({
      description: 'main has no visible rules',
      findings: [
        {
          rule: 'branch-rules-cannot-see',
          blocking: true,
          waived: false,
          severity: 'unknown',
          message: `cannot tell whether main is governed by rules as strict as the policy: the token cannot read the rules of main (Resource not accessible by integration; needs contents: read). Visible rules lack: ${ALL_GAPS.join('; ')}`,
          expected: `rules on main requiring ${ALL_GAPS.join('; ')}`,
          found: 'nothing visible',
          fix: 'Give the token read access to the repository (contents: read), or set repository.cannot-see: warn.',
        },
      ],
    });
    const warn = evaluateBranchRules('main', FORBIDDEN, undefined, {
      ...STRICT,
      cannotSee: 'warn',
    });
    expect(warn.findings.map((f) => [f.rule, f.blocking])).toEqual([
      ['branch-rules-cannot-see', false],
    ]);
  });

  it('no evidence at all, and a policy asking for nothing in particular', () => {
    const r = evaluateBranchRules('main', undefined, undefined, BARE);
    expect(r.findings).toMatchObject([
      {
        rule: 'branch-rules-cannot-see',
        message:
          'cannot tell whether main is governed by rules as strict as the policy: the token cannot read the rules of main',
        expected: 'rules on main requiring protection',
      },
    ]);
  });

  it('a truncated list that lacks something: what was not read might make up for it', () => {
    const r = evaluateBranchRules(
      'main',
      visible([FULL[0]!, statusChecks('build', 'test')], true),
      undefined,
      STRICT,
    );
    expect(r.findings).toMatchObject([
      {
        rule: 'branch-rules-cannot-see',
        blocking: true,
        message:
          'cannot tell whether main is governed by rules as strict as the policy: the token cannot read some rules of main (more pages than the gate reads). Visible rules lack: signed commits',
        found: 'main governed by ruleset 1 (Repository octo/app)',
      },
    ]);
  });

  it('a truncated list that already meets the policy passes', () => {
    expect(evaluateBranchRules('main', visible(FULL, true), undefined, STRICT).findings).toEqual(
      [],
    );
  });
});

describe('rule parameters are checked against GitHub’s shape', () => {
  it('a status check without a string context is refused, not counted', () => {
    expect(() =>
      fromRules([
        {
          type: 'required_status_checks',
          parameters: { required_status_checks: [{ context: 5 }] },
        },
      ]),
    ).toThrow();
    expect(() =>
      fromRules([
        { type: 'required_status_checks', parameters: { required_status_checks: 'build' } },
      ]),
    ).toThrow();
  });
});
