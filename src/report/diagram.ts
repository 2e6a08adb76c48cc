/**
 * A small mermaid flowchart of the checks and the verdict, for the job summary and the pull
 * request comment (GitHub renders ```mermaid blocks). Pure; no I/O.
 *
 * Nothing from inputs reaches the diagram: every label is a fixed string chosen by the check's id
 * and status (both enums of the report schema), so a check summary, an artifact name or a
 * message cannot inject mermaid syntax (links, `click` callbacks, HTML labels). A check whose id
 * or status is not one of the known values is left out rather than written.
 */
import { CHECK_IDS } from './report-schema.js';
import type { CheckId, CheckStatus, Report } from '../types.js';

const CHECK_LABEL: Record<CheckId, string> = {
  signatures: 'Signatures',
  dependencies: 'Dependencies',
  repository: 'Repository',
};

const STATUS_LABEL: Record<CheckStatus, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  error: '⚠️ could not evaluate',
  skipped: '➖ skipped',
};

/** Fill, border, text: GitHub's Primer colours, readable in light and dark themes. */
const CLASS_DEFS: Record<string, string> = {
  pass: 'fill:#dafbe1,stroke:#1a7f37,color:#0f5323',
  fail: 'fill:#ffebe9,stroke:#cf222e,color:#82071e',
  error: 'fill:#fff8c5,stroke:#9a6700,color:#4d2d00',
  skipped: 'fill:#f6f8fa,stroke:#8c959f,color:#424a53,stroke-dasharray: 4 3',
  verdictPass: 'fill:#1a7f37,stroke:#116329,color:#ffffff',
  verdictBlock: 'fill:#cf222e,stroke:#a40e26,color:#ffffff',
  verdictAudit: 'fill:#9a6700,stroke:#7d4e00,color:#ffffff',
};

const KNOWN_IDS: ReadonlySet<string> = new Set(CHECK_IDS);

function isKnownStatus(s: string): s is CheckStatus {
  return Object.hasOwn(STATUS_LABEL, s);
}

/** The fenced mermaid block (its lines, without a trailing blank line). */
export function checksDiagram(report: Pick<Report, 'checks' | 'verdict' | 'mode'>): string[] {
  const lines = ['```mermaid', 'flowchart LR'];
  const used = new Set<string>();
  report.checks.forEach((c, i) => {
    if (!KNOWN_IDS.has(c.id) || !isKnownStatus(c.status)) return;
    lines.push(`  c${i}["${CHECK_LABEL[c.id]}<br/>${STATUS_LABEL[c.status]}"]:::${c.status}`);
    lines.push(`  c${i} --> verdict`);
    used.add(c.status);
  });
  const [label, cls] =
    report.verdict !== 'block'
      ? ['✅ PASS', 'verdictPass']
      : report.mode === 'audit'
        ? ['⛔ BLOCK<br/>(audit mode: not enforced)', 'verdictAudit']
        : ['⛔ BLOCKED', 'verdictBlock'];
  lines.push(`  verdict["${label}"]:::${cls}`);
  used.add(cls);
  for (const [name, style] of Object.entries(CLASS_DEFS))
    if (used.has(name)) lines.push(`  classDef ${name} ${style}`);
  lines.push('```');
  return lines;
}
