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

/*
 * The same rules as `osvRecordSchema`, written out as plain checks that allocate nothing: the
 * offline sources validate tens of thousands of records per run, and zod (which builds a copy of
 * each) took longer than `JSON.parse` itself. __tests__/osv-record-schema.test.ts checks that both
 * accept and refuse the same records; zod stays the reference, and describes what is wrong.
 */
const TIMESTAMP: RegExp = (() => {
  const pattern = timestamp.def.pattern; // the regular expression zod itself tests
  if (pattern === undefined) throw new Error('zod gives no pattern for z.iso.datetime');
  return pattern;
})();
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const optRecord = (v: unknown): boolean => v === undefined || isObject(v);
const everyOf = (v: unknown, ok: (item: unknown) => boolean): boolean => {
  if (!Array.isArray(v)) return false;
  for (const item of v as unknown[]) if (!ok(item)) return false;
  return true;
};
const optList = (v: unknown, ok: (item: unknown) => boolean): boolean =>
  v === undefined || everyOf(v, ok);
const nullishList = (v: unknown, ok: (item: unknown) => boolean): boolean =>
  v === undefined || v === null || everyOf(v, ok);
const severityOk = (v: unknown): boolean =>
  optList(v, (s) => isObject(s) && isString(s.type) && isString(s.score));
const eventOk = (e: unknown): boolean =>
  isObject(e) &&
  optString(e.introduced) &&
  optString(e.fixed) &&
  optString(e.last_affected) &&
  optString(e.limit);
const rangeOk = (r: unknown): boolean =>
  isObject(r) &&
  isString(r.type) &&
  optString(r.repo) &&
  everyOf(r.events, eventOk) &&
  optRecord(r.database_specific);
const affectedOk = (a: unknown): boolean => {
  if (!isObject(a)) return false;
  const p = a.package;
  if (p !== undefined && !(isObject(p) && isString(p.ecosystem) && isString(p.name))) return false;
  if (p !== undefined && !optString(p.purl)) return false;
  return (
    severityOk(a.severity) &&
    optList(a.ranges, rangeOk) &&
    optList(a.versions, isString) &&
    optRecord(a.ecosystem_specific) &&
    optRecord(a.database_specific)
  );
};

/** Does `value` satisfy `osvRecordSchema`? (Without building anything.) */
export function isValidRecord(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const v = value;
  return (
    isString(v.id) &&
    v.id !== '' &&
    isString(v.modified) &&
    TIMESTAMP.test(v.modified) &&
    optString(v.published) &&
    optString(v.withdrawn) &&
    nullishList(v.aliases, isString) &&
    nullishList(v.related, isString) &&
    optString(v.summary) &&
    optString(v.details) &&
    severityOk(v.severity) &&
    optList(v.affected, affectedOk) &&
    nullishList(v.references, (r) => isObject(r) && isString(r.type) && isString(r.url)) &&
    optRecord(v.database_specific)
  );
}

/**
 * `checkRecord` for parsed JSON the caller owns: the same verdict, but a valid record is returned
 * as it is (null lists dropped, as the schema drops them) instead of as a copy.
 */
export function acceptRecord(value: unknown): { record: OsvRecord } | { problem: string } {
  if (!isValidRecord(value)) {
    const checked = checkRecord(value);
    // Both validators refuse the same records (tested); should they ever differ, refuse.
    return 'problem' in checked ? checked : { problem: '(record): not a valid OSV record' };
  }
  for (const key of ['aliases', 'related', 'references'])
    if (value[key] === null) delete value[key];
  return { record: value as unknown as OsvRecord };
}

const OURS: ReadonlySet<string> = new Set(ECOSYSTEMS);

/** What decides whether a record matters to a scan: its id, its date and the packages it names. */
export interface Screened {
  id: string;
  modified: string;
  /** Index keys (`indexKey`) of the packages it names in the ecosystems the gate reads. */
  keys: string[];
}

/**
 * Checks only the fields that decide whether a record matters (`id`, `modified`, each
 * `affected[].package`'s `ecosystem` and `name`), with the same rules as `osvRecordSchema`, and
 * returns them; undefined when any of them is missing or malformed (then `checkRecord` says what
 * is wrong). Never stricter than the schema: a record the schema accepts always passes.
 * Suffixed and other ecosystems (e.g. `Debian:11`) are never looked up, so they give no key.
 */
export function screenRecord(value: unknown): Screened | undefined {
  if (!isObject(value)) return undefined;
  const { id, modified, affected } = value;
  if (typeof id !== 'string' || id === '') return undefined;
  if (typeof modified !== 'string' || !TIMESTAMP.test(modified)) return undefined;
  const keys: string[] = [];
  if (affected !== undefined) {
    if (!Array.isArray(affected)) return undefined;
    for (const entry of affected as unknown[]) {
      if (!isObject(entry)) return undefined;
      const pkg = entry.package;
      if (pkg === undefined) continue;
      if (!isObject(pkg)) return undefined;
      const { ecosystem, name } = pkg;
      if (typeof ecosystem !== 'string' || typeof name !== 'string') return undefined;
      if (!OURS.has(ecosystem)) continue;
      const key = indexKey(ecosystem, name);
      if (!keys.includes(key)) keys.push(key);
    }
  }
  return { id, modified, keys };
}
