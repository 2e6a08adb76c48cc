/**
 * uv.lock (version 1). The project's own packages (virtual/editable sources) are the roots: their
 * `dependencies` and `optional-dependencies` are runtime, their `dev-dependencies` groups dev.
 * Registry packages count; git, URL, path and directory sources go to `unresolved`.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  parseTomlFile,
  pep503,
  scopeClassifier,
  tomlArrayHeaderLines,
  text,
  type ReadContext,
} from './common.js';

const SUPPORTED = [1];

interface Dep {
  name: string;
  version?: string;
}

function deps(value: unknown): Dep[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isRecord)
    .filter((d) => typeof d.name === 'string')
    .map((d) => ({
      name: pep503(d.name as string),
      ...(typeof d.version === 'string' ? { version: d.version } : {}),
    }));
}

function groupDeps(value: unknown): Dep[] {
  return isRecord(value) ? Object.values(value).flatMap(deps) : [];
}

export function readUvLock(ctx: ReadContext): ParsedManifest {
  const doc = parseTomlFile(ctx);
  if (!SUPPORTED.includes(doc.version as number)) {
    throw inputError(
      ctx.display,
      `unknown uv.lock version ${JSON.stringify(doc.version) ?? 'undefined'} (supported: ${SUPPORTED.join(', ')})`,
      { fix: 'Upgrade the gate, or regenerate the lockfile with a supported uv version.' },
    );
  }
  const list = doc.package ?? [];
  if (!Array.isArray(list)) throw inputError(ctx.display, '"package" is not an array of tables');
  const lines = tomlArrayHeaderLines(ctx.text, 'package');
  const lineOf = (i: number): number | undefined =>
    lines.length === list.length ? lines[i] : undefined;
  const b = new ManifestBuilder(ctx.display, `uv.lock v${String(doc.version)}`);

  const entries = list.map((entry: unknown, i) => {
    if (!isRecord(entry))
      throw inputError(ctx.display, `[[package]] #${i + 1} is not a table`, { line: lineOf(i) });
    return entry;
  });
  const idOf = (e: Record<string, unknown>): string =>
    `${pep503(String(e.name))}@${String(e.version)}`;
  const byName = new Map<string, string[]>();
  for (const e of entries) {
    const n = pep503(String(e.name));
    byName.set(n, [...(byName.get(n) ?? []), idOf(e)]);
  }
  const resolve = (d: Dep): string[] =>
    d.version !== undefined ? [`${d.name}@${d.version}`] : (byName.get(d.name) ?? []);
  const byId = new Map(entries.map((e) => [idOf(e), e]));
  const isOwn = (e: Record<string, unknown>): boolean =>
    isRecord(e.source) &&
    (Object.hasOwn(e.source, 'virtual') || Object.hasOwn(e.source, 'editable'));

  const runtime: string[] = [];
  const dev: string[] = [];
  for (const e of entries.filter(isOwn)) {
    runtime.push(
      ...[...deps(e.dependencies), ...groupDeps(e['optional-dependencies'])].flatMap(resolve),
    );
    dev.push(...groupDeps(e['dev-dependencies']).flatMap(resolve));
  }
  const direct = new Set([...runtime, ...dev]);
  const scopeOf = scopeClassifier({ runtime, dev }, (id) => {
    const e = byId.get(id);
    return e
      ? [...deps(e.dependencies), ...groupDeps(e['optional-dependencies'])].flatMap(resolve)
      : [];
  });
  const hasRoots = entries.some(isOwn);

  entries.forEach((e, i) => {
    const line = lineOf(i);
    const name = pep503(typeof e.name === 'string' ? e.name : '');
    if (isOwn(e)) return; // the project's own packages
    const source = isRecord(e.source) ? e.source : {};
    if (!Object.hasOwn(source, 'registry')) {
      const kind = Object.keys(source)[0] ?? 'unknown';
      b.unresolved(
        name || '(unnamed)',
        `installed from a ${kind} source (${text(source[kind])}), not from a package index`,
        line,
      );
      return;
    }
    const id = idOf(e);
    b.add({
      ecosystem: 'PyPI',
      name,
      version: typeof e.version === 'string' ? e.version : undefined,
      direct: hasRoots ? direct.has(id) : undefined,
      scope: hasRoots ? scopeOf(id) : 'unknown',
      line,
    });
  });
  return b.build();
}
