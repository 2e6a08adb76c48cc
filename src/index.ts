/**
 * The GitHub Action. With src/cli.ts, the only reader of inputs: it reads them inside the try
 * block, builds the typed config and calls the same `run` as the CLI, then fails the step once.
 */
import * as core from '@actions/core';
import { publishOptionsFrom, publishToGitHub } from './adapters/github/publish.js';
import { advisoryCacheForRun } from './adapters/osv/actions-cache.js';
import { writeVsa } from './adapters/sigstore/vsa.js';
import { configFromRunOptions } from './config/index.js';
import { productionDeps } from './deps.js';
import { isEntryPoint } from './entry.js';
import { GateError, describeThrown, formatError } from './errors.js';
import { annotationsFor, errorAnnotation, type Annotation } from './report/annotations.js';
import { outputLine, publishReport, sourceContext } from './report/publish.js';
import { renderText } from './report/text.js';
import { run, type Deps } from './run.js';
import { blockReason, exitCode } from './verdict/index.js';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';

export async function main(
  env: NodeJS.ProcessEnv = process.env,
  deps: Deps = productionDeps(),
): Promise<void> {
  const cwd = process.cwd();
  const root = path.resolve(env.GITHUB_WORKSPACE ?? '.');
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
    // OSV API records carried across runs (opt-in: input advisory-cache); a cache failure is only a miss.
    const cacheInput = core.getInput('advisory-cache');
    if (!['', 'true', 'false'].includes(cacheInput)) {
      throw new GateError(
        'config',
        `input advisory-cache: must be true or false, not ${JSON.stringify(cacheInput)}`,
        {
          location: { key: 'input advisory-cache' },
        },
      );
    }
    const advisoryCache = await advisoryCacheForRun(
      config.dependencies,
      cacheInput === 'true' ? { ...env, SECURITY_GATE_ADVISORY_CACHE: 'actions' } : env,
      (l) => core.info(l),
    );
    const report = await run(config, deps);
    await advisoryCache?.save();
    core.info(renderText(report));
    const paths = { root, workspace: config.workspace, cwd };
    await publishReport(report, {
      // The policy's report.sarif; the action has no flag for it.
      ...(config.outputs.sarif ? { sarif: config.outputs.sarif } : {}),
      paths,
      ...(env.GITHUB_STEP_SUMMARY ? { stepSummary: env.GITHUB_STEP_SUMMARY } : {}),
      ...(env.GITHUB_OUTPUT ? { stepOutput: env.GITHUB_OUTPUT } : {}),
    });
    // Findings on their files and lines, most important first, within GitHub's per-step limits.
    const ctx = await sourceContext(report, paths);
    for (const a of annotationsFor(report, ctx)) annotate(a);
    // A passing verdict, signed for later gates (report.vsa), before the verdict is published to
    // the pull request and the check run: a failure to sign fails the step and publishes no PASS.
    if (config.vsa && report.verdict === 'pass') {
      const bundle = await writeVsa(report, config.vsa, env, config.github);
      core.info(`security-gate: verification summary signed: ${bundle}`);
      if (env.GITHUB_OUTPUT) await appendFile(env.GITHUB_OUTPUT, outputLine('vsa-bundle', bundle));
    }
    // The pull request comment and the check run: failures are warnings, the verdict stays.
    const publish = publishOptionsFrom(config, ctx);
    if (publish)
      await publishToGitHub(report, publish, { info: core.info, warning: core.warning }).catch(
        (err: unknown) => core.warning(`security-gate: publishing failed: ${describeThrown(err)}`),
      );
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
    // An invalid policy is also shown on its file and line.
    const located = errorAnnotation(err, { root, cwd });
    if (located) annotate(located);
    // The same one-screen message as the CLI, on one line for the step's error annotation.
    core.setFailed(formatError(err).trim().replace(/\n\s*/g, ' · '));
  }
}

function annotate(a: Annotation): void {
  if (a.level === 'error') core.error(a.message, a.properties);
  else if (a.level === 'warning') core.warning(a.message, a.properties);
  else core.notice(a.message, a.properties);
}

if (isEntryPoint(import.meta.url)) {
  await main().catch((err: unknown) => core.setFailed(`security-gate: ${describeThrown(err)}`));
  // A check abandoned at its deadline may still hold sockets or timers: do not wait for it.
  setTimeout(() => process.exit(), 2000).unref();
}
