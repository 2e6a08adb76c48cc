/**
 * Workflow annotations for the findings that have a place in the repository (a lockfile line, the
 * policy key, the artifact). GitHub shows at most 10 error and 10 warning annotations per step:
 * the most important come first, one error is left for the step's failure message and one
 * warning for the audit-mode notice, and a notice says how many more the job summary holds.
 * Pure: the action hands them to @actions/core.
 */
import { GateError, describeThrown } from '../errors.js';
import type { Report, Severity } from '../types.js';
import { locateFindings, repoPath, type LocatedFinding, type SarifContext } from './sarif.js';

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: { title: string; file?: string; startLine?: number; startColumn?: number };
}

/** GitHub's per-step limits, less one error (the step failure) and one warning (audit mode). */
export const MAX_ERRORS = 9;
export const MAX_WARNINGS = 9;

const RANK: Record<Severity, number> = { critical: 4, high: 3, moderate: 2, low: 1, unknown: 0 };

export function annotationsFor(report: Report, ctx: SarifContext): Annotation[] {
  const located = locateFindings(report, ctx).filter(
    (l): l is LocatedFinding & { primary: NonNullable<LocatedFinding['primary']> } =>
      l.primary !== undefined && !l.fallback && !l.finding.waived,
  );
  const byImportance = (a: LocatedFinding, b: LocatedFinding) =>
    RANK[b.finding.severity] - RANK[a.finding.severity];
  const errors = located.filter((l) => l.finding.blocking).sort(byImportance);
  const warnings = located.filter((l) => !l.finding.blocking).sort(byImportance);
  const out: Annotation[] = [];
  const toAnnotation = (l: (typeof located)[number], level: 'error' | 'warning'): Annotation => {
    const f = l.finding;
    const what = f.package ? `${f.package.name}@${f.package.version}` : (f.artifact ?? '');
    return {
      level,
      message: [f.message, ...(f.fix !== undefined ? [`Fix: ${f.fix}`] : [])].join('\n'),
      properties: {
        title: `security-gate ${l.check}: ${f.rule}${what ? ` (${what})` : ''}`,
        file: l.primary.path,
        ...(l.primary.line !== undefined ? { startLine: l.primary.line } : {}),
        ...(l.primary.column !== undefined ? { startColumn: l.primary.column } : {}),
      },
    };
  };
  out.push(...errors.slice(0, MAX_ERRORS).map((l) => toAnnotation(l, 'error')));
  out.push(...warnings.slice(0, MAX_WARNINGS).map((l) => toAnnotation(l, 'warning')));
  const omitted =
    Math.max(0, errors.length - MAX_ERRORS) + Math.max(0, warnings.length - MAX_WARNINGS);
  if (omitted > 0) {
    out.push({
      level: 'notice',
      message: `${omitted} more finding${omitted === 1 ? '' : 's'} with a location ${omitted === 1 ? 'is' : 'are'} not annotated (GitHub shows at most 10 errors and 10 warnings per step); the job summary lists every finding.`,
      properties: { title: 'security-gate: more findings' },
    });
  }
  return out;
}

/** The annotation for an error before any check ran (an invalid policy): at its file and line. */
export function errorAnnotation(
  err: unknown,
  ctx: Pick<SarifContext, 'root' | 'cwd'>,
): Annotation | undefined {
  if (!(err instanceof GateError) || err.location?.file === undefined) return undefined;
  const loc = err.location;
  const path = repoPath(loc.file!, ctx.cwd, ctx.root);
  if (path === undefined) return undefined;
  const message = describeThrown(err);
  return {
    level: 'error',
    message: [message, ...(err.fix ? [`Fix: ${err.fix}`] : [])].join('\n'),
    properties: {
      title: `security-gate could not evaluate${loc.key ? ` (${loc.key})` : ''}`,
      file: path,
      ...(loc.line !== undefined ? { startLine: loc.line } : {}),
      ...(loc.line !== undefined && loc.column !== undefined ? { startColumn: loc.column } : {}),
    },
  };
}
