import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import type { Deps } from '../../src/run.js';
import { reportSchema } from '../../src/report/report-schema.js';
import type { Report } from '../../src/types.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const REAL = path.join(FIXTURES, 'sigstore-real');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The JSON report written with --json (validated against the report schema), if any. */
  report?: Report;
}

/** Runs the CLI in-process with --json into a temp file, and reads the report back. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  deps?: Deps,
): Promise<CliResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sg-cli-'));
  const json = path.join(dir, 'report.json');
  let stdout = '';
  let stderr = '';
  // Tests never contact the internet: verify-artifact uses the embedded public-good root
  // (--offline); `run` policies say `tuf: offline` or name a trusted root themselves.
  const withJson =
    args[0] === 'run' || args[0] === 'scan-deps' || args[0] === 'check-repo'
      ? [...args, '--json', json]
      : args[0] === 'verify-artifact'
        ? [...args, '--offline', '--json', json]
        : args;
  try {
    const code = await main(
      withJson,
      env,
      {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
      },
      deps,
    );
    let report: Report | undefined;
    try {
      report = reportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return { code, stdout, stderr, ...(report ? { report } : {}) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const SIGSTORE_JS_SAN =
  'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main';
