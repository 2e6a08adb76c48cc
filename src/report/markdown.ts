/** The report as GitHub-flavoured markdown: job summary and --markdown. Pure; no I/O. */
import type { ArtifactEvidence, CheckId, CheckResult, Finding, Report } from '../types.js';
import { checksDiagram } from './diagram.js';
import { md } from './escape.js';
import { blockReason } from '../verdict/index.js';
import { builtFrom } from './text.js';

export const STATUS_ICON: Record<CheckResult['status'], string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  error: '⚠️ error',
  skipped: '➖ skipped',
};

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const blocked = report.verdict === 'block';
  out.push(`## ${blocked ? '⛔ security-gate: BLOCKED' : '✅ security-gate: PASS'}`);
  out.push('');
  if (report.mode === 'audit') {
    out.push(
      `> [!WARNING]\n> **Audit mode**: the verdict is ${blocked ? 'BLOCK' : 'PASS'}, but the step does not fail (\`mode: audit\`).`,
    );
    out.push('');
  }
  if (blocked) out.push(`Blocked by: **${blockReason(report.blockedBy)}**`, '');
  out.push(...checksDiagram(report), '');
  const subject = [
    report.subject.repository ? `repository ${md(report.subject.repository)}` : '',
    report.subject.sha ? `commit ${md(report.subject.sha)}` : '',
    report.subject.ref ? `ref ${md(report.subject.ref)}` : '',
  ].filter(Boolean);
  if (subject.length) out.push(`Subject: ${subject.join(' · ')}  `);
  if (report.policy) {
    out.push(
      `Policy: ${md(report.policy.path)}${report.policy.sha256 ? ` (sha256 ${report.policy.sha256.slice(0, 12)})` : ''}  `,
    );
  }
  out.push(`security-gate ${md(report.tool.version)} · ${md(report.generatedAt)}`, '');

  out.push('| Check | Status | Summary |', '|---|---|---|');
  for (const c of report.checks)
    out.push(`| ${c.id} | ${STATUS_ICON[c.status]} | ${md(c.summary)} |`);
  out.push('');

  for (const c of report.checks) {
    if (c.artifacts?.length) {
      out.push(`### Artifacts`, '');
      out.push(
        '| Artifact | sha256 | Signed by | Issuer | Built from | Proven by | Trust root | Verified |',
        '|---|---|---|---|---|---|---|---|',
      );
      for (const a of c.artifacts) out.push(artifactRow(a));
      out.push('');
    }
    const findings = c.findings;
    if (findings.length) {
      out.push(`### ${c.id}: findings`, '');
      for (const f of findings) out.push(...findingLines(c.id, f));
      out.push('');
    }
  }
  return out.join('\n');
}

export function artifactRow(a: ArtifactEvidence): string {
  const signer =
    a.signer?.kind === 'public-key'
      ? `key ${md(a.signer.key ?? '')}`
      : a.signer?.subjectAlternativeName
        ? md(a.signer.subjectAlternativeName)
        : '—';
  const proven = [
    a.contentType === 'dsse'
      ? `attestation${a.predicateType ? ` ${md(a.predicateType)}` : ''}`
      : a.contentType
        ? 'signature'
        : '',
    ...(a.tlog ?? []).map(
      (t) => `log index ${md(t.logIndex)}${t.integratedTime ? ` at ${md(t.integratedTime)}` : ''}`,
    ),
    ...(a.timestamps ?? [])
      .filter((t) => t.kind === 'timestamp-authority')
      .map((t) => `TSA time ${md(t.time)}`),
  ].filter(Boolean);
  const sha = a.digest.sha256 ? md(a.digest.sha256.slice(0, 16)) + '…' : '—';
  const root = a.trustRoot
    ? md(a.trustRoot.name + (a.trustRoot.version ? ` (${a.trustRoot.version})` : ''))
    : '—';
  return `| ${md(a.artifact)} | ${sha} | ${signer} | ${a.signer?.issuer ? md(a.signer.issuer) : '—'} | ${md(builtFrom(a) ?? '—')} | ${proven.join('<br>') || '—'} | ${root} | ${a.verified ? '✅' : '❌'} |`;
}

function findingLines(check: CheckId, f: Finding): string[] {
  const icon = !f.blocking ? 'ℹ️' : f.waived ? '🟡' : '⛔';
  const lines = [
    `- ${icon} **${md(f.rule)}**${f.step ? ` (${md(f.step)})` : ''}: ${md(f.message)}`,
  ];
  if (f.expected !== undefined) lines.push(`  - expected: ${md(f.expected)}`);
  if (f.found !== undefined) lines.push(`  - found: ${md(f.found)}`);
  if (f.advisory) {
    const a = f.advisory;
    const score = a.score !== undefined ? ` ${a.score}` : '';
    const fixed = a.fixed.length
      ? `; fixed in ${a.fixed.map(md).join(', ')}`
      : '; no fixed version';
    // The URL comes from advisory data: shown as text, never as a link.
    lines.push(
      `  - advisory: ${[...a.ids, ...a.aliases].map(md).join(', ')} — ${a.severity}${score}${fixed}${a.url ? ` (${md(a.url)})` : ''}`,
    );
  }
  const fix = fixFor(check, f);
  if (fix !== undefined) lines.push(`  - fix: ${md(fix)}`);
  return lines;
}

/** When a blocking finding does not say how to fix it: what to do, by check. */
const FALLBACK_FIX: Record<CheckId, string> = {
  signatures:
    'Sign the artifact in the build with an identity listed in signatures.identities (keep its bundle next to it), then re-run the gate.',
  dependencies:
    'Upgrade the package to a fixed version, or, if it cannot be exploited here, add a waiver with a reason and an expiry to dependencies.allow.',
  repository:
    'Promote a commit that reached an allowed branch through a pull request approved as the repository section requires.',
};

/**
 * How to fix a finding: its own `fix`; for a blocking finding without one, what to do by check —
 * and for a check that could not evaluate, that the cause must be fixed (nothing to waive).
 * Undefined for a finding that does not block and says nothing.
 */
export function fixFor(check: CheckId, f: Finding): string | undefined {
  if (f.fix !== undefined) return f.fix;
  if (!f.blocking || f.waived) return undefined;
  if (f.rule === 'check-error')
    return 'The check could not evaluate: fix the cause in the message (policy, file, permission, network) and re-run; until then the gate blocks.';
  return FALLBACK_FIX[check];
}
