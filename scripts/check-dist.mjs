#!/usr/bin/env node
/**
 * Fails when the committed dist/ or schema/ is not exactly what `npm run build` makes from the
 * current sources: builds into a fresh temporary folder (scripts/build.mjs --out) and compares
 * every file both ways, byte for byte, and the executable bit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FOLDERS = ['dist', 'schema'];

/** Every file under root/folder, as sorted "/"-separated paths relative to root. */
async function listFiles(root, folder) {
  let entries;
  try {
    entries = await readdir(path.join(root, folder), { recursive: true, withFileTypes: true });
  } catch (err) {
    if (err?.code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .map((file) => file.split(path.sep).join('/'))
    .sort();
}

async function isExecutable(file) {
  return ((await stat(file)).mode & 0o111) !== 0;
}

async function compare(built) {
  const problems = [];
  let count = 0;
  for (const folder of FOLDERS) {
    const expected = await listFiles(built, folder);
    const committed = new Set(await listFiles(ROOT, folder));
    for (const file of expected) {
      count += 1;
      if (!committed.delete(file)) {
        problems.push(`missing:   ${file} (the build makes it; it is not in the repository)`);
        continue;
      }
      const [want, have] = await Promise.all([
        readFile(path.join(built, file)),
        readFile(path.join(ROOT, file)),
      ]);
      if (!want.equals(have)) {
        problems.push(`different: ${file}`);
      } else if (
        (await isExecutable(path.join(built, file))) !== (await isExecutable(path.join(ROOT, file)))
      ) {
        problems.push(`mode:      ${file} (executable bit differs)`);
      }
    }
    for (const file of committed) {
      problems.push(`extra:     ${file} (in the repository; the build does not make it)`);
    }
  }
  return { problems: problems.sort(), count };
}

async function main() {
  const built = await mkdtemp(path.join(tmpdir(), 'security-gate-check-dist-'));
  try {
    const result = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts/build.mjs'), '--out', built],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (result.error) throw result.error;
    if (result.status !== 0) {
      console.error(`check-dist: the build failed (exit ${result.status ?? result.signal}).`);
      return 1;
    }
    const { problems, count } = await compare(built);
    if (problems.length > 0) {
      console.error('dist/ and schema/ are not what the build makes from the current sources:');
      for (const problem of problems) console.error(`  ${problem}`);
      console.error('Run "npm run build" and commit dist/ and schema/.');
      return 1;
    }
    console.log(`dist/ and schema/ are up to date (${count} files)`);
    return 0;
  } finally {
    await rm(built, { recursive: true, force: true });
  }
}

process.exitCode = await main();
