/**
 * composer.lock: `packages` are runtime, `packages-dev` dev. Direct comes from the sibling
 * composer.json's require / require-dev when it is readable. Branch versions (`dev-main`) and
 * path repositories go to `unresolved`.
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
  text,
  type ReadContext,
} from './common.js';

async function declared(ctx: ReadContext): Promise<Set<string> | undefined> {
  try {
    const json = JSON.parse(
      await readFile(path.join(path.dirname(ctx.path), 'composer.json'), 'utf8'),
    ) as unknown;
    if (!isRecord(json)) return undefined;
    return new Set(
      [...mapKeys(json.require), ...mapKeys(json['require-dev'])].map((n) => n.toLowerCase()),
    );
  } catch {
    return undefined;
  }
}

export async function readComposerLock(ctx: ReadContext): Promise<ParsedManifest> {
  const json = parseJson(ctx);
  if (!isRecord(json) || !Array.isArray(json.packages)) {
    throw inputError(ctx.display, 'has no "packages" array (not a composer.lock)');
  }
  const dev = json['packages-dev'] ?? [];
  if (!Array.isArray(dev)) throw inputError(ctx.display, '"packages-dev" is not an array');
  const direct = await declared(ctx);
  const lines = jsonLines(ctx.text);
  const b = new ManifestBuilder(ctx.display, 'composer.lock');
  for (const [section, list, scope] of [
    ['packages', json.packages as unknown[], 'runtime'],
    ['packages-dev', dev, 'dev'],
  ] as const) {
    list.forEach((entry, i) => {
      const line = lines([section, i]);
      if (!isRecord(entry) || typeof entry.name !== 'string') {
        throw inputError(ctx.display, `${section}[${i}] has no name`, { line });
      }
      const name = entry.name.toLowerCase();
      const version = typeof entry.version === 'string' ? entry.version : undefined;
      const dist = isRecord(entry.dist) ? entry.dist : {};
      if (dist.type === 'path') {
        b.unresolved(
          name,
          `installed from a local path (${text(dist.url)}), not from Packagist`,
          line,
        );
        return;
      }
      if (version && (/^dev-/.test(version) || /\.x-dev$|-dev$/.test(version))) {
        b.unresolved(name, `a development branch (${version}), not a released version`, line);
        return;
      }
      b.add({
        ecosystem: 'Packagist',
        name,
        version,
        direct: direct ? direct.has(name) : undefined,
        scope,
        line,
      });
    });
  }
  return b.build();
}
