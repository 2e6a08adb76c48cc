/**
 * The index shared by the offline sources: for each (ecosystem, normalised name) the ordinals of
 * the records that name it, and the CRC-32 of each record's bytes. Records themselves are not
 * kept: a source re-reads the few it needs when asked (so 100,000 records cost the index, a few
 * MB, not 100,000 parsed objects), checks the bytes are those it validated (CRC-32; anything else
 * is "changed during the run", an error) and then skips validating them again.
 */
import type { OsvRecord, Package } from '../../checks/dependencies/model.js';
import { keysOf } from './record-schema.js';
import { SnapshotClock, indexKey, packageKey } from './source.js';

export class OfflineIndex {
  private readonly byKey = new Map<string, number[]>();
  /** CRC-32 of each record's bytes when indexed: a re-read with the same CRC is not re-validated. */
  private readonly crcs: number[] = [];
  private readonly clock = new SnapshotClock();
  /** Valid records indexed (including those naming no ecosystem the gate reads). */
  count = 0;

  /** Indexes record number `ordinal`, whose bytes have this CRC-32. */
  add(ordinal: number, record: OsvRecord, crc: number): void {
    this.count += 1;
    this.crcs[ordinal] = crc;
    this.clock.see(record.modified);
    for (const key of keysOf(record)) {
      const list = this.byKey.get(key);
      if (list === undefined) this.byKey.set(key, [ordinal]);
      else list.push(ordinal);
    }
  }

  crcOf(ordinal: number): number | undefined {
    return this.crcs[ordinal];
  }

  get snapshot(): string | undefined {
    return this.clock.iso;
  }

  /** What to read for these packages: the ordinals (sorted, unique) and whom each is for. */
  plan(packages: readonly Package[]): ReadPlan {
    const wanted = new Map<number, Set<string>>();
    const indexKeyOf = new Map<string, string>();
    for (const pkg of packages) {
      const key = packageKey(pkg);
      const iKey = indexKey(pkg.ecosystem, pkg.name);
      indexKeyOf.set(key, iKey);
      for (const ordinal of this.byKey.get(iKey) ?? []) {
        const set = wanted.get(ordinal);
        if (set === undefined) wanted.set(ordinal, new Set([key]));
        else set.add(key);
      }
    }
    return { ordinals: [...wanted.keys()].sort((a, b) => a - b), wanted, indexKeyOf };
  }
}

export interface ReadPlan {
  ordinals: number[];
  /** ordinal → the result keys (`packageKey`) the record was indexed under. */
  wanted: Map<number, Set<string>>;
  /** result key → index key. */
  indexKeyOf: Map<string, string>;
}

/** An empty result with one (empty) entry per requested package. */
export function emptyResult(packages: readonly Package[]): Map<string, OsvRecord[]> {
  return new Map(packages.map((p) => [packageKey(p), []]));
}

/** Adds record number `ordinal`, re-read, to the result under every key it was indexed for. */
export function deliver(
  result: Map<string, OsvRecord[]>,
  plan: ReadPlan,
  ordinal: number,
  record: OsvRecord,
): void {
  for (const key of plan.wanted.get(ordinal) ?? []) {
    const list = result.get(key);
    if (list === undefined) result.set(key, [record]);
    else list.push(record);
  }
}
