/**
 * The shape of an OSV record (https://ossf.github.io/osv-schema/) as the gate accepts it, for
 * every source: export files, zip entries and API responses are validated the same way before
 * anything is decided from them. Unknown fields are allowed (the schema grows: `upstream`,
 * `credits`, `schema_version`…); the fields the gate reads must have their documented types, `id`
 * must be non-empty and `modified` an RFC 3339 timestamp (it dates the snapshot and keys the
 * cache). What only the matcher interprets (an event with two kinds or none, an empty version, a
 * range without events) is left to it: it answers `unknown` for the packages concerned, so one odd
 * record in a 100,000-record export does not make the whole export unusable, and still cannot
 * make a package look safe.
 */
import { z } from 'zod';
import { ECOSYSTEMS, type OsvRecord } from '../../checks/dependencies/model.js';
import { indexKey } from './source.js';

const nonEmpty = z.string().min(1);
const timestamp = z.iso.datetime({ offset: true });
const severity = z.array(z.looseObject({ type: z.string(), score: z.string() }));
const record = z.record(z.string(), z.unknown());

/** Event values are strings; "exactly one kind per event" is the matcher's to judge. */
const event = z.looseObject({
  introduced: z.string().optional(),
  fixed: z.string().optional(),
  last_affected: z.string().optional(),
  limit: z.string().optional(),
});

const range = z.looseObject({
  type: z.string(),
  repo: z.string().optional(),
  events: z.array(event),
  database_specific: record.optional(),
});

const affected = z.looseObject({
  package: z
    .looseObject({ ecosystem: z.string(), name: z.string(), purl: z.string().optional() })
    .optional(),
  severity: severity.optional(),
  ranges: z.array(range).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: record.optional(),
  database_specific: record.optional(),
});

export const osvRecordSchema = z.looseObject({
  id: nonEmpty,
  modified: timestamp,
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? undefined),
  related: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? undefined),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: severity.optional(),
  affected: z.array(affected).optional(),
  references: z
    .array(z.looseObject({ type: z.string(), url: z.string() }))
    .nullish()
    .transform((v) => v ?? undefined),
  database_specific: record.optional(),
});

/** The validated record, or a one-line description of what is wrong with it. */
export function checkRecord(value: unknown): { record: OsvRecord } | { problem: string } {
  const parsed = osvRecordSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first?.path.length ? first.path.map(String).join('.') : '(record)';
    const more =
      parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    return { problem: `${path}: ${first?.message ?? 'invalid'}${more}` };
  }
  // The event objects are checked loosely (see above); the matcher reads them defensively.
  return { record: parsed.data as OsvRecord };
}

/**
 * A record whose bytes were validated before and are unchanged since (same CRC-32): parsed
 * JSON, normalised as the schema normalises it (null lists dropped), without validating again.
 */
export function trustedRecord(json: unknown): OsvRecord {
  const r = json as Record<string, unknown>;
  for (const key of ['aliases', 'related', 'references']) if (r[key] === null) delete r[key];
  return r as unknown as OsvRecord;
}

const OURS: ReadonlySet<string> = new Set(ECOSYSTEMS);

/**
 * The index keys of the packages a record names, in the ecosystems the gate reads (suffixed and
 * other ecosystems, e.g. `Debian:11`, are never looked up, so they are not indexed).
 */
export function keysOf(rec: OsvRecord): string[] {
  const keys = new Set<string>();
  for (const a of rec.affected ?? []) {
    if (a.package && OURS.has(a.package.ecosystem))
      keys.add(indexKey(a.package.ecosystem, a.package.name));
  }
  return [...keys];
}
