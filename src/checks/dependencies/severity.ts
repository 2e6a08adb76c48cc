/**
 * Severity of an OSV record. OSV gives CVSS *vectors* (`severity[].score` is a vector string, not
 * a number), so a score is computed from the vector with a CVSS library (ae-cvss-calculator, which
 * implements FIRST's CVSS 2.0, 3.0, 3.1 and 4.0 specifications); nothing here parses a vector.
 *
 * Order of preference:
 * 1. the affected entry's own `severity` (the schema says it replaces the record's), else the
 *    record's `severity`;
 * 2. among those, CVSS v4 over v3.x over v2, the highest base score when one version appears more
 *    than once;
 * 3. else GitHub's label in `database_specific.severity` (CRITICAL, HIGH, MODERATE, LOW);
 * 4. else `unknown`.
 * A vector that the library cannot score (malformed, or base metrics missing) makes the result
 * `unknown`, with `source` saying why: it never falls back to a weaker source, so a broken vector
 * cannot silently lower a severity. Unknown severity is for the policy to decide
 * (`dependencies.unknown-severity`), never "below every threshold".
 *
 * Levels from base scores (CVSS v3/v4 qualitative ratings; v2 uses the same cut-offs here):
 * 9.0+ critical, 7.0+ high, 4.0+ moderate, otherwise low (0.0, "None", is reported as low).
 */
import cvss from 'ae-cvss-calculator';
import { messageOf } from './match.js';
import type { OsvAffected, OsvRecord } from './model.js';

export type SeverityLevel = 'critical' | 'high' | 'moderate' | 'low' | 'unknown';

export interface SeverityResult {
  level: SeverityLevel;
  /** CVSS base score, when the level comes from a vector. */
  score?: number;
  /** The vector scored, as the record gives it. */
  vector?: string;
  /** Where the level comes from (or why it is unknown), for the report. */
  source: string;
}

type CvssType = 'CVSS_V4' | 'CVSS_V3' | 'CVSS_V2';
const PREFERENCE: readonly CvssType[] = ['CVSS_V4', 'CVSS_V3', 'CVSS_V2'];

const LABELS: Record<string, Exclude<SeverityLevel, 'unknown'>> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MODERATE: 'moderate',
  MEDIUM: 'moderate',
  LOW: 'low',
};

/** The level of a CVSS base score (0–10). */
export function levelForScore(score: number): Exclude<SeverityLevel, 'unknown'> {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'moderate';
  return 'low';
}

export function severityOf(record: OsvRecord, affected?: OsvAffected): SeverityResult {
  const own = cvssEntries(affected?.severity);
  const entries = own.length > 0 ? own : cvssEntries(record.severity);
  const where = own.length > 0 ? 'affected[].severity' : 'severity';

  for (const type of PREFERENCE) {
    const vectors = entries.filter((e) => e.type === type);
    if (vectors.length === 0) continue;
    let best: { score: number; vector: string } | undefined;
    for (const { score: vector } of vectors) {
      const scored = scoreVector(type, vector);
      if ('problem' in scored) {
        return {
          level: 'unknown',
          vector,
          source: `${type} vector in ${where} could not be scored: ${scored.problem}`,
        };
      }
      if (best === undefined || scored.score > best.score) best = { score: scored.score, vector };
    }
    // `vectors` is not empty, so `best` is set.
    const { score, vector } = best as { score: number; vector: string };
    return { level: levelForScore(score), score, vector, source: `${type} vector in ${where}` };
  }

  const label = record.database_specific?.severity;
  if (typeof label === 'string' && label.trim() !== '') {
    const level = LABELS[label.trim().toUpperCase()];
    if (level !== undefined) return { level, source: 'database_specific.severity label' };
    return {
      level: 'unknown',
      source: `database_specific.severity label ${JSON.stringify(label)} is not one of CRITICAL, HIGH, MODERATE, LOW`,
    };
  }
  return {
    level: 'unknown',
    source: 'the record has no CVSS vector and no database_specific.severity label',
  };
}

function cvssEntries(list: OsvRecord['severity']): { type: CvssType; score: string }[] {
  if (!Array.isArray(list)) return [];
  return list.filter(
    (e): e is { type: CvssType; score: string } =>
      typeof e === 'object' &&
      e !== null &&
      (PREFERENCE as readonly string[]).includes(e.type) &&
      typeof e.score === 'string',
  );
}

/** The base score of `vector` as the library computes it, or why it cannot. */
function scoreVector(type: CvssType, vector: string): { score: number } | { problem: string } {
  const trimmed = vector.trim();
  let instance: InstanceType<
    typeof cvss.Cvss2 | typeof cvss.Cvss3P0 | typeof cvss.Cvss3P1 | typeof cvss.Cvss4P0
  >;
  try {
    if (type === 'CVSS_V4') {
      if (!trimmed.startsWith('CVSS:4.0/'))
        return { problem: 'a CVSS_V4 vector starts with CVSS:4.0/' };
      instance = new cvss.Cvss4P0(trimmed);
    } else if (type === 'CVSS_V3') {
      if (trimmed.startsWith('CVSS:3.1/')) instance = new cvss.Cvss3P1(trimmed);
      else if (trimmed.startsWith('CVSS:3.0/')) instance = new cvss.Cvss3P0(trimmed);
      else return { problem: 'a CVSS_V3 vector starts with CVSS:3.0/ or CVSS:3.1/' };
    } else {
      if (trimmed.startsWith('CVSS:') && !trimmed.startsWith('CVSS:2.0/')) {
        return { problem: 'a CVSS_V2 vector has no version prefix other than CVSS:2.0/' };
      }
      instance = new cvss.Cvss2(trimmed);
    }
    if (!instance.isBaseFullyDefined()) return { problem: 'base metrics are missing or invalid' };
    const scores = instance.calculateScores();
    // v4: the base-metrics score (CVSS-B); threat/environmental metrics are not the base score.
    const score =
      'baseMetricsOnly' in scores ? scores.baseMetricsOnly : (scores as { base?: number }).base;
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 10) {
      return { problem: 'the library returned no base score' };
    }
    return { score };
  } catch (err) {
    return { problem: messageOf(err) };
  }
}
