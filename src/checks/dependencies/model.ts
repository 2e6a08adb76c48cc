/**
 * The dependencies check's data model, shared by the lockfile/SBOM readers (src/adapters/lockfiles),
 * the advisory sources (src/adapters/osv) and the matching and policy code (this folder).
 */

/** OSV ecosystem names, exactly as OSV spells them. */
export const ECOSYSTEMS = [
  'npm',
  'PyPI',
  'Go',
  'crates.io',
  'RubyGems',
  'Packagist',
  'NuGet',
  'Maven',
  'Pub',
  'Hex',
  'CRAN',
  'Hackage',
] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/** One package version being shipped, as a lockfile or SBOM states it. */
export interface Package {
  ecosystem: Ecosystem;
  /** The name as OSV keys it (npm: `@scope/name`; PyPI: PEP 503 normalised; Maven: `group:artifact`; Go: module path). */
  name: string;
  /** The version exactly as the file states it (comparison is the ecosystem's business). */
  version: string;
  /** Package URL (purl spec), e.g. pkg:npm/%40scope/name@1.2.3 */
  purl: string;
  /** A direct dependency of the project (true), transitive (false), or the file does not say. */
  direct?: boolean;
  /** runtime or dev, when the format says; unknown otherwise. */
  scope: 'runtime' | 'dev' | 'unknown';
  /** The file it came from, as given or discovered (relative to the workspace). */
  file: string;
  /** 1-based line in that file, when known (for SARIF and annotations). */
  line?: number;
}

/** What a reader found in one file. A file that cannot be read is an error, never zero packages. */
export interface ParsedManifest {
  file: string;
  /** e.g. `package-lock.json v3`, `poetry.lock`, `CycloneDX 1.5` */
  format: string;
  packages: Package[];
  /** Entries the reader saw but could not turn into a package (e.g. a git or path dependency without a version): reported as `unknown`, never dropped silently. */
  unresolved: {
    name: string;
    reason: string;
    line?: number;
    /** The file the line is in, when it is not `file` itself (a requirements `-r` include). */
    file?: string;
  }[];
}

/** An OSV record (https://ossf.github.io/osv-schema/), the parts the gate reads. */
export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  related?: string[];
  summary?: string;
  details?: string;
  severity?: { type: string; score: string }[];
  affected?: OsvAffected[];
  references?: { type: string; url: string }[];
  database_specific?: Record<string, unknown>;
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  severity?: { type: string; score: string }[];
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvRange {
  /** SEMVER, ECOSYSTEM or GIT; other values are unknown to the gate (and so "unknown", never safe). */
  type: string;
  repo?: string;
  events: OsvEvent[];
}

export type OsvEvent =
  { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

/** Version order of one ecosystem. `parse` failing means the version is unknown, never "not affected". */
export interface VersionScheme {
  ecosystem: Ecosystem;
  /** Throws (any error) when `version` is not a valid version of this ecosystem. */
  parse(version: string): unknown;
  /** Negative, zero or positive, like a sort comparator; throws when either version is invalid. */
  compare(a: string, b: string): number;
}
