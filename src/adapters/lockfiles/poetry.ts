/**
 * poetry.lock (lock-version 1.x and 2.x). Scope from `category` (Poetry < 1.5: main/dev) or
 * `groups` (lock-version 2.1: a package in the `main` group is runtime, in other groups only dev).
 * The lockfile does not say which packages are direct. Git, directory, file and URL sources go to
 * `unresolved`; `legacy` sources are package indexes and count.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  parseTomlFile,
  pep503,
  tomlArrayHeaderLines,
  type ReadContext,
  type Scope,
} from './common.js';

const SUPPORTED = /^(1\.[0-9]+|2\.[0-9]+)$/;

export function readPoetryLock(ctx: ReadContext): ParsedManifest {
  const doc = parseTomlFile(ctx);
  const metadata = doc.metadata;
  if (!isRecord(metadata)) {
    throw inputError(ctx.display, 'has no [metadata] table (not a Poetry lockfile)');
  }
  const lockVersion = metadata['lock-version'] === undefined ? '1.0' : metadata['lock-version'];
  if (typeof lockVersion !== 'string' || !SUPPORTED.test(lockVersion)) {
    throw inputError(
      ctx.display,
      `unknown lock-version ${JSON.stringify(lockVersion)} (supported: 1.x, 2.x)`,
      { fix: 'Upgrade the gate, or regenerate the lockfile with a supported Poetry version.' },
    );
  }
  const b = new ManifestBuilder(ctx.display, `poetry.lock v${lockVersion}`);
  const list = doc.package ?? [];
  if (!Array.isArray(list)) throw inputError(ctx.display, '"package" is not an array of tables');
  const lines = tomlArrayHeaderLines(ctx.text, 'package');
  const lineOf = (i: number): number | undefined =>
    lines.length === list.length ? lines[i] : undefined;

  list.forEach((entry: unknown, i) => {
    const line = lineOf(i);
    if (!isRecord(entry))
      throw inputError(ctx.display, `[[package]] #${i + 1} is not a table`, { line });
    const rawName = typeof entry.name === 'string' ? entry.name : '';
    const name = pep503(rawName);
    const source = isRecord(entry.source) ? entry.source : undefined;
    const sourceType = typeof source?.type === 'string' ? source.type : undefined;
    if (sourceType && sourceType !== 'legacy') {
      b.unresolved(
        name || '(unnamed)',
        `installed from a ${sourceType} source${typeof source?.url === 'string' ? ` (${source.url})` : ''}, not from a package index`,
        line,
      );
      return;
    }
    let scope: Scope = 'unknown';
    if (typeof entry.category === 'string') scope = entry.category === 'main' ? 'runtime' : 'dev';
    if (Array.isArray(entry.groups) && entry.groups.length > 0) {
      scope = entry.groups.includes('main') ? 'runtime' : 'dev';
    }
    b.add({
      ecosystem: 'PyPI',
      name,
      version: typeof entry.version === 'string' ? entry.version : undefined,
      scope,
      line,
    });
  });
  return b.build();
}
