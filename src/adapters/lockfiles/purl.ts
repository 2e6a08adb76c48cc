/**
 * Package URLs (https://github.com/package-url/purl-spec) for the ecosystems OSV knows, built and
 * parsed with packageurl-js so that encoding (`@` in npm scopes as %40, `/` in Go module paths,
 * qualifiers) follows the spec rather than a hand-written approximation.
 */
import { PackageURL } from 'packageurl-js';
import type { Ecosystem } from '../../checks/dependencies/model.js';

const TYPE_OF: Record<Ecosystem, string> = {
  npm: 'npm',
  PyPI: 'pypi',
  Go: 'golang',
  'crates.io': 'cargo',
  RubyGems: 'gem',
  Packagist: 'composer',
  NuGet: 'nuget',
  Maven: 'maven',
  Pub: 'pub',
  Hex: 'hex',
  CRAN: 'cran',
  Hackage: 'hackage',
};

const ECOSYSTEM_OF: Record<string, Ecosystem> = Object.fromEntries(
  Object.entries(TYPE_OF).map(([eco, type]) => [type, eco as Ecosystem]),
);

function splitLast(name: string, sep: string): [string | undefined, string] {
  const i = name.lastIndexOf(sep);
  return i <= 0 ? [undefined, name] : [name.slice(0, i), name.slice(i + sep.length)];
}

/** The purl of one package, from its OSV ecosystem, OSV name and version. Throws when invalid. */
export function buildPurl(ecosystem: Ecosystem, name: string, version: string): string {
  const type = TYPE_OF[ecosystem];
  let namespace: string | undefined;
  let short = name;
  switch (ecosystem) {
    case 'npm':
      if (name.startsWith('@')) [namespace, short] = splitLast(name, '/');
      break;
    case 'Go':
    case 'Packagist':
      [namespace, short] = splitLast(name, '/');
      break;
    case 'Maven': {
      const [group, artifact] = splitLast(name, ':');
      if (group === undefined) throw new Error(`Maven name '${name}' is not group:artifact`);
      namespace = group;
      short = artifact;
      break;
    }
    default:
      break;
  }
  return new PackageURL(type, namespace, short, version, undefined, undefined).toString();
}

export type PurlIdentity =
  | { ok: true; ecosystem: Ecosystem; name: string; version: string | undefined; type: string }
  | { ok: false; reason: string };

/** Ecosystem and OSV name from a purl (as SBOMs carry them). */
export function identityFromPurl(purl: string, pep503: (n: string) => string): PurlIdentity {
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(purl);
  } catch (err) {
    return {
      ok: false,
      reason: `invalid package URL '${purl}': ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const type = parsed.type.toLowerCase();
  const ecosystem = ECOSYSTEM_OF[type];
  if (!ecosystem) {
    return {
      ok: false,
      reason: `package URL type '${type}' is not an ecosystem the advisory source knows (${Object.keys(ECOSYSTEM_OF).join(', ')})`,
    };
  }
  const ns = parsed.namespace ?? undefined;
  let name: string;
  switch (ecosystem) {
    case 'Maven':
      if (!ns) return { ok: false, reason: `Maven package URL '${purl}' has no group (namespace)` };
      name = `${ns}:${parsed.name}`;
      break;
    case 'PyPI':
      name = pep503(parsed.name);
      break;
    default:
      name = ns ? `${ns}/${parsed.name}` : parsed.name;
  }
  const version = parsed.version ?? undefined;
  return { ok: true, ecosystem, name, version, type };
}
