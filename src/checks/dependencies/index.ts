/**
 * The dependencies check: every package being shipped is matched exactly against advisory data,
 * and the policy (threshold, scopes, malicious packages, deny list, waivers) decides what blocks.
 * Pure over its ports: manifests, advisory records and version schemes come from adapters.
 */
import type { AdvisorySource } from '../../adapters/osv/source.js';
import { describeThrown } from '../../errors.js';
import type { CheckResult, Finding, Severity } from '../../types.js';
import { matchRecord, mergeAliases } from './match.js';
import type { Ecosystem, OsvRecord, Package, ParsedManifest, VersionScheme } from './model.js';
import { severityOf } from './severity.js';
import { parseVersionsSpec } from './versions-spec.js';

export type Level = Exclude<Severity, 'unknown'>;
const RANK: Record<Severity, number> = { unknown: 0, low: 1, moderate: 2, high: 3, critical: 4 };

export interface Waiver {
  id: string;
  reason: string;
  /** Date (YYYY-MM-DD) after which the waiver no longer applies. */
  expires: string;
  /** Optional scope: purl without version (pkg:npm/name), a version, a manifest path. */
  package?: string;
  version?: string;
  path?: string;
  /** policy key, for messages */
  key: string;
}

export interface DenyRule {
  /** purl without version, e.g. pkg:npm/event-stream */
  package: string;
  /** Versions: a list like "3.3.6, 3.3.5", or comparisons like ">=1.0.0 <1.2.0"; all when absent. */
  versions?: string;
  reason?: string;
  key: string;
}

export interface DependenciesCheckConfig {
  failOnSeverity: Level;
  unknownSeverity: 'block' | 'warn';
  scopes: ('runtime' | 'dev')[];
  blockMalicious: boolean;
  deny: DenyRule[];
  allow: Waiver[];
  /** Oldest advisory snapshot accepted (offline sources), in ms. */
  maxAgeMs?: number;
  /** Waivers expiring within this many days warn. */
  warnExpiryDays?: number;
  now: Date;
}

export interface DependencyPorts {
  /** The manifests to check: given paths, SBOMs, or discovered. Throws GateError when unreadable. */
  manifests(): Promise<ParsedManifest[]>;
  /** The advisory data (opened once, e.g. an index over an OSV export). */
  advisories(): Promise<AdvisorySource>;
  scheme(ecosystem: Ecosystem): VersionScheme;
}

const key = (ecosystem: string, name: string) => `${ecosystem}\u0000${name}`;

export async function checkDependencies(
  cfg: DependenciesCheckConfig,
  ports: DependencyPorts,
): Promise<CheckResult> {
  const manifests = await ports.manifests();
  const findings: Finding[] = [];
  let errored = false;
  const inScope = (p: Package) => p.scope === 'unknown' || cfg.scopes.includes(p.scope);
  const packages = manifests.flatMap((m) => m.packages).filter(inScope);

  for (const m of manifests) {
    if (m.packages.length === 0 && m.unresolved.length === 0) {
      findings.push({
        rule: 'manifest-empty',
        blocking: false,
        waived: false,
        severity: 'unknown',
        message: `${m.file} (${m.format}) lists no package`,
        location: { file: m.file },
      });
    }
    for (const u of m.unresolved) {
      findings.push({
        rule: 'package-unresolved',
        blocking: cfg.unknownSeverity === 'block',
        waived: false,
        severity: 'unknown',
        message: `${u.file ?? m.file}: ${u.name} has no version the gate can check (${u.reason}), so its advisories are unknown`,
        fix: 'Pin it to a released version, or set dependencies.unknown-severity: warn.',
        location: { file: u.file ?? m.file, ...(u.line ? { line: u.line } : {}) },
      });
    }
  }

  const advisories = await ports.advisories();
  const records = await advisories.recordsFor(packages);
  const source = advisories.describe();
  // max-age bounds offline snapshots; the APIs answer with current data.
  if (cfg.maxAgeMs !== undefined && source.kind !== 'osv-api' && source.kind !== 'github') {
    const age = source.snapshot ? cfg.now.getTime() - Date.parse(source.snapshot) : Infinity;
    if (!(age <= cfg.maxAgeMs)) {
      errored = true;
      findings.push({
        rule: 'advisories-stale',
        blocking: true,
        waived: false,
        severity: 'unknown',
        message: `the advisory snapshot at ${source.location} is ${source.snapshot ? `from ${source.snapshot}` : 'undated'}, older than dependencies.max-age allows`,
        fix: 'Refresh the OSV export, or use the OSV API (dependencies.source: osv).',
      });
    }
  }

  const usedWaivers = new Set<string>();
  const perPackageFixes = new Map<string, { pkg: Package; needed: string[]; unfixable: boolean }>();
  for (const pkg of packages) {
    const scheme = ports.scheme(pkg.ecosystem);
    const matched: { record: OsvRecord; fixed: string[] }[] = [];
    const candidates = records.get(key(pkg.ecosystem, pkg.name));
    if (candidates === undefined) {
      // A source must answer for every package it was asked about; silence is not "no advisories".
      errored = true;
      findings.push({
        rule: 'advisories-missing',
        blocking: true,
        waived: false,
        severity: 'unknown',
        message: `${source.kind} (${source.location}) gave no answer for ${pkg.name}@${pkg.version}`,
        fix: 'Re-run the gate; if the source keeps leaving the package out, use another one (dependencies.source).',
        location: { file: pkg.file, ...(pkg.line ? { line: pkg.line } : {}) },
      });
      continue;
    }
    for (const record of candidates) {
      const r = matchRecord(record, pkg, scheme);
      if (r.affected === true) matched.push({ record, fixed: r.fixed });
      else if (r.affected === 'unknown') {
        errored = true;
        findings.push({
          rule: 'version-unknown',
          blocking: true,
          waived: false,
          severity: 'unknown',
          message: `${pkg.name}@${pkg.version} (${pkg.file}): cannot tell whether ${record.id} affects it: ${r.reason}`,
          fix: 'Check the version in the lockfile; an unreadable version is never treated as safe.',
          location: { file: pkg.file, ...(pkg.line ? { line: pkg.line } : {}) },
        });
      }
    }
    for (const group of mergeAliases(matched.map((m) => m.record))) {
      const ids = group.map((r) => r.id);
      const fixed = [
        ...new Set(matched.filter((m) => ids.includes(m.record.id)).flatMap((m) => m.fixed)),
      ];
      const primary = group[0]!;
      const sev = group
        .map((r) =>
          severityOf(
            r,
            r.affected?.find((a) => a.package?.name === pkg.name),
          ),
        )
        .sort((a, b) => RANK[b.level] - RANK[a.level])[0]!;
      // OSV's MAL- records, and GitHub's malware advisories (GHSA ids, type malware).
      const malicious = group.some(
        (r) => r.id.startsWith('MAL-') || r.database_specific?.github_type === 'malware',
      );
      const aliases = [...new Set(group.flatMap((r) => r.aliases ?? []))].filter(
        (a) => !ids.includes(a),
      );
      const waiver = cfg.allow.find((w) => waiverApplies(w, [...ids, ...aliases], pkg, scheme));
      if (waiver) usedWaivers.add(waiver.key);
      const blockingByPolicy =
        (malicious && cfg.blockMalicious) ||
        (sev.level === 'unknown'
          ? cfg.unknownSeverity === 'block'
          : RANK[sev.level] >= RANK[cfg.failOnSeverity]);
      const minFix = smallest(fixed, scheme);
      const entry = perPackageFixes.get(pkg.purl) ?? { pkg, needed: [], unfixable: false };
      if (minFix) entry.needed.push(minFix);
      else entry.unfixable = true;
      perPackageFixes.set(pkg.purl, entry);
      findings.push({
        rule: malicious ? 'malicious-package' : 'vulnerable-package',
        blocking: blockingByPolicy && !waiver,
        waived: waiver !== undefined,
        severity: malicious ? 'critical' : sev.level,
        message: `${pkg.name}@${pkg.version} (${pkg.file}) is affected by ${ids.join(', ')}${primary.summary ? `: ${primary.summary}` : ''}${waiver ? ` — waived by ${waiver.key} until ${waiver.expires}: ${waiver.reason}` : ''}`,
        ...(fixed.length
          ? { fix: `Upgrade ${pkg.name} to ${minFix ?? fixed.join(' or ')} or later.` }
          : {
              fix: 'No fixed version is known: remove or replace the package, or waive with a reason and an expiry.',
            }),
        location: { file: pkg.file, ...(pkg.line ? { line: pkg.line } : {}) },
        package: { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version, purl: pkg.purl },
        advisory: {
          id: primary.id,
          ids,
          aliases,
          ...(primary.summary ? { summary: primary.summary } : {}),
          severity: sev.level,
          ...(sev.vector ? { cvss: sev.vector } : {}),
          ...(sev.score !== undefined ? { score: sev.score } : {}),
          fixed,
          url:
            primary.references?.find((r) => r.type === 'ADVISORY')?.url ??
            `https://osv.dev/vulnerability/${primary.id}`,
        },
      });
    }
    for (const rule of cfg.deny) {
      if (denyApplies(rule, pkg, scheme)) {
        findings.push({
          rule: 'denied-package',
          blocking: true,
          waived: false,
          severity: 'high',
          message: `${pkg.name}@${pkg.version} (${pkg.file}) is denied by ${rule.key}${rule.reason ? `: ${rule.reason}` : ''}`,
          fix: `Remove it, or change ${rule.key}.`,
          location: { file: pkg.file, ...(pkg.line ? { line: pkg.line } : {}) },
          package: {
            ecosystem: pkg.ecosystem,
            name: pkg.name,
            version: pkg.version,
            purl: pkg.purl,
          },
        });
      }
    }
  }

  // Waivers: unused ones are reported; those about to expire warn.
  for (const w of cfg.allow) {
    if (!usedWaivers.has(w.key)) {
      findings.push({
        rule: 'waiver-unused',
        blocking: false,
        waived: false,
        severity: 'unknown',
        message: `${w.key} (${w.id}) matches nothing being shipped: remove it`,
        location: { key: w.key },
      });
    }
    const days = (Date.parse(`${w.expires}T23:59:59Z`) - cfg.now.getTime()) / 86_400_000;
    if (days <= (cfg.warnExpiryDays ?? 14)) {
      findings.push({
        rule: 'waiver-expiring',
        blocking: false,
        waived: false,
        severity: 'unknown',
        message: `${w.key} (${w.id}) expires on ${w.expires}, in ${Math.max(0, Math.ceil(days))} day(s)`,
        location: { key: w.key },
      });
    }
  }

  const blocking = findings.filter((f) => f.blocking && !f.waived);
  const vulnerable = findings.filter(
    (f) => f.rule === 'vulnerable-package' || f.rule === 'malicious-package',
  ).length;
  const status = errored ? 'error' : blocking.length > 0 ? 'fail' : 'pass';
  const upgrades = [...perPackageFixes.values()]
    .filter((e) => !e.unfixable && e.needed.length > 0)
    .map(
      (e) => `${e.pkg.name} ${e.pkg.version} → ${largest(e.needed, ports.scheme(e.pkg.ecosystem))}`,
    );
  return {
    id: 'dependencies',
    status,
    summary:
      `${packages.length} package${packages.length === 1 ? '' : 's'} in ${manifests.length} file${manifests.length === 1 ? '' : 's'} checked against ${source.kind} (${source.location}${source.records !== undefined ? `, ${source.records} record${source.records === 1 ? '' : 's'}` : ''}${source.cached ? ` (${source.cached} from the cache)` : ''}${source.snapshot ? `, snapshot ${source.snapshot}` : ''}): ` +
      `${vulnerable} advisor${vulnerable === 1 ? 'y' : 'ies'} matched, ${blocking.length} blocking` +
      (upgrades.length ? `; upgrades that clear them: ${upgrades.join(', ')}` : ''),
    findings,
  };
}

function smallest(versions: string[], scheme: VersionScheme): string | undefined {
  return sortVersions(versions, scheme)[0];
}
function largest(versions: string[], scheme: VersionScheme): string | undefined {
  return sortVersions(versions, scheme).at(-1);
}
function sortVersions(versions: string[], scheme: VersionScheme): string[] {
  try {
    return [...versions].sort((a, b) => scheme.compare(a, b));
  } catch {
    return [...versions];
  }
}

/** A package URL without version, e.g. pkg:npm/%40scope/name. */
function purlBase(purl: string): string {
  const at = purl.lastIndexOf('@');
  const slash = purl.lastIndexOf('/');
  return (at > slash ? purl.slice(0, at) : purl).split('?')[0]!.toLowerCase();
}

function samePackage(rule: string, pkg: Package): boolean {
  const want = purlBase(rule);
  return (
    want === purlBase(pkg.purl) ||
    decodeURIComponent(want) === decodeURIComponent(purlBase(pkg.purl))
  );
}

function waiverApplies(w: Waiver, ids: string[], pkg: Package, scheme: VersionScheme): boolean {
  if (!ids.includes(w.id)) return false;
  if (w.package !== undefined && !samePackage(w.package, pkg)) return false;
  if (w.version !== undefined && !sameVersion(w.version, pkg.version, scheme)) return false;
  if (w.path !== undefined && w.path !== pkg.file) return false;
  return true;
}

function sameVersion(a: string, b: string, scheme: VersionScheme): boolean {
  try {
    return scheme.compare(a, b) === 0;
  } catch {
    return a === b;
  }
}

/** Does a deny rule's `versions` (see versions-spec.ts) name `version`? Throws when unreadable. */
export function versionsMatch(
  spec: string | undefined,
  version: string,
  scheme: VersionScheme,
): boolean {
  const alternatives = spec === undefined ? undefined : parseVersionsSpec(spec);
  if (alternatives === undefined) return true;
  if (typeof alternatives === 'string') throw new Error(alternatives);
  return alternatives.some((alt) => {
    if (alt.kind === 'exact') return alt.versions.some((v) => sameVersion(v, version, scheme));
    return alt.comparisons.every(({ op, version: bound }) => {
      const c = scheme.compare(version, bound);
      switch (op) {
        case '>=':
          return c >= 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '<':
          return c < 0;
        default:
          return c === 0;
      }
    });
  });
}

function denyApplies(rule: DenyRule, pkg: Package, scheme: VersionScheme): boolean {
  if (!samePackage(rule.package, pkg)) return false;
  try {
    return versionsMatch(rule.versions, pkg.version, scheme);
  } catch (err) {
    // An unreadable version cannot be shown to be outside a denied range: deny it.
    void describeThrown(err);
    return true;
  }
}
