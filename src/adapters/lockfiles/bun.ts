/**
 * bun.lock (Bun 1.1.39+ text lockfile: JSON with trailing commas). `workspaces` lists each
 * workspace's declared dependencies (direct, and dev vs runtime); `packages` maps an install key
 * (`name`, or `parent/name` when nested) to `[ "name@version", registry, info, integrity ]`.
 * The binary bun.lockb is not readable here and is refused by the caller.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  jsonLines,
  mapKeys,
  parseJson,
  scopeClassifier,
  splitAt,
  stripJsonc,
  type ReadContext,
} from './common.js';

const SUPPORTED = [0, 1];

/** `@scope/a/b/@s/c` → ['@scope/a', 'b', '@s/c'] */
function segments(key: string): string[] {
  const parts = key.split('/');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (p.startsWith('@') && i + 1 < parts.length) {
      out.push(`${p}/${parts[i + 1] as string}`);
      i++;
    } else out.push(p);
  }
  return out;
}

export function readBunLock(ctx: ReadContext): ParsedManifest {
  const text = stripJsonc(ctx.text);
  const json = parseJson(ctx, text, 'JSON (with trailing commas)');
  if (!isRecord(json)) throw inputError(ctx.display, 'is not a JSON object (expected a bun.lock)');
  const version = json.lockfileVersion;
  if (typeof version !== 'number' || !SUPPORTED.includes(version)) {
    throw inputError(
      ctx.display,
      `unknown lockfileVersion ${JSON.stringify(version) ?? 'undefined'} (supported: ${SUPPORTED.join(', ')})`,
      { fix: 'Upgrade the gate, or regenerate the lockfile with a supported Bun version.' },
    );
  }
  const packages = json.packages ?? {};
  if (!isRecord(packages)) throw inputError(ctx.display, '"packages" is not an object');
  const workspaces = json.workspaces ?? {};
  if (!isRecord(workspaces)) throw inputError(ctx.display, '"workspaces" is not an object');
  const lines = jsonLines(text);
  const b = new ManifestBuilder(ctx.display, `bun.lock v${version}`);

  /** The install key a dependency `dep` of the package at `from` resolves to. */
  const resolveFrom = (from: string[], dep: string): string | undefined => {
    for (let i = from.length; i >= 1; i--) {
      const k = [...from.slice(0, i), dep].join('/');
      if (Object.hasOwn(packages, k)) return k;
    }
    return Object.hasOwn(packages, dep) ? dep : undefined;
  };
  const infoOf = (key: string): Record<string, unknown> => {
    const entry = packages[key];
    if (!Array.isArray(entry)) return {};
    const info = (entry as unknown[]).find((x, i) => i > 0 && isRecord(x));
    return isRecord(info) ? info : {};
  };

  const runtime: string[] = [];
  const dev: string[] = [];
  const direct = new Set<string>();
  for (const [wsPath, ws] of Object.entries(workspaces)) {
    if (!isRecord(ws)) continue;
    const wsName = typeof ws.name === 'string' ? ws.name : undefined;
    for (const field of [
      'dependencies',
      'optionalDependencies',
      'peerDependencies',
      'devDependencies',
    ]) {
      for (const dep of mapKeys(ws[field])) {
        const key =
          (wsPath !== '' && wsName ? resolveFrom(segments(wsName), dep) : undefined) ??
          resolveFrom([], dep);
        if (!key) continue;
        direct.add(key);
        (field === 'devDependencies' ? dev : runtime).push(key);
      }
    }
  }
  const scopeOf = scopeClassifier({ runtime, dev }, (key) => {
    const info = infoOf(key);
    return ['dependencies', 'optionalDependencies', 'peerDependencies']
      .flatMap((f) => mapKeys(info[f]))
      .map((d) => resolveFrom(segments(key), d))
      .filter((k): k is string => k !== undefined);
  });

  for (const [key, entry] of Object.entries(packages)) {
    const line = lines(['packages', key]);
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
      throw inputError(ctx.display, `packages["${key}"] is not [ "name@version", … ]`, { line });
    }
    const ident = splitAt(entry[0]);
    if (!ident) {
      b.unresolved(key, `cannot read name and version from '${entry[0]}'`, line);
      continue;
    }
    const { name, spec } = ident;
    if (spec.startsWith('workspace:')) continue; // the project's own packages
    if (spec.includes(':') || spec.includes('/') || spec.includes('#')) {
      b.unresolved(
        name,
        `resolved from '${spec}', not from the npm registry: its version cannot be matched against advisories`,
        line,
      );
      continue;
    }
    b.add({
      ecosystem: 'npm',
      name,
      version: spec,
      direct: direct.has(key),
      scope: scopeOf(key),
      line,
    });
  }
  return b.build();
}
