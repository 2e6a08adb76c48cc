import { describe, expect, it } from '@jest/globals';
import { runChecks, type EngineOptions, type PlannedCheck } from '../src/engine.js';
import { GateError } from '../src/errors.js';
import { reportSchema } from '../src/report/report-schema.js';
import type { CheckResult, Report } from '../src/types.js';
import { VERSION } from '../src/version.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const SHA = '0123456789abcdef0123456789abcdef01234567';

const options: EngineOptions = {
  mode: 'enforce',
  subject: { repository: 'acme/widget', sha: SHA, ref: 'refs/heads/main' },
  policy: { path: '.github/security-gate.yml', sha256: 'ab'.repeat(32) },
  timeoutMs: 5_000,
  now: () => NOW,
};

const passing: CheckResult = {
  id: 'signatures',
  status: 'pass',
  summary: '1 artifact verified',
  findings: [],
};

/** Runs one planned signatures check next to two skipped ones, and validates the report. */
async function runOne(
  run: () => Promise<CheckResult>,
  opts: Partial<EngineOptions> = {},
): Promise<{ report: Report; result: CheckResult }> {
  const report = await runChecks(
    [
      { id: 'signatures', run },
      { id: 'dependencies', skip: 'not configured' },
      { id: 'repository', skip: 'not configured' },
    ],
    { ...options, ...opts },
  );
  expect(reportSchema.safeParse(report).success).toBe(true);
  return { report, result: report.checks[0]! };
}

/** An `error` result that blocks, and whose summary and finding say `what`. */
function expectError(report: Report, result: CheckResult, what: string): void {
  expect(result.status).toBe('error');
  expect(report.verdict).toBe('block');
  expect(report.blockedBy).toEqual(['signatures']);
  expect(result.findings).toHaveLength(1);
  expect(result.findings[0]).toMatchObject({
    rule: 'check-error',
    blocking: true,
    waived: false,
    severity: 'unknown',
  });
  expect(result.summary).toBe(`could not evaluate: ${what}`);
  expect(result.findings[0]!.message).toBe(what);
}

describe('runChecks', () => {
  it('builds a full report for a passing check', async () => {
    const { report, result } = await runOne(() => Promise.resolve(passing));
    expect(report).toEqual({
      schemaVersion: 1,
      tool: { name: 'security-gate', version: VERSION },
      mode: 'enforce',
      verdict: 'pass',
      blockedBy: [],
      subject: { repository: 'acme/widget', sha: SHA, ref: 'refs/heads/main' },
      policy: { path: '.github/security-gate.yml', sha256: 'ab'.repeat(32) },
      generatedAt: '2025-06-01T12:00:00.000Z',
      checks: [
        { ...passing, durationMs: expect.any(Number) },
        { id: 'dependencies', status: 'skipped', summary: 'not configured', findings: [] },
        { id: 'repository', status: 'skipped', summary: 'not configured', findings: [] },
      ],
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps the checks in plan order, whatever order they finish in', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const report = await runChecks(
      [
        {
          id: 'signatures',
          run: async () => {
            await gate;
            return passing;
          },
        },
        {
          id: 'dependencies',
          run: () => {
            release();
            return Promise.resolve({ ...passing, id: 'dependencies' as const });
          },
        },
      ],
      options,
    );
    expect(report.checks.map((c) => c.id)).toEqual(['signatures', 'dependencies']);
    expect(report.verdict).toBe('pass');
  });

  it('turns a thrown Error into an error result', async () => {
    const { report, result } = await runOne(() =>
      Promise.reject(new Error('trusted root is malformed')),
    );
    expectError(report, result, 'trusted root is malformed');
  });

  it('turns a synchronous throw into an error result', async () => {
    const { report, result } = await runOne(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'cert')");
    });
    expectError(report, result, "Cannot read properties of undefined (reading 'cert')");
  });

  it('keeps the location and fix of a GateError in the finding', async () => {
    const { result } = await runOne(() =>
      Promise.reject(
        new GateError('input', 'no such file: x.lock', {
          location: { file: 'x.lock' },
          fix: 'Check dependencies.paths.',
        }),
      ),
    );
    expect(result.findings[0]).toMatchObject({
      rule: 'check-error',
      message: 'no such file: x.lock',
      location: { file: 'x.lock' },
      fix: 'Check dependencies.paths.',
    });
  });

  it('names the Error type when the message is empty', async () => {
    const { report, result } = await runOne(() => Promise.reject(new RangeError('')));
    expectError(report, result, 'RangeError');
  });

  it.each([
    ['a string', 'socket hang up', 'socket hang up'],
    ['undefined', undefined, 'non-Error value thrown: undefined'],
    ['null', null, 'non-Error value thrown: null'],
    ['an object', { status: 403 }, 'non-Error value thrown: {"status":403}'],
    ['a number', 0, 'non-Error value thrown: 0'],
    ['a BigInt (not JSON)', 10n, 'non-Error value thrown: 10'],
  ])('turns a rejection with %s into an error result', async (_name, value, what) => {
    const { report, result } = await runOne(() =>
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
      Promise.reject(value),
    );
    expectError(report, result, what);
  });

  it('turns a synchronous throw of a non-Error into an error result', async () => {
    const { report, result } = await runOne(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'disk full';
    });
    expectError(report, result, 'disk full');
  });

  it('turns a check that never settles into an error result at the deadline', async () => {
    const { report, result } = await runOne(() => new Promise<CheckResult>(() => undefined), {
      timeoutMs: 50,
    });
    expectError(report, result, 'the signatures check did not finish within 50ms');
  });

  it('states a long deadline in seconds', async () => {
    const { report, result } = await runOne(() => new Promise<CheckResult>(() => undefined), {
      timeoutMs: 1_500,
    });
    expectError(report, result, 'the signatures check did not finish within 2s');
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'pass'],
    ['a result without findings', { id: 'signatures', status: 'pass', summary: 'ok' }],
    ['a result without a summary', { id: 'signatures', status: 'pass', findings: [] }],
    ['status "ok"', { id: 'signatures', status: 'ok', summary: 'ok', findings: [] }],
    ["another check's id", { id: 'dependencies', status: 'pass', summary: 'ok', findings: [] }],
    ['an unknown field', { ...passing, verdict: 'pass' }],
    [
      'a malformed finding',
      {
        ...passing,
        findings: [{ rule: 'x', blocking: 'no', waived: false, severity: 'low', message: '' }],
      },
    ],
  ])('turns a malformed return value (%s) into an error result', async (_name, value) => {
    const { report, result } = await runOne(() => Promise.resolve(value as CheckResult));
    expectError(
      report,
      result,
      'the signatures check returned an unexpected value; treating it as an error',
    );
  });

  it('blocks when one check passes and another errors, naming only the one that errored', async () => {
    const report = await runChecks(
      [
        { id: 'signatures', run: () => Promise.resolve(passing) },
        { id: 'dependencies', run: () => Promise.reject(new Error('OSV API returned 503')) },
      ],
      options,
    );
    expect(report.verdict).toBe('block');
    expect(report.blockedBy).toEqual(['dependencies']);
    expect(report.checks.map((c) => c.status)).toEqual(['pass', 'error']);
  });

  it('carries a failing check and its findings through unchanged', async () => {
    const failing: CheckResult = {
      id: 'signatures',
      status: 'fail',
      summary: '1 of 1 artifacts failed verification',
      findings: [
        {
          rule: 'identity-mismatch',
          blocking: true,
          waived: false,
          severity: 'high',
          message: 'dist/app.tgz: the signer is not an allowed identity',
          expected: 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main',
          found: 'https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main',
          fix: 'If this signer is legitimate, add it to signatures.identities.',
          step: 'identity',
        },
      ],
    };
    const { report, result } = await runOne(() => Promise.resolve(failing));
    expect(result).toEqual({ ...failing, durationMs: expect.any(Number) });
    expect(report.verdict).toBe('block');
    expect(report.blockedBy).toEqual(['signatures']);
  });

  it('reports skipped entries without running anything, and blocks when nothing ran', async () => {
    const report = await runChecks(
      [
        { id: 'signatures', skip: 'the policy has no `signatures` section' },
        { id: 'dependencies', skip: 'not available in this version of security-gate' },
      ],
      options,
    );
    expect(reportSchema.safeParse(report).success).toBe(true);
    expect(report.checks).toEqual([
      {
        id: 'signatures',
        status: 'skipped',
        summary: 'the policy has no `signatures` section',
        findings: [],
      },
      {
        id: 'dependencies',
        status: 'skipped',
        summary: 'not available in this version of security-gate',
        findings: [],
      },
    ]);
    expect(report.verdict).toBe('block');
  });

  it('carries audit mode into the report without changing the verdict', async () => {
    const plan: PlannedCheck[] = [{ id: 'signatures', run: () => Promise.reject(new Error('x')) }];
    const report = await runChecks(plan, { ...options, mode: 'audit' });
    expect(reportSchema.safeParse(report).success).toBe(true);
    expect(report.mode).toBe('audit');
    expect(report.verdict).toBe('block');
  });

  it('omits the policy when there is none (verify-artifact)', async () => {
    const report = await runChecks([{ id: 'signatures', run: () => Promise.resolve(passing) }], {
      mode: 'enforce',
      subject: {},
      timeoutMs: 5_000,
      now: () => NOW,
    });
    expect(reportSchema.safeParse(report).success).toBe(true);
    expect(report).not.toHaveProperty('policy');
    expect(report.subject).toEqual({});
  });
});
