/**
 * Pipfile.lock (pipfile-spec 6): `default` is runtime, `develop` dev. Only `==` pins name a version;
 * git, path, file and editable entries go to `unresolved`.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  jsonLines,
  parseJson,
  pep503,
  type ReadContext,
} from './common.js';

const SUPPORTED = [6];

export function readPipfileLock(ctx: ReadContext): ParsedManifest {
  const json = parseJson(ctx);
  if (!isRecord(json) || !isRecord(json._meta)) {
    throw inputError(ctx.display, 'has no _meta object (not a Pipfile.lock)');
  }
  const spec = json._meta['pipfile-spec'];
  if (typeof spec !== 'number' || !SUPPORTED.includes(spec)) {
    throw inputError(
      ctx.display,
      `unknown pipfile-spec ${JSON.stringify(spec) ?? 'undefined'} (supported: ${SUPPORTED.join(', ')})`,
      { fix: 'Upgrade the gate, or regenerate the lockfile with `pipenv lock`.' },
    );
  }
  const lines = jsonLines(ctx.text);
  const b = new ManifestBuilder(ctx.display, `Pipfile.lock (spec ${spec})`);
  for (const [section, scope] of [
    ['default', 'runtime'],
    ['develop', 'dev'],
  ] as const) {
    const group = json[section] ?? {};
    if (!isRecord(group))
      throw inputError(ctx.display, `"${section}" is not an object`, { line: lines([section]) });
    for (const [rawName, entry] of Object.entries(group)) {
      const line = lines([section, rawName]);
      const name = pep503(rawName);
      if (!isRecord(entry))
        throw inputError(ctx.display, `${section}["${rawName}"] is not an object`, { line });
      const version = typeof entry.version === 'string' ? entry.version : undefined;
      if (!version) {
        const kind =
          ['git', 'path', 'file', 'editable'].find((k) => Object.hasOwn(entry, k)) ?? 'unknown';
        b.unresolved(name, `no pinned version (a ${kind} requirement)`, line);
        continue;
      }
      const pin = /^===?\s*(\S+)$/.exec(version);
      if (!pin) {
        b.unresolved(name, `version '${version}' is not an exact pin`, line);
        continue;
      }
      b.add({ ecosystem: 'PyPI', name, version: pin[1], scope, line });
    }
  }
  return b.build();
}
