/**
 * Finds supported lockfiles and SBOMs under the given roots, honouring .gitignore files (the
 * workspace's, those between it and each root, and nested ones) and never entering
 * node_modules, .git or vendor. Symlinked directories are not followed.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { describeThrown } from '../../errors.js';
import { inputError } from './common.js';
import { isSupportedFile } from './formats.js';

const SKIP_DIRS = new Set(['node_modules', '.git', 'vendor']);

interface Rules {
  base: string;
  ig: Ignore;
}

async function loadRules(dir: string): Promise<Rules | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, '.gitignore'), 'utf8');
  } catch {
    return undefined;
  }
  return { base: dir, ig: ignore().add(text) };
}

/** git semantics: the deepest .gitignore that has an opinion decides. */
function ignored(rules: Rules[], abs: string, isDir: boolean): boolean {
  let result = false;
  for (const r of rules) {
    const rel = path.relative(r.base, abs).split(path.sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    const t = r.ig.test(isDir ? `${rel}/` : rel);
    if (t.ignored) result = true;
    else if (t.unignored) result = false;
  }
  return result;
}

/**
 * Finds supported files under `roots` (directories or files, relative to `workspace` or
 * absolute). Returns absolute paths, sorted and de-duplicated: show them relative to the
 * workspace (`path.relative(workspace, file)`) as `displayPath` when reading them.
 */
export async function discoverManifests(roots: string[], workspace: string): Promise<string[]> {
  const ws = path.resolve(workspace);
  const found = new Set<string>();

  const walk = async (dir: string, rules: Rules[]): Promise<void> => {
    const own = await loadRules(dir);
    const active = own ? [...rules, own] : rules;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw inputError(
        path.relative(ws, dir) || dir,
        `cannot list the directory: ${describeThrown(err)}`,
        {
          cause: err,
        },
      );
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || ignored(active, abs, true)) continue;
        await walk(abs, active);
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (!isSupportedFile(abs) || ignored(active, abs, false)) continue;
        if (e.isSymbolicLink()) {
          const target = await stat(abs).catch(() => undefined);
          if (!target?.isFile()) continue;
        }
        found.add(abs);
      }
    }
  };

  for (const root of roots.length > 0 ? roots : ['.']) {
    const abs = path.resolve(ws, root);
    let info;
    try {
      info = await lstat(abs);
    } catch (err) {
      throw inputError(root, `does not exist or cannot be read: ${describeThrown(err)}`, {
        cause: err,
        fix: 'Check the paths given to the dependency check; they are relative to the workspace.',
      });
    }
    if (info.isFile() || info.isSymbolicLink()) {
      if (!isSupportedFile(abs)) {
        throw inputError(root, 'is not a supported lockfile or SBOM', {
          fix: 'Give a directory to search, or a supported lockfile or SBOM.',
        });
      }
      found.add(abs);
      continue;
    }
    // The .gitignore files from the workspace down to the root apply too.
    const rules: Rules[] = [];
    const rel = path.relative(ws, abs);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      let dir = ws;
      const parts = rel ? rel.split(path.sep) : [];
      for (const part of parts) {
        const r = await loadRules(dir);
        if (r) rules.push(r);
        if (SKIP_DIRS.has(part)) break;
        dir = path.join(dir, part);
      }
      if (rel && ignored(rules, abs, true)) continue;
    }
    await walk(abs, rules);
  }
  return [...found].sort();
}
