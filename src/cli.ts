#!/usr/bin/env node
/**
 * The command-line interface (DESIGN.md §3). With src/index.ts, the only reader of inputs: it
 * parses flags, builds the typed config and calls the same `run` as the action.
 * Exit status: 0 pass · 1 blocked by policy · 2 could not evaluate.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  configFromCheckRepo,
  configFromRunOptions,
  configFromScanDeps,
  configFromVerifyArtifact,
  type GateConfig,
} from './config/index.js';
import { writeVsa } from './adapters/sigstore/vsa.js';
import { productionDeps } from './deps.js';
import { isEntryPoint } from './entry.js';
import { GateError, describeThrown, formatError } from './errors.js';

export { formatError };
import { publishOptionsFrom, publishToGitHub } from './adapters/github/publish.js';
import { publishReport, sourceContext } from './report/publish.js';
import { renderSarifError } from './report/sarif.js';
import { toJson, writeFileAtomic } from './report/write.js';
import path from 'node:path';
import { renderText } from './report/text.js';
import { run, type Deps } from './run.js';
import { exitCode } from './verdict/index.js';
import { VERSION } from './version.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const USAGE = `security-gate ${VERSION}: may this exact build of this exact commit be promoted?

Usage:
  security-gate run             [--policy FILE] [--mode enforce|audit] [--json FILE] [--markdown FILE]
                                [--sarif FILE] [--repo OWNER/NAME] [--sha SHA] [--ref REF]
  security-gate verify-artifact FILE --bundle FILE
                                ( --certificate-identity URI | --certificate-identity-regexp RE )
                                --certificate-oidc-issuer URL | --key PEM_FILE
                                [--owner OWNER] [--repo OWNER/NAME] [--signer-workflow OWNER/REPO/PATH.yml[@REF]]
                                [--source-ref REF] [--deny-self-hosted-runners] [--predicate-type URI]
                                [--sha COMMIT] [--trusted-root FILE] [--offline] [--json FILE] [--markdown FILE]
                                [--sarif FILE]
  security-gate scan-deps       [PATH ...] [--sbom FILE ...] [--osv-dir DIR | --osv-zip FILE | --osv-api URL]
                                [--fail-on-severity low|moderate|high|critical] [--json FILE] [--markdown FILE]
                                [--sarif FILE]
  security-gate check-repo      --repo OWNER/NAME --sha SHA [--ref REF] [--api-url URL] [--policy FILE]
                                [--json FILE] [--markdown FILE]

Exit status: 0 pass, 1 blocked by policy, 2 could not evaluate (bad input, config, network).
`;

const COMMANDS: Record<string, ParseArgsConfig['options']> = {
  'scan-deps': {
    sbom: { type: 'string', multiple: true },
    'osv-dir': { type: 'string' },
    'osv-zip': { type: 'string' },
    'osv-api': { type: 'string' },
    'fail-on-severity': { type: 'string' },
    json: { type: 'string' },
    markdown: { type: 'string' },
    sarif: { type: 'string' },
  },
  run: {
    policy: { type: 'string' },
    mode: { type: 'string' },
    json: { type: 'string' },
    markdown: { type: 'string' },
    sarif: { type: 'string' },
    repo: { type: 'string' },
    sha: { type: 'string' },
    ref: { type: 'string' },
  },
  'check-repo': {
    repo: { type: 'string' },
    sha: { type: 'string' },
    ref: { type: 'string' },
    'api-url': { type: 'string' },
    policy: { type: 'string' },
    json: { type: 'string' },
    markdown: { type: 'string' },
  },
  'verify-artifact': {
    bundle: { type: 'string' },
    'certificate-identity': { type: 'string' },
    'certificate-identity-regexp': { type: 'string' },
    'certificate-oidc-issuer': { type: 'string' },
    owner: { type: 'string' },
    repo: { type: 'string' },
    'signer-workflow': { type: 'string' },
    'source-ref': { type: 'string' },
    'deny-self-hosted-runners': { type: 'boolean' },
    'predicate-type': { type: 'string' },
    sha: { type: 'string' },
    key: { type: 'string' },
    'trusted-root': { type: 'string' },
    offline: { type: 'boolean' },
    json: { type: 'string' },
    markdown: { type: 'string' },
    sarif: { type: 'string' },
  },
};

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: Io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
  deps: Deps = productionDeps(),
): Promise<0 | 1 | 2> {
  let sarifOnError: { file: string; root: string; cwd: string } | undefined;
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    const options = COMMANDS[command];
    if (!options)
      throw new GateError('config', `unknown command ${JSON.stringify(command)}`, {
        fix: 'Run `security-gate --help`.',
      });
    let parsed;
    try {
      parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new GateError('config', describeThrown(err), { fix: `Run \`security-gate --help\`.` });
    }
    const { values, positionals } = parsed;
    // A run that stops before its report still leaves a SARIF log saying why (e.g. the policy line).
    if (typeof values.sarif === 'string') {
      const cwd = process.cwd();
      const root = command === 'run' ? path.resolve(env.GITHUB_WORKSPACE ?? '.') : cwd;
      sarifOnError = { file: values.sarif, root, cwd };
    }
    let config: GateConfig;
    if (command === 'run') {
      if (positionals.length > 0)
        throw new GateError(
          'config',
          `\`run\` takes no positional arguments (got ${positionals.join(' ')})`,
        );
      config = await configFromRunOptions(
        { ...values, workspace: env.GITHUB_WORKSPACE ?? '.' },
        env,
      );
    } else if (command === 'check-repo') {
      if (positionals.length > 0)
        throw new GateError(
          'config',
          `\`check-repo\` takes no positional arguments (got ${positionals.join(' ')})`,
          { fix: 'security-gate check-repo --repo OWNER/NAME --sha SHA [--ref REF]' },
        );
      config = await configFromCheckRepo(values, env);
    } else if (command === 'scan-deps') {
      config = configFromScanDeps({ ...values, paths: positionals }, env);
    } else {
      if (positionals.length !== 1) {
        throw new GateError(
          'config',
          `verify-artifact takes exactly one FILE (got ${positionals.length})`,
          {
            fix: 'security-gate verify-artifact FILE --bundle FILE …',
          },
        );
      }
      config = configFromVerifyArtifact({ ...values, artifact: positionals[0] }, env);
    }
    const report = await run(config, deps);
    sarifOnError = undefined;
    io.stdout(renderText(report));
    const paths = { root: config.workspace, workspace: config.workspace, cwd: process.cwd() };
    await publishReport(report, {
      ...config.outputs,
      paths,
      ...(command === 'run' && env.GITHUB_STEP_SUMMARY
        ? { stepSummary: env.GITHUB_STEP_SUMMARY }
        : {}),
      ...(command === 'run' && env.GITHUB_OUTPUT ? { stepOutput: env.GITHUB_OUTPUT } : {}),
    });
    // Signed before the verdict is published: a failure to sign publishes no PASS.
    if (config.vsa && report.verdict === 'pass') {
      io.stdout(
        `verification summary signed: ${await writeVsa(report, config.vsa, env, config.github)}\n`,
      );
    }
    // `run` in a workflow: the pull request comment and the check run, as the action; warnings only.
    const publish = publishOptionsFrom(config, await sourceContext(report, paths));
    if (publish)
      await publishToGitHub(report, publish, {
        info: (m) => io.stderr(`${m}\n`),
        warning: (m) => io.stderr(`warning: ${m}\n`),
      });
    return exitCode(report.checks, report.verdict, report.mode);
  } catch (err) {
    io.stderr(formatError(err));
    if (sarifOnError) {
      const { file, root, cwd } = sarifOnError;
      const log = renderSarifError(err, { root, cwd }, { name: 'security-gate', version: VERSION });
      await writeFileAtomic(file, toJson(log), 'SARIF log').catch((e: unknown) =>
        io.stderr(formatError(e)),
      );
    }
    return 2;
  }
}

if (isEntryPoint(import.meta.url)) {
  // Anything that escapes `main` (it should not) still ends in "could not evaluate".
  const die = (err: unknown) => {
    process.stderr.write(formatError(err));
    process.exit(2);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  process.exitCode = await main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(formatError(err));
    return 2 as const;
  });
  // A check abandoned at its deadline may still hold sockets or timers: do not wait for it.
  setTimeout(() => process.exit(), 2000).unref();
}
