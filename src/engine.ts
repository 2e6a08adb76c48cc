/**
 * The engine: runs the planned checks, each guarded so that anything thrown (Error or not), a
 * timeout, or a malformed result becomes an `error` result — never a pass — and builds the report.
 */
import { GateError, describeThrown } from './errors.js';
import { checkResultSchema } from './report/report-schema.js';
import type { CheckId, CheckResult, Mode, Report, Subject } from './types.js';
import { computeVerdict } from './verdict/index.js';
import { VERSION } from './version.js';

export type PlannedCheck =
  { id: CheckId; skip: string } | { id: CheckId; run: () => Promise<CheckResult> };

export interface EngineOptions {
  mode: Mode;
  subject: Subject;
  policy?: { path: string; sha256?: string; extends?: { file: string; sha256: string } };
  /** Deadline for each check, in milliseconds. */
  timeoutMs: number;
  now: () => Date;
}

export async function runChecks(
  plan: readonly PlannedCheck[],
  opts: EngineOptions,
): Promise<Report> {
  const checks = await Promise.all(plan.map((p) => guarded(p, opts)));
  const { verdict, blockedBy } = computeVerdict(checks);
  return {
    schemaVersion: 1,
    tool: { name: 'security-gate', version: VERSION },
    mode: opts.mode,
    verdict,
    blockedBy,
    subject: opts.subject,
    ...(opts.policy ? { policy: opts.policy } : {}),
    generatedAt: opts.now().toISOString(),
    checks,
  };
}

async function guarded(p: PlannedCheck, opts: EngineOptions): Promise<CheckResult> {
  if ('skip' in p) return { id: p.id, status: 'skipped', summary: p.skip, findings: [] };
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`the ${p.id} check did not finish within ${duration(opts.timeoutMs)}`)),
        opts.timeoutMs,
      );
    });
    const raw: unknown = await Promise.race([p.run(), timeout]);
    const parsed = checkResultSchema.safeParse(raw);
    if (!parsed.success || parsed.data.id !== p.id) {
      return errorResult(
        p.id,
        `the ${p.id} check returned an unexpected value; treating it as an error`,
        started,
      );
    }
    return { ...parsed.data, durationMs: Date.now() - started };
  } catch (thrown) {
    return errorResult(p.id, describeThrown(thrown), started, thrown);
  } finally {
    clearTimeout(timer);
  }
}

function errorResult(id: CheckId, message: string, started: number, thrown?: unknown): CheckResult {
  // A GateError knows where the problem is and how to fix it: keep that in the finding.
  const where = thrown instanceof GateError && thrown.location ? { location: thrown.location } : {};
  const fix = thrown instanceof GateError && thrown.fix ? { fix: thrown.fix } : {};
  return {
    id,
    status: 'error',
    summary: `could not evaluate: ${message}`,
    findings: [
      {
        rule: 'check-error',
        blocking: true,
        waived: false,
        severity: 'unknown',
        message,
        ...fix,
        ...where,
      },
    ],
    durationMs: Date.now() - started,
  };
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`;
}
