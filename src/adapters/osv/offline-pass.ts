/**
 * One pass over an offline snapshot (export directory or all.zip), shared by both sources. Every
 * record is parsed; of each, only what decides whether it matters to this scan is checked (`id`,
 * `modified`, `affected[].package`: see `screenRecord`); records naming a scanned package are
 * then validated in full (`acceptRecord`) and kept, the others dropped. So 100,000 records cost
 * one read and one `JSON.parse` each, plus full validation of the few that matter, and memory
 * holds only the records that matter.
 *
 * Fail closed: a file or entry that is not JSON, or whose id, date or package names are malformed,
 * is an error whatever it names (it cannot be shown not to matter, and a damaged snapshot is not
 * used); a record that names a scanned package and is invalid anywhere is an error. A record that
 * names no scanned package is not checked beyond the fields above: nothing in it can change the
 * verdict.
 */
import type { OsvRecord, Package } from '../../checks/dependencies/model.js';
import { acceptRecord, checkRecord, screenRecord } from './record-schema.js';
import { SnapshotClock, indexKey, packageKey } from './source.js';

export class RecordSieve {
  /** index key → the result keys (`packageKey`) of the scanned packages it stands for. */
  private readonly wanted = new Map<string, string[]>();
  private readonly clock = new SnapshotClock();
  /** One entry per scanned package, empty when no record names it. */
  readonly result = new Map<string, OsvRecord[]>();
  /** Records read (each checked as described above). */
  count = 0;

  constructor(packages: readonly Package[]) {
    for (const pkg of packages) {
      const key = packageKey(pkg);
      if (this.result.has(key)) continue;
      this.result.set(key, []);
      const iKey = indexKey(pkg.ecosystem, pkg.name);
      const list = this.wanted.get(iKey);
      if (list === undefined) this.wanted.set(iKey, [key]);
      else list.push(key);
    }
  }

  /** Newest `modified` of the records read, ISO 8601. */
  get snapshot(): string | undefined {
    return this.clock.iso;
  }

  /** Takes one parsed record; returns what is wrong with it, or undefined when it is accepted. */
  take(json: unknown): string | undefined {
    const screened = screenRecord(json);
    if (screened === undefined) {
      const checked = checkRecord(json);
      return 'problem' in checked ? checked.problem : '(record): malformed';
    }
    this.count += 1;
    this.clock.see(screened.modified);
    let record: OsvRecord | undefined;
    for (const iKey of screened.keys) {
      const keys = this.wanted.get(iKey);
      if (keys === undefined) continue;
      if (record === undefined) {
        const checked = acceptRecord(json);
        if ('problem' in checked) return checked.problem;
        record = checked.record;
      }
      // Keys are unique per record, and each result key belongs to one index key: no duplicates.
      for (const key of keys) (this.result.get(key) as OsvRecord[]).push(record);
    }
    return undefined;
  }
}
