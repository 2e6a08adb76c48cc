/**
 * The GitHub Action. With src/cli.ts, the only reader of inputs: it reads them inside the try
 * block, builds the typed config and calls the same `run` as the CLI, then fails the step once.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { configFromRunOptions } from './config/index.js';
import { productionDeps } from './deps.js';
import { GateError, describeThrown, formatLocation } from './errors.js';
import { outputLine, publishReport } from './report/publish.js';
import { renderText } from './report/text.js';
import { run, type Deps } from './run.js';
import { blockReason, exitCode } from './verdict/index.js';
import { appendFile } from 'node:fs/promises';

export async function main(
  env: NodeJS.ProcessEnv = process.env,
  deps: Deps = productionDeps(),
): Promise<void> {
  try {
    const token = core.getInput('github-token');
    if (token) core.setSecret(token);
    const raw: Record<string, unknown> = { workspace: env.GITHUB_WORKSPACE ?? '.' };
    if (token) raw.token = token;
    const policy = core.getInput('policy');
    const mode = core.getInput('mode');
    if (policy) raw.policy = policy;
    if (mode) raw.mode = mode;
    const config = await configFromRunOptions(raw, env, 'input ');
    const report = await run(config, deps);
    core.info(renderText(report));
    await publishReport(report, {
      ...(env.GITHUB_STEP_SUMMARY ? { stepSummary: env.GITHUB_STEP_SUMMARY } : {}),
      ...(env.GITHUB_OUTPUT ? { stepOutput: env.GITHUB_OUTPUT } : {}),
    });
    const code = exitCode(report.checks, report.verdict, report.mode);
    if (report.mode === 'audit' && report.verdict === 'block') {
      core.warning(
        `security-gate (audit mode): the verdict is BLOCK (${blockReason(report.blockedBy)}); the step passes because mode is audit.`,
      );
    }
    if (code !== 0) {
      core.setFailed(
        code === 1
          ? `security-gate blocked this promotion (${blockReason(report.blockedBy)}); see the job summary.`
          : `security-gate could not evaluate (${blockReason(report.blockedBy)}); see the job summary. Nothing was promoted.`,
      );
    }
  } catch (err) {
    // Configuration or I/O failure before a verdict: still say "block", and fail the step.
    if (env.GITHUB_OUTPUT)
      await appendFile(env.GITHUB_OUTPUT, outputLine('verdict', 'block')).catch(() => undefined);
    const where = err instanceof GateError ? formatLocation(err.location) : '';
    const fix = err instanceof GateError && err.fix ? ` Fix: ${err.fix}` : '';
    core.setFailed(
      `security-gate could not evaluate: ${describeThrown(err)}${where && !describeThrown(err).includes(where) ? ` (at ${where})` : ''}.${fix}`,
    );
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  await main().catch((err: unknown) => core.setFailed(`security-gate: ${describeThrown(err)}`));
  // A check abandoned at its deadline may still hold sockets or timers: do not wait for it.
  setTimeout(() => process.exit(), 2000).unref();
}
