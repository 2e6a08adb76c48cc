import type { Location } from './types.js';

/**
 * Kinds of failure. `config` and `input`: the user's file or flag is wrong. `verification`:
 * cryptographic verification failed. `policy`: verified, but not what the policy allows.
 * `upstream`: a service or file outside our control failed. `internal`: a bug.
 */
export type GateErrorCode =
  'config' | 'input' | 'verification' | 'policy' | 'upstream' | 'internal';

export class GateError extends Error {
  readonly code: GateErrorCode;
  readonly location?: Location;
  /** How to fix it, naming the exact key, flag, permission or command. */
  readonly fix?: string;

  constructor(
    code: GateErrorCode,
    message: string,
    options: { cause?: unknown; location?: Location; fix?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GateError';
    this.code = code;
    if (options.location) this.location = options.location;
    if (options.fix) this.fix = options.fix;
  }
}

function isErrorLike(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { message?: unknown }).message === 'string' &&
    typeof (v as { stack?: unknown }).stack === 'string'
  );
}

/** Any thrown value, as a message: never assumes it is an Error. */
export function describeThrown(thrown: unknown): string {
  // Duck-typed: errors from another realm (vm contexts, workers) are not `instanceof Error`.
  if (thrown instanceof Error || isErrorLike(thrown)) {
    const e = thrown as { message: string; name?: unknown };
    return e.message || (typeof e.name === 'string' ? e.name : 'Error');
  }
  if (typeof thrown === 'string') return thrown;
  try {
    return `non-Error value thrown: ${JSON.stringify(thrown) ?? String(thrown)}`;
  } catch {
    try {
      return `non-Error value thrown: ${String(thrown)}`;
    } catch {
      return 'non-Error value thrown';
    }
  }
}

/** Prefix with file:line:column when known. */
export function formatLocation(loc: Location | undefined): string {
  if (!loc) return '';
  const parts: string[] = [];
  if (loc.file) {
    let where = loc.file;
    if (loc.line !== undefined) where += `:${loc.line}`;
    if (loc.line !== undefined && loc.column !== undefined) where += `:${loc.column}`;
    parts.push(where);
  }
  if (loc.key) parts.push(`key '${loc.key}'`);
  return parts.join(', ');
}

/** One screen, no stack trace: what is wrong, where, and how to fix it. */
export function formatError(err: unknown): string {
  const message = describeThrown(err);
  const where = err instanceof GateError ? formatLocation(err.location) : '';
  const lines = [`security-gate: could not evaluate: ${message}`];
  if (where && !message.includes(where)) lines.push(`  at: ${where}`);
  if (err instanceof GateError && err.fix) lines.push(`  fix: ${err.fix}`);
  return lines.join('\n') + '\n';
}
