/**
 * The action (src/index.ts) publishing on GitHub: the pull request comment and the check run,
 * against the strict local GitHub API, with only @actions/core mocked. Publishing never changes
 * the verdict: a refusal is a warning, a blocked run still fails the step.
 */
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { GITHUB_ISSUER, REAL, SIGSTORE_JS_SAN, runCli } from './helpers/cli.js';
import { GitHubApiServer } from './helpers/github-api.js';

const inputs: Record<string, string> = {};
const core = {
  getInput: jest.fn((name: string) => inputs[name] ?? ''),
  setSecret: jest.fn(),
  info: jest.fn(),
  warning: jest.fn(),
  error: jest.fn(),
  notice: jest.fn(),
  setFailed: jest.fn(),
};
jest.unstable_mockModule('@actions/core', () => core);
const { main } = await import('../src/index.js');

const SHA = 'c'.repeat(40);
const HEAD = 'd'.repeat(40);
let server: GitHubApiServer;

beforeEach(async () => {
  for (const k of Object.keys(inputs)) delete inputs[k];
  jest.clearAllMocks();
  server = await GitHubApiServer.start();
  inputs['github-token'] = 'ghs_action-token';
});
afterEach(async () => {
  await server.close();
});

async function workspace(subject: string, report = '') {
  const ws = await mkdtemp(path.join(tmpdir(), 'sg-action-publish-'));
  await mkdir(path.join(ws, '.github'));
  await writeFile(
    path.join(ws, '.github/security-gate.yml'),
    `version: 1
${report}signatures:
  tuf: offline
  artifacts:
    - path: "*.tgz"
  identities:
    - issuer: ${GITHUB_ISSUER}
      subject: ${subject}
`,
  );
  await copyFile(path.join(REAL, 'sigstore-js-2.1.0.tgz'), path.join(ws, 'sigstore-2.1.0.tgz'));
  await copyFile(
    path.join(REAL, 'sigstore-js-2.1.0-bundle.json'),
    path.join(ws, 'sigstore-2.1.0.tgz.sigstore.json'),
  );
  const event = path.join(ws, 'event.json');
  await writeFile(event, JSON.stringify({ pull_request: { number: 7, head: { sha: HEAD } } }));
  const env = {
    GITHUB_WORKSPACE: ws,
    GITHUB_OUTPUT: path.join(ws, 'output.txt'),
    GITHUB_STEP_SUMMARY: path.join(ws, 'summary.md'),
    GITHUB_REPOSITORY: 'sigstore/sigstore-js',
    GITHUB_SHA: SHA,
    GITHUB_API_URL: server.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
  };
  await writeFile(env.GITHUB_OUTPUT, '');
  await writeFile(env.GITHUB_STEP_SUMMARY, '');
  return env;
}

async function verdictOutput(file: string): Promise<string | undefined> {
  return /^verdict<<(\S+)\n(.*)\n\1$/m.exec(await readFile(file, 'utf8'))?.[2];
}

const warnings = () => core.warning.mock.calls.map((c) => String(c[0]));

describe('action publishing', () => {
  it('403 on the comments: a warning naming pull-requests: write; still blocked, step failed once', async () => {
    server.rest('issues/list-comments', () => ({
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    }));
    const env = await workspace(
      'https://github.com/other/repo/.github/workflows/x.yml@refs/heads/main',
    );
    await main(env);
    expect(warnings().filter((w) => w.includes('pull request comment'))).toEqual([
      expect.stringContaining('the token needs `pull-requests: write`'),
    ]);
    expect(core.setFailed).toHaveBeenCalledTimes(1);
    expect(core.setFailed.mock.calls[0]![0]).toContain('blocked this promotion (signatures)');
    expect(await verdictOutput(env.GITHUB_OUTPUT)).toBe('block');
  });

  it('a passing run with report.check-run: the comment, and a success check run on the PR head', async () => {
    const comments: { id: number; body: string }[] = [];
    server.rest('issues/list-comments', () => ({
      status: 200,
      body: comments.map((c) => ({ ...c, user: { login: 'github-actions[bot]', type: 'Bot' } })),
    }));
    server.rest('issues/create-comment', (req) => {
      const c = { id: 1, body: (req.body as { body: string }).body };
      comments.push(c);
      return { status: 201, body: { ...c, user: { login: 'github-actions[bot]' } } };
    });
    server.rest('issues/update-comment', (req) => {
      comments[0]!.body = (req.body as { body: string }).body;
      return { status: 200, body: { ...comments[0]!, user: { login: 'github-actions[bot]' } } };
    });
    const checkRuns: Record<string, unknown>[] = [];
    server.rest('checks/create', (req) => {
      checkRuns.push(req.body as Record<string, unknown>);
      return { status: 201, body: { id: 99 } };
    });
    const env = await workspace(SIGSTORE_JS_SAN, 'report:\n  check-run: true\n');
    await main(env);
    await main(env);
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(warnings()).toEqual([]);
    expect(comments).toHaveLength(1);
    expect(server.count('issues/create-comment')).toBe(1);
    expect(server.count('issues/update-comment')).toBe(1);
    const body = comments[0]!.body;
    expect(body).toMatch(/^<!-- security-gate -->\n## ✅ security-gate: PASS\n/);
    expect(body).toContain('```mermaid');
    expect(body).toMatch(
      /\[the job summary of this workflow run\]\(https:\/\/github\.com\/sigstore\/sigstore-js\/actions\/runs\/4242\)$/,
    );
    expect(checkRuns).toHaveLength(2);
    expect(checkRuns[0]).toMatchObject({
      name: 'security-gate',
      head_sha: HEAD,
      status: 'completed',
      conclusion: 'success',
      details_url: 'https://github.com/sigstore/sigstore-js/actions/runs/4242',
    });
    // The job summary opens the same way: verdict, then the diagram.
    const summary = await readFile(env.GITHUB_STEP_SUMMARY, 'utf8');
    expect(summary).toMatch(/^## ✅ security-gate: PASS\n\n```mermaid\nflowchart LR\n/);
  });

  it('report.pr-comment: never makes no request at all', async () => {
    const env = await workspace(SIGSTORE_JS_SAN, 'report:\n  pr-comment: never\n');
    await main(env);
    expect(server.requests).toEqual([]);
    expect(core.setFailed).not.toHaveBeenCalled();
  });

  it('`security-gate run` in a workflow publishes the same way; a refusal is a warning on stderr, exit status unchanged', async () => {
    server.rest('checks/create', () => ({
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    }));
    const env = await workspace(
      'https://github.com/other/repo/.github/workflows/x.yml@refs/heads/main',
      'report:\n  pr-comment: never\n  check-run: true\n',
    );
    const r = await runCli(['run'], { ...env, GITHUB_TOKEN: 'ghs_cli-token' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'warning: security-gate: the security-gate check run was not created',
    );
    expect(r.stderr).toContain('`checks: write`');
    expect(server.count('checks/create')).toBe(1);
    expect(core.warning).not.toHaveBeenCalled();
  });
});
