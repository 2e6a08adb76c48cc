/**
 * Shared types of the gate, derived from the report schema (src/report/report-schema.ts), so the
 * JSON report, its published JSON Schema and the code cannot drift apart.
 */
import type { z } from 'zod';
import type {
  CHECK_IDS,
  SEVERITIES,
  VERIFICATION_STEPS,
  checkResultSchema,
  findingSchema,
  reportSchema,
} from './report/report-schema.js';

export type CheckId = (typeof CHECK_IDS)[number];
export type Severity = (typeof SEVERITIES)[number];
export type VerificationStep = (typeof VERIFICATION_STEPS)[number];
export type Report = z.output<typeof reportSchema>;
export type CheckResult = z.output<typeof checkResultSchema>;
export type CheckStatus = CheckResult['status'];
export type Finding = z.output<typeof findingSchema>;
export type Location = NonNullable<Finding['location']>;
export type ArtifactEvidence = NonNullable<CheckResult['artifacts']>[number];
export type TrustRootInfo = NonNullable<ArtifactEvidence['trustRoot']>;
export type Subject = Report['subject'];
export type Mode = Report['mode'];
export type Verdict = Report['verdict'];
