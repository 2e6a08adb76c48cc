/**
 * The GitHub Advisory Database as an advisory source (`dependencies.source: github`): the global
 * advisories REST API (`GET /advisories?ecosystem=E&affects=name@version,…&type=T`), reviewed and
 * malware advisories, turned into OSV records so that the same exact matcher
 * (src/checks/dependencies/match.ts) decides — GitHub's own `affects` filter only narrows what is
 * fetched. Up to 100 packages per request, every page followed (bounded), bounded retries; an
 * ecosystem the database does not cover (CRAN, Hackage) is an error, never "no advisories".
 *
 * Ranges: GitHub writes `vulnerable_version_range` as comma-separated comparisons (`>= 1.0.0,
 * < 1.2.3`, `<= 2.0`, `= 1.4.0`). They become OSV `ECOSYSTEM` events (introduced / fixed /
 * last_affected) or a `versions` entry for `=`; an exclusive lower bound (`> 1.0`) cannot be said in
 * OSV and is widened to `introduced: 1.0` (the bound itself then counts as affected: a false
 * positive at worst, never a miss). A range the gate cannot read is an error naming the advisory.
 */
import { z } from 'zod';
import type { Ecosystem, OsvEvent, OsvRecord, Package } from '../../checks/dependencies/model.js';
import { GateError } from '../../errors.js';
import {
  indexKey,
  packageKey,
  SnapshotClock,
  type AdvisorySource,
  type SourceDescription,
} from '../osv/source.js';
import { githubApiRoot, githubApiUrl, githubRequest, type RetryOptions } from './request.js';
import { githubMessage } from './response.js';

/** OSV ecosystem → GitHub's `ecosystem` parameter. */
const GITHUB_ECOSYSTEMS: Partial<Record<Ecosystem, string>> = {
  npm: 'npm',
  PyPI: 'pip',
  Maven: 'maven',
  NuGet: 'nuget',
  Packagist: 'composer',
  Go: 'go',
  'crates.io': 'rust',
  RubyGems: 'rubygems',
  Pub: 'pub',
  Hex: 'erlang',
};

const PACKAGES_PER_REQUEST = 100;
const MAX_PAGES = 20;

const advisoryShape = z.looseObject({
  ghsa_id: z.string().regex(/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/),
  cve_id: z.string().nullable().optional(),
  summary: z.string().nullable().optional(),
  type: z.enum(['reviewed', 'malware', 'unreviewed']),
  severity: z.string().nullable().optional(),
  updated_at: z.string(),
  published_at: z.string().nullable().optional(),
  withdrawn_at: z.string().nullable().optional(),
  html_url: z.string().nullable().optional(),
  identifiers: z
    .array(z.looseObject({ type: z.string(), value: z.string() }))
    .nullable()
    .optional(),
  cvss_severities: z
    .looseObject({
      cvss_v3: z.looseObject({ vector_string: z.string().nullable() }).nullable().optional(),
      cvss_v4: z.looseObject({ vector_string: z.string().nullable() }).nullable().optional(),
    })
    .nullable()
    .optional(),
  cvss: z.looseObject({ vector_string: z.string().nullable() }).nullable().optional(),
  vulnerabilities: z
    .array(
      z.looseObject({
        package: z.looseObject({ ecosystem: z.string(), name: z.string().nullable() }).nullable(),
        vulnerable_version_range: z.string().nullable(),
        first_patched_version: z.string().nullable().optional(),
      }),
    )
    .nullable(),
});
type GitHubAdvisory = z.infer<typeof advisoryShape>;

/** `>= 1.0.0, < 1.2.3` → OSV; throws on anything else. */
export function rangeToOsv(range: string): { events?: OsvEvent[]; versions?: string[] } {
  const parts = range
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  let lower: string | undefined;
  let upper: OsvEvent | undefined;
  const exact: string[] = [];
  for (const part of parts) {
    const m = /^(>=|<=|>|<|=)\s*(\S+)$/.exec(part);
    if (!m) throw new Error(`cannot read the version range ${JSON.stringify(range)}`);
    const [, op, v] = m as unknown as [string, string, string];
    if (op === '=') exact.push(v);
    else if (op === '>=' || op === '>') {
      if (lower !== undefined) throw new Error(`two lower bounds in ${JSON.stringify(range)}`);
      lower = v;
    } else {
      if (upper !== undefined) throw new Error(`two upper bounds in ${JSON.stringify(range)}`);
      upper = op === '<' ? { fixed: v } : { last_affected: v };
    }
  }
  if (exact.length > 0) {
    if (lower !== undefined || upper !== undefined || exact.length > 1) {
      throw new Error(`cannot read the version range ${JSON.stringify(range)}`);
    }
    return { versions: exact };
  }
  if (lower === undefined && upper === undefined) {
    throw new Error(`empty version range ${JSON.stringify(range)}`);
  }
  return { events: [{ introduced: lower ?? '0' }, ...(upper ? [upper] : [])] };
}

export function toOsvRecord(
  a: GitHubAdvisory,
  ecosystemOf: (github: string) => Ecosystem | undefined,
): OsvRecord {
  const aliases = [
    ...new Set(
      [a.cve_id, ...(a.identifiers ?? []).map((i) => i.value)].filter(
        (x): x is string => typeof x === 'string' && x !== '' && x !== a.ghsa_id,
      ),
    ),
  ];
  const severity: { type: string; score: string }[] = [];
  const v4 = a.cvss_severities?.cvss_v4?.vector_string;
  const v3 = a.cvss_severities?.cvss_v3?.vector_string ?? a.cvss?.vector_string;
  if (v4) severity.push({ type: 'CVSS_V4', score: v4 });
  if (v3) severity.push({ type: 'CVSS_V3', score: v3 });
  const record: OsvRecord = {
    id: a.ghsa_id,
    modified: a.updated_at,
    ...(a.published_at ? { published: a.published_at } : {}),
    ...(a.withdrawn_at ? { withdrawn: a.withdrawn_at } : {}),
    ...(aliases.length ? { aliases } : {}),
    ...(a.summary ? { summary: a.summary } : {}),
    ...(severity.length ? { severity } : {}),
    ...(a.html_url ? { references: [{ type: 'ADVISORY', url: a.html_url }] } : {}),
    database_specific: {
      ...(a.severity && a.severity !== 'unknown'
        ? { severity: a.severity === 'medium' ? 'MODERATE' : a.severity.toUpperCase() }
        : {}),
      github_type: a.type,
    },
    affected: [],
  };
  for (const v of a.vulnerabilities ?? []) {
    const ecosystem = v.package ? ecosystemOf(v.package.ecosystem) : undefined;
    if (!v.package?.name || ecosystem === undefined) continue;
    let converted: { events?: OsvEvent[]; versions?: string[] };
    try {
      // No range: GitHub lists the package as affected in every version.
      converted = v.vulnerable_version_range
        ? rangeToOsv(v.vulnerable_version_range)
        : { events: [{ introduced: '0' }] };
    } catch (err) {
      throw new GateError('upstream', `GitHub advisory ${a.ghsa_id}: ${(err as Error).message}`, {
        fix: 'Use source: osv for this repository, or report the range to GitHub.',
      });
    }
    record.affected!.push({
      package: { ecosystem, name: v.package.name },
      ...(converted.events ? { ranges: [{ type: 'ECOSYSTEM', events: converted.events }] } : {}),
      ...(converted.versions ? { versions: converted.versions } : {}),
    });
  }
  return record;
}

export interface GitHubAdvisoryOptions extends RetryOptions {
  apiUrl: string;
  token?: string;
}

export function githubAdvisories(
  opts: GitHubAdvisoryOptions,
  fetchImpl: typeof fetch = globalThis.fetch,
): AdvisorySource {
  const clock = new SnapshotClock();
  let records = 0;
  const back = new Map(
    Object.entries(GITHUB_ECOSYSTEMS).map(([osv, gh]) => [gh, osv as Ecosystem]),
  );
  return {
    describe(): SourceDescription {
      return {
        kind: 'github',
        location: opts.apiUrl,
        records,
        ...(clock.iso ? { snapshot: clock.iso } : {}),
      };
    },
    async recordsFor(packages: readonly Package[]) {
      const out = new Map<string, OsvRecord[]>();
      const byEcosystem = new Map<string, Package[]>();
      for (const p of packages) {
        const gh = GITHUB_ECOSYSTEMS[p.ecosystem];
        if (gh === undefined) {
          throw new GateError(
            'config',
            `the GitHub Advisory Database does not cover ${p.ecosystem} (${p.name} in ${p.file})`,
            { fix: 'Use dependencies.source: osv (or an OSV export) for this repository.' },
          );
        }
        byEcosystem.set(gh, [...(byEcosystem.get(gh) ?? []), p]);
      }
      const seen = new Map<string, OsvRecord>();
      for (const [ecosystem, list] of byEcosystem) {
        const unique = [...new Map(list.map((p) => [`${p.name}@${p.version}`, p])).keys()];
        for (let i = 0; i < unique.length; i += PACKAGES_PER_REQUEST) {
          const affects = unique.slice(i, i + PACKAGES_PER_REQUEST).join(',');
          for (const type of ['reviewed', 'malware'] as const) {
            for (const a of await list_(opts, fetchImpl, { ecosystem, affects, type })) {
              if (!seen.has(a.ghsa_id))
                seen.set(
                  a.ghsa_id,
                  toOsvRecord(a, (g) => back.get(g)),
                );
            }
          }
        }
      }
      records = seen.size;
      // Every package gets an answer (possibly none): names compared as the ecosystem normalises them.
      const index = new Map<string, OsvRecord[]>();
      for (const r of seen.values()) {
        clock.see(r.modified);
        for (const aff of r.affected ?? []) {
          if (!aff.package) continue;
          const key = indexKey(aff.package.ecosystem, aff.package.name);
          const list = index.get(key) ?? [];
          if (!list.includes(r)) list.push(r);
          index.set(key, list);
        }
      }
      for (const p of packages)
        out.set(packageKey(p), index.get(indexKey(p.ecosystem, p.name)) ?? []);
      return out;
    },
  };
}

async function list_(
  opts: GitHubAdvisoryOptions,
  fetchImpl: typeof fetch,
  query: { ecosystem: string; affects: string; type: string },
): Promise<GitHubAdvisory[]> {
  const base = githubApiRoot(opts.apiUrl);
  const what = 'GitHub REST API GET /advisories';
  const all: GitHubAdvisory[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = githubApiUrl(base, '/advisories');
    url.searchParams.set('ecosystem', query.ecosystem);
    url.searchParams.set('affects', query.affects);
    url.searchParams.set('type', query.type);
    url.searchParams.set('per_page', '100');
    if (after) url.searchParams.set('after', after);
    const res = await githubRequest(
      { ...opts, what, url, ...(opts.token ? { token: opts.token } : {}) },
      fetchImpl,
    );
    if (res.status !== 200) {
      throw new GateError('upstream', `${what}: HTTP ${res.status}${githubMessage(res)}`, {
        fix:
          res.status === 401 || res.status === 403
            ? 'Check the token (github-token / GITHUB_TOKEN).'
            : 'Retry later.',
      });
    }
    let parsed: GitHubAdvisory[];
    try {
      // Strict UTF-8: a damaged byte in a package name would make the advisory name another one.
      const text = new TextDecoder('utf-8', { fatal: true }).decode(res.body);
      parsed = z.array(advisoryShape).parse(JSON.parse(text));
    } catch (err) {
      throw new GateError(
        'upstream',
        `${what}: the answer is not a list of advisories as GitHub describes them`,
        {
          cause: err,
        },
      );
    }
    all.push(...parsed);
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    after = next ? (new URL(next).searchParams.get('after') ?? undefined) : undefined;
    if (!after) return all;
  }
  throw new GateError(
    'upstream',
    `${what}: more than ${MAX_PAGES} pages of advisories for one request`,
  );
}
