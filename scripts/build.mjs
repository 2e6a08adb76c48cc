#!/usr/bin/env node
/**
 * Reproducible build of the committed artefacts:
 *
 *   dist/index.js      the GitHub Action (src/index.ts), one ESM file with every dependency
 *   dist/cli.js        the CLI (src/cli.ts), same, with a hashbang and mode 0755
 *   dist/licenses.txt  name@version, licence and licence text of every bundled npm package
 *   schema/policy.schema.json, schema/report.schema.json
 *                      generated from src/config/json-schema.ts
 *
 * Usage: node scripts/build.mjs [--out DIR] [--schema-only]
 *   --out DIR       write DIR/dist and DIR/schema instead of the repository's (used by check-dist)
 *   --schema-only   write schema/ only
 *
 * The output is byte-for-byte the same on every build and on every machine: esbuild works relative
 * to the repository root (no absolute paths), nothing time-dependent is written, and everything
 * generated here is sorted.
 */
import { build } from 'esbuild';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Lets a test point the schema step at a stand-in module; normally src/config/json-schema.ts. */
const SCHEMA_ENTRY = process.env.SECURITY_GATE_SCHEMA_ENTRY
  ? path.resolve(process.env.SECURITY_GATE_SCHEMA_ENTRY)
  : path.join(ROOT, 'src/config/json-schema.ts');

const ENTRIES = [
  { entry: 'src/index.ts', out: 'index.js', executable: false },
  { entry: 'src/cli.ts', out: 'cli.js', executable: true },
];

const HASHBANG = '#!/usr/bin/env node\n';

/**
 * Licences a bundled package may carry: permissive ones that let dist/ ship under MIT with the
 * notices in dist/licenses.txt. Anything else (copyleft, unknown, UNLICENSED) fails the build.
 */
const ALLOWED_LICENCES = new Set([
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'ISC',
  'MIT',
]);

/** An SPDX expression of allowed licences: every AND term allowed, some OR alternative allowed. */
export function licenceAllowed(expression) {
  const text = expression.trim().replace(/^\((.*)\)$/, '$1');
  if (/ OR /i.test(text)) return text.split(/ OR /i).some((x) => licenceAllowed(x));
  if (/ AND /i.test(text)) return text.split(/ AND /i).every((x) => licenceAllowed(x));
  return ALLOWED_LICENCES.has(text);
}

/**
 * CommonJS dependencies call require(); an ES module has none. esbuild's __require shim uses the
 * module-scope `require` when `typeof require !== 'undefined'`, which this banner provides.
 */
const REQUIRE_BANNER =
  "import { createRequire as __sgCreateRequire } from 'node:module';\n" +
  'const require = __sgCreateRequire(import.meta.url);';

/** @type {import('esbuild').BuildOptions} */
const COMMON_OPTIONS = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  charset: 'utf8',
  write: false,
  metafile: true,
  logLevel: 'warning',
  loader: { '.json': 'json' },
  plugins: [
    {
      // The gate reads only `version` from its own package.json: bundle just that, so that dist/
      // does not change when scripts or dev dependencies do.
      name: 'own-package-version',
      setup(b) {
        const own = path.join(ROOT, 'package.json');
        b.onLoad({ filter: /package\.json$/ }, async (args) =>
          args.path === own
            ? {
                contents: JSON.stringify({
                  version: JSON.parse(await readFile(own, 'utf8')).version,
                }),
                loader: 'json',
              }
            : undefined,
        );
      },
    },
  ],
};

function parseOptions() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'schema-only': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  return { outRoot: path.resolve(values.out ?? ROOT), schemaOnly: values['schema-only'] };
}

/** Bundles one entry point into memory and returns its text and esbuild metafile. */
async function bundle(entry) {
  const result = await build({
    ...COMMON_OPTIONS,
    entryPoints: [entry],
    outfile: path.join(ROOT, 'dist', path.basename(entry).replace(/\.ts$/, '.js')),
    banner: { js: REQUIRE_BANNER },
  });
  const [output] = result.outputFiles;
  if (result.outputFiles.length !== 1 || output === undefined) {
    throw new Error(`esbuild produced ${result.outputFiles.length} files for ${entry}, expected 1`);
  }
  return { text: output.text, metafile: result.metafile };
}

/** esbuild keeps a hashbang of the entry source at the top; make sure there is exactly one. */
function withHashbang(text) {
  const body = text.startsWith('#!') ? text.slice(text.indexOf('\n') + 1) : text;
  return HASHBANG + body;
}

/** Refuses output that would differ between machines or checkouts. */
function assertPortable(name, text) {
  for (const needle of new Set([ROOT, ROOT.replaceAll('\\', '/')])) {
    if (text.includes(needle)) {
      throw new Error(`${name} contains the absolute path ${needle}; the build must be portable`);
    }
  }
}

/**
 * The folder of the npm package that holds a bundled file, from its metafile input path (relative
 * to ROOT, "/"-separated): the part up to the last node_modules/<name> or node_modules/@scope/name.
 * Returns undefined for the project's own files and for esbuild's virtual inputs.
 */
function packageDirOf(inputPath) {
  if (inputPath.includes(':') || inputPath.startsWith('<')) return undefined; // e.g. (disabled):x
  const parts = inputPath.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return undefined;
  const scoped = parts[at + 1]?.startsWith('@');
  const end = at + (scoped ? 3 : 2);
  if (parts.length <= end) throw new Error(`cannot find the package of bundled file ${inputPath}`);
  return parts.slice(0, end).join('/');
}

const LICENCE_FILE = /^(licen[cs]e|copying)([.\-_].*)?$/i;

function normaliseText(text) {
  return (
    text
      .replace(/^\uFEFF/, '')
      .replace(/\r\n?/g, '\n')
      .trimEnd() + '\n'
  );
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The licence entry of one package folder (relative to ROOT). */
async function readPackage(dir) {
  const manifest = JSON.parse(await readFile(path.join(ROOT, dir, 'package.json'), 'utf8'));
  const license =
    typeof manifest.license === 'string'
      ? manifest.license
      : typeof manifest.license?.type === 'string'
        ? manifest.license.type
        : undefined;
  const files = (await readdir(path.join(ROOT, dir), { withFileTypes: true }))
    .filter((entry) => entry.isFile() && LICENCE_FILE.test(entry.name))
    .map((entry) => entry.name)
    .sort(compare);
  const texts = [];
  for (const file of files) {
    texts.push({ file, text: normaliseText(await readFile(path.join(ROOT, dir, file), 'utf8')) });
  }
  return { dir, name: manifest.name, version: manifest.version, license, texts };
}

async function licences(metafiles) {
  const dirs = new Set();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const dir = packageDirOf(input);
      if (dir !== undefined) dirs.add(dir);
    }
  }
  const packages = new Map(); // name@version → entry; nested copies of one version count once
  for (const dir of dirs) {
    const pkg = await readPackage(dir);
    if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') {
      throw new Error(`${dir}/package.json has no name or version`);
    }
    if (pkg.license === undefined) {
      throw new Error(`${pkg.name}@${pkg.version} (${dir}) is bundled but has no "license" field`);
    }
    if (!licenceAllowed(pkg.license)) {
      throw new Error(
        `${pkg.name}@${pkg.version} is bundled under ${pkg.license}, which is not in the build's licence allowlist (scripts/build.mjs ALLOWED_LICENCES): review it before adding it`,
      );
    }
    packages.set(`${pkg.name}@${pkg.version}`, pkg);
  }
  const sorted = [...packages.values()].sort(
    (a, b) => compare(a.name, b.name) || compare(a.version, b.version),
  );

  const own = await readPackage('.');
  const rule = '-'.repeat(80);
  const section = (pkg) =>
    [
      rule,
      `${pkg.name}@${pkg.version}`,
      `License: ${pkg.license ?? '(none declared)'}`,
      '',
      ...(pkg.texts.length === 0
        ? ['No LICENSE, LICENCE or COPYING file was found in this package.\n']
        : pkg.texts.map(({ file, text }) => `${file}:\n\n${text}`)),
    ].join('\n');

  return [
    `${own.name}@${own.version} (License: ${own.license ?? '(none declared)'})`,
    '',
    `dist/index.js and dist/cli.js contain ${own.name} and the following ${sorted.length} npm packages.`,
    '',
    section(own),
    ...sorted.map(section),
  ].join('\n');
}

/** Bundles the JSON Schema module into memory, imports it and returns both schemas as text. */
async function schemas() {
  const result = await build({
    ...COMMON_OPTIONS,
    entryPoints: [SCHEMA_ENTRY],
    outfile: path.join(ROOT, 'json-schema.mjs'),
    banner: { js: REQUIRE_BANNER },
    metafile: false,
  });
  const [output] = result.outputFiles;
  if (result.outputFiles.length !== 1 || output === undefined) {
    throw new Error(`esbuild produced ${result.outputFiles.length} files for the schema module`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'security-gate-schema-'));
  try {
    const file = path.join(dir, 'json-schema.mjs');
    await writeFile(file, output.contents);
    const module = await import(pathToFileURL(file).href);
    const generated = {};
    for (const [name, fn] of [
      ['policy.schema.json', 'policyJsonSchema'],
      ['report.schema.json', 'reportJsonSchema'],
    ]) {
      if (typeof module[fn] !== 'function') {
        throw new Error(`${path.relative(ROOT, SCHEMA_ENTRY)} does not export ${fn}()`);
      }
      generated[name] = JSON.stringify(module[fn](), null, 2) + '\n';
    }
    return generated;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Replaces DIR/<folder> with exactly the given files. */
async function writeFolder(outRoot, folder, files) {
  const dir = path.join(outRoot, folder);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const { name, text, executable } of files) {
    const file = path.join(dir, name);
    await writeFile(file, text, { mode: executable ? 0o755 : 0o644 });
    await chmod(file, executable ? 0o755 : 0o644); // writeFile's mode is subject to the umask
  }
  return files.map(({ name }) => `${folder}/${name}`);
}

async function main() {
  const { outRoot, schemaOnly } = parseOptions();

  // Make everything first, so that a failure leaves the previous output untouched.
  const dist = [];
  if (!schemaOnly) {
    const metafiles = [];
    for (const { entry, out, executable } of ENTRIES) {
      const { text, metafile } = await bundle(entry);
      dist.push({ name: out, text: executable ? withHashbang(text) : text, executable });
      metafiles.push(metafile);
    }
    dist.push({ name: 'licenses.txt', text: await licences(metafiles), executable: false });
    dist.sort((a, b) => compare(a.name, b.name));
  }
  const generated = await schemas();
  const schema = Object.keys(generated)
    .sort(compare)
    .map((name) => ({ name, text: generated[name], executable: false }));

  for (const { name, text } of dist) assertPortable(`dist/${name}`, text);
  for (const { name, text } of schema) assertPortable(`schema/${name}`, text);

  const written = [];
  if (!schemaOnly) written.push(...(await writeFolder(outRoot, 'dist', dist)));
  written.push(...(await writeFolder(outRoot, 'schema', schema)));

  const shown = path.relative(process.cwd(), outRoot) || '.';
  console.log(`Wrote ${written.length} files under ${shown}: ${written.join(', ')}`);
}

try {
  await main();
} catch (err) {
  // esbuild has already printed its own errors with their source locations.
  const esbuildFailure = Array.isArray(err?.errors) && err.errors.length > 0;
  console.error(
    esbuildFailure ? 'build: esbuild failed (see above)' : `build: ${err?.message ?? String(err)}`,
  );
  process.exitCode = 1;
}
