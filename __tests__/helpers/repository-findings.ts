/**
 * What every result of the repository check owes its reader, whatever the scenario: each finding
 * says what was expected, what was found and how to fix it; none is ever waived (the repository
 * check has no waivers); its severity is fixed by its rule, and "cannot see" is `unknown` — which
 * is what makes the check "could not evaluate" (exit 2) rather than "fail" (exit 1).
 */
import { expect } from '@jest/globals';
import type { CheckResult, Finding, Severity } from '../../src/types.js';

const SEVERITY: Record<string, Severity | 'depends'> = {
  // The evidence could not be read or is incomplete: could not evaluate.
  'tag-branch-unknown': 'unknown',
  'pull-request-cannot-see': 'unknown',
  'pull-request-ambiguous': 'unknown',
  'target-branch-unknown': 'unknown',
  'reviews-incomplete': 'unknown',
  'commits-incomplete': 'unknown',
  'changed-files-incomplete': 'unknown',
  'commit-author-unknown': 'unknown',
  'pr-commit-signature-unknown': 'unknown',
  'branch-rules-cannot-see': 'unknown',
  'deployment-range-cannot-see': 'unknown',
  'codeowners-unreadable': 'unknown',
  'required-check-cannot-see': 'unknown',
  // The engine's: the check threw (GitHub failing past the retries); message and fix only.
  'check-error': 'unknown',
  'code-owner-approval-unverifiable': 'unknown',
  // The rules were broken: fail.
  'ref-not-allowed': 'high',
  'tag-not-on-allowed-branch': 'high',
  'no-pull-request': 'high',
  'approvals-insufficient': 'high',
  'codeowners-missing': 'high',
  'codeowners-too-large': 'high',
  'code-owner-approval-missing': 'high',
  'pr-commit-unsigned': 'high',
  'commit-unsigned': 'high',
  'required-check-failed': 'high',
  'required-check-pending': 'high',
  'required-check-missing': 'high',
  'branch-not-protected': 'high',
  'branch-rules-weaker': 'high',
  // Information.
  'changes-requested': 'moderate',
  'approval-not-counted': 'low',
  'codeowners-invalid-line': 'low',
  'deployment-diverged': 'low',
  // unknown when the pull request's own evidence could not be read, else high.
  'unreviewed-commit-since-deployment': 'depends',
};

/** The problems of one finding, as readable lines (empty: well formed). */
function problemsOf(f: Finding): string[] {
  const problems: string[] = [];
  const say = (what: string) => problems.push(`${f.rule}: ${what}`);
  if (f.waived) say('waived, but the repository check has no waivers');
  const want = SEVERITY[f.rule];
  if (want === undefined) say('a rule this helper does not know');
  else if (want === 'depends') {
    if (f.found === 'no evidence' && f.severity !== 'unknown') say('no evidence, yet not unknown');
    if (f.severity !== 'unknown' && f.severity !== 'high') say(`severity ${f.severity}`);
  } else if (f.severity !== want) say(`severity ${f.severity}, not ${want}`);
  if (!f.message.trim()) say('no message');
  const fields = !f.blocking
    ? []
    : f.rule === 'check-error'
      ? ['fix' as const]
      : (['expected', 'found', 'fix'] as const);
  for (const k of fields) if (!f[k]?.trim()) say(`blocking without ${k}`);
  for (const k of ['expected', 'found', 'fix'] as const) {
    if (f[k] !== undefined && !f[k].trim()) say(`empty ${k}`);
  }
  if (f.location?.key !== undefined && !/^repository\.[a-z-]+$/.test(f.location.key)) {
    say(`location key ${JSON.stringify(f.location.key)} is not a repository policy key`);
  }
  return problems;
}

/** Asserts the check's findings are well formed and its status follows from them. */
export function expectWellFormedRepositoryResult(check: CheckResult): void {
  expect(check.findings.flatMap(problemsOf)).toEqual([]);
  const blocking = check.findings.filter((f) => f.blocking && !f.waived);
  const status = blocking.some((f) => f.severity === 'unknown')
    ? 'error'
    : blocking.length > 0
      ? 'fail'
      : 'pass';
  expect(check.status).toBe(status);
}
