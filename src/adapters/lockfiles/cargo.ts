/**
 * Cargo.lock (v1/v2 without a version field, v3, v4). Packages without a `source` are the
 * workspace's own (path) crates and are skipped; what they depend on is direct. Cargo.lock does
 * not separate dev-dependencies, so scope is unknown. Git sources go to `unresolved`.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  parseTomlFile,
  tomlArrayHeaderLines,
  text,
  type ReadContext,
} from './common.js';

const SUPPORTED = [3, 4];

export function readCargoLock(ctx: ReadContext): ParsedManifest {
  const doc = parseTomlFile(ctx);
  if (doc.version !== undefined && !SUPPORTED.includes(doc.version as number)) {
    throw inputError(
      ctx.display,
      `unknown Cargo.lock version ${JSON.stringify(doc.version)} (supported: 1/2 without a version field, ${SUPPORTED.join(', ')})`,
      { fix: 'Upgrade the gate, or regenerate the lockfile with a supported Cargo.' },
    );
  }
  const list = doc.package ?? [];
  if (!Array.isArray(list)) throw inputError(ctx.display, '"package" is not an array of tables');
  const lines = tomlArrayHeaderLines(ctx.text, 'package');
  const lineOf = (i: number): number | undefined =>
    lines.length === list.length ? lines[i] : undefined;
  const b = new ManifestBuilder(
    ctx.display,
    `Cargo.lock v${doc.version === undefined ? '1/2' : text(doc.version)}`,
  );

  const entries = list.map((entry: unknown, i) => {
    if (!isRecord(entry))
      throw inputError(ctx.display, `[[package]] #${i + 1} is not a table`, { line: lineOf(i) });
    return entry;
  });
  // Direct: what the workspace's own crates depend on ("name", "name version" or "name version (source)").
  const direct = new Set<string>();
  for (const e of entries.filter((x) => x.source === undefined)) {
    const depsList = Array.isArray(e.dependencies) ? e.dependencies : [];
    for (const d of depsList) {
      if (typeof d !== 'string') continue;
      const [n, v] = d.split(' ');
      direct.add(v ? `${n}@${v}` : (n as string));
    }
  }
  entries.forEach((e, i) => {
    const line = lineOf(i);
    const name = typeof e.name === 'string' ? e.name : '';
    const version = typeof e.version === 'string' ? e.version : undefined;
    if (e.source === undefined) return; // the workspace's own crates
    const source = text(e.source);
    if (!/^(registry|sparse)\+/.test(source)) {
      b.unresolved(
        name || '(unnamed)',
        `from ${source.split('#')[0] ?? source}, not from a registry`,
        line,
      );
      return;
    }
    b.add({
      ecosystem: 'crates.io',
      name,
      version,
      direct: direct.has(name) || direct.has(`${name}@${version ?? ''}`),
      scope: 'unknown',
      line,
    });
  });
  return b.build();
}
