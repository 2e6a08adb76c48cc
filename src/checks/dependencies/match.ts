/**
 * Exact OSV matching: does this advisory record affect this package version?
 *
 * The semantics are the OSV schema's "Evaluation" section (ossf.github.io/osv-schema), with the
 * gaps a security gate cannot leave open closed explicitly:
 * - withdrawn records never match;
 * - an `affected[]` entry applies when its ecosystem equals the package's exactly (a suffixed
 *   ecosystem such as `Maven:https://maven.google.com` or `Debian:11` is another ecosystem) and its
 *   name equals the package's after the ecosystem's name normalisation (PEP 503 for PyPI; NuGet ids
 *   are case-insensitive; every other ecosystem compares names exactly);
 * - the `versions` list is compared by version EQUALITY in the ecosystem's order (`1.0` is
 *   `1.0.0` in PyPI), never by string equality alone;
 * - `SEMVER` and `ECOSYSTEM` ranges are evaluated with the ecosystem's order: events sorted by
 *   version (`introduced: "0"` is the minimum, ties keep the record's order), `introduced` opens,
 *   `fixed` closes before its version, `last_affected` closes after it, `limit` caps the range
 *   (`*` is infinity); several ranges and entries are OR-ed;
 * - a `GIT` range is skipped; it never stops the evaluation of the other ranges of its entry;
 * - anything that cannot be evaluated (the package's version or an event's version does not parse,
 *   an unknown range type, a range without `introduced`, an entry with nothing but `GIT` ranges)
 *   makes the answer `unknown` with the reason, unless something else in the record already says
 *   "affected". It is never "not affected".
 *
 * Pure: no I/O, no clock. Version order comes from the `VersionScheme` the caller passes.
 */
import type {
  OsvAffected,
  OsvEvent,
  OsvRange,
  OsvRecord,
  Package,
  VersionScheme,
} from './model.js';

export type MatchResult =
  | {
      affected: true;
      /** What said so: the entry's `versions` list, or one of its ranges. */
      via: 'range' | 'versions';
      /** `fixed` events of the matching entries above the package's version, lowest first. */
      fixed: string[];
    }
  | { affected: false }
  | { affected: 'unknown'; reason: string };

/**
 * The name as an ecosystem compares it: PyPI per PEP 503 (`Jinja2`, `jinja_2.x` → `jinja2`,
 * `jinja-2-x`), NuGet case-insensitively (package ids are case-insensitive on nuget.org), every
 * other ecosystem exactly as written.
 */
export function normalizePackageName(ecosystem: string, name: string): string {
  if (ecosystem === 'PyPI') return name.replace(/[-_.]+/g, '-').toLowerCase();
  if (ecosystem === 'NuGet') return name.toLowerCase();
  return name;
}

/** Three-valued outcome of one entry or range. */
type Verdict =
  { kind: 'yes'; via: 'range' | 'versions' } | { kind: 'no' } | { kind: 'unknown'; reason: string };

const NO: Verdict = { kind: 'no' };

/** Does `record` affect `pkg` at its version? See the module comment for the rules. */
export function matchRecord(record: OsvRecord, pkg: Package, scheme: VersionScheme): MatchResult {
  if (typeof record.withdrawn === 'string') return { affected: false };

  const wanted = normalizePackageName(pkg.ecosystem, pkg.name);
  const entries = (record.affected ?? []).filter(
    (a) =>
      a.package !== undefined &&
      a.package.ecosystem === pkg.ecosystem &&
      normalizePackageName(pkg.ecosystem, a.package.name) === wanted,
  );
  if (entries.length === 0) return { affected: false };

  const versionProblem = parseProblem(scheme, pkg.version);
  const unknown: string[] = [];
  for (const entry of entries) {
    const verdict = evaluateEntry(entry, pkg, scheme, versionProblem);
    if (verdict.kind === 'yes') {
      return {
        affected: true,
        via: verdict.via,
        fixed: fixedAbove(entries, pkg.version, scheme, versionProblem === undefined),
      };
    }
    if (verdict.kind === 'unknown' && !unknown.includes(verdict.reason))
      unknown.push(verdict.reason);
  }
  if (unknown.length > 0) {
    return { affected: 'unknown', reason: `${record.id}: ${unknown.join('; ')}` };
  }
  return { affected: false };
}

function evaluateEntry(
  entry: OsvAffected,
  pkg: Package,
  scheme: VersionScheme,
  versionProblem: string | undefined,
): Verdict {
  const version = pkg.version;
  const listed = entry.versions ?? [];
  const ranges = entry.ranges ?? [];

  // 1. The versions list: the same spelling is the same version in every ecosystem.
  if (listed.includes(version)) return { kind: 'yes', via: 'versions' };

  const evaluable = ranges.filter((r) => r.type !== 'GIT');
  if (listed.length === 0 && evaluable.length === 0) {
    return {
      kind: 'unknown',
      reason:
        ranges.length === 0
          ? `the entry for ${pkg.ecosystem}/${pkg.name} lists neither versions nor ranges`
          : `the entry for ${pkg.ecosystem}/${pkg.name} has only GIT commit ranges, which cannot be evaluated against a package version`,
    };
  }
  if (versionProblem !== undefined) {
    return {
      kind: 'unknown',
      reason: `version ${quote(version)} of ${pkg.ecosystem}/${pkg.name} cannot be compared: ${cut(versionProblem)}`,
    };
  }

  // 2. The versions list by version equality (`1.0` == `1.0.0` where the ecosystem says so).
  //    An entry of the list that does not parse can only be equal by spelling (checked above).
  for (const candidate of listed) {
    if (equalVersions(scheme, version, candidate)) return { kind: 'yes', via: 'versions' };
  }

  // 3. The ranges, OR-ed; GIT ranges are skipped, never short-circuit.
  let verdict: Verdict = NO;
  for (const range of evaluable) {
    const r = evaluateRange(range, version, scheme);
    if (r.kind === 'yes') return r;
    if (r.kind === 'unknown' && verdict.kind === 'no') verdict = r;
  }
  return verdict;
}

function equalVersions(scheme: VersionScheme, a: string, b: string): boolean {
  return safeCompare(scheme, a, b) === 0;
}

interface ParsedEvent {
  kind: 'introduced' | 'fixed' | 'last_affected' | 'limit';
  value: string;
  /** `introduced: "0"`: before every version. */
  zero: boolean;
  /** `limit` containing `*`: after every version. */
  infinite: boolean;
}

function evaluateRange(range: OsvRange, version: string, scheme: VersionScheme): Verdict {
  if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') {
    return { kind: 'unknown', reason: `range type ${quote(range.type)} is not supported` };
  }
  const events: ParsedEvent[] = [];
  for (const raw of range.events ?? []) {
    const event = eventOf(raw);
    if (event === undefined) {
      return {
        kind: 'unknown',
        reason: `a ${range.type} range has a malformed event ${safeJson(raw)} (exactly one of introduced, fixed, last_affected, limit)`,
      };
    }
    if (!event.zero && !event.infinite) {
      const problem = parseProblem(scheme, event.value);
      if (problem !== undefined) {
        return {
          kind: 'unknown',
          reason: `${event.kind} version ${quote(event.value)} of a ${range.type} range cannot be compared: ${cut(problem)}`,
        };
      }
    }
    events.push(event);
  }
  if (!events.some((e) => e.kind === 'introduced')) {
    return { kind: 'unknown', reason: `a ${range.type} range has no introduced event` };
  }

  try {
    return evaluateEvents(events, version, scheme);
  } catch (err) {
    // Every version parsed, so a comparison should not fail; if the scheme still throws, the
    // range cannot be evaluated.
    return {
      kind: 'unknown',
      reason: `a ${range.type} range could not be evaluated: ${cut(messageOf(err))}`,
    };
  }
}

function evaluateEvents(events: ParsedEvent[], version: string, scheme: VersionScheme): Verdict {
  // BeforeLimits: without limit events the range is unbounded; otherwise below any one of them.
  const limits = events.filter((e) => e.kind === 'limit');
  if (
    limits.length > 0 &&
    !limits.some((l) => l.infinite || scheme.compare(version, l.value) < 0)
  ) {
    return NO;
  }

  // Events in version order; Array.prototype.sort is stable, so ties keep the record's order.
  const ordered = events
    .filter((e) => e.kind !== 'limit')
    .sort((a, b) => {
      if (a.zero || b.zero) return a.zero === b.zero ? 0 : a.zero ? -1 : 1;
      return scheme.compare(a.value, b.value);
    });
  let vulnerable = false;
  for (const e of ordered) {
    if (e.kind === 'introduced') {
      if (e.zero || scheme.compare(version, e.value) >= 0) vulnerable = true;
    } else if (e.kind === 'fixed') {
      if (scheme.compare(version, e.value) >= 0) vulnerable = false;
    } else if (scheme.compare(version, e.value) > 0) {
      vulnerable = false; // last_affected
    }
  }
  return vulnerable ? { kind: 'yes', via: 'range' } : NO;
}

const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

function eventOf(raw: OsvEvent): ParsedEvent | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const present = EVENT_KINDS.filter((k) => k in raw);
  if (present.length !== 1) return undefined;
  const kind = present[0] as ParsedEvent['kind'];
  const value = (raw as Record<string, unknown>)[kind];
  if (typeof value !== 'string' || value === '') return undefined;
  return {
    kind,
    value,
    zero: kind === 'introduced' && value === '0',
    infinite: kind === 'limit' && value.includes('*'),
  };
}

/** Undefined when `version` parses in the scheme, else why not. */
function parseProblem(scheme: VersionScheme, version: string): string | undefined {
  try {
    scheme.parse(version);
    return undefined;
  } catch (err) {
    const why = messageOf(err);
    return `not a valid ${scheme.ecosystem} version${why ? ` (${why})` : ''}`;
  }
}

/**
 * `fixed` versions of the matching entries' SEMVER/ECOSYSTEM ranges above `version`, lowest
 * first, duplicates (by version equality) removed. When `version` itself cannot be compared
 * (matched by spelling in a versions list), every parsable fixed version is listed.
 */
function fixedAbove(
  entries: OsvAffected[],
  version: string,
  scheme: VersionScheme,
  comparable: boolean,
): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    for (const range of entry.ranges ?? []) {
      if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue;
      for (const raw of range.events ?? []) {
        const event = eventOf(raw);
        if (event?.kind !== 'fixed' || parseProblem(scheme, event.value) !== undefined) continue;
        const above = comparable ? safeCompare(scheme, event.value, version) : 1;
        if (above === undefined || above <= 0) continue;
        if (out.some((f) => safeCompare(scheme, f, event.value) === 0)) continue;
        out.push(event.value);
      }
    }
  }
  return out.sort((a, b) => safeCompare(scheme, a, b) ?? 0);
}

function safeCompare(scheme: VersionScheme, a: string, b: string): number | undefined {
  try {
    return scheme.compare(a, b);
  } catch {
    return undefined;
  }
}

/** What was thrown, as text (duck-typed: errors from another realm are errors too). */
export function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    return String(err.message);
  }
  return String(err);
}

function safeJson(value: unknown): string {
  // Events come from JSON, so they serialise; `undefined` (a hole in the array) does not.
  return cut(JSON.stringify(value) ?? String(value));
}

/** Values from an advisory, in a message: a record may hold a megabyte where a version belongs. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

function cut(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Groups records that describe the same vulnerability: records are joined when one's id is in
 * another's `aliases`, or when they share an alias (e.g. a GHSA and a PYSEC record that both alias
 * the same CVE), transitively. `related` does not join records (the schema says it is not an
 * alias). Records with the same id are kept once (the newest `modified`). Groups come in the order
 * of their first record in the input, records in input order.
 */
export function mergeAliases(records: OsvRecord[]): OsvRecord[][] {
  // Same id twice (e.g. two sources): keep the newest.
  const byId = new Map<string, OsvRecord>();
  for (const r of records) {
    const seen = byId.get(r.id);
    if (seen === undefined || newer(r.modified, seen.modified)) byId.set(r.id, r);
  }
  const kept = new Set<OsvRecord>();
  const unique = records.filter((r) => {
    if (byId.get(r.id) !== r || kept.has(r)) return false;
    kept.add(r);
    return true;
  });

  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    // Path compression: point every node on the way straight at the root.
    for (let cur = x; cur !== root;) {
      const next = parent.get(cur) as string;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  const union = (a: string, b: string): void => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const r of unique) {
    union(r.id, r.id);
    for (const alias of r.aliases ?? []) if (typeof alias === 'string' && alias) union(r.id, alias);
  }

  const groups = new Map<string, OsvRecord[]>();
  for (const r of unique) {
    const root = find(r.id);
    const group = groups.get(root);
    if (group) group.push(r);
    else groups.set(root, [r]);
  }
  return [...groups.values()];
}

function newer(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return false;
  return ta > tb;
}
