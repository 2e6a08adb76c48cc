/**
 * npm `package-lock.json` / `npm-shrinkwrap.json`, lockfile versions 1, 2 and 3.
 *
 * v2/v3: the `packages` map keyed by install path. Direct = installed where the root (or a
 * workspace folder) resolves one of its declared dependencies. Aliases (`npm:real@1.0.0`) are named
 * by the entry's `name`. Workspace folders and links are the project's own code and are skipped;
 * git and local-file sources go to `unresolved`.
 *
 * v1: the nested `dependencies` tree. Direct needs the sibling package.json (read when present).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  jsonLines,
  mapKeys,
  parseJson,
  splitAt,
  type ReadContext,
  type Scope,
} from './common.js';

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

export async function readPackageLock(ctx: ReadContext): Promise<ParsedManifest> {
  const json = parseJson(ctx);
  if (!isRecord(json))
    throw inputError(ctx.display, 'is not a JSON object (expected a package-lock)');
  const version = json.lockfileVersion;
  if (version !== 1 && version !== 2 && version !== 3) {
    throw inputError(
      ctx.display,
      `unknown lockfileVersion ${JSON.stringify(version) ?? 'undefined'} (supported: 1, 2, 3)`,
      {
        fix: 'Regenerate it with npm 7 or later (`npm install --package-lock-only`), or upgrade the gate.',
      },
    );
  }
  const base = path.basename(ctx.display);
  const b = new ManifestBuilder(ctx.display, `${base} v${version}`);
  const lines = jsonLines(ctx.text);
  if (version === 1) await readV1(ctx, json, b, lines);
  else readV2(ctx, json, b, lines);
  return b.build();
}

function nonRegistrySource(spec: string | undefined): string | undefined {
  if (!spec) return undefined;
  if (
    /^(git\+|git:|github:|gitlab:|bitbucket:|gist:)/.test(spec) ||
    /^[^/@:]+\/[^/]+#/.test(spec)
  ) {
    return `installed from git (${spec}), not from a registry: its version cannot be matched against advisories`;
  }
  if (/^file:/.test(spec)) return `installed from a local path (${spec}), not from a registry`;
  return undefined;
}

function workspacePatterns(root: Record<string, unknown>): RegExp[] {
  const ws = root.workspaces;
  const list = Array.isArray(ws)
    ? ws
    : isRecord(ws) && Array.isArray(ws.packages)
      ? ws.packages
      : [];
  return list
    .filter((p): p is string => typeof p === 'string')
    .map((p) => {
      const body = p
        .replace(/^\.\//, '')
        .replace(/\/+$/, '')
        .split('/')
        .map((seg) =>
          seg === '**' ? '.*' : seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'),
        )
        .join('/');
      return new RegExp(`^${body}$`);
    });
}

function readV2(
  ctx: ReadContext,
  json: Record<string, unknown>,
  b: ManifestBuilder,
  lines: (p: (string | number)[]) => number | undefined,
): void {
  const packages = json.packages;
  if (!isRecord(packages)) {
    throw inputError(
      ctx.display,
      `lockfileVersion ${String(json.lockfileVersion)} has no "packages" object`,
    );
  }
  const root = isRecord(packages['']) ? packages[''] : undefined;
  const wsPatterns = root ? workspacePatterns(root) : [];

  // Where each importer's declared dependencies are installed: the direct dependencies.
  const direct = new Set<string>();
  let importersKnown = false;
  for (const [key, value] of Object.entries(packages)) {
    const isImporter = key === '' || (!key.includes('node_modules/') && isRecord(value));
    if (!isImporter || !isRecord(value)) continue;
    importersKnown = true;
    for (const field of DEP_FIELDS) {
      for (const dep of mapKeys(value[field])) {
        const nested = key === '' ? `node_modules/${dep}` : `${key}/node_modules/${dep}`;
        direct.add(key !== '' && Object.hasOwn(packages, nested) ? nested : `node_modules/${dep}`);
      }
    }
  }

  for (const [key, value] of Object.entries(packages)) {
    if (key === '') continue;
    const line = lines(['packages', key]);
    if (!isRecord(value)) {
      throw inputError(ctx.display, `packages["${key}"] is not an object`, { line });
    }
    const idx = key.lastIndexOf('node_modules/');
    if (idx === -1) {
      // A folder of the project: a workspace, or a local directory dependency.
      if (wsPatterns.some((re) => re.test(key))) continue;
      b.unresolved(
        typeof value.name === 'string' ? value.name : key,
        `local directory '${key}' installed from the project's tree, not from a registry`,
        line,
      );
      continue;
    }
    if (value.link === true) continue; // points at a folder entry, handled above
    const name =
      typeof value.name === 'string' ? value.name : key.slice(idx + 'node_modules/'.length);
    const resolved = typeof value.resolved === 'string' ? value.resolved : undefined;
    const nonRegistry = nonRegistrySource(resolved);
    if (nonRegistry) {
      b.unresolved(name, nonRegistry, line);
      continue;
    }
    const scope: Scope = value.dev === true ? 'dev' : 'runtime';
    b.add({
      ecosystem: 'npm',
      name,
      version: typeof value.version === 'string' ? value.version : undefined,
      direct: importersKnown ? direct.has(key) : undefined,
      scope,
      line,
      missingVersionReason: 'package-lock entry without a version',
    });
  }
}

async function siblingPackageJson(ctx: ReadContext): Promise<Record<string, unknown> | undefined> {
  try {
    const text = await readFile(path.join(path.dirname(ctx.path), 'package.json'), 'utf8');
    const json = JSON.parse(text) as unknown;
    return isRecord(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

async function readV1(
  ctx: ReadContext,
  json: Record<string, unknown>,
  b: ManifestBuilder,
  lines: (p: (string | number)[]) => number | undefined,
): Promise<void> {
  const deps = json.dependencies;
  if (deps === undefined) return; // a project without dependencies
  if (!isRecord(deps))
    throw inputError(ctx.display, 'lockfileVersion 1 "dependencies" is not an object');
  const pkgJson = await siblingPackageJson(ctx);
  const declared = pkgJson ? new Set(DEP_FIELDS.flatMap((f) => mapKeys(pkgJson[f]))) : undefined;
  const wsPatterns = pkgJson ? workspacePatterns(pkgJson) : [];

  const walk = (tree: Record<string, unknown>, at: (string | number)[], depth: number): void => {
    for (const [key, value] of Object.entries(tree)) {
      const p = [...at, key];
      const line = lines(p);
      if (!isRecord(value))
        throw inputError(ctx.display, `dependencies["${key}"] is not an object`, { line });
      // Top-level but not declared by the root: with workspaces, maybe a workspace's direct dependency.
      const undeclared = wsPatterns.length > 0 ? undefined : false;
      const direct =
        depth > 0 ? false : declared ? (declared.has(key) ? true : undeclared) : undefined;
      let name = key;
      let version = typeof value.version === 'string' ? value.version : undefined;
      if (version?.startsWith('npm:')) {
        const alias = splitAt(version.slice(4));
        if (alias) {
          name = alias.name;
          version = alias.spec;
        }
      }
      const localPath = version?.startsWith('file:')
        ? version.slice(5).replace(/^\.\//, '')
        : undefined;
      const nonRegistry =
        nonRegistrySource(version) ?? nonRegistrySource(value.resolved as string | undefined);
      if (localPath !== undefined && wsPatterns.some((re) => re.test(localPath))) {
        // a workspace of the project (package.json "workspaces"): the project's own code
      } else if (nonRegistry) b.unresolved(name, nonRegistry, line);
      else {
        b.add({
          ecosystem: 'npm',
          name,
          version,
          direct,
          scope: value.dev === true ? 'dev' : 'runtime',
          line,
          missingVersionReason: 'package-lock entry without a version',
        });
      }
      if (value.dependencies !== undefined) {
        if (!isRecord(value.dependencies)) {
          throw inputError(ctx.display, `dependencies["${key}"].dependencies is not an object`, {
            line,
          });
        }
        walk(value.dependencies, [...p, 'dependencies'], depth + 1);
      }
    }
  };
  walk(deps, ['dependencies'], 0);
}
