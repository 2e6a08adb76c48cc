/**
 * Where advisory records come from. Three implementations: an export directory (`osvDir`), an
 * osv.dev `all.zip` (`osvZip`) and an OSV-compatible API (`osvApi`). Each returns, per package,
 * the records that name its ecosystem and package; matching versions is the caller's job
 * (src/checks/dependencies/match.ts). A source that cannot answer throws a `GateError`; it never
 * answers "no records" after a failure.
 */
import { normalizePackageName } from '../../checks/dependencies/match.js';
import { describeThrown } from '../../errors.js';
import type { OsvRecord, Package } from '../../checks/dependencies/model.js';

export interface SourceDescription {
  kind: 'osv-dir' | 'osv-zip' | 'osv-api' | 'github';
  /** The directory, file or API base URL, as given. */
  location: string;
  /** Records read by the last query (offline: every record of the snapshot; API: records fetched or cached). */
  records?: number;
  /** API with a cache: how many of `records` came from the cache (each fetched within its max age). */
  cached?: number;
  /** Newest `modified` seen, ISO 8601 (UTC). */
  snapshot?: string;
}

export interface AdvisorySource {
  /** Records that may affect these packages (by ecosystem+name); the caller matches versions. */
  recordsFor(
    packages: readonly Package[],
  ): Promise<Map<string /* `${ecosystem}\u0000${name}` */, OsvRecord[]>>;
  /** What the verdict was based on. */
  describe(): SourceDescription;
}

/** The key of `recordsFor`'s result: the package's ecosystem and name, as the package states them. */
export function packageKey(pkg: Pick<Package, 'ecosystem' | 'name'>): string {
  return `${pkg.ecosystem}\u0000${pkg.name}`;
}

/** The key under which offline indexes store an `affected[].package` (names normalised per ecosystem). */
export function indexKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0000${normalizePackageName(ecosystem, name)}`;
}

/** Keeps the newest `modified` timestamp seen (as epoch ms) and renders it as ISO 8601. */
export class SnapshotClock {
  private newest = Number.NEGATIVE_INFINITY;

  see(modified: string): void {
    const t = Date.parse(modified);
    if (t > this.newest) this.newest = t;
  }

  get iso(): string | undefined {
    return Number.isFinite(this.newest) ? new Date(this.newest).toISOString() : undefined;
  }
}

/**
 * The message of anything thrown. Duck-typed rather than `instanceof Error`: errors raised by
 * Node itself come from another realm under jest's VM modules, and are still errors.
 */
export function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const { message } = err;
    if (typeof message === 'string' && message !== '') return message;
  }
  return describeThrown(err);
}
