/**
 * pnpm-lock.yaml, lockfile versions 5.x (pnpm 7), 6.x (pnpm 8) and 9.x (pnpm 9/10).
 *
 * Direct and dev come from the importers (the root project and each workspace package): what they
 * list under dependencies / optionalDependencies is a runtime root, devDependencies a dev root;
 * everything else is classified by what reaches it. 5.x/6.x also carry a per-package `dev` flag,
 * which wins when present. Workspace links (`link:`) are the project's own code and are skipped.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  parseYaml,
  scopeClassifier,
  stringEntries,
  text,
  type ReadContext,
  type Scope,
} from './common.js';

type Major = 5 | 6 | 9;

interface Importer {
  path: string;
  deps: { field: string; name: string; version: string }[];
}

function importerDeps(value: Record<string, unknown>, major: Major): Importer['deps'] {
  const out: Importer['deps'] = [];
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    const deps = value[field];
    if (!isRecord(deps)) continue;
    for (const [name, spec] of Object.entries(deps)) {
      // 5.x: `name: version`; 6.x and 9.x: `name: { specifier, version }`.
      const version = major === 5 ? spec : isRecord(spec) ? spec.version : spec;
      if (typeof version === 'string') out.push({ field, name, version });
    }
  }
  return out;
}

/** Drops a peer-dependency suffix: `1.0.0(react@18.2.0)` (6.x/9.x), `1.0.0_react@18.2.0` (5.x). */
function stripPeers(version: string, major: Major): string {
  if (major === 5) {
    const u = version.indexOf('_');
    return u === -1 ? version : version.slice(0, u);
  }
  const p = version.indexOf('(');
  return p === -1 ? version : version.slice(0, p);
}

/** `name@version` (6.x, 9.x; 6.x keys start with '/') or `/name/version` (5.x) → parts. */
function parseKey(key: string, major: Major): { name: string; version: string } | undefined {
  let k = key.startsWith('/') ? key.slice(1) : key;
  k = stripPeers(k, major);
  if (major === 5) {
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return undefined;
    return { name: k.slice(0, slash), version: k.slice(slash + 1) };
  }
  const at = k.lastIndexOf('@');
  if (at <= 0) return undefined;
  return { name: k.slice(0, at), version: k.slice(at + 1) };
}

/** The packages-map key an importer's or a package's dependency resolves to. */
function depKey(name: string, version: string, major: Major): string | undefined {
  if (/^(link:|file:|workspace:)/.test(version)) return undefined;
  if (major === 9) {
    // An alias (`npm:real@1.0.0`) is written as `real@1.0.0`.
    const bare = stripPeers(version, 9);
    return /^(@[^/]+\/)?[^@/][^@]*@/.test(bare) ? bare : `${name}@${bare}`;
  }
  if (version.startsWith('/')) return stripPeers(version, major);
  return major === 5 ? `/${name}/${stripPeers(version, 5)}` : `/${name}@${stripPeers(version, 6)}`;
}

const SEMVERISH = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/;

export function readPnpmLock(ctx: ReadContext): ParsedManifest {
  const yaml = parseYaml(ctx);
  const doc = yaml.value;
  if (doc === null || doc === undefined)
    return new ManifestBuilder(ctx.display, 'pnpm-lock.yaml').build();
  if (!isRecord(doc))
    throw inputError(ctx.display, 'is not a YAML mapping (expected a pnpm lockfile)');
  const raw = doc.lockfileVersion;
  const versionText = typeof raw === 'number' || typeof raw === 'string' ? String(raw) : '';
  const majorNum = Number.parseInt(versionText, 10);
  if (!(majorNum === 5 || majorNum === 6 || majorNum === 9) || !/^\d+(\.\d+)?$/.test(versionText)) {
    throw inputError(
      ctx.display,
      `unknown lockfileVersion ${JSON.stringify(raw) ?? 'undefined'} (supported: 5.x, 6.x, 9.x)`,
      {
        fix: 'Regenerate it with pnpm 8 or 9 (`pnpm install --lockfile-only`), or upgrade the gate.',
      },
    );
  }
  const major = majorNum;
  const b = new ManifestBuilder(ctx.display, `pnpm-lock.yaml v${versionText}`);

  const packages = doc.packages ?? {};
  if (!isRecord(packages)) throw inputError(ctx.display, '"packages" is not a mapping');
  const snapshots = major === 9 ? (doc.snapshots ?? {}) : packages;
  if (!isRecord(snapshots)) throw inputError(ctx.display, '"snapshots" is not a mapping');
  const pkgLines = yaml.keyLines(['packages']);

  const importers: Importer[] = [];
  if (isRecord(doc.importers)) {
    for (const [p, value] of Object.entries(doc.importers)) {
      if (isRecord(value)) importers.push({ path: p, deps: importerDeps(value, major) });
    }
  } else {
    importers.push({ path: '.', deps: importerDeps(doc, major) });
  }

  // Graph over package keys (9.x: `packages` keys, without peer suffixes).
  const packageId = (snapshotKey: string): string =>
    major === 9 ? stripPeers(snapshotKey, 9) : snapshotKey;
  const edges = new Map<string, Set<string>>();
  for (const [key, value] of Object.entries(snapshots)) {
    if (!isRecord(value)) continue;
    const id = packageId(key);
    const set = edges.get(id) ?? new Set<string>();
    for (const field of ['dependencies', 'optionalDependencies']) {
      for (const [n, v] of stringEntries(value[field])) {
        const k = depKey(n, v, major);
        if (k) set.add(packageId(k));
      }
    }
    edges.set(id, set);
  }
  const runtime: string[] = [];
  const dev: string[] = [];
  const direct = new Set<string>();
  for (const imp of importers) {
    for (const d of imp.deps) {
      const k = depKey(d.name, d.version, major);
      if (!k) continue;
      const id = packageId(k);
      direct.add(id);
      (d.field === 'devDependencies' ? dev : runtime).push(id);
    }
  }
  const scopeOf = scopeClassifier({ runtime, dev }, (id) => edges.get(id) ?? []);

  for (const [key, value] of Object.entries(packages)) {
    const line = pkgLines.get(key);
    if (!isRecord(value))
      throw inputError(ctx.display, `packages["${key}"] is not a mapping`, { line });
    const fromKey = parseKey(key, major);
    const name = typeof value.name === 'string' ? value.name : fromKey?.name;
    const version = typeof value.version === 'string' ? value.version : fromKey?.version;
    if (!name) {
      b.unresolved(key, 'cannot read the package name from the key', line);
      continue;
    }
    const resolution = isRecord(value.resolution) ? value.resolution : {};
    if (typeof resolution.type === 'string' || typeof resolution.directory === 'string') {
      b.unresolved(
        name,
        `resolved from ${resolution.type === undefined ? 'a directory' : text(resolution.type)}${typeof resolution.repo === 'string' ? ` (${resolution.repo})` : ''}, not from the npm registry`,
        line,
      );
      continue;
    }
    if (typeof resolution.tarball === 'string' && (!fromKey || !SEMVERISH.test(fromKey.version))) {
      b.unresolved(
        name,
        `resolved from a tarball (${resolution.tarball}), not from the npm registry`,
        line,
      );
      continue;
    }
    const id = key;
    let scope: Scope = scopeOf(major === 9 ? id : key);
    if (major !== 9 && value.dev === true) scope = 'dev';
    if (major !== 9 && value.dev === false) scope = 'runtime';
    b.add({
      ecosystem: 'npm',
      name,
      version,
      direct: direct.has(id),
      scope,
      line,
      missingVersionReason: 'pnpm lockfile entry without a version',
    });
  }
  return b.build();
}
