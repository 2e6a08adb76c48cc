/**
 * yarn.lock: classic (v1, its own indentation format) and Berry (yarn 2+, YAML with
 * `__metadata`). Neither format says which dependencies are direct or dev: Berry's workspace
 * entries give direct; the sibling package.json gives dev (read when present). Everything not
 * reached from a declared root is `unknown` scope.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  mapKeys,
  parseYaml,
  reachable,
  scopeClassifier,
  splitAt,
  stringEntries,
  text,
  type ReadContext,
} from './common.js';

async function siblingPackageJson(ctx: ReadContext): Promise<Record<string, unknown> | undefined> {
  try {
    const json = JSON.parse(
      await readFile(path.join(path.dirname(ctx.path), 'package.json'), 'utf8'),
    ) as unknown;
    return isRecord(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

export async function readYarnLock(ctx: ReadContext): Promise<ParsedManifest> {
  if (/^__metadata:/m.test(ctx.text)) return readBerry(ctx);
  if (/^# yarn lockfile v1\s*$/m.test(ctx.text)) return readClassic(ctx);
  if (ctx.text.trim() === '') {
    return new ManifestBuilder(ctx.display, 'yarn.lock').build();
  }
  throw inputError(
    ctx.display,
    'is neither a yarn v1 lockfile (no "# yarn lockfile v1" header) nor a Yarn Berry lockfile (no __metadata)',
    { fix: 'Regenerate it with `yarn install`.' },
  );
}

// ---------------------------------------------------------------------------------------------
// Classic
// ---------------------------------------------------------------------------------------------

interface ClassicEntry {
  descriptors: string[];
  line: number;
  fields: Map<string, string>;
  deps: Map<string, string>;
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    return JSON.parse(t) as string;
  }
  return t;
}

/** `key value` or `"key" "value"`, yarn v1 style. */
function splitKeyValue(s: string): [string, string] | undefined {
  const t = s.trim();
  let key: string;
  let rest: string;
  if (t.startsWith('"')) {
    const end = t.indexOf('"', 1);
    if (end === -1) return undefined;
    key = t.slice(1, end);
    rest = t.slice(end + 1);
  } else {
    const sp = t.search(/\s/);
    if (sp === -1) return [t, ''];
    key = t.slice(0, sp);
    rest = t.slice(sp);
  }
  return [key, unquote(rest)];
}

function parseClassic(ctx: ReadContext): ClassicEntry[] {
  const entries: ClassicEntry[] = [];
  let current: ClassicEntry | undefined;
  let block: string | undefined;
  ctx.text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const indent = raw.length - raw.trimStart().length;
    if (indent === 0) {
      if (!raw.endsWith(':')) {
        throw inputError(ctx.display, `expected an entry header ending in ':' but found '${raw}'`, {
          line,
        });
      }
      const header = raw.slice(0, -1);
      const descriptors = header.split(/,\s*/).map(unquote).filter(Boolean);
      if (descriptors.length === 0) throw inputError(ctx.display, 'empty entry header', { line });
      current = { descriptors, line, fields: new Map(), deps: new Map() };
      entries.push(current);
      block = undefined;
      return;
    }
    if (!current) throw inputError(ctx.display, 'indented line outside an entry', { line });
    const body = raw.trim();
    if (indent === 2) {
      if (body.endsWith(':')) {
        block = body.slice(0, -1);
        return;
      }
      block = undefined;
      const kv = splitKeyValue(body);
      if (!kv) throw inputError(ctx.display, `cannot read '${body}'`, { line });
      current.fields.set(kv[0], kv[1]);
      return;
    }
    if (indent === 4 && block !== undefined) {
      const kv = splitKeyValue(body);
      if (!kv) throw inputError(ctx.display, `cannot read '${body}'`, { line });
      if (block === 'dependencies' || block === 'optionalDependencies')
        current.deps.set(kv[0], kv[1]);
      return;
    }
    throw inputError(ctx.display, `unexpected indentation (${indent} spaces)`, { line });
  });
  return entries;
}

function nonRegistryRange(range: string): string | undefined {
  if (/^(file:|link:|portal:)/.test(range))
    return `a local path (${range}), not a registry package`;
  if (
    /^(git\+|git:|github:|gitlab:|bitbucket:)/.test(range) ||
    /\.git(#|$)/.test(range) ||
    /^[^/@:]+\/[^/]+(#.*)?$/.test(range)
  ) {
    return `a git dependency (${range}): its version cannot be matched against advisories`;
  }
  if (/^https?:/.test(range)) return `a tarball URL (${range}), not a registry package`;
  return undefined;
}

async function readClassic(ctx: ReadContext): Promise<ParsedManifest> {
  const b = new ManifestBuilder(ctx.display, 'yarn.lock v1');
  const entries = parseClassic(ctx);
  const byDescriptor = new Map<string, ClassicEntry>();
  for (const e of entries) for (const d of e.descriptors) byDescriptor.set(d, e);

  const pkgJson = await siblingPackageJson(ctx);
  const idOf = (e: ClassicEntry): string => e.descriptors[0] as string;
  const rootDescriptors = (fields: string[]): string[] =>
    pkgJson
      ? fields.flatMap((f) =>
          Object.entries(isRecord(pkgJson[f]) ? pkgJson[f] : {}).map(
            ([n, r]) => `${n}@${String(r)}`,
          ),
        )
      : [];
  const toIds = (descs: string[]): string[] =>
    descs
      .map((d) => byDescriptor.get(d))
      .filter((e): e is ClassicEntry => !!e)
      .map(idOf);
  const runtimeRoots = toIds(
    rootDescriptors(['dependencies', 'optionalDependencies', 'peerDependencies']),
  );
  const devRoots = toIds(rootDescriptors(['devDependencies']));
  const direct = new Set([...runtimeRoots, ...devRoots]);
  // With workspaces, an entry the root does not declare may be a workspace's direct dependency.
  const notDirect = pkgJson && pkgJson.workspaces === undefined ? false : undefined;
  const byId = new Map(entries.map((e) => [idOf(e), e]));
  const edges = (id: string): string[] => {
    const e = byId.get(id);
    return e ? toIds([...e.deps].map(([n, r]) => `${n}@${r}`)) : [];
  };
  const scopeOf = scopeClassifier({ runtime: runtimeRoots, dev: devRoots }, edges);
  const reached = reachable([...runtimeRoots, ...devRoots], edges);

  for (const e of entries) {
    const first = splitAt(e.descriptors[0] as string);
    if (!first) {
      b.unresolved(
        e.descriptors[0] as string,
        'cannot read the package name from the entry header',
        e.line,
      );
      continue;
    }
    let name = first.name;
    let range = first.spec;
    if (range.startsWith('npm:')) {
      const alias = splitAt(range.slice(4));
      if (alias) {
        name = alias.name;
        range = alias.spec;
      } else {
        range = range.slice(4);
      }
    }
    const nonRegistry = nonRegistryRange(range);
    if (nonRegistry) {
      b.unresolved(name, nonRegistry, e.line);
      continue;
    }
    const id = idOf(e);
    b.add({
      ecosystem: 'npm',
      name,
      version: e.fields.get('version'),
      direct: !pkgJson ? undefined : direct.has(id) ? true : reached.has(id) ? false : notDirect,
      scope: scopeOf(id),
      line: e.line,
      missingVersionReason: 'yarn.lock entry without a version',
    });
  }
  return b.build();
}

// ---------------------------------------------------------------------------------------------
// Berry
// ---------------------------------------------------------------------------------------------

const BERRY_VERSIONS = [4, 5, 6, 7, 8, 9, 10];

async function readBerry(ctx: ReadContext): Promise<ParsedManifest> {
  const yaml = parseYaml(ctx);
  const doc = yaml.value;
  if (!isRecord(doc) || !isRecord(doc.__metadata)) {
    throw inputError(ctx.display, 'has no __metadata mapping (not a Yarn Berry lockfile)');
  }
  const version = Number(doc.__metadata.version);
  if (!BERRY_VERSIONS.includes(version)) {
    throw inputError(
      ctx.display,
      `unknown Yarn Berry lockfile __metadata.version ${JSON.stringify(doc.__metadata.version) ?? 'undefined'} (supported: ${BERRY_VERSIONS.join(', ')})`,
      { fix: 'Upgrade the gate, or regenerate the lockfile with a supported Yarn version.' },
    );
  }
  const b = new ManifestBuilder(ctx.display, `yarn.lock (Berry, v${version})`);
  const keyLines = yaml.keyLines([]);

  interface BerryEntry {
    key: string;
    value: Record<string, unknown>;
    line: number | undefined;
  }
  const entries: BerryEntry[] = [];
  const byDescriptor = new Map<string, string>();
  for (const [key, value] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    const line = keyLines.get(key);
    if (!isRecord(value))
      throw inputError(ctx.display, `entry '${key}' is not a mapping`, { line });
    entries.push({ key, value, line });
    for (const d of key.split(/,\s*/)) byDescriptor.set(d.trim(), key);
  }
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const depIds = (e: BerryEntry, fields = ['dependencies', 'optionalDependencies']): string[] =>
    fields
      .flatMap((f) => stringEntries(e.value[f]))
      .map(([n, r]) => byDescriptor.get(`${n}@${r}`))
      .filter((k): k is string => k !== undefined);

  const workspaces = entries.filter((e) => text(e.value.resolution).includes('@workspace:'));
  const pkgJson = await siblingPackageJson(ctx);
  const rootWs = workspaces.find((e) => String(e.value.resolution).endsWith('@workspace:.'));
  const devNames = new Set(pkgJson ? mapKeys(pkgJson.devDependencies) : []);
  const runtime: string[] = [];
  const dev: string[] = [];
  const unknown: string[] = [];
  const direct = new Set<string>();
  for (const ws of workspaces) {
    for (const [n, r] of stringEntries(ws.value.dependencies)) {
      const id = byDescriptor.get(`${n}@${r}`);
      if (!id) continue;
      direct.add(id);
      if (ws === rootWs && pkgJson) (devNames.has(n) ? dev : runtime).push(id);
      else unknown.push(id);
    }
  }
  const scopeOf = scopeClassifier({ runtime, dev, unknown }, (id) => {
    const e = byKey.get(id);
    return e ? depIds(e) : [];
  });

  for (const e of entries) {
    const resolution = typeof e.value.resolution === 'string' ? e.value.resolution : undefined;
    const parsed = resolution ? splitAt(resolution) : undefined;
    if (!resolution || !parsed) {
      b.unresolved(e.key, 'entry without a resolution', e.line);
      continue;
    }
    const { name, spec } = parsed;
    if (spec.startsWith('workspace:')) continue; // the project's own packages
    const isNpm =
      spec.startsWith('npm:') ||
      (spec.startsWith('patch:') && /@npm%3A/.test(spec)) ||
      (spec.startsWith('virtual:') && /#npm:/.test(spec));
    if (!isNpm) {
      b.unresolved(
        name,
        `resolved from '${spec.split('#')[0] ?? spec}', not from the npm registry: its version cannot be matched against advisories`,
        e.line,
      );
      continue;
    }
    b.add({
      ecosystem: 'npm',
      name,
      version: typeof e.value.version === 'string' ? e.value.version : text(e.value.version),
      direct: direct.has(e.key),
      scope: scopeOf(e.key),
      line: e.line,
      missingVersionReason: 'yarn.lock entry without a version',
    });
  }
  return b.build();
}
