/**
 * What every result of the dependencies check owes its reader, whatever the scenario: only
 * advisory findings can be waived (and then do not block); a severity fixed by the rule, or the
 * advisory's own; a fix for everything that blocks; the package and the advisory named; a status
 * that follows from the findings ("could not evaluate" when an answer was missing or unreadable)
 * and a summary whose counts agree with them.
 */
import { expect } from '@jest/globals';
import type { CheckResult, Finding, Severity } from '../../src/types.js';

const ADVISORY_RULES = new Set(['vulnerable-package', 'malicious-package']);
/** The check could not evaluate: exit 2, whatever else was found. */
const ERROR_RULES = new Set(['advisories-missing', 'advisories-stale', 'version-unknown']);
const SEVERITY: Record<string, Severity | 'advisory'> = {
  'advisories-missing': 'unknown',
  'advisories-stale': 'unknown',
  'version-unknown': 'unknown',
  'package-unresolved': 'unknown',
  'manifest-empty': 'unknown',
  'waiver-unused': 'unknown',
  'waiver-expiring': 'unknown',
  'denied-package': 'high',
  'malicious-package': 'critical',
  'vulnerable-package': 'advisory',
};
const PACKAGE_RULES = new Set(['vulnerable-package', 'malicious-package', 'denied-package']);
/** Information only: never blocks. */
const NEVER_BLOCKING = new Set(['manifest-empty', 'waiver-unused', 'waiver-expiring']);

function problemsOf(f: Finding): string[] {
  const problems: string[] = [];
  const say = (what: string) => problems.push(`${f.rule}: ${what}`);
  const want = SEVERITY[f.rule];
  if (want === undefined) say('a rule this helper does not know');
  else if (want === 'advisory') {
    if (f.severity !== f.advisory?.severity) say(`severity ${f.severity}, not the advisory's`);
  } else if (f.severity !== want) say(`severity ${f.severity}, not ${want}`);
  if (f.waived && !ADVISORY_RULES.has(f.rule)) say('waived, but only advisories can be waived');
  if (f.waived && f.blocking) say('waived, yet blocking');
  if (NEVER_BLOCKING.has(f.rule) && f.blocking) say('blocking, though it is information only');
  if (
    f.waived &&
    !/ — waived by dependencies\.allow\[\d+\] until \d{4}-\d\d-\d\d: \S/.test(f.message)
  )
    say('waived without naming the waiver, its expiry and its reason');
  if (!f.message.trim()) say('no message');
  if (f.blocking && !f.fix?.trim()) say('blocking without a fix');
  if (f.rule.startsWith('waiver-') && !/^dependencies\.allow\[\d+\]$/.test(f.location?.key ?? ''))
    say('a waiver finding that does not name its waiver');
  if (!f.rule.startsWith('waiver-') && f.rule !== 'advisories-stale' && !f.location?.file)
    say('does not name its file');
  if (PACKAGE_RULES.has(f.rule) && !f.package?.purl.startsWith('pkg:')) say('no package URL');
  if (ADVISORY_RULES.has(f.rule)) {
    const a = f.advisory;
    if (!a || !a.ids.includes(a.id) || !/^https:\/\/\S+$/.test(a.url ?? ''))
      say('the advisory is not named with its ids and a link');
  }
  return problems;
}

/** Asserts the findings are well formed, and the status and summary follow from them. */
export function expectWellFormedDependenciesResult(check: CheckResult): void {
  expect(check.findings.flatMap(problemsOf)).toEqual([]);
  const blocking = check.findings.filter((f) => f.blocking && !f.waived).length;
  const status = check.findings.some((f) => ERROR_RULES.has(f.rule))
    ? 'error'
    : blocking > 0
      ? 'fail'
      : 'pass';
  expect(check.status).toBe(status);
  const matched = check.findings.filter((f) => ADVISORY_RULES.has(f.rule)).length;
  expect(check.summary).toContain(
    `: ${matched} advisor${matched === 1 ? 'y' : 'ies'} matched, ${blocking} blocking`,
  );
}
