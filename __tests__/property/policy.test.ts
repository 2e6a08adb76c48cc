/**
 * Property: the policy file, broken any way (mutate.ts) from real policies (the demo's, and the
 * README's with both sections), is either a valid policy or a GateError('config') naming the file,
 * one screen long. YAML-specific hostility too: alias bombs, deep nesting, tags, duplicate keys.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { loadPolicy, parsePolicy } from '../../src/config/load.js';
import { GateError } from '../../src/errors.js';
import { expectCleanError } from './assert.js';
import { hostile, runs, seed, show } from './mutate.js';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOW = new Date('2026-12-01T00:00:00Z');

/** The README's minimal policy (signatures and dependencies), as published there. */
const README_POLICY = `version: 1
signatures:
  artifacts:
    - path: dist/*.tgz # every match must be signed
      bundle: '{path}.sigstore.json' # the default
  identities:
    - issuer: https://token.actions.githubusercontent.com
      source-repository: my-org/app # from the certificate's Fulcio extensions
      source-repository-id: '123456789' # survives renames; a re-created repository differs
      signer-workflow: my-org/app/.github/workflows/release.yml
      source-ref: refs/heads/main
      runner-environment: github-hosted
  provenance: {} # require SLSA provenance that agrees with the certificate
  require-deployed-commit: true # …built from the commit being deployed (GITHUB_SHA)
dependencies:
  paths: [package-lock.json] # default: every lockfile in the workspace
  source: osv # the OSV API (network); or osv-dir:PATH / osv-zip:PATH offline
  fail-on-severity: high
  allow:
    - id: GHSA-xxxx-xxxx-xxxx # matches its CVE alias too
      reason: not reachable — the parser never sees user input
      expires: 2027-01-31
`;

const POLICIES: [string, string][] = [
  [
    'examples/demo/security-gate.yml',
    readFileSync(path.join(ROOT, 'examples/demo/security-gate.yml'), 'utf8'),
  ],
  ['README policy', README_POLICY],
];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'sg-prop-policy-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('policy file: hostile input is a valid policy or a GateError naming the file', () => {
  it.each(POLICIES)('%s parses as it is', (_name, text) => {
    expect(parsePolicy(text, 'policy.yml', NOW).version).toBe(1);
  });

  it.each(POLICIES)('%s, broken (from disk, through loadPolicy)', async (_name, text) => {
    const file = path.join(work, 'security-gate.yml');
    await fc.assert(
      fc.asyncProperty(hostile(Buffer.from(text), 'yaml'), async (m) => {
        await writeFile(file, m.bytes);
        try {
          const loaded = await loadPolicy(file);
          expect(loaded.policy.version).toBe(1);
        } catch (err) {
          const e = expectCleanError(err, file, show(m));
          expect(e.code).toBe('config');
        }
      }),
      { numRuns: runs(40), seed: seed() },
    );
  });

  const bomb = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    'version: 1',
    'signatures: *g',
  ].join('\n');
  it.each([
    ['an alias bomb', bomb],
    ['a self-referencing alias', 'version: 1\nsignatures: &s\n  artifacts: *s\n'],
    ['a deep flow nest', `version: 1\nsignatures: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`],
    [
      'a deep block nest',
      `version: 1\n${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`,
    ],
    ['a custom tag', 'version: !!js/function "function () {}"\nsignatures: {}\n'],
    ['a merge key', 'version: 1\nbase: &b {mode: audit}\n<<: *b\nsignatures: {}\n'],
    ['a second document', `${README_POLICY}---\nversion: 1\nmode: audit\n`],
    ['a JSON array', '[{"version": 1}]'],
    ['a NUL byte', 'version: 1\u0000\nsignatures: {}\n'],
  ])('%s', (_name, text) => {
    let thrown: unknown;
    try {
      parsePolicy(text, 'policy.yml', NOW);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GateError);
    expectCleanError(thrown, 'policy.yml', _name);
  });
});
