/**
 * The report as a check run's conclusion and output (Checks API): title, a markdown summary within
 * 65,535 characters, and at most 50 annotations on the files and lines the findings name. Pure.
 */
import type { Report, Severity } from '../types.js';
import { CHECK_RUN_SUMMARY_LIMIT, renderComment } from './comment.js';
import { fixFor } from './markdown.js';
import { locateFindings, type SarifContext } from './sarif.js';
import { blockReason } from '../verdict/index.js';

/** The Checks API takes at most 50 annotations per request. */
export const MAX_CHECK_ANNOTATIONS = 50;

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

export interface CheckRunOutput {
  conclusion: 'success' | 'failure' | 'neutral';
  output: {
    title: string;
    summary: string;
    text?: string;
    annotations: CheckRunAnnotation[];
  };
}

const RANK: Record<Severity, number> = { critical: 4, high: 3, moderate: 2, low: 1, unknown: 0 };
/** Longest annotation message (GitHub allows 64 KB; a finding needs far less). */
const MESSAGE_MAX = 4_000;

export function renderCheckRun(
  report: Report,
  ctx: SarifContext,
  opts: { runUrl?: string } = {},
): CheckRunOutput {
  const blocked = report.verdict === 'block';
  // Audit mode reports the verdict without enforcing it: neutral, so it never blocks a merge.
  const conclusion = report.mode === 'audit' ? 'neutral' : blocked ? 'failure' : 'success';
  const title =
    report.mode === 'audit'
      ? `Audit mode: ${blocked ? `would block (${blockReason(report.blockedBy)})` : 'would pass'}`
      : blocked
        ? `Blocked by ${blockReason(report.blockedBy)}`
        : 'Pass';

  const located = locateFindings(report, ctx).filter(
    (l) => l.primary?.line !== undefined && !l.fallback && !l.finding.waived,
  );
  located.sort(
    (a, b) =>
      Number(b.finding.blocking) - Number(a.finding.blocking) ||
      RANK[b.finding.severity] - RANK[a.finding.severity],
  );
  const annotations = located.slice(0, MAX_CHECK_ANNOTATIONS).map((l): CheckRunAnnotation => {
    const f = l.finding;
    const fix = fixFor(l.check, f);
    const what = f.package ? `${f.package.name}@${f.package.version}` : (f.artifact ?? '');
    const line = l.primary!.line!;
    return {
      path: l.primary!.path,
      start_line: line,
      end_line: line,
      annotation_level: f.blocking ? 'failure' : RANK[f.severity] >= 2 ? 'warning' : 'notice',
      title: clip(`${l.check}: ${f.rule}${what ? ` (${what})` : ''}`, 255),
      message: clip(
        [f.message, ...(fix !== undefined ? [`Fix: ${fix}`] : [])].join('\n'),
        MESSAGE_MAX,
      ),
    };
  });
  const more = located.length - annotations.length;
  return {
    conclusion,
    output: {
      title,
      summary: renderComment(report, {
        limit: CHECK_RUN_SUMMARY_LIMIT,
        marker: false,
        diagram: false,
        ...(opts.runUrl ? { runUrl: opts.runUrl } : {}),
      }),
      ...(more > 0
        ? {
            text: `${more} more finding${more === 1 ? '' : 's'} with a file and line ${more === 1 ? 'is' : 'are'} not annotated (the Checks API takes ${MAX_CHECK_ANNOTATIONS} annotations per request); the summary and the job summary list every finding.`,
          }
        : {}),
      annotations,
    },
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
