/**
 * NuGet packages.lock.json (versions 1 and 2): every target framework's resolved packages,
 * de-duplicated. `Direct` entries are direct; `Project` entries are the solution's own projects.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  jsonLines,
  parseJson,
  type ReadContext,
} from './common.js';

const SUPPORTED = [1, 2];

export function readNugetLock(ctx: ReadContext): ParsedManifest {
  const json = parseJson(ctx);
  if (!isRecord(json) || !isRecord(json.dependencies)) {
    throw inputError(ctx.display, 'has no "dependencies" object (not a NuGet packages.lock.json)');
  }
  if (typeof json.version !== 'number' || !SUPPORTED.includes(json.version)) {
    throw inputError(
      ctx.display,
      `unknown packages.lock.json version ${JSON.stringify(json.version) ?? 'undefined'} (supported: ${SUPPORTED.join(', ')})`,
      { fix: 'Upgrade the gate, or regenerate it with `dotnet restore --use-lock-file`.' },
    );
  }
  const lines = jsonLines(ctx.text);
  const b = new ManifestBuilder(ctx.display, `packages.lock.json v${json.version}`);
  for (const [framework, packages] of Object.entries(json.dependencies)) {
    if (!isRecord(packages)) {
      throw inputError(ctx.display, `dependencies["${framework}"] is not an object`, {
        line: lines(['dependencies', framework]),
      });
    }
    for (const [name, entry] of Object.entries(packages)) {
      const line = lines(['dependencies', framework, name]);
      if (!isRecord(entry))
        throw inputError(ctx.display, `${framework}/${name} is not an object`, { line });
      const type = typeof entry.type === 'string' ? entry.type : '';
      if (type === 'Project') continue; // the solution's own projects
      b.add({
        ecosystem: 'NuGet',
        name,
        version: typeof entry.resolved === 'string' ? entry.resolved : undefined,
        direct:
          type === 'Direct'
            ? true
            : type === 'Transitive' || type === 'CentralTransitive'
              ? false
              : undefined,
        scope: 'unknown',
        line,
        missingVersionReason: 'no resolved version',
      });
    }
  }
  return b.build();
}
