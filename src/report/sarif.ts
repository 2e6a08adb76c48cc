/**
 * The report as a SARIF 2.1.0 log for GitHub code scanning (`--sarif`, `report.sarif`), and the
 * located findings the action turns into workflow annotations. Pure; no I/O.
 *
 * Where a finding is shown: a dependency finding at its lockfile line (the line the reader
 * recorded; the file alone when it recorded none — never a guessed line), a signature failure on
 * the artifact (its bundle as a related location), a policy problem at the policy key's line, and
 * anything else at the policy file. Paths are relative to the repository root (%SRCROOT%); a file
 * outside it has no location. GitHub refuses a whole upload if one result has no location, so a
 * finding that cannot be located at all becomes a tool notification of the run instead.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { GateError, describeThrown } from '../errors.js';
import type { CheckId, Finding, Report, Severity } from '../types.js';
import { md } from './escape.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';
const FINGERPRINT = 'securityGateFinding/v1';

export interface SarifContext {
  /** Absolute repository root (%SRCROOT%): the workspace (GITHUB_WORKSPACE) in a workflow. */
  root: string;
  /** Absolute base of the paths in findings (lockfiles, artifacts, bundles): the workspace. */
  workspace: string;
  /** Absolute base of the policy path in the report (the current directory when it was read). */
  cwd: string;
  /** Line (and column) of a policy key such as `dependencies.allow[0]`, when the policy file says. */
  locateKey?: (key: string) => { line: number; column?: number } | undefined;
}

/** A place in a file of the repository: path relative to the root, with `/` separators. */
export interface SourcePlace {
  path: string;
  line?: number;
  column?: number;
}

export interface LocatedFinding {
  check: CheckId;
  finding: Finding;
  /** Where the finding is; undefined when nothing in the repository can be named. */
  primary?: SourcePlace;
  /** True when `primary` is only the policy file that configured the check (no better place). */
  fallback: boolean;
  related: (SourcePlace & { description: string })[];
}

type Level = 'error' | 'warning' | 'note';

const RANK: Record<Severity, number> = { critical: 4, high: 3, moderate: 2, low: 1, unknown: 0 };
/** Scores for advisories without a CVSS score, inside GitHub's bands for each label. */
const SEVERITY_SCORE: Record<Exclude<Severity, 'unknown'>, string> = {
  critical: '9.5',
  high: '8.0',
  moderate: '5.5',
  low: '2.0',
};

/** What each rule means, for the rule's description in code scanning. Others get a generic one. */
const RULE_TEXT: Record<string, string> = {
  'vulnerable-package': 'A package being shipped is affected by a known vulnerability.',
  'malicious-package': 'A package being shipped is known to be malicious.',
  'denied-package': 'A package being shipped is denied by the policy (dependencies.deny).',
  'package-unresolved':
    'A lockfile entry has no version the gate can check, so its advisories are unknown.',
  'version-unknown': 'The gate cannot tell whether an advisory affects the version being shipped.',
  'advisories-missing': 'The advisory source gave no answer for a package.',
  'advisories-stale': 'The offline advisory snapshot is older than dependencies.max-age allows.',
  'manifest-empty': 'A lockfile or SBOM lists no package.',
  'waiver-unused': 'A waiver (dependencies.allow) matches nothing being shipped.',
  'waiver-expiring': 'A waiver (dependencies.allow) expires soon.',
  'artifact-missing': 'No file matches an artifact the policy requires to be signed.',
  'bundle-missing': 'An artifact has no Sigstore bundle: it is not signed.',
  'bundle-empty': 'A bundle file holds no bundle.',
  'attestation-missing': 'An artifact has no attestation.',
  'signature-invalid': 'An artifact signature or attestation did not verify.',
  'identity-mismatch': 'An artifact was signed, but not by an identity the policy allows.',
  'verification-error': 'An artifact signature could not be evaluated.',
  'check-error': 'A check could not be evaluated; the gate blocks.',
  'config-error': 'The gate could not evaluate: the policy, a flag or an input is wrong.',
};

// ---------------------------------------------------------------------------------------------
// Locations
// ---------------------------------------------------------------------------------------------

const DIGEST = /^sha(256|384|512):/i;

/** `file` (relative to `base`) as a path relative to `root` with `/`; undefined outside it. */
export function repoPath(file: string, base: string, root: string): string | undefined {
  const rel = path.relative(root, path.resolve(base, file));
  if (!rel || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return undefined;
  }
  return rel.split(path.sep).join('/');
}

/** Every finding of the report with the place in the repository where it belongs. */
export function locateFindings(report: Report, ctx: SarifContext): LocatedFinding[] {
  const inRoot = (file: string, base: string) => repoPath(file, base, ctx.root);
  const place = (
    file: string,
    base: string,
    line?: number,
    column?: number,
  ): SourcePlace | undefined => {
    const p = inRoot(file, base);
    if (p === undefined) return undefined;
    return {
      path: p,
      ...(line !== undefined ? { line } : {}),
      ...(line !== undefined && column !== undefined ? { column } : {}),
    };
  };
  const policyPlace = (key?: string): SourcePlace | undefined => {
    if (!report.policy) return undefined;
    const at = key !== undefined ? ctx.locateKey?.(key) : undefined;
    return place(report.policy.path, ctx.cwd, at?.line, at?.column);
  };

  const out: LocatedFinding[] = [];
  for (const check of report.checks) {
    for (const f of check.findings) {
      const loc = f.location;
      const related: LocatedFinding['related'] = [];
      const fileLoc =
        loc?.file !== undefined ? place(loc.file, ctx.workspace, loc.line, loc.column) : undefined;
      let primary: SourcePlace | undefined;
      if (check.id === 'signatures' && f.artifact !== undefined && !DIGEST.test(f.artifact)) {
        // A signature failure is about the artifact; the bundle is where the evidence is.
        primary = place(f.artifact, ctx.workspace);
        if (fileLoc && primary && fileLoc.path !== primary.path) {
          related.push({ ...fileLoc, description: 'Sigstore bundle' });
        }
        primary ??= fileLoc;
      } else {
        primary = fileLoc;
      }
      if (!primary && loc?.key !== undefined) primary = policyPlace(loc.key);
      let fallback = false;
      if (!primary) {
        primary = policyPlace();
        fallback = primary !== undefined;
      }
      out.push({ check: check.id, finding: f, ...(primary ? { primary } : {}), fallback, related });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// SARIF
// ---------------------------------------------------------------------------------------------

/** The subset of SARIF 2.1.0 this module writes (the test validates it against the schema). */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}
interface SarifMessage {
  text: string;
  markdown?: string;
}
interface SarifPhysicalLocation {
  artifactLocation: { uri: string; uriBaseId: string };
  region?: { startLine: number; startColumn?: number };
}
interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  helpUri?: string;
  defaultConfiguration: { level: Level };
  properties: Record<string, unknown>;
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: SarifMessage;
  locations: { physicalLocation: SarifPhysicalLocation }[];
  relatedLocations?: {
    id: number;
    physicalLocation: SarifPhysicalLocation;
    message: SarifMessage;
  }[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: 'external'; status: 'accepted'; justification: string }[];
  properties: Record<string, unknown>;
}
interface SarifNotification {
  level: Level;
  message: SarifMessage;
  descriptor: { id: string };
  properties?: Record<string, unknown>;
}
interface SarifRun {
  tool: {
    driver: {
      name: string;
      version: string;
      semanticVersion?: string;
      rules: SarifRule[];
    };
  };
  invocations: {
    executionSuccessful: boolean;
    endTimeUtc?: string;
    toolExecutionNotifications?: SarifNotification[];
  }[];
  columnKind: 'utf16CodeUnits';
  results: SarifResult[];
  properties: Record<string, unknown>;
}

/** The report as a SARIF 2.1.0 log: one run, one rule per finding rule (per advisory for advisories). */
export function renderSarif(report: Report, ctx: SarifContext): SarifLog {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const results: SarifResult[] = [];
  const notifications: SarifNotification[] = [];
  const seen = new Map<string, number>();

  for (const lf of locateFindings(report, ctx)) {
    const f = lf.finding;
    const level = levelOf(f);
    const id = ruleIdOf(f);
    let index = ruleIndex.get(id);
    if (index === undefined) {
      index = rules.length;
      ruleIndex.set(id, index);
      rules.push(ruleFor(id, lf.check, f, level));
    } else {
      raiseRule(rules[index]!, f, level);
    }
    const text = messageText(f);
    const markdown = messageMarkdown(f);
    if (!lf.primary) {
      notifications.push({
        level,
        message: { text, markdown },
        descriptor: { id },
        properties: resultProperties(lf.check, f),
      });
      continue;
    }
    const base = fingerprintOf(lf.check, f);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    results.push({
      ruleId: id,
      ruleIndex: index,
      level,
      message: { text, markdown },
      locations: [{ physicalLocation: physical(lf.primary) }],
      ...(lf.related.length
        ? {
            relatedLocations: lf.related.map((r, i) => ({
              id: i + 1,
              physicalLocation: physical(r),
              message: { text: r.description },
            })),
          }
        : {}),
      partialFingerprints: { [FINGERPRINT]: `${base}:${n}` },
      ...(f.waived
        ? {
            suppressions: [
              {
                kind: 'external' as const,
                status: 'accepted' as const,
                justification: sarifText(
                  `Waived in the security-gate policy${report.policy ? ` (${report.policy.path})` : ''}; the message gives the waiver and its reason.`,
                ),
              },
            ],
          }
        : {}),
      properties: resultProperties(lf.check, f),
    });
  }

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            ...(/^\d+\.\d+\.\d+/.test(report.tool.version)
              ? { semanticVersion: report.tool.version }
              : {}),
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: !report.checks.some((c) => c.status === 'error'),
            endTimeUtc: report.generatedAt,
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results,
        properties: {
          verdict: report.verdict,
          mode: report.mode,
          blockedBy: report.blockedBy,
          subject: report.subject,
          ...(report.policy ? { policy: report.policy } : {}),
          checks: report.checks.map((c) => ({ id: c.id, status: c.status, summary: c.summary })),
        },
      },
    ],
  };
}

/**
 * A SARIF log for a run that ended before any check (a policy or flag error): the error at the
 * policy file line when it has one, else as a tool notification. The run is not successful.
 */
export function renderSarifError(
  err: unknown,
  ctx: Pick<SarifContext, 'root' | 'cwd'>,
  tool: { name: string; version: string },
): SarifLog {
  const message = describeThrown(err);
  const loc = err instanceof GateError ? err.location : undefined;
  const fix = err instanceof GateError ? err.fix : undefined;
  const finding: Finding = {
    rule: 'config-error',
    blocking: true,
    waived: false,
    severity: 'unknown',
    message,
    ...(fix ? { fix } : {}),
  };
  let primary: SourcePlace | undefined;
  const rel = loc?.file !== undefined ? repoPath(loc.file, ctx.cwd, ctx.root) : undefined;
  if (loc && rel !== undefined) {
    primary = {
      path: rel,
      ...(loc.line !== undefined ? { line: loc.line } : {}),
      ...(loc.line !== undefined && loc.column !== undefined ? { column: loc.column } : {}),
    };
  }
  const rule = ruleFor('config-error', 'config', finding, 'error');
  const text = messageText(finding);
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: tool.name, version: tool.version, rules: [rule] } },
        invocations: [
          {
            executionSuccessful: false,
            ...(primary
              ? {}
              : {
                  toolExecutionNotifications: [
                    { level: 'error', message: { text }, descriptor: { id: 'config-error' } },
                  ],
                }),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: primary
          ? [
              {
                ruleId: 'config-error',
                ruleIndex: 0,
                level: 'error',
                message: { text },
                locations: [{ physicalLocation: physical(primary) }],
                partialFingerprints: {
                  [FINGERPRINT]: `${hash(['config-error', primary.path, loc?.key ?? ''])}:1`,
                },
                properties: { blocking: true },
              },
            ]
          : [],
        properties: { verdict: 'block' },
      },
    ],
  };
}

function levelOf(f: Finding): Level {
  if (f.blocking && !f.waived) return 'error';
  if (f.waived) return 'note';
  return RANK[f.severity] >= RANK.moderate ? 'warning' : 'note';
}

const LEVEL_RANK: Record<Level, number> = { error: 2, warning: 1, note: 0 };

function ruleIdOf(f: Finding): string {
  // Code scanning reads `security-severity` from the rule: one rule per advisory keeps each
  // alert's severity its own.
  return f.advisory ? `${f.rule}/${f.advisory.id}` : f.rule;
}

function securitySeverity(f: Finding): string | undefined {
  if (!f.package) return undefined;
  const score = f.advisory?.score;
  if (score !== undefined && Number.isFinite(score) && score >= 0 && score <= 10) {
    return score.toFixed(1);
  }
  return f.severity === 'unknown' ? undefined : SEVERITY_SCORE[f.severity];
}

function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function ruleFor(id: string, check: CheckId | 'config', f: Finding, level: Level): SarifRule {
  const general = RULE_TEXT[f.rule] ?? `security-gate ${check} check: ${f.rule}.`;
  const a = f.advisory;
  const short = a ? `${a.id}${a.summary ? `: ${a.summary}` : ''}` : general;
  const fullText = a
    ? [
        general,
        `${[...a.ids, ...a.aliases].join(', ')}${a.summary ? `: ${a.summary}` : ''}.`,
        `Severity ${a.severity}${a.score !== undefined ? ` ${a.score}` : ''}${a.cvss ? ` (${a.cvss})` : ''}.`,
        a.fixed.length ? `Fixed in ${a.fixed.join(', ')}.` : 'No fixed version is known.',
      ].join(' ')
    : general;
  const helpMarkdown = a
    ? [
        md(general),
        '',
        `- advisory: ${[...a.ids, ...a.aliases].map(md).join(', ')}`,
        ...(a.summary ? [`- summary: ${md(a.summary)}`] : []),
        `- severity: ${md(a.severity)}${a.score !== undefined ? ` ${md(String(a.score))}` : ''}${a.cvss ? ` (${md(a.cvss)})` : ''}`,
        `- fixed in: ${a.fixed.length ? a.fixed.map(md).join(', ') : 'no fixed version is known'}`,
        // Advisory data is input: the URL is shown as text, never as a link.
        ...(a.url ? [`- details: ${md(a.url)}`] : []),
      ].join('\n')
    : md(general);
  const sev = securitySeverity(f);
  const helpUri = a?.url !== undefined ? httpsUri(a.url) : undefined;
  return {
    id,
    name: pascal(a ? `${f.rule} ${a.id}` : f.rule),
    shortDescription: { text: sarifText(truncate(short, 1000)) },
    fullDescription: { text: sarifText(fullText) },
    help: { text: sarifText(fullText), markdown: helpMarkdown },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level },
    properties: {
      tags: ['security', check, ...(f.package ? ['dependency', f.package.ecosystem] : [])],
      check,
      ...(sev !== undefined ? { 'security-severity': sev } : {}),
    },
  };
}

/** Several findings share a rule: the rule carries the highest level and severity among them. */
function raiseRule(rule: SarifRule, f: Finding, level: Level): void {
  if (LEVEL_RANK[level] > LEVEL_RANK[rule.defaultConfiguration.level]) {
    rule.defaultConfiguration.level = level;
  }
  const sev = securitySeverity(f);
  const current = rule.properties['security-severity'];
  if (sev !== undefined && (typeof current !== 'string' || Number(sev) > Number(current))) {
    rule.properties['security-severity'] = sev;
  }
}

function resultProperties(check: CheckId, f: Finding): Record<string, unknown> {
  const sev = securitySeverity(f);
  return {
    check,
    rule: f.rule,
    blocking: f.blocking,
    waived: f.waived,
    severity: f.severity,
    ...(sev !== undefined ? { 'security-severity': sev } : {}),
    ...(f.step ? { step: f.step } : {}),
    ...(f.artifact !== undefined ? { artifact: f.artifact } : {}),
    ...(f.location?.key !== undefined ? { policyKey: f.location.key } : {}),
    ...(f.package ? { package: f.package } : {}),
    ...(f.advisory
      ? {
          advisory: {
            ids: f.advisory.ids,
            aliases: f.advisory.aliases,
            fixed: f.advisory.fixed,
            ...(f.advisory.cvss ? { cvss: f.advisory.cvss } : {}),
          },
        }
      : {}),
  };
}

/** Stable across runs: what the finding is about, never its line or its wording. */
function fingerprintOf(check: CheckId, f: Finding): string {
  return hash([
    check,
    f.rule,
    f.package?.purl ?? '',
    f.advisory?.id ?? '',
    f.artifact ?? '',
    f.step ?? '',
    f.location?.file ?? '',
    f.location?.key ?? '',
  ]);
}

function hash(parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** The same message for consumers that render markdown: every piece escaped like the job summary. */
function messageMarkdown(f: Finding): string {
  const lines = [md(f.message)];
  if (f.expected !== undefined) lines.push(`expected: ${md(f.expected)}`);
  if (f.found !== undefined) lines.push(`found: ${md(f.found)}`);
  if (f.fix !== undefined) lines.push(`fix: ${md(f.fix)}`);
  return lines.join('\n\n');
}

function messageText(f: Finding): string {
  const lines = [f.message];
  if (f.expected !== undefined) lines.push(`Expected: ${f.expected}`);
  if (f.found !== undefined) lines.push(`Found: ${f.found}`);
  if (f.fix !== undefined) lines.push(`Fix: ${f.fix}`);
  return sarifText(lines.join('\n'));
}

/**
 * Plain-text SARIF message: `[text](target)` would be an embedded link (SARIF §3.11.6), so
 * brackets from inputs are escaped; control characters other than newlines are dropped.
 */
export function sarifText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
      .replace(/[[\]]/g, (c) => `\\${c}`)
  );
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function httpsUri(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** A repository-relative path as a relative URI reference: each segment percent-encoded. */
export function toUri(relPath: string): string {
  return relPath
    .split('/')
    .map((seg, i) =>
      seg
        .replace(/[^A-Za-z0-9\-._~!$&'()*+,;=@:]/gu, (c) =>
          Buffer.from(c, 'utf8').reduce(
            (s, b) => s + `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
            '',
          ),
        )
        .replace(/:/g, i === 0 ? '%3A' : ':'),
    )
    .join('/');
}

function physical(p: SourcePlace): SarifPhysicalLocation {
  return {
    artifactLocation: { uri: toUri(p.path), uriBaseId: SRCROOT },
    ...(p.line !== undefined
      ? {
          region: {
            startLine: p.line,
            ...(p.column !== undefined ? { startColumn: p.column } : {}),
          },
        }
      : {}),
  };
}
