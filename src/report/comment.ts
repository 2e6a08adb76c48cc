/**
 * The report as a pull request comment (and a check run's summary): verdict first, the checks
 * diagram, a table of checks, then per check a table of findings — blocking ones first, each with
 * how to fix it — with long lists collapsed (<details>). The whole text stays within a character
 * limit (GitHub refuses comments over 65,536 characters): findings that do not fit are left out,
 * said so, and the text ends with a link to the workflow run, whose job summary has everything.
 * Pure; no I/O. Everything from inputs goes through `md()`; the only HTML is our own
 * `<details>`, `<summary>`, `<br>` and the hidden marker.
 */
import type { CheckId, CheckResult, Finding, Report, Severity } from '../types.js';
import { checksDiagram } from './diagram.js';
import { md } from './escape.js';
import { STATUS_ICON, artifactRow, fixFor } from './markdown.js';
import { blockReason } from '../verdict/index.js';

/** Hidden first line of the sticky comment: how a later run finds it (by its own author only). */
export const COMMENT_MARKER = '<!-- security-gate -->';
/** GitHub's limit for an issue or pull request comment body, in characters. */
export const COMMENT_LIMIT = 65_536;
/** GitHub's limit for a check run's `output.summary`, in characters. */
export const CHECK_RUN_SUMMARY_LIMIT = 65_535;

export interface CommentOptions {
  /** The workflow run's page, whose job summary holds the full report. */
  runUrl?: string;
  /** At most this many characters (UTF-16 code units: never fewer than GitHub counts). */
  limit?: number;
  /** Start with the hidden marker. Default true (false for a check run's summary). */
  marker?: boolean;
  /** The mermaid diagram of the checks. Default true. */
  diagram?: boolean;
  /** Blocking findings shown per check before the rest is collapsed. Default 10. */
  visible?: number;
}

const CHECK_TITLE: Record<CheckId, string> = {
  signatures: 'Signatures',
  dependencies: 'Dependencies',
  repository: 'Repository',
};

const RANK: Record<Severity, number> = { critical: 4, high: 3, moderate: 2, low: 1, unknown: 0 };

/** Longest text taken from one input value into a table cell (cut before escaping). */
const CELL_MAX = 1_000;

const FINDINGS_HEADER = ['| | Finding | What was found | How to fix |', '|---|---|---|---|'];
const ARTIFACTS_HEADER = [
  '| Artifact | sha256 | Signed by | Issuer | Built from | Proven by | Trust root | Verified |',
  '|---|---|---|---|---|---|---|---|',
];

export function renderComment(report: Report, opts: CommentOptions = {}): string {
  const limit = opts.limit ?? COMMENT_LIMIT;
  const visible = opts.visible ?? 10;
  const blocked = report.verdict === 'block';
  const runUrl = opts.runUrl !== undefined && SAFE_URL.test(opts.runUrl) ? opts.runUrl : undefined;
  const footer = (cut: boolean, omitted: number) =>
    footerLines(report, runUrl, cut, omitted).join('\n');
  // Room for the longest footer and for closing a <details> block cut short.
  const out = new Budget(limit - footer(true, 10 ** 9).length - CLOSE_DETAILS.length - 2);

  const head: string[] = [];
  if (opts.marker ?? true) head.push(COMMENT_MARKER);
  head.push(`## ${blocked ? '⛔ security-gate: BLOCKED' : '✅ security-gate: PASS'}`, '');
  if (report.mode === 'audit') {
    head.push(
      `> [!WARNING]\n> **Audit mode**: the verdict is ${blocked ? 'BLOCK' : 'PASS'}, but nothing is enforced (\`mode: audit\`).`,
      '',
    );
  }
  const about = [
    blocked ? `Blocked by: **${blockReason(report.blockedBy)}**` : '',
    report.subject.sha ? `commit ${md(report.subject.sha)}` : '',
    report.subject.ref ? `ref ${md(report.subject.ref)}` : '',
  ].filter(Boolean);
  if (about.length) head.push(about.join(' · '), '');
  if (opts.diagram ?? true) head.push(...checksDiagram(report), '');
  head.push('| Check | Status | Summary |', '|---|---|---|');
  for (const c of report.checks)
    head.push(`| ${c.id} | ${STATUS_ICON[c.status]} | ${md(clip(c.summary))} |`);
  head.push('');
  out.add(...head);

  let omitted = 0;
  for (const c of report.checks) omitted += checkSection(out, c, visible);
  return `${out.text()}\n${footer(out.full, omitted)}`;
}

/** One check's findings (and artifacts): returns how many findings did not fit. */
function checkSection(out: Budget, c: CheckResult, visible: number): number {
  const findings = [...c.findings].sort(byImportance);
  const blocking = findings.filter((f) => f.blocking && !f.waived);
  const others = findings.filter((f) => !(f.blocking && !f.waived));
  const artifacts = c.artifacts ?? [];
  if (findings.length === 0 && artifacts.length === 0) return 0;
  if (out.full) return findings.length;

  const counts = [
    blocking.length ? `${blocking.length} blocking` : '',
    others.length ? `${others.length} other` : '',
  ].filter(Boolean);
  out.add(
    `### ${CHECK_TITLE[c.id]} · ${STATUS_ICON[c.status]}${counts.length ? ` — ${counts.join(', ')} finding${findings.length === 1 ? '' : 's'}` : ''}`,
    '',
  );
  const row = (f: Finding) => findingRow(c.id, f);
  let shown = 0;
  shown += out.table(FINDINGS_HEADER, blocking.slice(0, visible).map(row));
  const rest = blocking.slice(visible);
  if (rest.length)
    shown += out.table(FINDINGS_HEADER, rest.map(row), `${rest.length} more blocking`);
  if (others.length) {
    shown += out.table(
      FINDINGS_HEADER,
      others.map(row),
      `${others.length} finding${others.length === 1 ? '' : 's'} that do${others.length === 1 ? 'es' : ''} not block (waived or below the policy's thresholds)`,
    );
  }
  if (artifacts.length) {
    out.table(
      ARTIFACTS_HEADER,
      artifacts.map(artifactRow),
      `${artifacts.length} artifact${artifacts.length === 1 ? '' : 's'}: digest, signer, provenance, trust root`,
    );
  }
  return findings.length - shown;
}

function findingRow(check: CheckId, f: Finding): string {
  const icon = !f.blocking ? 'ℹ️' : f.waived ? '🟡 waived' : '⛔';
  const name = [
    `**${md(clip(f.rule))}**`,
    f.step ? md(f.step) : '',
    f.package ? md(clip(`${f.package.name}@${f.package.version}`)) : '',
    f.artifact && !f.package ? md(clip(f.artifact)) : '',
  ].filter(Boolean);
  const what = [md(clip(f.message))];
  if (f.expected !== undefined) what.push(`expected: ${md(clip(f.expected))}`);
  if (f.found !== undefined) what.push(`found: ${md(clip(f.found))}`);
  if (f.advisory) {
    const a = f.advisory;
    const ids = [...a.ids, ...a.aliases].slice(0, 10).map((id) => md(clip(id, 100)));
    what.push(
      `advisory ${ids.join(', ')} — ${a.severity}${a.score !== undefined ? ` ${a.score}` : ''}${
        a.fixed.length
          ? `; fixed in ${a.fixed
              .slice(0, 10)
              .map((v) => md(clip(v, 100)))
              .join(', ')}`
          : '; no fixed version'
      }`,
    );
  }
  const fix = fixFor(check, f);
  return `| ${icon} | ${name.join('<br>')} | ${what.join('<br>')} | ${fix !== undefined ? md(clip(fix)) : '—'} |`;
}

function byImportance(a: Finding, b: Finding): number {
  const weight = (f: Finding) => (f.blocking && !f.waived ? 2 : f.waived ? 1 : 0);
  return weight(b) - weight(a) || RANK[b.severity] - RANK[a.severity];
}

function footerLines(
  report: Report,
  runUrl: string | undefined,
  cut: boolean,
  omitted: number,
): string[] {
  const where = runUrl ? `[the job summary of this workflow run](${runUrl})` : undefined;
  const lines = ['---'];
  if (cut) {
    const what =
      omitted > 0
        ? `${omitted} finding${omitted === 1 ? ' is' : 's are'} not shown`
        : 'the artifacts are not all shown';
    lines.push(
      `**Cut to fit GitHub's limit**: ${what}. The full report: ${where ?? 'the job summary of this workflow run, and its `report` output'}`,
    );
  } else {
    lines.push(
      `security-gate ${md(report.tool.version)} · ${md(report.generatedAt)}${where ? ` · full report: ${where}` : ''}`,
    );
  }
  return lines;
}

/** At most `max` characters of an input value (cut before escaping, so no escape is split). */
function clip(text: string, max = CELL_MAX): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

const CLOSE_DETAILS = '\n</details>\n';

/** A run URL made of the runner's variables (config): only these characters, so it cannot break the link. */
const SAFE_URL = /^https?:\/\/[A-Za-z0-9.:/_~-]+$/;

/** Lines added while they fit in `max` characters; after the first that does not, none. */
class Budget {
  private readonly parts: string[] = [];
  private used = 0;
  full = false;

  constructor(private readonly max: number) {}

  /** Adds the lines as one unit if they fit. */
  add(...lines: string[]): boolean {
    return this.addReserving(0, lines);
  }

  /**
   * A table — in a collapsed <details> when `summary` is given — row by row while rows fit.
   * Returns how many rows were written.
   */
  table(header: string[], rows: string[], summary?: string): number {
    if (rows.length === 0 || this.full) return 0;
    const open = summary !== undefined ? [`<details><summary>${summary}</summary>`, ''] : [];
    // The closing tag (or the blank line after a plain table) is reserved while rows are added.
    const close = (summary !== undefined ? CLOSE_DETAILS.length : 0) + 1;
    if (!this.addReserving(close, [...open, ...header, rows[0]!])) return 0;
    let written = 1;
    for (const r of rows.slice(1)) {
      if (!this.addReserving(close, [r])) break;
      written++;
    }
    this.parts.push(summary !== undefined ? CLOSE_DETAILS : '');
    this.used += close;
    return written;
  }

  private addReserving(reserve: number, lines: string[]): boolean {
    const text = lines.join('\n');
    if (this.full || this.used + text.length + 1 + reserve > this.max) {
      this.full = true;
      return false;
    }
    this.parts.push(text);
    this.used += text.length + 1;
    return true;
  }

  text(): string {
    return this.parts.join('\n');
  }
}
