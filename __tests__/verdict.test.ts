import { describe, expect, it } from '@jest/globals';
import type { CheckId, CheckResult, CheckStatus, Finding } from '../src/types.js';
import { blockReason, computeVerdict, exitCode } from '../src/verdict/index.js';

function check(id: CheckId, status: CheckStatus, findings: Finding[] = []): CheckResult {
  return { id, status, summary: `${id} ${status}`, findings };
}

function finding(blocking: boolean, waived: boolean): Finding {
  return {
    rule: 'identity-mismatch',
    blocking,
    waived,
    severity: 'high',
    message: 'the signer is not an allowed identity',
  };
}

/** Verdict and exit status in both modes, for one set of checks. */
function outcome(checks: CheckResult[]) {
  const { verdict, blockedBy } = computeVerdict(checks);
  return {
    verdict,
    blockedBy,
    enforce: exitCode(checks, verdict, 'enforce'),
    audit: exitCode(checks, verdict, 'audit'),
  };
}

describe('computeVerdict and exitCode', () => {
  it('passes when every check passes', () => {
    expect(outcome([check('signatures', 'pass'), check('dependencies', 'pass')])).toEqual({
      verdict: 'pass',
      blockedBy: [],
      enforce: 0,
      audit: 0,
    });
  });

  it('passes when a check passes and the others are skipped', () => {
    expect(
      outcome([
        check('signatures', 'pass'),
        check('dependencies', 'skipped'),
        check('repository', 'skipped'),
      ]),
    ).toEqual({ verdict: 'pass', blockedBy: [], enforce: 0, audit: 0 });
  });

  it('blocks on any fail, naming the check; exit 1', () => {
    expect(
      outcome([
        check('signatures', 'pass'),
        check('dependencies', 'fail', [finding(true, false)]),
        check('repository', 'skipped'),
      ]),
    ).toEqual({ verdict: 'block', blockedBy: ['dependencies'], enforce: 1, audit: 0 });
  });

  it('blocks on a fail even when the check reports no finding', () => {
    expect(outcome([check('signatures', 'pass'), check('repository', 'fail')])).toMatchObject({
      verdict: 'block',
      blockedBy: ['repository'],
      enforce: 1,
    });
  });

  it('exits 1, not 2, when the only check that ran failed: it was evaluated and blocked by policy', () => {
    expect(
      outcome([
        check('signatures', 'fail', [finding(true, false)]),
        check('dependencies', 'skipped'),
        check('repository', 'skipped'),
      ]),
    ).toEqual({ verdict: 'block', blockedBy: ['signatures'], enforce: 1, audit: 0 });
  });

  it('blocks on any error; exit 2 (could not evaluate)', () => {
    expect(
      outcome([
        check('signatures', 'pass'),
        check('dependencies', 'error'),
        check('repository', 'pass'),
      ]),
    ).toEqual({ verdict: 'block', blockedBy: ['dependencies'], enforce: 2, audit: 0 });
  });

  it('exits 2 when an error and a fail occur together (the error wins)', () => {
    expect(
      outcome([
        check('signatures', 'fail', [finding(true, false)]),
        check('dependencies', 'error'),
      ]),
    ).toEqual({
      verdict: 'block',
      blockedBy: ['signatures', 'dependencies'],
      enforce: 2,
      audit: 0,
    });
  });

  it('blocks when every check was skipped: nothing was checked; exit 2', () => {
    expect(
      outcome([
        check('signatures', 'skipped'),
        check('dependencies', 'skipped'),
        check('repository', 'skipped'),
      ]),
    ).toEqual({ verdict: 'block', blockedBy: [], enforce: 2, audit: 0 });
  });

  it('blocks when there are no checks at all; exit 2', () => {
    expect(outcome([])).toEqual({ verdict: 'block', blockedBy: [], enforce: 2, audit: 0 });
  });

  it('blocks a `pass` check that still carries an unwaived blocking finding; exit 1', () => {
    expect(
      outcome([check('signatures', 'pass', [finding(true, false)]), check('dependencies', 'pass')]),
    ).toEqual({ verdict: 'block', blockedBy: ['signatures'], enforce: 1, audit: 0 });
  });

  it('does not block on a waived blocking finding', () => {
    expect(
      outcome([check('dependencies', 'pass', [finding(true, true)]), check('signatures', 'pass')]),
    ).toEqual({ verdict: 'pass', blockedBy: [], enforce: 0, audit: 0 });
  });

  it('does not block on a non-blocking (informational) finding', () => {
    expect(outcome([check('signatures', 'pass', [finding(false, false)])])).toMatchObject({
      verdict: 'pass',
      enforce: 0,
    });
  });

  it('blocks on an unwaived blocking finding in a skipped check', () => {
    expect(
      outcome([
        check('signatures', 'pass'),
        check('repository', 'skipped', [finding(true, false)]),
      ]),
    ).toMatchObject({ verdict: 'block', blockedBy: ['repository'], enforce: 1 });
  });

  it('a waiver does not turn a failed check into a pass', () => {
    expect(
      outcome([check('signatures', 'pass'), check('dependencies', 'fail', [finding(true, true)])]),
    ).toMatchObject({ verdict: 'block', blockedBy: ['dependencies'], enforce: 1 });
  });

  it('audit mode keeps the verdict and exits 0 whatever happened', () => {
    const cases: CheckResult[][] = [
      [check('signatures', 'fail')],
      [check('signatures', 'error')],
      [check('signatures', 'skipped')],
      [check('signatures', 'pass', [finding(true, false)])],
    ];
    for (const checks of cases) {
      const { verdict } = computeVerdict(checks);
      expect(verdict).toBe('block');
      expect(exitCode(checks, verdict, 'audit')).toBe(0);
      expect(exitCode(checks, verdict, 'enforce')).not.toBe(0);
    }
  });
});

describe('blockReason', () => {
  it('names the checks that blocked, or says that nothing was checked', () => {
    expect(blockReason(['signatures', 'dependencies'])).toBe('signatures, dependencies');
    expect(blockReason([])).toBe('no check ran');
  });
});
