/**
 * Discovery of lockfiles and SBOMs (src/adapters/lockfiles/discover.ts) in a real directory tree:
 * .gitignore at the root and nested (negations included), node_modules/.git/vendor never entered,
 * symlinked directories not followed, results absolute and sorted.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GateError } from '../src/errors.js';
import { discoverManifests, readManifest } from '../src/adapters/lockfiles/index.js';

let ws: string;

/** Discovery's absolute results, shown relative to the workspace. */
async function discover(roots: string[], workspace = ws): Promise<string[]> {
  const found = await discoverManifests(roots, workspace);
  for (const f of found) expect(path.isAbsolute(f)).toBe(true);
  return found.map((f) => path.relative(ws, f).split(path.sep).join('/'));
}

async function put(rel: string, text = ''): Promise<void> {
  const file = path.join(ws, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

beforeAll(async () => {
  ws = await mkdtemp(path.join(tmpdir(), 'gate-discover-'));
  await put('.gitignore', '# build output\nbuild/\n*.lock\n!yarn.lock\n/local-only.cdx.json\n');
  await put('package-lock.json', '{}');
  await put('local-only.cdx.json', '{}');
  await put('build/package-lock.json', '{}');
  await put('node_modules/left-pad/package-lock.json', '{}');
  await put('packages/a/node_modules/x/yarn.lock');
  await put('.git/yarn.lock');
  await put('vendor/github.com/x/y/go.mod');
  await put('go.mod', 'module example.com/m\n');
  await put('rust/Cargo.lock');
  await put('services/api/.gitignore', 'generated/\n!Cargo.lock\n');
  await put('services/api/Cargo.lock');
  await put('services/api/generated/requirements.txt');
  await put('services/api/requirements-dev.txt');
  await put('services/api/requirements.in');
  await put('services/web/yarn.lock');
  await put('services/web/sbom.spdx.json', '{}');
  await put('services/web/README.md');
  await put('java/app/pom.xml');
  await put('java/app/gradle/dependency-locks/compileClasspath.lockfile');
  await put('dotnet/packages.lock.json');
  await put('ruby/Gemfile.lock');
  await put('php/composer.lock');
  await put('bun/bun.lockb');
  await symlink(path.join(ws, 'services', 'web'), path.join(ws, 'services', 'web-link'), 'dir');
});

afterAll(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe('discoverManifests', () => {
  it('finds supported files, honouring .gitignore files and skipping node_modules, .git, vendor', async () => {
    expect(await discover(['.'], ws)).toEqual([
      'bun/bun.lockb', // found, so that reading it refuses it loudly
      'dotnet/packages.lock.json',
      'go.mod',
      'java/app/gradle/dependency-locks/compileClasspath.lockfile',
      'java/app/pom.xml',
      'package-lock.json',
      'services/api/Cargo.lock', // *.lock at the root, re-included by services/api/.gitignore
      'services/api/requirements-dev.txt',
      'services/web/sbom.spdx.json',
      'services/web/yarn.lock',
    ]);
  });

  it('applies the .gitignore files between the workspace and a root below it', async () => {
    expect(await discover(['services'], ws)).toEqual([
      'services/api/Cargo.lock',
      'services/api/requirements-dev.txt',
      'services/web/sbom.spdx.json',
      'services/web/yarn.lock',
    ]);
    expect(await discover(['rust'], ws)).toEqual([]); // rust/Cargo.lock: *.lock
    expect(await discover(['build'], ws)).toEqual([]); // the root itself is ignored
  });

  it('takes files as roots, de-duplicates and sorts', async () => {
    expect(await discover(['go.mod', 'services/web', 'package-lock.json', 'go.mod'])).toEqual([
      'go.mod',
      'package-lock.json',
      'services/web/sbom.spdx.json',
      'services/web/yarn.lock',
    ]);
  });

  it('takes absolute roots, also outside the workspace', async () => {
    const inner = path.join(ws, 'services');
    expect(await discover([path.join(ws, 'java')], inner)).toEqual([
      'java/app/gradle/dependency-locks/compileClasspath.lockfile',
      'java/app/pom.xml',
    ]);
  });

  it('a missing root or an unsupported file given as a root is an input error', async () => {
    for (const [root, message] of [
      ['does-not-exist', 'does not exist'],
      ['services/web/README.md', 'is not a supported lockfile or SBOM'],
    ] as const) {
      let caught: unknown;
      try {
        await discoverManifests([root], ws);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(GateError);
      expect((caught as GateError).code).toBe('input');
      expect((caught as GateError).message).toContain(`${root}: ${message}`);
    }
  });

  it('what it finds can be read with the workspace-relative path as the display path', async () => {
    const [goMod] = await discoverManifests(['go.mod'], ws);
    const m = await readManifest(goMod as string, {
      displayPath: path.relative(ws, goMod as string),
    });
    expect(m).toEqual({ file: 'go.mod', format: 'go.mod', packages: [], unresolved: [] });
  });
});
