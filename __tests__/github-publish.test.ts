/**
 * Publishing on GitHub (src/adapters/github/publish.ts): the sticky pull request comment and the
 * check run, against the strict local GitHub API (every request must be one GitHub's OpenAPI
 * description defines). Comments live in an in-memory store the handlers read and write, so a
 * second run sees what the first one wrote.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  GITHUB_ACTIONS_BOT,
  publishToGitHub,
  type GitHubPublishOptions,
} from '../src/adapters/github/publish.js';
import { COMMENT_MARKER } from '../src/report/comment.js';
import type { Finding, Report } from '../src/types.js';
import { GitHubApiServer, type ApiRequest } from './helpers/github-api.js';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const HEAD_SHA = 'a'.repeat(40);
const RUN_URL = 'https://github.com/acme/widget/actions/runs/4242';
const TOKEN = 'ghs_test-installation-token';

interface StoredComment {
  id: number;
  body: string;
  login: string;
}

let server: GitHubApiServer;
let store: StoredComment[];
let nextId: number;
let ws: string;

beforeEach(async () => {
  server = await GitHubApiServer.start();
  store = [];
  nextId = 1000;
  ws = await mkdtemp(path.join(tmpdir(), 'sg-publish-'));
});
afterEach(async () => {
  await server.close();
});

/** Serves the comments of pull request 7 from `store`, writing as `as` (the token's account). */
function serveComments(as = GITHUB_ACTIONS_BOT) {
  const view = (c: StoredComment) => ({
    id: c.id,
    body: c.body,
    user: { login: c.login, type: c.login.endsWith('[bot]') ? 'Bot' : 'User' },
    html_url: `https://github.com/acme/widget/pull/7#issuecomment-${c.id}`,
  });
  server.rest('issues/list-comments', (req) => {
    expect(req.params.issue_number).toBe('7');
    const per = Number(req.query.per_page ?? 30);
    const page = Number(req.query.page ?? 1);
    return { status: 200, body: store.slice((page - 1) * per, page * per).map(view) };
  });
  server.rest('issues/create-comment', (req) => {
    const c = { id: nextId++, body: (req.body as { body: string }).body, login: as };
    store.push(c);
    return { status: 201, body: view(c) };
  });
  server.rest('issues/update-comment', (req) => {
    const c = store.find((x) => x.id === Number(req.params.comment_id));
    if (!c) return { status: 404, body: { message: 'Not Found' } };
    c.body = (req.body as { body: string }).body;
    return { status: 200, body: view(c) };
  });
}

async function prEvent(number = 7): Promise<{ name: string; path: string }> {
  const file = path.join(ws, 'event.json');
  await writeFile(
    file,
    JSON.stringify({ action: 'synchronize', pull_request: { number, head: { sha: HEAD_SHA } } }),
  );
  return { name: 'pull_request', path: file };
}

function options(extra: Partial<GitHubPublishOptions> = {}): GitHubPublishOptions {
  return {
    apiUrl: server.url,
    token: TOKEN,
    repository: 'acme/widget',
    sha: SHA,
    prComment: 'auto',
    checkRun: false,
    runUrl: RUN_URL,
    paths: { root: ws, workspace: ws, cwd: ws },
    maxRetries: 0,
    ...extra,
  };
}

function recorder() {
  const info: string[] = [];
  const warning: string[] = [];
  return {
    info,
    warning,
    log: { info: (m: string) => info.push(m), warning: (m: string) => warning.push(m) },
  };
}

const HIGH: Finding = {
  rule: 'advisory',
  blocking: true,
  waived: false,
  severity: 'high',
  message: 'debug@4.3.4 is affected by GHSA-test-debg-0001',
  fix: 'Upgrade debug to 4.3.5 or later.',
  location: { file: 'package-lock.json', line: 12 },
  package: { ecosystem: 'npm', name: 'debug', version: '4.3.4', purl: 'pkg:npm/debug@4.3.4' },
};

function report(extra: Partial<Report> = {}, findings: Finding[] = [HIGH]): Report {
  const blocking = findings.some((f) => f.blocking && !f.waived);
  return {
    schemaVersion: 1,
    tool: { name: 'security-gate', version: '1.2.3' },
    mode: 'enforce',
    verdict: blocking ? 'block' : 'pass',
    blockedBy: blocking ? ['dependencies'] : [],
    subject: { repository: 'acme/widget', sha: SHA, ref: 'refs/heads/main' },
    generatedAt: '2026-12-01T12:00:00.000Z',
    checks: [
      { id: 'signatures', status: 'skipped', summary: 'no signatures section', findings: [] },
      {
        id: 'dependencies',
        status: blocking ? 'fail' : 'pass',
        summary: blocking ? '1 advisory blocks' : 'no advisories',
        findings,
      },
    ],
    ...extra,
  };
}

const ofOperation = (op: string) => (r: ApiRequest) => r.operationId === op;

describe('the pull request comment', () => {
  it('is created once, then updated in place by the next run (not duplicated)', async () => {
    serveComments();
    const event = await prEvent();
    const first = recorder();
    const a = await publishToGitHub(report(), options({ event }), first.log);
    expect(a.comment).toEqual({ action: 'created', id: 1000, pullRequest: 7 });
    expect(store).toHaveLength(1);
    expect(store[0]!.body.startsWith(`${COMMENT_MARKER}\n## ⛔ security-gate: BLOCKED`)).toBe(true);

    const second = recorder();
    const fixed = report({}, []);
    const b = await publishToGitHub(fixed, options({ event }), second.log);
    expect(b.comment).toEqual({ action: 'updated', id: 1000, pullRequest: 7 });
    expect(store).toHaveLength(1);
    expect(store[0]!.body).toContain('## ✅ security-gate: PASS');
    expect(store[0]!.body).not.toContain('BLOCKED');
    expect([...first.warning, ...second.warning]).toEqual([]);
    expect(first.info).toContain(
      'security-gate: commented on pull request #7 (https://github.com/acme/widget/pull/7#issuecomment-1000).',
    );
    // GITHUB_TOKEN (ghs_…) needs no identity request: it writes as github-actions[bot].
    expect(server.count('users/get-authenticated')).toBe(0);
    expect(server.requests.filter(ofOperation('issues/update-comment'))).toHaveLength(1);
  });

  it('never edits a comment by someone else that carries the marker; writes its own', async () => {
    serveComments();
    const planted = `${COMMENT_MARKER}\n## ✅ security-gate: PASS\n(planted by the pull request author)`;
    store.push({ id: 1, body: planted, login: 'mallory' });
    store.push({ id: 2, body: `quoting: ${COMMENT_MARKER}`, login: GITHUB_ACTIONS_BOT });
    const r = recorder();
    const out = await publishToGitHub(report(), options({ event: await prEvent() }), r.log);
    expect(out.comment?.action).toBe('created');
    expect(store.find((c) => c.id === 1)!.body).toBe(planted);
    expect(store.find((c) => c.id === 2)!.body).toBe(`quoting: ${COMMENT_MARKER}`);
    expect(server.count('issues/update-comment')).toBe(0);
    expect(store).toHaveLength(3);
  });

  it('finds its comment on a later page (bounded pagination, 100 per page)', async () => {
    serveComments();
    for (let i = 0; i < 150; i++) store.push({ id: i + 1, body: `comment ${i}`, login: 'alice' });
    store.push({ id: 500, body: `${COMMENT_MARKER}\nold`, login: GITHUB_ACTIONS_BOT });
    const out = await publishToGitHub(
      report(),
      options({ event: await prEvent() }),
      recorder().log,
    );
    expect(out.comment).toEqual({ action: 'updated', id: 500, pullRequest: 7 });
    const pages = server.requests
      .filter(ofOperation('issues/list-comments'))
      .map((r) => r.query.page);
    expect(pages).toEqual(['1', '2']);
  });

  it('with a personal token, asks GitHub who the token is and matches that login', async () => {
    serveComments('release-bot-user');
    server.rest('users/get-authenticated', () => ({
      status: 200,
      body: { login: 'release-bot-user', id: 1, type: 'User' },
    }));
    store.push({ id: 1, body: `${COMMENT_MARKER}\nby actions`, login: GITHUB_ACTIONS_BOT });
    store.push({ id: 2, body: `${COMMENT_MARKER}\nmine`, login: 'release-bot-user' });
    const out = await publishToGitHub(
      report(),
      options({ token: 'ghp_personal', event: await prEvent() }),
      recorder().log,
    );
    expect(out.comment).toEqual({ action: 'updated', id: 2, pullRequest: 7 });
    expect(store.find((c) => c.id === 1)!.body).toBe(`${COMMENT_MARKER}\nby actions`);
  });

  it('403 (no pull-requests: write): a warning naming the permission, nothing thrown', async () => {
    server.rest('issues/list-comments', () => ({
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    }));
    const r = recorder();
    const out = await publishToGitHub(report(), options({ event: await prEvent() }), r.log);
    expect(out).toEqual({});
    expect(r.warning).toHaveLength(1);
    expect(r.warning[0]).toContain('HTTP 403: Resource not accessible by integration');
    expect(r.warning[0]).toContain('`pull-requests: write`');
    expect(r.warning[0]).toContain('report.pr-comment: never');
    expect(r.warning[0]).toContain('The verdict is unchanged');
  });

  it('an answer of the wrong shape is a warning, and nothing is written', async () => {
    server.rest('issues/list-comments', () => ({ status: 200, body: { not: 'a list' } }));
    const r = recorder();
    const out = await publishToGitHub(report(), options({ event: await prEvent() }), r.log);
    expect(out).toEqual({});
    expect(r.warning[0]).toContain('unexpected shape');
    expect(server.count('issues/create-comment')).toBe(0);
  });

  it('a deploy of a merged pull request comments on that pull request', async () => {
    serveComments();
    server.rest('repos/list-pull-requests-associated-with-commit', (req) => {
      expect(req.params.commit_sha).toBe(SHA);
      return {
        status: 200,
        body: [
          // Open, and merged with another merge commit: these contain the commit, nothing more.
          { number: 9, merged_at: null, merge_commit_sha: 'b'.repeat(40) },
          { number: 8, merged_at: '2026-11-30T10:00:00Z', merge_commit_sha: 'c'.repeat(40) },
          { number: 7, merged_at: '2026-12-01T11:00:00Z', merge_commit_sha: SHA },
        ],
      };
    });
    const out = await publishToGitHub(
      report(),
      options({ event: { name: 'push' } }),
      recorder().log,
    );
    expect(out.comment).toEqual({ action: 'created', id: 1000, pullRequest: 7 });
  });

  it('no merged pull request: auto says so quietly, always warns', async () => {
    server.rest('repos/list-pull-requests-associated-with-commit', () => ({
      status: 200,
      body: [{ number: 9, merged_at: null, merge_commit_sha: 'b'.repeat(40) }],
    }));
    const auto = recorder();
    await publishToGitHub(report(), options({ event: { name: 'workflow_dispatch' } }), auto.log);
    expect(auto.warning).toEqual([]);
    expect(auto.info.join('\n')).toContain('not the merge commit of a merged pull request');
    const always = recorder();
    await publishToGitHub(
      report(),
      options({ event: { name: 'workflow_dispatch' }, prComment: 'always' }),
      always.log,
    );
    expect(always.warning.join('\n')).toContain('not the merge commit of a merged pull request');
  });

  it('publishes nothing with never, or outside GitHub Actions (no event)', async () => {
    const r = recorder();
    expect(await publishToGitHub(report(), options({ prComment: 'never' }), r.log)).toEqual({});
    expect(await publishToGitHub(report(), options(), r.log)).toEqual({});
    expect(server.requests).toEqual([]);
    expect(r.warning).toEqual([]);
  });

  it('a pull_request event without a readable payload is a warning', async () => {
    const r = recorder();
    await publishToGitHub(
      report(),
      options({ event: { name: 'pull_request', path: path.join(ws, 'absent.json') } }),
      r.log,
    );
    expect(r.warning[0]).toContain('cannot read the pull request from the pull_request event');
    expect(server.requests).toEqual([]);
  });
});

describe('the check run', () => {
  const serveCheckRuns = (bodies: unknown[]) =>
    server.rest('checks/create', (req) => {
      bodies.push(req.body);
      return {
        status: 201,
        body: { id: 77, head_sha: (req.body as { head_sha: string }).head_sha },
      };
    });

  it('carries the verdict as its conclusion, the summary and the annotations', async () => {
    const bodies: unknown[] = [];
    serveCheckRuns(bodies);
    const out = await publishToGitHub(
      report(),
      options({ prComment: 'never', checkRun: true, event: { name: 'push' } }),
      recorder().log,
    );
    expect(out.checkRun).toEqual({ id: 77, sha: SHA });
    expect(bodies).toHaveLength(1);
    const body = bodies[0] as Record<string, unknown> & {
      output: { title: string; summary: string; annotations: unknown[] };
    };
    expect(body).toMatchObject({
      name: 'security-gate',
      head_sha: SHA,
      status: 'completed',
      conclusion: 'failure',
      completed_at: '2026-12-01T12:00:00.000Z',
      details_url: RUN_URL,
    });
    expect(body.output.title).toBe('Blocked by dependencies');
    expect(body.output.summary).toMatch(/^## ⛔ security-gate: BLOCKED/);
    expect(body.output.summary).not.toContain(COMMENT_MARKER);
    expect(body.output.annotations).toEqual([
      {
        path: 'package-lock.json',
        start_line: 12,
        end_line: 12,
        annotation_level: 'failure',
        title: 'dependencies: advisory (debug@4.3.4)',
        message:
          'debug@4.3.4 is affected by GHSA-test-debg-0001\nFix: Upgrade debug to 4.3.5 or later.',
      },
    ]);
  });

  it('is success on pass, neutral in audit mode; on a pull request, on its head commit', async () => {
    const bodies: { conclusion: string; head_sha: string }[] = [];
    serveCheckRuns(bodies);
    const opts = options({ prComment: 'never', checkRun: true, event: await prEvent() });
    await publishToGitHub(report({}, []), opts, recorder().log);
    await publishToGitHub(report({ mode: 'audit' }), opts, recorder().log);
    expect(bodies.map((b) => [b.conclusion, b.head_sha])).toEqual([
      ['success', HEAD_SHA],
      ['neutral', HEAD_SHA],
    ]);
  });

  it('at most 50 annotations; the rest are counted in the output text', async () => {
    const bodies: { output: { annotations: unknown[]; text?: string } }[] = [];
    serveCheckRuns(bodies);
    const many = Array.from({ length: 60 }, (_, i) => ({
      ...HIGH,
      location: { file: 'package-lock.json', line: i + 1 },
    }));
    await publishToGitHub(
      report({}, many),
      options({ prComment: 'never', checkRun: true, event: { name: 'push' } }),
      recorder().log,
    );
    expect(bodies[0]!.output.annotations).toHaveLength(50);
    expect(bodies[0]!.output.text).toContain('10 more findings with a file and line');
  });

  it('a pull request payload without its head commit: the comment still, no check run (a warning)', async () => {
    serveComments();
    const file = path.join(ws, 'event.json');
    await writeFile(file, JSON.stringify({ pull_request: { number: 7 } }));
    const r = recorder();
    const out = await publishToGitHub(
      report(),
      options({ checkRun: true, event: { name: 'pull_request_target', path: file } }),
      r.log,
    );
    expect(out.comment?.action).toBe('created');
    expect(out.checkRun).toBeUndefined();
    expect(r.warning).toEqual([
      expect.stringContaining('the event payload names no head commit of the pull request'),
    ]);
  });

  it('403 (no checks: write): a warning naming the permission', async () => {
    server.rest('checks/create', () => ({
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    }));
    const r = recorder();
    const out = await publishToGitHub(
      report(),
      options({ prComment: 'never', checkRun: true, event: { name: 'push' } }),
      r.log,
    );
    expect(out).toEqual({});
    expect(r.warning[0]).toContain('`checks: write`');
    expect(r.warning[0]).toContain('report.check-run: false');
  });
});
