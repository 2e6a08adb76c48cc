/**
 * Publishing a finished report: files (--json, --markdown, --sarif), the job summary and step
 * outputs. Rendering is done before; nothing here decides anything.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { locatePolicyKey } from '../config/load.js';
import { GateError, describeThrown } from '../errors.js';
import type { Report } from '../types.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif, type SarifContext } from './sarif.js';
import { toJson, writeFileAtomic } from './write.js';

/** GitHub's limit for one step's job summary is 1 MiB; stay well below it. */
const SUMMARY_LIMIT = 1000 * 1024;

export interface PublishTargets {
  json?: string;
  markdown?: string;
  /** The SARIF log; its locations are relative to `paths.root`. */
  sarif?: string;
  paths?: SourcePaths;
  /** GITHUB_STEP_SUMMARY */
  stepSummary?: string;
  /** GITHUB_OUTPUT */
  stepOutput?: string;
}

export async function publishReport(report: Report, targets: PublishTargets): Promise<void> {
  const markdown = renderMarkdown(report);
  const json = toJson(report);
  if (targets.json) await writeFileAtomic(targets.json, json, 'JSON report');
  if (targets.markdown) await writeFileAtomic(targets.markdown, markdown, 'markdown report');
  if (targets.sarif) {
    const ctx = await sourceContext(report, targets.paths ?? defaultPaths());
    await writeFileAtomic(targets.sarif, toJson(renderSarif(report, ctx)), 'SARIF log');
  }
  if (targets.stepSummary) {
    const summary =
      markdown.length <= SUMMARY_LIMIT
        ? markdown
        : markdown.slice(0, SUMMARY_LIMIT) +
          '\n\n… (cut to fit the job summary; the full report is in the `report` output)\n';
    await append(targets.stepSummary, summary + '\n', 'job summary (GITHUB_STEP_SUMMARY)');
  }
  if (targets.stepOutput) {
    const outputs: Record<string, string> = {
      verdict: report.verdict,
      'blocked-by': report.blockedBy.join(','),
      summary: report.checks.map((c) => `${c.id}: ${c.status} - ${c.summary}`).join('\n'),
      report: JSON.stringify(report),
    };
    await append(
      targets.stepOutput,
      Object.entries(outputs)
        .map(([k, v]) => outputLine(k, v))
        .join(''),
      'step outputs (GITHUB_OUTPUT)',
    );
  }
}

/** Absolute folders the report's paths are relative to. */
export interface SourcePaths {
  /** The repository root: locations in SARIF and annotations are relative to it. */
  root: string;
  /** Base of lockfile, artifact and bundle paths (the workspace). */
  workspace: string;
  /** Base of the policy path (the current directory). */
  cwd: string;
}

function defaultPaths(): SourcePaths {
  const cwd = process.cwd();
  return { root: cwd, workspace: cwd, cwd };
}

/**
 * The paths, and the policy keys' lines read from the policy file — only if it is still the file
 * the report was made from (same sha256); otherwise policy findings are located at the file only.
 */
export async function sourceContext(report: Report, paths: SourcePaths): Promise<SarifContext> {
  const ctx: SarifContext = { ...paths };
  if (report.policy?.sha256) {
    const text = await readFile(path.resolve(paths.cwd, report.policy.path), 'utf8').catch(
      () => undefined,
    );
    if (
      text !== undefined &&
      createHash('sha256').update(text).digest('hex') === report.policy.sha256
    ) {
      ctx.locateKey = (key) => locatePolicyKey(text, key);
    }
  }
  return ctx;
}

/** One output in GITHUB_OUTPUT's multi-line syntax, with a delimiter that cannot occur in the value. */
export function outputLine(name: string, value: string): string {
  let delimiter = `ghadelimiter_${randomUUID()}`;
  while (value.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

async function append(file: string, content: string, what: string): Promise<void> {
  try {
    await appendFile(file, content, 'utf8');
  } catch (err) {
    throw new GateError('upstream', `cannot write the ${what} to ${file}: ${describeThrown(err)}`, {
      cause: err,
    });
  }
}
