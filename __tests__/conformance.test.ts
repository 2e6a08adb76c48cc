/**
 * verify-artifact against cases of the public Sigstore client conformance suite
 * (sigstore/sigstore-conformance, Apache-2.0), copied into fixtures/sigstore-conformance (see its
 * README for provenance and the per-case results). Each case directory holds a case.json naming
 * the artifact (or digest), the bundle, the identity (or key), the trusted root and the expected
 * outcome. Offline: the production cases use the public-good root embedded in @sigstore/tuf.
 *
 * expected `pass` → exit 0; expected `fail` → exit 1 or 2, never 0. A `_fail` case that exits 0
 * is a security bug of the gate: do not weaken these assertions.
 *
 * A case may carry a `gateDeviation`: a happy path of the suite that this gate refuses on purpose,
 * by a documented policy stricter than the suite's. It is asserted precisely: exit 1, every
 * finding at that one step (so every cryptographic step before it passed).
 *
 * CONFORMANCE_VERBOSE=1 prints, for every case, the exit code and the step of each finding.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { FIXTURES, runCli } from './helpers/cli.js';

const DIR = path.join(FIXTURES, 'sigstore-conformance');

interface ConformanceCase {
  name: string;
  /** The outcome the conformance suite requires. */
  expected: 'pass' | 'fail';
  /** fail: refused at `step` (exit 1); error: could not evaluate at `step` (exit 2). */
  gateDeviation?: { outcome: 'fail' | 'error'; step: string; reason: string };
  description: string;
  /** Path of the artifact, relative to the case directory. */
  artifact?: string;
  /** `sha256:<hex>` when the suite verifies by digest only (the artifact is not available). */
  digest?: string;
  /** Relative to the case directory. */
  bundle: string;
  identity: { certificateIdentity: string; certificateOidcIssuer: string } | { key: string };
  /** Relative to the case directory; null: the Sigstore public-good root embedded in the gate. */
  trustedRoot: string | null;
}

function loadCases(): { dir: string; c: ConformanceCase }[] {
  return readdirSync(DIR)
    .filter((name) => statSync(path.join(DIR, name)).isDirectory())
    .sort()
    .map((name) => {
      const dir = path.join(DIR, name);
      const c = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as ConformanceCase;
      return { dir, c };
    });
}

function args(dir: string, c: ConformanceCase): string[] {
  const at = (p: string) => path.join(dir, p);
  const identity =
    'key' in c.identity
      ? ['--key', at(c.identity.key)]
      : [
          '--certificate-identity',
          c.identity.certificateIdentity,
          '--certificate-oidc-issuer',
          c.identity.certificateOidcIssuer,
        ];
  return [
    'verify-artifact',
    c.digest ?? at(c.artifact!),
    '--bundle',
    at(c.bundle),
    ...identity,
    // No trusted root: the embedded public-good root, without asking the TUF mirror (hermetic).
    ...(c.trustedRoot ? ['--trusted-root', at(c.trustedRoot)] : ['--offline']),
  ];
}

const cases = loadCases();

describe('Sigstore conformance suite (sigstore/sigstore-conformance)', () => {
  it('has the collected cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(29);
    for (const { c } of cases) expect(['pass', 'fail']).toContain(c.expected);
  });

  for (const { dir, c } of cases) {
    // Digest-only cases (the suite does not ship the artifact) use `sha256:<hex>` as FILE_OR_DIGEST.
    const test = it;
    const title = c.gateDeviation
      ? `${c.name} (suite: ${c.expected}; gate policy: refused at ${c.gateDeviation.step})`
      : c.name;
    test(title, async () => {
      const r = await runCli(args(dir, c));
      const findings = r.report?.checks.flatMap((check) => check.findings) ?? [];
      const steps = findings.map((f) => `[${f.step}] ${f.message}`);
      if (process.env.CONFORMANCE_VERBOSE) {
        console.log(`${c.name}: expected ${c.expected}, exit ${r.code} ${JSON.stringify(steps)}`);
      }
      const context =
        `${c.name} (suite expects ${c.expected}): exit ${r.code}\n${r.stdout}${r.stderr}\n` +
        `findings: ${JSON.stringify(findings, null, 1)}`;
      const ok = c.gateDeviation
        ? r.code === (c.gateDeviation.outcome === 'fail' ? 1 : 2) &&
          findings.length > 0 &&
          findings.every((f) => f.step === c.gateDeviation!.step)
        : c.expected === 'pass'
          ? r.code === 0
          : r.code === 1 || r.code === 2;
      // The whole report on failure: which step refused (or let through) what.
      if (!ok) throw new Error(context);
      expect(ok).toBe(true);
    });
  }
});
