/** The report for a terminal (the console output of the CLI and the action log). Pure. */
import { formatLocation } from '../errors.js';
import type { ArtifactEvidence, Report } from '../types.js';
import { blockReason } from '../verdict/index.js';

const STATUS: Record<string, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
  skipped: 'skipped',
};

/**
 * Control characters from inputs could rewrite the terminal or inject workflow commands. The
 * runner reads `::command::` at the start of a line after trimming leading whitespace, and the
 * legacy `##[command]` anywhere in a line, so indenting is not enough: continuation lines start
 * with `| `, and `##[` is broken up.
 */
function clean(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?')
      .replace(/##\[/g, '## [')
      .replace(/\n/g, '\n    | ')
  );
}

export function renderText(report: Report): string {
  const out: string[] = [];
  const verdict = report.verdict === 'pass' ? 'PASS' : 'BLOCKED';
  if (report.mode === 'audit') {
    out.push(`AUDIT MODE: verdict ${verdict}, reported only; the exit status is 0.`);
  }
  out.push(
    `security-gate ${report.tool.version}: ${verdict}${report.verdict === 'block' ? ` (blocked by ${blockReason(report.blockedBy)})` : ''}`,
  );
  for (const c of report.checks) {
    out.push(`  ${c.id.padEnd(12)} ${STATUS[c.status]!.padEnd(7)} ${clean(c.summary)}`);
    for (const a of c.artifacts ?? []) {
      const who =
        a.signer?.kind === 'public-key'
          ? `key ${a.signer.key ?? ''}`
          : a.signer
            ? `${a.signer.subjectAlternativeName ?? '?'} (issuer ${a.signer.issuer ?? '?'})`
            : 'no verified signature';
      out.push(
        `    ${a.verified ? 'ok ' : 'BAD'} ${clean(a.artifact)}${a.digest.sha256 ? ` sha256:${a.digest.sha256}` : ''}`,
      );
      out.push(
        `        signed by ${clean(who)}${a.predicateType ? `; predicate ${clean(a.predicateType)}` : ''}`,
      );
      const built = builtFrom(a);
      if (built) out.push(`        built from ${clean(built)}`);
    }
    for (const f of c.findings) {
      const where = formatLocation(f.location);
      out.push(
        `    - [${f.blocking ? (f.waived ? 'waived' : 'blocking') : 'info'}] ${f.rule}${f.step ? ` (${f.step})` : ''}: ${clean(f.message)}`,
      );
      if (f.expected !== undefined) out.push(`        expected: ${clean(f.expected)}`);
      if (f.found !== undefined) out.push(`        found:    ${clean(f.found)}`);
      if (f.fix !== undefined) out.push(`        fix:      ${clean(f.fix)}`);
      if (where) out.push(`        at:       ${clean(where)}`);
    }
  }
  return out.join('\n') + '\n';
}

/** Where the artifact was built, from the certificate's Fulcio extensions. */
export function builtFrom(a: ArtifactEvidence): string | undefined {
  const s = a.signer;
  if (!s?.sourceRepository) return undefined;
  return [
    `${s.sourceRepository}${s.sourceRef ? `@${s.sourceRef}` : ''}`,
    s.sourceDigest ? `commit ${s.sourceDigest}` : '',
    s.runnerEnvironment ? `${s.runnerEnvironment} runner` : '',
    s.triggerEvent ? `on ${s.triggerEvent}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}
