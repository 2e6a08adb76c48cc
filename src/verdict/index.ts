/**
 * The verdict, computed in one place. It fails closed: only a report in which every check is
 * `pass` or `skipped`, at least one check passed, and no unwaived blocking finding remains, passes.
 */
import type { CheckId, CheckResult, Verdict } from '../types.js';

export interface VerdictResult {
  verdict: Verdict;
  blockedBy: CheckId[];
}

export function computeVerdict(checks: readonly CheckResult[]): VerdictResult {
  const blockedBy = checks
    .filter(
      (c) =>
        !(c.status === 'pass' || c.status === 'skipped') ||
        c.findings.some((f) => f.blocking && !f.waived),
    )
    .map((c) => c.id);
  const anyPassed = checks.some((c) => c.status === 'pass');
  return { verdict: blockedBy.length === 0 && anyPassed ? 'pass' : 'block', blockedBy };
}

/** Exit status of DESIGN.md §3: 0 pass, 1 blocked by policy, 2 could not evaluate. Audit mode: 0. */
export function exitCode(
  checks: readonly CheckResult[],
  verdict: Verdict,
  mode: 'enforce' | 'audit',
): 0 | 1 | 2 {
  if (mode === 'audit' || verdict === 'pass') return 0;
  return checks.some((c) => c.status === 'error') ||
    !checks.some((c) => c.status === 'pass' || c.status === 'fail')
    ? 2
    : 1;
}

/** Why a verdict is block, in a few words: the checks that blocked, or that nothing was checked. */
export function blockReason(blockedBy: readonly CheckId[]): string {
  return blockedBy.length > 0 ? blockedBy.join(', ') : 'no check ran';
}
