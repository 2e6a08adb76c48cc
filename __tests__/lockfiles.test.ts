/**
 * Lockfile and SBOM readers (src/adapters/lockfiles): real files as package managers and SBOM
 * tools write them (__tests__/fixtures/lockfiles, provenance in its README), exact packages for a
 * few entries and counts per file; variants and failures on copies in a temporary directory.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Package, ParsedManifest } from '../src/checks/dependencies/model.js';
import { GateError } from '../src/errors.js';
import { SUPPORTED_FILES, readManifest } from '../src/adapters/lockfiles/index.js';
import { identityFromPurl } from '../src/adapters/lockfiles/purl.js';
import { pep503 } from '../src/adapters/lockfiles/common.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'lockfiles');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gate-lockfiles-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Reads a fixture, shown as its path under the fixtures folder. */
async function read(rel: string): Promise<ParsedManifest> {
  return readManifest(path.join(FIXTURES, rel), { displayPath: rel });
}

function pkg(m: ParsedManifest, name: string, version?: string): Package {
  const found = m.packages.filter(
    (p) => p.name === name && (version === undefined || p.version === version),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${name}@${version ?? '*'} in ${m.file}, found ${found.length}`);
  }
  return found[0] as Package;
}

/** A temporary copy of text under a given file name (in its own directory). */
let counter = 0;
async function temp(name: string, text: string): Promise<string> {
  const dir = path.join(tmp, String(++counter));
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function fixtureText(rel: string): Promise<string> {
  return readFile(path.join(FIXTURES, rel), 'utf8');
}

async function inputErrorOf(promise: Promise<unknown>): Promise<GateError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    expect((err as GateError).code).toBe('input');
    return err as GateError;
  }
  throw new Error('expected a GateError, but the file was read');
}

const npmTree = (file: string, lines: Record<string, number>): Package[] => [
  {
    ecosystem: 'npm',
    name: '@tootallnate/once',
    version: '2.0.0',
    purl: 'pkg:npm/%40tootallnate/once@2.0.0',
    direct: true,
    scope: 'runtime',
    file,
    line: lines.once,
  },
  {
    ecosystem: 'npm',
    name: 'debug',
    version: '4.3.4',
    purl: 'pkg:npm/debug@4.3.4',
    direct: true,
    scope: 'runtime',
    file,
    line: lines.debug,
  },
];

describe('npm package-lock.json', () => {
  it.each([
    ['npm-v3/package-lock.json', 'package-lock.json v3'],
    ['npm-v2/package-lock.json', 'package-lock.json v2'],
  ])(
    '%s: direct from the root and workspaces, dev flag, aliases, nested installs',
    async (rel, format) => {
      const m = await read(rel);
      expect(m.format).toBe(format);
      expect(m.file).toBe(rel);
      expect(m.unresolved).toEqual([]);
      expect(m.packages).toHaveLength(9); // the workspace folder and its link are the project's own
      expect(m.packages.slice(0, 2)).toEqual(npmTree(rel, { once: 33, debug: 41 }));
      expect(pkg(m, 'ms', '2.1.2')).toMatchObject({ direct: false, scope: 'runtime', line: 57 }); // node_modules/debug/node_modules/ms
      expect(pkg(m, 'ms', '2.0.0')).toMatchObject({ direct: true, scope: 'runtime' });
      expect(pkg(m, 'is-number', '7.0.0')).toMatchObject({ direct: true, scope: 'dev' });
      // `is-num-alias: npm:is-number@6.0.0` is the package is-number, as OSV keys it
      expect(pkg(m, 'is-number', '6.0.0')).toMatchObject({
        purl: 'pkg:npm/is-number@6.0.0',
        direct: true,
        scope: 'runtime',
      });
      expect(pkg(m, 'isarray')).toMatchObject({ direct: true, scope: 'runtime' }); // peer
      expect(pkg(m, 'inherits')).toMatchObject({ direct: true, scope: 'runtime' }); // optional
      expect(pkg(m, 'kind-of')).toMatchObject({ direct: true, scope: 'runtime' }); // the workspace's
    },
  );

  it('v1: the nested tree, direct from the sibling package.json, the workspace skipped', async () => {
    const m = await read('npm-v1/package-lock.json');
    expect(m.format).toBe('package-lock.json v1');
    expect(m.unresolved).toEqual([]);
    expect(m.packages).toHaveLength(9);
    expect(m.packages.slice(0, 2)).toEqual(
      npmTree('npm-v1/package-lock.json', { once: 13, debug: 17 }),
    );
    expect(pkg(m, 'ms', '2.1.2')).toMatchObject({ direct: false, line: 24 });
    expect(pkg(m, 'is-number', '7.0.0')).toMatchObject({ direct: true, scope: 'dev' });
    expect(pkg(m, 'is-number', '6.0.0')).toMatchObject({ direct: true, scope: 'runtime' });
    // top level but declared by the workspace only: the lockfile cannot say
    expect(pkg(m, 'kind-of').direct).toBeUndefined();
  });

  it('v1 without a package.json beside it: direct unknown at the top level, git sources unresolved', async () => {
    const lock = JSON.parse(await fixtureText('npm-v1/package-lock.json')) as {
      dependencies: Record<string, Record<string, unknown>>;
    };
    lock.dependencies['@tootallnate/once'] = {
      version: 'github:TooTallNate/once#1234abc',
      from: 'github:TooTallNate/once',
    };
    const m = await readManifest(await temp('package-lock.json', JSON.stringify(lock, null, 2)));
    expect(pkg(m, 'debug').direct).toBeUndefined();
    expect(pkg(m, 'ms', '2.1.2').direct).toBe(false);
    expect(m.unresolved).toEqual([
      expect.objectContaining({
        name: '@fixture/a',
        reason: expect.stringContaining('file:packages/a') as unknown,
      }),
      expect.objectContaining({
        name: '@tootallnate/once',
        reason: expect.stringContaining('git') as unknown,
      }),
    ]);
  });

  it('v3: a git dependency is unresolved, an entry without a version is unresolved', async () => {
    const lock = JSON.parse(await fixtureText('npm-v3/package-lock.json')) as {
      packages: Record<string, Record<string, unknown>>;
    };
    (lock.packages['node_modules/debug'] as Record<string, unknown>).resolved =
      'git+ssh://git@github.com/debug-js/debug.git#5c9f9f4b0d2a1e1d5a7f0c4e7a4bbf4ec3a1bb2a';
    delete (lock.packages['node_modules/ms'] as Record<string, unknown>).version;
    const m = await readManifest(await temp('package-lock.json', JSON.stringify(lock, null, 2)));
    expect(m.unresolved.map((u) => u.name).sort()).toEqual(['debug', 'ms']);
    expect(m.packages).toHaveLength(7);
  });

  it('npm-shrinkwrap.json is read as a package-lock', async () => {
    const m = await readManifest(
      await temp('npm-shrinkwrap.json', await fixtureText('npm-v3/package-lock.json')),
    );
    expect(m.format).toBe('npm-shrinkwrap.json v3');
    expect(m.packages).toHaveLength(9);
  });
});

describe('yarn.lock', () => {
  it('v1 (classic): aliases, direct and dev from package.json, transitive by reachability', async () => {
    const m = await read('yarn-v1/yarn.lock');
    expect(m.format).toBe('yarn.lock v1');
    expect(m.packages).toHaveLength(8);
    expect(m.unresolved).toEqual([]);
    expect(pkg(m, 'debug')).toEqual({
      ecosystem: 'npm',
      name: 'debug',
      version: '4.3.4',
      purl: 'pkg:npm/debug@4.3.4',
      direct: true,
      scope: 'runtime',
      file: 'yarn-v1/yarn.lock',
      line: 10,
    });
    expect(pkg(m, 'ms', '2.1.2')).toMatchObject({ direct: false, scope: 'runtime', line: 42 });
    expect(pkg(m, 'is-number', '6.0.0')).toMatchObject({
      purl: 'pkg:npm/is-number@6.0.0',
      direct: true,
      scope: 'runtime',
    });
    expect(pkg(m, 'is-number', '7.0.0')).toMatchObject({ direct: true, scope: 'dev' });
    // the workspace's dependency: package.json of the root does not declare it
    expect(pkg(m, 'kind-of')).toMatchObject({ scope: 'unknown' });
    expect(pkg(m, 'kind-of').direct).toBeUndefined();
  });

  it('v1 without package.json: nothing is known about direct or scope', async () => {
    const m = await readManifest(await temp('yarn.lock', await fixtureText('yarn-v1/yarn.lock')));
    expect(pkg(m, 'debug').direct).toBeUndefined();
    expect(m.packages.every((p) => p.scope === 'unknown')).toBe(true);
  });

  it('Berry: resolution names, npm: protocol, workspace entries skipped, dev from package.json', async () => {
    const m = await read('yarn-berry/yarn.lock');
    expect(m.format).toBe('yarn.lock (Berry, v10)');
    expect(m.packages).toHaveLength(8);
    expect(m.unresolved).toEqual([]);
    expect(pkg(m, '@tootallnate/once')).toEqual({
      ecosystem: 'npm',
      name: '@tootallnate/once',
      version: '2.0.0',
      purl: 'pkg:npm/%40tootallnate/once@2.0.0',
      direct: true,
      scope: 'runtime',
      file: 'yarn-berry/yarn.lock',
      line: 16,
    });
    expect(pkg(m, 'is-number', '6.0.0')).toMatchObject({ direct: true, scope: 'runtime' });
    expect(pkg(m, 'is-number', '7.0.0')).toMatchObject({ direct: true, scope: 'dev' });
    expect(pkg(m, 'ms', '2.1.2')).toMatchObject({ direct: false, scope: 'runtime', line: 86 });
    expect(pkg(m, 'kind-of')).toMatchObject({ direct: true, scope: 'unknown' }); // workspace packages/a
  });

  it('Berry: a git resolution is unresolved; an unknown __metadata.version is refused', async () => {
    const text = await fixtureText('yarn-berry/yarn.lock');
    const git = text.replace(
      'resolution: "debug@npm:4.3.4"',
      'resolution: "debug@https://github.com/debug-js/debug.git#commit=5c9f9f4"',
    );
    const m = await readManifest(await temp('yarn.lock', git));
    expect(m.unresolved).toEqual([expect.objectContaining({ name: 'debug', line: 23 })]);
    const err = await inputErrorOf(
      readManifest(await temp('yarn.lock', text.replace('version: 10', 'version: 99'))),
    );
    expect(err.message).toContain('unknown Yarn Berry lockfile __metadata.version 99');
  });
});

describe('pnpm-lock.yaml', () => {
  it.each([
    ['pnpm-v5/pnpm-lock.yaml', 'pnpm-lock.yaml v5.4', 36],
    ['pnpm-v6/pnpm-lock.yaml', 'pnpm-lock.yaml v6.0', 45],
    ['pnpm-v9/pnpm-lock.yaml', 'pnpm-lock.yaml v9.0', 44],
  ])('%s: importers give direct and dev; aliases; transitive', async (rel, format, debugLine) => {
    const m = await read(rel);
    expect(m.format).toBe(format);
    expect(m.packages).toHaveLength(8);
    expect(m.unresolved).toEqual([]);
    expect(pkg(m, 'debug')).toEqual({
      ecosystem: 'npm',
      name: 'debug',
      version: '4.3.4',
      purl: 'pkg:npm/debug@4.3.4',
      direct: true,
      scope: 'runtime',
      file: rel,
      line: debugLine,
    });
    expect(pkg(m, 'ms', '2.1.2')).toMatchObject({ direct: false, scope: 'runtime' });
    expect(pkg(m, 'is-number', '6.0.0')).toMatchObject({ direct: true, scope: 'runtime' });
    expect(pkg(m, 'is-number', '7.0.0')).toMatchObject({ direct: true, scope: 'dev' });
    expect(pkg(m, 'kind-of')).toMatchObject({ direct: true, scope: 'runtime' });
    expect(pkg(m, 'inherits')).toMatchObject({ direct: true, scope: 'runtime' });
  });

  it('v9: a git package is unresolved', async () => {
    const text = (await fixtureText('pnpm-v9/pnpm-lock.yaml')).replace(
      '  kind-of@6.0.3:\n    resolution: {integrity: sha512-dcS1ul+9tmeD95T+x28/ehLgd9mENa3LsvDTtzm3vyBEO7RPptvAD+t44WVXaUjTBRcrpFeFlC8WCruUR456hw==}',
      '  kind-of@6.0.3:\n    resolution: {type: git, repo: https://github.com/jonschlinkert/kind-of.git, commit: 4da96f6}',
    );
    const m = await readManifest(await temp('pnpm-lock.yaml', text));
    expect(m.unresolved).toEqual([
      expect.objectContaining({
        name: 'kind-of',
        reason: expect.stringContaining('git') as unknown,
      }),
    ]);
    expect(m.packages).toHaveLength(7);
  });
});

describe('bun.lock', () => {
  it('JSONC with trailing commas; workspace devDependencies make everything dev', async () => {
    const m = await read('bun/bun.lock');
    expect(m.format).toBe('bun.lock v1');
    expect(m.packages).toHaveLength(5);
    expect(pkg(m, '@types/bun')).toEqual({
      ecosystem: 'npm',
      name: '@types/bun',
      version: '1.3.11',
      purl: 'pkg:npm/%40types/bun@1.3.11',
      direct: true,
      scope: 'dev',
      file: 'bun/bun.lock',
      line: 14,
    });
    expect(pkg(m, 'undici-types')).toMatchObject({
      version: '7.18.2',
      direct: false,
      scope: 'dev',
    });
  });

  it('the binary bun.lockb is refused with the command that writes bun.lock', async () => {
    const err = await inputErrorOf(
      readManifest(await temp('bun.lockb', '#!/usr/bin/env bun\nbun-lockfile-format-v0\n')),
    );
    expect(err.fix).toContain('--save-text-lockfile');
  });
});

describe('PyPI', () => {
  it('requirements.txt from pip-compile: pins, hashes ignored, # via gives direct', async () => {
    const rel = 'pypi-requirements/requirements/requirements.txt';
    const m = await read(rel);
    expect(m.format).toBe('requirements.txt');
    expect(m.packages).toEqual([
      {
        ecosystem: 'PyPI',
        name: 'numpy',
        version: '1.24.3',
        purl: 'pkg:pypi/numpy@1.24.3',
        direct: true,
        scope: 'unknown',
        file: rel,
        line: 7,
      },
      {
        ecosystem: 'PyPI',
        name: 'typing-extensions',
        version: '4.5.0',
        purl: 'pkg:pypi/typing-extensions@4.5.0',
        direct: true,
        scope: 'unknown',
        file: rel,
        line: 37,
      },
    ]);
    expect(m.unresolved).toEqual([]);
  });

  it('-r includes (with a loop), markers, extras; unpinned lines unresolved', async () => {
    const dir = 'pypi-requirements/requirements';
    const m = await read(`${dir}/requirements-dev.txt`);
    expect(m.packages.map((p) => `${p.name}@${p.version} ${p.file}:${p.line}`)).toEqual([
      `numpy@1.24.3 ${dir}/requirements.txt:7`,
      `typing-extensions@4.5.0 ${dir}/requirements.txt:37`,
      `zope-interface@6.4 ${dir}/requirements-loop.txt:3`,
      `pytest@8.3.2 ${dir}/requirements-dev.txt:6`,
      `requests@2.32.3 ${dir}/requirements-dev.txt:8`,
    ]);
    expect(m.unresolved.map((u) => [u.name, u.line])).toEqual([
      ['black', 9],
      ['flake8', 10],
      ['zope-interface', 11],
      ['./local-package', 12],
      ['git+https://github.com/pypa/sampleproject.git#egg=sampleproject', 13],
    ]);
    expect(m.unresolved[0]?.reason).toContain("'>=24.1'");
  });

  it('an unpinned line of an included file is located in that file', async () => {
    const dir = await mkdtemp(path.join(tmp, 'req-include-'));
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'requirements.txt'), '# top\n-r sub/base.txt\nflask==3.0.0\n');
    await writeFile(path.join(dir, 'sub', 'base.txt'), 'requests==2.32.3\n\nclick>=8\n');
    const m = await readManifest(path.join(dir, 'requirements.txt'), {
      displayPath: 'requirements.txt',
    });
    expect(m.unresolved).toEqual([
      {
        name: 'click',
        reason: expect.stringContaining('sub/base.txt:3') as unknown,
        line: 3,
        file: 'sub/base.txt',
      },
    ]);
    expect(m.packages.map((p) => `${p.name} ${p.file}:${p.line}`)).toEqual([
      'requests sub/base.txt:1',
      'flask requirements.txt:3',
    ]);
  });

  it('a missing -r include is an error naming the including file and line', async () => {
    const file = await temp('requirements.txt', 'six==1.16.0\n-r missing.txt\n');
    const err = await inputErrorOf(readManifest(file, { displayPath: 'requirements.txt' }));
    expect(err.message).toMatch(
      /^requirements\.txt:2: cannot read the included requirements file 'missing.txt'/,
    );
    expect(err.location).toEqual({ file: 'requirements.txt', line: 2 });
  });

  it('poetry.lock (lock-version 2.0): PEP 503 names, no scope information', async () => {
    const m = await read('poetry/poetry.lock');
    expect(m.format).toBe('poetry.lock v2.0');
    expect(m.packages).toHaveLength(17);
    expect(pkg(m, 'py-spy')).toEqual({
      ecosystem: 'PyPI',
      name: 'py-spy',
      version: '0.3.14',
      purl: 'pkg:pypi/py-spy@0.3.14',
      scope: 'unknown',
      file: 'poetry/poetry.lock',
      line: 145,
    });
  });

  it('poetry.lock: category (lock 1.1) and groups (lock 2.1) give the scope; git sources unresolved', async () => {
    const base = await fixtureText('poetry/poetry.lock');
    const v11 = base
      .replace(
        'name = "six"\nversion = "1.16.0"',
        'name = "six"\nversion = "1.16.0"\ncategory = "main"',
      )
      .replace(
        'name = "pylint"\nversion = "3.0.3"',
        'name = "pylint"\nversion = "3.0.3"\ncategory = "dev"',
      )
      .replace('lock-version = "2.0"', 'lock-version = "1.1"');
    const m11 = await readManifest(await temp('poetry.lock', v11));
    expect(m11.format).toBe('poetry.lock v1.1');
    expect(pkg(m11, 'six').scope).toBe('runtime');
    expect(pkg(m11, 'pylint').scope).toBe('dev');
    const v21 = base
      .replace(
        'name = "six"\nversion = "1.16.0"',
        'name = "six"\nversion = "1.16.0"\ngroups = ["main", "dev"]',
      )
      .replace(
        'name = "pylint"\nversion = "3.0.3"',
        'name = "pylint"\nversion = "3.0.3"\ngroups = ["dev"]',
      )
      .replace(
        'name = "invoke"\nversion = "2.2.0"',
        'name = "invoke"\nversion = "2.2.0"\n\n[package.source]\ntype = "git"\nurl = "https://github.com/pyinvoke/invoke.git"\nreference = "main"\n',
      )
      .replace('lock-version = "2.0"', 'lock-version = "2.1"');
    const m21 = await readManifest(await temp('poetry.lock', v21));
    expect(pkg(m21, 'six').scope).toBe('runtime');
    expect(pkg(m21, 'pylint').scope).toBe('dev');
    expect(m21.unresolved).toEqual([expect.objectContaining({ name: 'invoke', line: 80 })]);
  });

  it('uv.lock: the virtual root gives direct; registry packages only', async () => {
    const m = await read('uv/uv.lock');
    expect(m.format).toBe('uv.lock v1');
    expect(m.packages).toHaveLength(10);
    expect(pkg(m, 'flake8')).toEqual({
      ecosystem: 'PyPI',
      name: 'flake8',
      version: '7.3.0',
      purl: 'pkg:pypi/flake8@7.3.0',
      direct: true,
      scope: 'runtime',
      file: 'uv/uv.lock',
      line: 29,
    });
    expect(pkg(m, 'pygments')).toMatchObject({ direct: false, scope: 'runtime' });
  });

  it('uv.lock: dev-dependencies of the root are dev', async () => {
    const text = (await fixtureText('uv/uv.lock')).replace(
      'dependencies = [\n    { name = "flake8" },\n    { name = "pytest" },\n]\n\n[package.metadata]',
      'dependencies = [\n    { name = "flake8" },\n]\n\n[package.dev-dependencies]\ndev = [\n    { name = "pytest" },\n]\n\n[package.metadata]',
    );
    const m = await readManifest(await temp('uv.lock', text));
    expect(pkg(m, 'pytest')).toMatchObject({ direct: true, scope: 'dev' });
    expect(pkg(m, 'pluggy')).toMatchObject({ direct: false, scope: 'dev' });
    expect(pkg(m, 'flake8')).toMatchObject({ direct: true, scope: 'runtime' });
  });

  it('Pipfile.lock: default is runtime, develop is dev', async () => {
    const m = await read('pipenv/Pipfile.lock');
    expect(m.format).toBe('Pipfile.lock (spec 6)');
    expect(m.packages).toHaveLength(4);
    expect(pkg(m, 'django')).toEqual({
      ecosystem: 'PyPI',
      name: 'django',
      version: '4.0.3',
      purl: 'pkg:pypi/django@4.0.3',
      scope: 'runtime',
      file: 'pipenv/Pipfile.lock',
      line: 27,
    });
    const json = JSON.parse(await fixtureText('pipenv/Pipfile.lock')) as Record<
      string,
      Record<string, unknown>
    >;
    json.develop = {
      pytest: { version: '==7.1.1' },
      mylib: { git: 'https://example.com/mylib.git', ref: 'abc' },
    };
    const m2 = await readManifest(await temp('Pipfile.lock', JSON.stringify(json, null, 4)));
    expect(pkg(m2, 'pytest').scope).toBe('dev');
    expect(m2.unresolved).toEqual([expect.objectContaining({ name: 'mylib' })]);
  });
});

describe('go.mod', () => {
  it('require blocks, // indirect, a local replace unresolved', async () => {
    const m = await read('go/relay/go.mod');
    expect(m.format).toBe('go.mod');
    expect(m.packages).toHaveLength(7);
    expect(pkg(m, 'google.golang.org/grpc')).toEqual({
      ecosystem: 'Go',
      name: 'google.golang.org/grpc',
      version: 'v1.64.0',
      purl: 'pkg:golang/google.golang.org/grpc@v1.64.0',
      direct: true,
      scope: 'unknown',
      file: 'go/relay/go.mod',
      line: 7,
    });
    expect(pkg(m, 'golang.org/x/net')).toMatchObject({ direct: false, line: 12 });
    expect(m.unresolved).toEqual([
      {
        name: 'github.com/isaacwallace123/cortex/services/courier',
        reason: expect.stringContaining('../../services/courier') as unknown,
        line: 6,
      },
    ]);
  });

  it('replace directives (block and single) are applied; comments after versions', async () => {
    const m = await read('go/okteto/go.mod');
    expect(m.packages).toHaveLength(215);
    expect(m.unresolved).toEqual([]);
    // replace google.golang.org/grpc => google.golang.org/grpc v1.40.0 (line 237; the
    // require on line 46 says v1.47.0): the line is where the version shipped is named.
    expect(pkg(m, 'google.golang.org/grpc')).toMatchObject({
      version: 'v1.40.0',
      direct: true,
      line: 237,
    });
    // github.com/moby/buildkit => github.com/okteto/buildkit v0.9.2-okteto2
    expect(pkg(m, 'github.com/okteto/buildkit')).toMatchObject({
      version: 'v0.9.2-okteto2',
      purl: 'pkg:golang/github.com/okteto/buildkit@v0.9.2-okteto2',
    });
    expect(m.packages.some((p) => p.name === 'github.com/moby/buildkit')).toBe(false);
    expect(pkg(m, 'github.com/google/go-containerregistry')).toMatchObject({
      version: 'v0.8.0',
      direct: true,
    });
    expect(pkg(m, 'github.com/Masterminds/semver/v3')).toMatchObject({
      purl: 'pkg:golang/github.com/Masterminds/semver/v3@v3.1.1',
    });
    expect(pkg(m, 'github.com/stretchr/testify')).toMatchObject({ direct: true }); // no // indirect
  });

  it('an unknown directive and an unclosed block are refused with the line', async () => {
    const e1 = await inputErrorOf(
      readManifest(await temp('go.mod', 'module example.com/m\n\nfrobnicate x\n'), {
        displayPath: 'go.mod',
      }),
    );
    expect(e1.message).toBe("go.mod:3: unknown directive 'frobnicate'");
    const e2 = await inputErrorOf(
      readManifest(
        await temp('go.mod', 'module example.com/m\nrequire (\n\tgolang.org/x/net v0.1.0\n'),
        { displayPath: 'go.mod' },
      ),
    );
    expect(e2.location).toEqual({ file: 'go.mod', line: 2 });
  });
});

describe('Cargo.lock, Gemfile.lock, composer.lock, packages.lock.json', () => {
  it('Cargo.lock: workspace path crates skipped, their dependencies direct', async () => {
    const m = await read('cargo/Cargo.lock');
    expect(m.format).toBe('Cargo.lock v3');
    expect(m.packages.map((p) => `${p.name}@${p.version}:${String(p.direct)}`)).toEqual([
      'proc-macro2@1.0.47:true',
      'quote@1.0.21:true',
      'syn@1.0.103:true',
      'unicode-ident@1.0.5:false',
    ]);
    expect(pkg(m, 'syn')).toEqual({
      ecosystem: 'crates.io',
      name: 'syn',
      version: '1.0.103',
      purl: 'pkg:cargo/syn@1.0.103',
      direct: true,
      scope: 'unknown',
      file: 'cargo/Cargo.lock',
      line: 32,
    });
    const git = (await fixtureText('cargo/Cargo.lock')).replace(
      'name = "quote"\nversion = "1.0.21"\nsource = "registry+https://github.com/rust-lang/crates.io-index"',
      'name = "quote"\nversion = "1.0.21"\nsource = "git+https://github.com/dtolnay/quote?branch=master#4f4a2b8"',
    );
    const m2 = await readManifest(await temp('Cargo.lock', git));
    expect(m2.unresolved).toEqual([expect.objectContaining({ name: 'quote', line: 23 })]);
  });

  it('Gemfile.lock: platform suffixes stripped and merged, PATH self skipped, DEPENDENCIES direct', async () => {
    const m = await read('ruby/Gemfile.lock');
    expect(m.format).toBe('Gemfile.lock');
    expect(m.packages).toHaveLength(30); // nokogiri ×3 platforms → 1; mrsk (PATH .) skipped
    expect(m.unresolved).toEqual([]);
    expect(pkg(m, 'nokogiri')).toEqual({
      ecosystem: 'RubyGems',
      name: 'nokogiri',
      version: '1.14.0',
      purl: 'pkg:gem/nokogiri@1.14.0',
      direct: false,
      scope: 'unknown',
      file: 'ruby/Gemfile.lock',
      line: 52,
    });
    expect(pkg(m, 'railties')).toMatchObject({ direct: true });
    const withGit = `GIT\n  remote: https://github.com/rails/rails.git\n  revision: 0123abc\n  specs:\n    rails (7.1.0.alpha)\n\n${await fixtureText('ruby/Gemfile.lock')}`;
    const m2 = await readManifest(await temp('Gemfile.lock', withGit));
    expect(m2.unresolved).toEqual([expect.objectContaining({ name: 'rails', line: 5 })]);
  });

  it('composer.lock: packages runtime, packages-dev dev, direct from composer.json', async () => {
    const m = await read('composer/composer.lock');
    expect(m.packages).toHaveLength(13);
    expect(pkg(m, 'twig/twig')).toEqual({
      ecosystem: 'Packagist',
      name: 'twig/twig',
      version: 'v2.14.11',
      purl: 'pkg:composer/twig/twig@v2.14.11',
      scope: 'runtime',
      file: 'composer/composer.lock',
      line: 836,
    });
    const json = JSON.parse(await fixtureText('composer/composer.lock')) as {
      packages: unknown[];
      'packages-dev': unknown[];
    };
    json['packages-dev'] = json.packages.splice(11, 1); // tracy/tracy
    const file = await temp('composer.lock', JSON.stringify(json, null, 4));
    await writeFile(
      path.join(path.dirname(file), 'composer.json'),
      JSON.stringify({
        require: { 'twig/twig': '^2.14' },
        'require-dev': { 'tracy/tracy': '^2.6' },
      }),
    );
    const m2 = await readManifest(file);
    expect(pkg(m2, 'tracy/tracy')).toMatchObject({ scope: 'dev', direct: true });
    expect(pkg(m2, 'twig/twig')).toMatchObject({ scope: 'runtime', direct: true });
    expect(pkg(m2, 'doctrine/cache')).toMatchObject({ direct: false });
  });

  it('packages.lock.json: all target frameworks, Direct vs Transitive, de-duplicated', async () => {
    const m = await read('nuget/packages.lock.json');
    expect(m.format).toBe('packages.lock.json v1');
    expect(m.packages).toHaveLength(17);
    expect(pkg(m, 'Newtonsoft.Json')).toEqual({
      ecosystem: 'NuGet',
      name: 'Newtonsoft.Json',
      version: '13.0.1',
      purl: 'pkg:nuget/Newtonsoft.Json@13.0.1',
      direct: false,
      scope: 'unknown',
      file: 'nuget/packages.lock.json',
      line: 89,
    });
    expect(pkg(m, 'PiperSharp')).toMatchObject({ direct: true });
  });
});

describe('Java', () => {
  it('gradle.lockfile: group:artifact names; classpath configurations give the scope', async () => {
    const m = await read('gradle/gradle.lockfile');
    expect(m.format).toBe('gradle.lockfile');
    expect(m.packages).toHaveLength(45);
    expect(pkg(m, 'com.google.code.findbugs:jsr305')).toEqual({
      ecosystem: 'Maven',
      name: 'com.google.code.findbugs:jsr305',
      version: '3.0.2',
      purl: 'pkg:maven/com.google.code.findbugs/jsr305@3.0.2',
      scope: 'runtime',
      file: 'gradle/gradle.lockfile',
      line: 4,
    });
    expect(pkg(m, 'org.mockito:mockito-core').scope).toBe('dev');
    expect(pkg(m, 'com.puppycrawl.tools:checkstyle').scope).toBe('unknown'); // a build tool
    const err = await inputErrorOf(
      readManifest(await temp('gradle.lockfile', 'org.slf4j:slf4j-api=compileClasspath\n'), {
        displayPath: 'gradle.lockfile',
      }),
    );
    expect(err.location).toEqual({ file: 'gradle.lockfile', line: 1 });
  });

  it('pom.xml: versions from <properties>, test scope is dev', async () => {
    const m = await read('maven/jackson/pom.xml');
    expect(m.packages).toHaveLength(6);
    expect(m.unresolved).toEqual([]);
    expect(pkg(m, 'com.fasterxml.jackson.core:jackson-databind')).toEqual({
      ecosystem: 'Maven',
      name: 'com.fasterxml.jackson.core:jackson-databind',
      version: '2.10.5',
      purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.5',
      direct: true,
      scope: 'runtime',
      file: 'maven/jackson/pom.xml',
      line: 31,
    });
    expect(pkg(m, 'junit:junit')).toMatchObject({ version: '4.12', scope: 'dev' });
  });

  it('pom.xml: versions from a parent POM are unresolved, never guessed', async () => {
    const m = await read('maven/springboot/pom.xml');
    expect(m.packages).toEqual([]);
    expect(m.unresolved.map((u) => [u.name, u.line])).toEqual([
      ['org.springframework.boot:spring-boot-starter-web', 34],
      ['org.springframework.boot:spring-boot-devtools', 39],
      ['org.springframework.boot:spring-boot-starter-tomcat', 45],
      ['org.springframework.boot:spring-boot-starter-test', 50],
    ]);
    const undefinedProp = (await fixtureText('maven/jackson/pom.xml')).replace(
      '<slf.version>1.7.25</slf.version>',
      '',
    );
    const m2 = await readManifest(await temp('pom.xml', undefinedProp));
    expect(m2.unresolved.map((u) => u.name)).toEqual([
      'org.slf4j:slf4j-api',
      'org.slf4j:slf4j-log4j12',
    ]);
    expect(m2.unresolved[0]?.reason).toContain('${slf.version}');
  });
});

describe('SBOMs', () => {
  it('CycloneDX 1.5 from npm sbom: purls, direct from the dependency graph, scope', async () => {
    const m = await read('cyclonedx/npm-sbom.cdx.json');
    expect(m.format).toBe('CycloneDX 1.5');
    expect(m.packages).toHaveLength(10);
    expect(pkg(m, '@tootallnate/once')).toEqual({
      ecosystem: 'npm',
      name: '@tootallnate/once',
      version: '2.0.0',
      purl: 'pkg:npm/%40tootallnate/once@2.0.0',
      direct: true,
      scope: 'runtime',
      file: 'cyclonedx/npm-sbom.cdx.json',
      line: 38,
    });
    expect(pkg(m, 'ms', '2.1.2')).toMatchObject({ direct: false, scope: 'runtime' });
    // npm writes `optional` for dev dependencies: not evidence of either
    expect(pkg(m, 'is-number', '7.0.0')).toMatchObject({ direct: true, scope: 'unknown' });
  });

  it('CycloneDX 1.6: nested components are read; entries without purl are unresolved', async () => {
    const m = await read('cyclonedx/valid-assembly-1.6.json');
    expect(m.packages).toEqual([]);
    expect(m.unresolved.map((u) => u.name)).toEqual([
      'acme-library-a@1.0.0',
      'acme-library-b@2.0.0',
    ]);
  });

  it('SPDX 2.3 from npm sbom: the described package skipped, relationships give direct and dev', async () => {
    const m = await read('spdx/npm-sbom.spdx.json');
    expect(m.format).toBe('SPDX 2.3');
    expect(m.packages).toHaveLength(10);
    expect(m.packages.some((p) => p.name === 'lockfile-fixture')).toBe(false);
    expect(pkg(m, 'debug')).toEqual({
      ecosystem: 'npm',
      name: 'debug',
      version: '4.3.4',
      purl: 'pkg:npm/debug@4.3.4',
      direct: true,
      scope: 'runtime',
      file: 'spdx/npm-sbom.spdx.json',
      line: 58,
    });
    expect(pkg(m, 'is-number', '7.0.0')).toMatchObject({ direct: true, scope: 'dev' });
    expect(pkg(m, 'kind-of')).toMatchObject({ direct: false, scope: 'runtime' });
  });

  it('an SBOM under any .json name is recognised by content', async () => {
    const m = await readManifest(
      await temp('build-output.json', await fixtureText('spdx/npm-sbom.spdx.json')),
    );
    expect(m.format).toBe('SPDX 2.3');
    const err = await inputErrorOf(readManifest(await temp('sbom.json', '{"hello": "world"}')));
    expect(err.message).toContain('neither a CycloneDX JSON BOM');
  });

  it.each([
    [
      'pkg:pypi/Django_REST.framework@3.12.4',
      { ecosystem: 'PyPI', name: 'django-rest-framework', version: '3.12.4' },
    ],
    [
      'pkg:golang/github.com/gorilla/mux@v1.8.0',
      { ecosystem: 'Go', name: 'github.com/gorilla/mux', version: 'v1.8.0' },
    ],
    ['pkg:cargo/serde@1.0.0', { ecosystem: 'crates.io', name: 'serde', version: '1.0.0' }],
    ['pkg:gem/rails@7.0.4', { ecosystem: 'RubyGems', name: 'rails', version: '7.0.4' }],
    [
      'pkg:composer/symfony/http-foundation@v4.2.5',
      { ecosystem: 'Packagist', name: 'symfony/http-foundation', version: 'v4.2.5' },
    ],
    [
      'pkg:nuget/Newtonsoft.Json@13.0.1',
      { ecosystem: 'NuGet', name: 'Newtonsoft.Json', version: '13.0.1' },
    ],
    [
      'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar',
      {
        ecosystem: 'Maven',
        name: 'com.fasterxml.jackson.core:jackson-databind',
        version: '2.10.0',
      },
    ],
    ['pkg:npm/%40babel/core@7.0.0', { ecosystem: 'npm', name: '@babel/core', version: '7.0.0' }],
    ['pkg:pub/http@1.2.0', { ecosystem: 'Pub', name: 'http', version: '1.2.0' }],
    ['pkg:hex/phoenix@1.7.0', { ecosystem: 'Hex', name: 'phoenix', version: '1.7.0' }],
    ['pkg:cran/ggplot2@3.4.0', { ecosystem: 'CRAN', name: 'ggplot2', version: '3.4.0' }],
    ['pkg:hackage/aeson@2.1.0.0', { ecosystem: 'Hackage', name: 'aeson', version: '2.1.0.0' }],
  ])('purl %s → OSV ecosystem and name', (purl, expected) => {
    expect(identityFromPurl(purl, pep503)).toMatchObject({ ok: true, ...expected });
  });

  it('a purl of a type OSV does not know, or no purl at all, is unresolved', async () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.4',
      version: 1,
      components: [
        {
          type: 'library',
          name: 'openssl',
          version: '3.0.2-0ubuntu1',
          purl: 'pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1?arch=amd64',
        },
        { type: 'library', name: 'mystery', version: '1.0' },
        { type: 'library', name: 'requests', version: '2.31.0', purl: 'pkg:pypi/requests@2.31.0' },
      ],
    };
    const m = await readManifest(await temp('bom.json', JSON.stringify(bom, null, 2)));
    expect(m.packages.map((p) => p.purl)).toEqual(['pkg:pypi/requests@2.31.0']);
    expect(m.unresolved.map((u) => u.name)).toEqual(['openssl@3.0.2-0ubuntu1', 'mystery@1.0']);
    expect(m.unresolved[0]?.reason).toContain("type 'deb'");
  });
});

describe('failing closed', () => {
  it.each([
    ['package-lock.json', 'npm-v3/package-lock.json'],
    ['composer.lock', 'composer/composer.lock'],
    ['packages.lock.json', 'nuget/packages.lock.json'],
    ['Pipfile.lock', 'pipenv/Pipfile.lock'],
    ['bom.cdx.json', 'cyclonedx/npm-sbom.cdx.json'],
  ])('a truncated %s is an input error naming the file and the last line', async (name, rel) => {
    const text = await fixtureText(rel);
    const cut = text.slice(0, Math.floor(text.length / 2));
    const err = await inputErrorOf(
      readManifest(await temp(name, cut), { displayPath: `app/${name}` }),
    );
    expect(err.message).toMatch(
      new RegExp(`^app/${name.replace(/\./g, '\\.')}:\\d+: is not valid JSON`),
    );
    expect(err.location?.file).toBe(`app/${name}`);
    expect(err.location?.line).toBeGreaterThan(1);
  });

  it('wrong JSON reports the line of the error', async () => {
    const err = await inputErrorOf(
      readManifest(
        await temp('package-lock.json', '{\n  "lockfileVersion": 3,\n  "packages": {,}\n}\n'),
        { displayPath: 'package-lock.json' },
      ),
    );
    expect(err.location).toEqual({ file: 'package-lock.json', line: 3 });
  });

  it('wrong YAML (pnpm, Berry) reports the line of the error', async () => {
    const bad = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies: [unclosed\n";
    const err = await inputErrorOf(
      readManifest(await temp('pnpm-lock.yaml', bad), { displayPath: 'pnpm-lock.yaml' }),
    );
    expect(err.message).toMatch(/^pnpm-lock\.yaml:\d+: is not valid YAML/);
    const berry = (await fixtureText('yarn-berry/yarn.lock')).replace(
      '  version: 4.3.4\n',
      '  version: 4.3.4\n   bad: [\n',
    );
    const e2 = await inputErrorOf(
      readManifest(await temp('yarn.lock', berry), { displayPath: 'yarn.lock' }),
    );
    expect(e2.message).toContain('is not valid YAML');
    expect(e2.location?.line).toBeGreaterThanOrEqual(24);
  });

  it.each([
    ['poetry.lock', 'poetry/poetry.lock'],
    ['uv.lock', 'uv/uv.lock'],
    ['Cargo.lock', 'cargo/Cargo.lock'],
  ])('wrong TOML in %s reports the line of the error', async (name, rel) => {
    const text = (await fixtureText(rel)).replace(/^version = "/m, 'version = = "');
    const err = await inputErrorOf(readManifest(await temp(name, text), { displayPath: name }));
    expect(err.message).toContain('is not valid TOML');
    expect(err.location?.line).toBeGreaterThan(1);
  });

  it('malformed XML in pom.xml is an input error with the line', async () => {
    const text = (await fixtureText('maven/jackson/pom.xml')).replace('</dependencies>', '');
    const err = await inputErrorOf(
      readManifest(await temp('pom.xml', text), { displayPath: 'pom.xml' }),
    );
    expect(err.message).toContain('is not well-formed XML');
  });

  it.each([
    [
      'package-lock.json',
      (t: string) => t.replace('"lockfileVersion": 3', '"lockfileVersion": 4'),
      'unknown lockfileVersion 4',
    ],
    [
      'package-lock.json',
      (t: string) => t.replace('"lockfileVersion": 3,', ''),
      'unknown lockfileVersion undefined',
    ],
    [
      'pnpm-lock.yaml',
      (t: string) => t.replace("lockfileVersion: '9.0'", "lockfileVersion: '10.0'"),
      'unknown lockfileVersion "10.0"',
    ],
    [
      'bun.lock',
      (t: string) => t.replace('"lockfileVersion": 1', '"lockfileVersion": 2'),
      'unknown lockfileVersion 2',
    ],
    [
      'poetry.lock',
      (t: string) => t.replace('lock-version = "2.0"', 'lock-version = "3.0"'),
      'unknown lock-version "3.0"',
    ],
    [
      'uv.lock',
      (t: string) => t.replace('version = 1\n', 'version = 2\n'),
      'unknown uv.lock version 2',
    ],
    [
      'Cargo.lock',
      (t: string) => t.replace('version = 3\n', 'version = 5\n'),
      'unknown Cargo.lock version 5',
    ],
    [
      'Pipfile.lock',
      (t: string) => t.replace('"pipfile-spec": 6', '"pipfile-spec": 7'),
      'unknown pipfile-spec 7',
    ],
    [
      'packages.lock.json',
      (t: string) => t.replace('"version": 1', '"version": 3'),
      'unknown packages.lock.json version 3',
    ],
    [
      'bom.cdx.json',
      (t: string) => t.replace('"specVersion": "1.5"', '"specVersion": "2.0"'),
      'unsupported CycloneDX specVersion "2.0"',
    ],
    [
      'sbom.spdx.json',
      (t: string) => t.replace('"spdxVersion": "SPDX-2.3"', '"spdxVersion": "SPDX-3.0"'),
      'unsupported spdxVersion "SPDX-3.0"',
    ],
  ])('an unknown format version in %s is refused (%#)', async (name, edit, message) => {
    const source: Record<string, string> = {
      'package-lock.json': 'npm-v3/package-lock.json',
      'pnpm-lock.yaml': 'pnpm-v9/pnpm-lock.yaml',
      'bun.lock': 'bun/bun.lock',
      'poetry.lock': 'poetry/poetry.lock',
      'uv.lock': 'uv/uv.lock',
      'Cargo.lock': 'cargo/Cargo.lock',
      'Pipfile.lock': 'pipenv/Pipfile.lock',
      'packages.lock.json': 'nuget/packages.lock.json',
      'bom.cdx.json': 'cyclonedx/npm-sbom.cdx.json',
      'sbom.spdx.json': 'spdx/npm-sbom.spdx.json',
    };
    const text = edit(await fixtureText(source[name] as string));
    const err = await inputErrorOf(readManifest(await temp(name, text), { displayPath: name }));
    expect(err.message).toContain(`${name}: ${message}`);
    expect(err.fix).toBeTruthy();
  });

  it('structurally wrong files are refused, not read as empty', async () => {
    const cases: [string, string, string][] = [
      ['package-lock.json', '{"lockfileVersion": 3}', 'has no "packages" object'],
      ['package-lock.json', '[1, 2]', 'is not a JSON object'],
      ['yarn.lock', 'hello: world\n', 'neither a yarn v1 lockfile'],
      ['composer.lock', '{"packages": {}}', 'has no "packages" array'],
      ['poetry.lock', '[[package]]\nname = "six"\nversion = "1.16.0"\n', 'has no [metadata] table'],
      ['go.mod', 'require golang.org/x/net v0.1.0\n', 'has no valid module directive'],
      ['Gemfile.lock', 'GEMS\n  remote: https://rubygems.org/\n', "unknown section 'GEMS'"],
      ['pom.xml', '<?xml version="1.0"?><settings/>', 'expected <project>'],
      ['requirements.txt', '--frobnicate\n', "unknown pip option '--frobnicate'"],
    ];
    for (const [name, text, message] of cases) {
      const err = await inputErrorOf(readManifest(await temp(name, text), { displayPath: name }));
      expect(err.message).toContain(message);
    }
  });

  it('empty but valid lockfiles give zero packages', async () => {
    const cases: [string, string][] = [
      [
        'package-lock.json',
        '{"name": "x", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "x"}}}',
      ],
      [
        'yarn.lock',
        '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n',
      ],
      ['pnpm-lock.yaml', "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n"],
      ['Cargo.lock', 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n'],
      ['requirements.txt', '# nothing pinned yet\n'],
      ['go.mod', 'module example.com/m\n\ngo 1.22\n'],
      [
        'Gemfile.lock',
        'GEM\n  remote: https://rubygems.org/\n  specs:\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n',
      ],
    ];
    for (const [name, text] of cases) {
      const m = await readManifest(await temp(name, text));
      expect([name, m.packages, m.unresolved]).toEqual([name, [], []]);
    }
  });

  it('a missing file is an input error naming it', async () => {
    const err = await inputErrorOf(
      readManifest(path.join(tmp, 'nope', 'package-lock.json'), {
        displayPath: 'nope/package-lock.json',
      }),
    );
    expect(err.message).toMatch(/^nope\/package-lock\.json: cannot read the file: .*ENOENT/);
    expect(err.location).toEqual({ file: 'nope/package-lock.json' });
  });

  it('an unsupported file name is an input error listing what is supported', async () => {
    const err = await inputErrorOf(readManifest(await temp('Podfile.lock', 'PODS:\n')));
    expect(err.message).toContain('is not a supported lockfile or SBOM');
    expect(err.message).toContain('pnpm-lock.yaml');
  });

  it('SUPPORTED_FILES names every format', () => {
    expect(SUPPORTED_FILES).toEqual(
      expect.arrayContaining([
        'package-lock.json',
        'npm-shrinkwrap.json',
        'yarn.lock',
        'pnpm-lock.yaml',
        'bun.lock',
        'requirements*.txt',
        'poetry.lock',
        'uv.lock',
        'Pipfile.lock',
        'go.mod',
        'Cargo.lock',
        'Gemfile.lock',
        'composer.lock',
        'packages.lock.json',
        'gradle.lockfile',
        'pom.xml',
        '*.cdx.json',
        '*.spdx.json',
      ]),
    );
  });

  it('reads a file copied next to its package.json like the original', async () => {
    const dir = path.join(tmp, 'copy-npm-v1');
    await mkdir(dir, { recursive: true });
    await copyFile(
      path.join(FIXTURES, 'npm-v1/package-lock.json'),
      path.join(dir, 'package-lock.json'),
    );
    await copyFile(path.join(FIXTURES, 'npm-v1/package.json'), path.join(dir, 'package.json'));
    const m = await readManifest(path.join(dir, 'package-lock.json'));
    expect(pkg(m, 'debug').direct).toBe(true);
  });
});
