/**
 * Property: every lockfile and SBOM reader, fed a real fixture broken any way (mutate.ts), either
 * reads well-typed packages or throws a GateError naming the file. Never another exception, never
 * a hang, never a package whose fields are not the documented types.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readManifest } from '../../src/adapters/lockfiles/index.js';
import { ECOSYSTEMS, type ParsedManifest } from '../../src/checks/dependencies/model.js';
import { FIXTURES } from '../helpers/cli.js';
import { expectCleanError } from './assert.js';
import { hostile, runs, seed, show, type Syntax } from './mutate.js';

const LOCKFILES = path.join(FIXTURES, 'lockfiles');

/** Every reader's real fixture, with the syntax its structured mutations use. */
const CASES: [string, Syntax][] = [
  ['bun/bun.lock', 'lines'], // JSON with trailing commas: byte- and line-level only
  ['cargo/Cargo.lock', 'toml'],
  ['composer/composer.lock', 'json'],
  ['cyclonedx/npm-sbom.cdx.json', 'json'],
  ['cyclonedx/valid-assembly-1.6.json', 'json'],
  ['go/okteto/go.mod', 'lines'],
  ['gradle/gradle.lockfile', 'lines'],
  ['maven/jackson/pom.xml', 'lines'],
  ['npm-v1/package-lock.json', 'json'],
  ['npm-v2/package-lock.json', 'json'],
  ['npm-v3/package-lock.json', 'json'],
  ['nuget/packages.lock.json', 'json'],
  ['pipenv/Pipfile.lock', 'json'],
  ['pnpm-v5/pnpm-lock.yaml', 'yaml'],
  ['pnpm-v6/pnpm-lock.yaml', 'yaml'],
  ['pnpm-v9/pnpm-lock.yaml', 'yaml'],
  ['poetry/poetry.lock', 'toml'],
  ['pypi-requirements/requirements/requirements.txt', 'lines'],
  ['ruby/Gemfile.lock', 'lines'],
  ['spdx/npm-sbom.spdx.json', 'json'],
  ['uv/uv.lock', 'toml'],
  ['yarn-berry/yarn.lock', 'yaml'],
  ['yarn-v1/yarn.lock', 'lines'],
];

const SCOPES = new Set(['runtime', 'dev', 'unknown']);
const ecosystems: ReadonlySet<string> = new Set(ECOSYSTEMS);

/** A parse is only acceptable with the documented types (a swapped number must not become a version). */
function expectWellTyped(m: ParsedManifest, display: string, what: string): void {
  const bad = m.packages.filter(
    (p) =>
      !ecosystems.has(p.ecosystem) ||
      typeof p.name !== 'string' ||
      p.name === '' ||
      typeof p.version !== 'string' ||
      p.version === '' ||
      typeof p.purl !== 'string' ||
      !SCOPES.has(p.scope) ||
      p.file !== display ||
      (p.direct !== undefined && typeof p.direct !== 'boolean') ||
      (p.line !== undefined && !Number.isSafeInteger(p.line)),
  );
  const badUnresolved = m.unresolved.filter(
    (u) => typeof u.name !== 'string' || typeof u.reason !== 'string',
  );
  expect({ what, bad: bad.slice(0, 3), badUnresolved: badUnresolved.slice(0, 3) }).toEqual({
    what,
    bad: [],
    badUnresolved: [],
  });
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'sg-prop-lock-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('lockfile and SBOM readers: hostile input ends in packages or a GateError naming the file', () => {
  it.each(CASES)('%s', async (rel, syntax) => {
    const original = await readFile(path.join(LOCKFILES, rel));
    // The fixture's folder, copied: readers may look at neighbours (requirements -r, package.json).
    const dir = path.join(work, rel.replace(/[/\\]/g, '_'));
    await cp(path.dirname(path.join(LOCKFILES, rel)), dir, { recursive: true });
    const file = path.join(dir, path.basename(rel));
    const display = `lockfiles/${rel}`;
    await fc.assert(
      fc.asyncProperty(hostile(original, syntax), async (m) => {
        await writeFile(file, m.bytes);
        const what = `${rel}: ${show(m)}`;
        let parsed: ParsedManifest | undefined;
        try {
          parsed = await readManifest(file, { displayPath: display });
        } catch (err) {
          expectCleanError(err, display, what);
          return;
        }
        expectWellTyped(parsed, display, what);
      }),
      { numRuns: runs(15), seed: seed() },
    );
  });
});
