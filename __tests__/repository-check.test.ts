/**
 * The repository check end to end: `security-gate check-repo` and `run` with a `repository`
 * policy, against GitHubApiServer (strict: every REST request must be defined by GitHub's OpenAPI
 * description, every GraphQL query must validate against GitHub's schema), over real sockets.
 * Each scenario is one way a commit can reach (or fail to reach) a branch.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRepositoryPorts } from '../src/adapters/github/repository.js';
import { productionDeps } from '../src/deps.js';
import type { Deps } from '../src/run.js';
import type { Finding } from '../src/types.js';
import { runCli as runCliOnly, type CliResult } from './helpers/cli.js';
import { GitHubApiServer, type RestResponse } from './helpers/github-api.js';
import { expectWellFormedRepositoryResult } from './helpers/repository-findings.js';

/** The CLI, with what every repository result owes its reader asserted on each run. */
async function runCli(...args: Parameters<typeof runCliOnly>): Promise<CliResult> {
  const r = await runCliOnly(...args);
  const check = r.report?.checks.find((c) => c.id === 'repository');
  if (check) expectWellFormedRepositoryResult(check);
  return r;
}

const SHA = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const OLD_HEAD = 'c'.repeat(40);
const BASE_TIP = 'd'.repeat(40);

let server: GitHubApiServer;
let dir: string;

beforeEach(async () => {
  server = await GitHubApiServer.start();
  dir = await mkdtemp(path.join(tmpdir(), 'sg-repo-'));
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

// --- GitHub's shapes -------------------------------------------------------------------------

const user = (login: string) => ({ login, __typename: 'User' });
const bot = (login: string) => ({ login, __typename: 'Bot' });
const conn = <T>(nodes: T[], totalCount = nodes.length) => ({
  totalCount,
  pageInfo: { hasNextPage: totalCount > nodes.length, endCursor: nodes.length ? 'cursor' : null },
  nodes,
});
const review = (id: number, author: unknown, state = 'APPROVED', commit = HEAD) => ({
  databaseId: id,
  state,
  submittedAt: `2026-11-01T09:${String(id).padStart(2, '0')}:00Z`,
  author,
  commit: { oid: commit },
});
const commitNode = (oid: string, author: string, committer = 'web-flow', signed = true) => ({
  commit: {
    oid,
    author: { name: author, email: `${author}@example.com`, user: { login: author } },
    committer: { name: committer, email: `${committer}@example.com`, user: { login: committer } },
    signature: signed ? { isValid: true, wasSignedByGitHub: committer === 'web-flow' } : null,
  },
});

interface PrSpec {
  number?: number;
  base?: string;
  merged?: boolean;
  mergeCommit?: string;
  author?: string;
  reviews?: unknown[];
  commits?: unknown[];
  files?: string[];
  codeowners?: string;
}

function prNode(s: PrSpec = {}) {
  const merged = s.merged ?? true;
  const n = s.number ?? 7;
  return {
    number: n,
    url: `https://github.com/octo/app/pull/${n}`,
    state: merged ? 'MERGED' : 'OPEN',
    merged,
    mergedAt: merged ? '2026-11-01T10:00:00Z' : null,
    baseRefName: s.base ?? 'main',
    headRefOid: HEAD,
    mergeCommit: merged ? { oid: s.mergeCommit ?? SHA } : null,
    author: user(s.author ?? 'author'),
    mergedBy: merged ? user('maintainer') : null,
    reviews: conn(s.reviews ?? [review(1, user('alice')), review(2, user('bob'))]),
    commits: conn(s.commits ?? [commitNode(HEAD, s.author ?? 'author')]),
    files: conn((s.files ?? ['src/app.ts']).map((p) => ({ path: p, changeType: 'MODIFIED' }))),
    baseRef: {
      target: {
        oid: BASE_TIP,
        c0:
          s.codeowners === undefined
            ? null
            : {
                object: {
                  oid: 'e'.repeat(40),
                  text: s.codeowners,
                  isBinary: false,
                  isTruncated: false,
                },
              },
        c1: null,
        c2: null,
      },
    },
  };
}

interface Scenario {
  /** The commit GitHub is asked about (default SHA, the deployed merge commit). */
  sha?: string;
  prs?: unknown[];
  checkRuns?: { name: string; status?: string; conclusion?: string | null; id?: number }[];
  statuses?: { context: string; state: string }[];
  signature?: unknown;
  rules?: RestResponse;
  protection?: RestResponse;
  teams?: Record<string, RestResponse>;
  compare?: Record<string, string>;
  /** since-last-deployment: deployments (newest first), commits since, and their PRs. */
  deployments?: { sha: string; state: string | null }[];
  range?: { sha: string; prs: number[] }[];
  rangePrs?: Record<number, ReturnType<typeof prNode>>;
}

const PR_RULE = {
  type: 'pull_request',
  ruleset_source_type: 'Repository',
  ruleset_source: 'octo/app',
  ruleset_id: 42,
  parameters: {
    required_approving_review_count: 2,
    require_code_owner_review: true,
    require_last_push_approval: true,
    dismiss_stale_reviews_on_push: true,
    required_review_thread_resolution: false,
  },
};
const CHECKS_RULE = {
  type: 'required_status_checks',
  ruleset_source_type: 'Organization',
  ruleset_source: 'octo',
  ruleset_id: 9,
  parameters: {
    strict_required_status_checks_policy: false,
    required_status_checks: [{ context: 'build' }, { context: 'test' }],
  },
};

function serve(s: Scenario = {}) {
  server.graphql(({ operationName, variables }) => {
    if (operationName === 'GateLastDeployment') {
      expect(variables.environment).toBe('production');
      const list = s.deployments ?? [];
      return {
        data: {
          repository: {
            deployments: {
              totalCount: list.length,
              nodes: list.map((d, i) => ({
                databaseId: 500 - i,
                commitOid: d.sha,
                createdAt: `2026-11-0${i + 1}T12:00:00Z`,
                latestStatus: d.state === null ? null : { state: d.state },
              })),
            },
          },
        },
      };
    }
    if (operationName === 'GateCommitPullRequests') {
      const repository: Record<string, unknown> = {};
      for (const [k, sha] of Object.entries(variables)) {
        if (!/^c\d+$/.test(k)) continue;
        const c = s.range!.find((x) => x.sha === sha)!;
        const nodes = c.prs.map((n) => {
          const node = s.rangePrs![n]!;
          return {
            number: n,
            merged: node.merged,
            baseRefName: node.baseRefName,
            mergeCommit: node.mergeCommit,
          };
        });
        repository[k] = { oid: sha, associatedPullRequests: { totalCount: nodes.length, nodes } };
      }
      return { data: { repository } };
    }
    if (operationName === 'GatePullRequests') {
      const repository: Record<string, unknown> = {};
      for (const [k, n] of Object.entries(variables)) {
        if (/^p\d+$/.test(k)) repository[k] = s.rangePrs![n as number];
      }
      return { data: { repository } };
    }
    expect(operationName).toBe('GateRepositoryEvidence');
    expect(variables).toEqual({ owner: 'octo', repo: 'app', sha: s.sha ?? SHA });
    const prs = s.prs ?? [prNode()];
    return {
      data: {
        repository: {
          object: {
            oid: s.sha ?? SHA,
            associatedPullRequests: { totalCount: prs.length, nodes: prs },
            signature:
              s.signature === undefined
                ? { isValid: true, state: 'VALID', wasSignedByGitHub: true, signer: null }
                : s.signature,
            checkSuites: conn([
              {
                app: { slug: 'github-actions' },
                checkRuns: conn(
                  (
                    s.checkRuns ?? [
                      { name: 'build', conclusion: 'SUCCESS' },
                      { name: 'test', conclusion: 'SUCCESS' },
                    ]
                  ).map((r, i) => ({
                    databaseId: r.id ?? 100 + i,
                    name: r.name,
                    status: r.status ?? 'COMPLETED',
                    conclusion: r.conclusion === undefined ? 'SUCCESS' : r.conclusion,
                  })),
                ),
              },
            ]),
            status: { contexts: s.statuses ?? [] },
          },
        },
      },
    };
  });
  server.rest(
    'repos/get-branch-rules',
    () => s.rules ?? { status: 200, body: [PR_RULE, CHECKS_RULE] },
  );
  server.rest(
    'repos/get-branch-protection',
    () =>
      s.protection ?? {
        status: 403,
        body: { message: 'Resource not accessible by integration' },
      },
  );
  if (s.teams) {
    server.rest('teams/list-members-in-org', (req) => {
      const key = `${req.params.org}/${req.params.team_slug}`;
      return s.teams![key] ?? { status: 404, body: { message: 'Not Found' } };
    });
  }
  if (s.compare || s.range) {
    server.rest('repos/compare-commits', (req) => {
      expect(req.params.head).toBe(SHA);
      if (s.range && req.params.base === s.deployments?.find((d) => d.state === 'SUCCESS')?.sha) {
        const commits = [...s.range.map((c) => ({ sha: c.sha })), { sha: SHA }];
        return {
          status: 200,
          body: { status: 'ahead', total_commits: commits.length, commits },
        };
      }
      return { status: 200, body: { status: s.compare?.[req.params.base!] ?? 'diverged' } };
    });
  }
}

async function policy(section: string): Promise<string> {
  const file = path.join(dir, 'security-gate.yml');
  await writeFile(file, `version: 1\nrepository:\n${section.replace(/^/gm, '  ')}\n`);
  return file;
}

const STRICT = `branches: [main, "refs/tags/v*"]
required-approvals: 2
require-status-checks: [build, test]
require-branch-protection: any`;

function deps(): Deps {
  return {
    ...productionDeps(),
    repository: (cfg) =>
      createRepositoryPorts(cfg, { retryBaseDelayMs: 1, maxRetryDelayMs: 2_000, maxRetries: 2 }),
  };
}

async function checkRepo(section = STRICT, extra: string[] = []): Promise<CliResult> {
  return runCli(
    [
      'check-repo',
      '--repo',
      'octo/app',
      '--sha',
      SHA,
      '--ref',
      'refs/heads/main',
      '--api-url',
      server.url,
      '--policy',
      await policy(section),
      ...extra,
    ],
    { GITHUB_TOKEN: 'test-token' },
    deps(),
  );
}

function findings(r: CliResult): Finding[] {
  return r.report?.checks.find((c) => c.id === 'repository')?.findings ?? [];
}
const blockingRules = (r: CliResult) =>
  findings(r)
    .filter((f) => f.blocking)
    .map((f) => f.rule);

describe('check-repo: the pull request and its reviews', () => {
  it('clean squash merge with 2 approvals passes, in 3 requests', async () => {
    serve();
    const r = await checkRepo();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.report!.verdict).toBe('pass');
    const check = r.report!.checks.find((c) => c.id === 'repository')!;
    expect(check.status).toBe('pass');
    expect(check.summary).toContain('pull request #7 merged into main');
    expect(check.summary).toContain('2 counted approval(s) (alice, bob)');
    expect(server.requests).toHaveLength(3);
    expect(server.count('graphql')).toBe(1);
  });

  it('self-approval does not count', async () => {
    serve({ prs: [prNode({ reviews: [review(1, user('author')), review(2, user('bob'))] })] });
    const r = await checkRepo();
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['approvals-insufficient']);
    expect(findings(r).find((f) => f.rule === 'approval-not-counted')!.message).toContain(
      'is the pull request author',
    );
  });

  it('an approval of an older head does not count after a push', async () => {
    serve({
      prs: [
        prNode({
          reviews: [review(1, user('alice'), 'APPROVED', OLD_HEAD), review(2, user('bob'))],
        }),
      ],
    });
    const r = await checkRepo();
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['approvals-insufficient']);
    expect(JSON.stringify(findings(r))).toContain('approved an older head commit');
  });

  it('an approval by someone who later pushed a commit does not count', async () => {
    serve({
      prs: [
        prNode({
          commits: [commitNode(OLD_HEAD, 'author'), commitNode(HEAD, 'alice', 'alice')],
        }),
      ],
    });
    const r = await checkRepo();
    expect(r.code).toBe(1);
    expect(findings(r).find((f) => f.rule === 'approval-not-counted')!.message).toMatch(
      /alice .*authored a commit/,
    );
  });

  it('a bot approval does not count unless the bot is allowed', async () => {
    const prs = [prNode({ reviews: [review(1, bot('renovate')), review(2, user('bob'))] })];
    serve({ prs });
    const blocked = await checkRepo();
    expect(blocked.code).toBe(1);
    expect(JSON.stringify(findings(blocked))).toContain('is a bot not listed');
    server.reset();
    serve({ prs });
    const allowed = await checkRepo(`${STRICT}\nallow-bots: ["renovate[bot]"]`);
    expect(allowed.code).toBe(0);
  });

  it('a direct push (no pull request merged it) blocks', async () => {
    serve({ prs: [] });
    const r = await checkRepo();
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['no-pull-request']);
    expect(findings(r)[0]!.message).toContain('did not reach main through a merged pull request');
  });

  it('a commit that is the merge commit of two pull requests cannot be evaluated', async () => {
    serve({ prs: [prNode({ number: 7 }), prNode({ number: 8 })] });
    const r = await checkRepo();
    expect(r.code).toBe(2);
    expect(blockingRules(r)).toEqual(['pull-request-ambiguous']);
    expect(findings(r)[0]!.message).toContain('#7, #8');
  });

  it('a rebase merge and a merge-queue commit pass like a squash merge', async () => {
    // Rebase: the merge commit is the last rebased commit, not the PR head.
    serve({
      prs: [
        prNode({
          commits: [commitNode(OLD_HEAD, 'author', 'author'), commitNode(HEAD, 'author', 'author')],
        }),
      ],
    });
    expect((await checkRepo()).code).toBe(0);
    server.reset();
    // Merge queue: GitHub's merge queue merged it (mergedBy is the queue's bot).
    const queued = prNode();
    queued.mergedBy = bot('github-merge-queue');
    serve({ prs: [queued] });
    expect((await checkRepo()).code).toBe(0);
  });

  it('an open pull request containing the commit is not a merge', async () => {
    serve({ prs: [prNode({ merged: false })] });
    const r = await checkRepo();
    expect(r.code).toBe(1);
    expect(findings(r)[0]!.message).toContain('#7');
  });
});

describe('check-repo: code owners', () => {
  const OWNERS = `${STRICT}\nrequire-code-owner-approval: true`;

  it('a file whose owner did not approve blocks, naming the CODEOWNERS line', async () => {
    serve({
      prs: [
        prNode({
          files: ['src/app.ts', 'infra/main.tf'],
          codeowners: '* @alice\n/infra/ @carol\n',
        }),
      ],
    });
    const r = await checkRepo(OWNERS);
    expect(r.code).toBe(1);
    const f = findings(r).find((x) => x.rule === 'code-owner-approval-missing')!;
    expect(f.message).toContain('@carol');
    expect(f.location).toEqual({ file: '.github/CODEOWNERS', line: 2 });
  });

  it('a team owner counts when the token can read the team', async () => {
    serve({
      prs: [prNode({ codeowners: '* @octo/maintainers\n' })],
      teams: { 'octo/maintainers': { status: 200, body: [{ login: 'bob' }, { login: 'zed' }] } },
    });
    const r = await checkRepo(OWNERS);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.count('teams/list-members-in-org')).toBe(1);
    expect(server.requests).toHaveLength(4);
  });

  it('a team owner the token cannot read: cannot-see decides, and the fix names the permission', async () => {
    const teams = {
      'octo/maintainers': {
        status: 403,
        body: { message: 'Resource not accessible by integration' },
      },
    };
    serve({ prs: [prNode({ codeowners: '* @octo/maintainers\n' })], teams });
    const blocked = await checkRepo(OWNERS);
    expect(blocked.code).toBe(2);
    const f = findings(blocked).find((x) => x.rule === 'code-owner-approval-unverifiable')!;
    expect(f.message).toContain('members: read');
    expect(f.fix).toContain('members: read');
    server.reset();
    serve({ prs: [prNode({ codeowners: '* @octo/maintainers\n' })], teams });
    const warned = await checkRepo(`${OWNERS}\ncannot-see: warn`);
    expect(warned.code).toBe(0);
    expect(findings(warned).some((x) => x.rule === 'code-owner-approval-unverifiable')).toBe(true);
  });
});

describe('check-repo: required checks', () => {
  it.each([
    [
      'failed',
      [{ name: 'build', conclusion: 'FAILURE' }, { name: 'test' }],
      'required-check-failed',
    ],
    ['missing', [{ name: 'build' }], 'required-check-missing'],
    [
      'pending',
      [{ name: 'build' }, { name: 'test', status: 'IN_PROGRESS', conclusion: null }],
      'required-check-pending',
    ],
    [
      'skipped',
      [{ name: 'build' }, { name: 'test', conclusion: 'SKIPPED' }],
      'required-check-failed',
    ],
  ])('a required check %s blocks', async (_label, checkRuns, rule) => {
    serve({ checkRuns });
    const r = await checkRepo();
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual([rule]);
  });

  it('the latest run of a re-run check decides', async () => {
    serve({
      checkRuns: [
        { name: 'build', conclusion: 'FAILURE', id: 10 },
        { name: 'build', conclusion: 'SUCCESS', id: 11 },
        { name: 'test' },
      ],
    });
    expect((await checkRepo()).code).toBe(0);
  });

  it('a commit status counts, unless the policy pins the check to an app', async () => {
    serve({ checkRuns: [{ name: 'build' }], statuses: [{ context: 'test', state: 'SUCCESS' }] });
    expect((await checkRepo()).code).toBe(0);
    server.reset();
    serve({ checkRuns: [{ name: 'build' }], statuses: [{ context: 'test', state: 'SUCCESS' }] });
    const pinned = await checkRepo(
      STRICT.replace('[build, test]', '[build, { name: test, app: github-actions }]'),
    );
    expect(pinned.code).toBe(1);
    expect(blockingRules(pinned)).toEqual(['required-check-missing']);
  });
});

describe('check-repo: branch rules', () => {
  it('no rules at all on the branch: not protected', async () => {
    serve({
      rules: { status: 200, body: [] },
      protection: { status: 404, body: { message: 'Branch not protected' } },
    });
    const r = await checkRepo();
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['branch-not-protected']);
  });

  it('rules weaker than the policy block, naming what is missing', async () => {
    serve({
      rules: {
        status: 200,
        body: [{ ...PR_RULE, parameters: { required_approving_review_count: 1 } }, CHECKS_RULE],
      },
      protection: { status: 404, body: { message: 'Branch not protected' } },
    });
    const r = await checkRepo();
    expect(r.code).toBe(1);
    const f = findings(r).find((x) => x.rule === 'branch-rules-weaker')!;
    expect(f.message).toContain('2 approving review(s) (the rules require 1)');
  });

  it('classic protection the token cannot read is "cannot see", never "protected"', async () => {
    serve({ rules: { status: 200, body: [] } }); // classic: 403
    const r = await checkRepo();
    expect(r.code).toBe(2);
    const f = findings(r).find((x) => x.rule === 'branch-rules-cannot-see')!;
    expect(f.message).toContain('Administration: read');
    server.reset();
    serve({ rules: { status: 200, body: [] } });
    const warned = await checkRepo(`${STRICT}\ncannot-see: warn`);
    expect(warned.code).toBe(0);
  });

  it('classic protection as strict as the policy is enough with `any`, not with `rules`', async () => {
    const protection: RestResponse = {
      status: 200,
      body: {
        url: 'https://api.github.com/repos/octo/app/branches/main/protection',
        required_status_checks: { strict: true, contexts: ['build', 'test'], checks: [] },
        required_pull_request_reviews: {
          required_approving_review_count: 2,
          dismiss_stale_reviews: true,
          require_code_owner_reviews: false,
        },
        enforce_admins: { enabled: true },
      },
    };
    serve({ rules: { status: 200, body: [] }, protection });
    expect((await checkRepo()).code).toBe(0);
    server.reset();
    serve({ rules: { status: 200, body: [] }, protection });
    const r = await checkRepo(STRICT.replace('protection: any', 'protection: rules'));
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['branch-not-protected']);
  });
});

describe('check-repo: refs and tags', () => {
  it('a ref the policy does not allow blocks', async () => {
    serve({ prs: [prNode({ base: 'feature' })] });
    const r = await runCli(
      [
        'check-repo',
        '--repo',
        'octo/app',
        '--sha',
        SHA,
        '--ref',
        'refs/heads/feature',
        '--api-url',
        server.url,
        '--policy',
        await policy(
          STRICT.replace('require-branch-protection: any', 'require-branch-protection: none'),
        ),
      ],
      { GITHUB_TOKEN: 't' },
      deps(),
    );
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['ref-not-allowed']);
  });

  it('a tag on a commit of the allowed branch passes; a tag on an unprotected branch blocks', async () => {
    const tagged = async () =>
      runCli(
        [
          'check-repo',
          '--repo',
          'octo/app',
          '--sha',
          SHA,
          '--ref',
          'refs/tags/v1.2.3',
          '--api-url',
          server.url,
          '--policy',
          await policy(STRICT),
        ],
        { GITHUB_TOKEN: 't' },
        deps(),
      );
    serve({ compare: { main: 'behind' } });
    const ok = await tagged();
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.report!.checks.find((c) => c.id === 'repository')!.summary).toContain(
      'tag v1.2.3 is on main',
    );
    server.reset();
    // The tag points at a commit that only an unprotected branch has.
    serve({ compare: { main: 'diverged' }, prs: [prNode({ base: 'hotfix' })] });
    const bad = await tagged();
    expect(bad.code).toBe(1);
    expect(blockingRules(bad)).toContain('tag-not-on-allowed-branch');
  });
});

describe('check-repo: signed commits', () => {
  const SIGNED = `${STRICT}\nrequire-signed-commits: true`;
  const rules: RestResponse = {
    status: 200,
    body: [PR_RULE, CHECKS_RULE, { type: 'required_signatures', ruleset_id: 42 }],
  };
  it('an unsigned pull request commit blocks; GitHub-signed merge commits pass', async () => {
    serve({ rules });
    expect((await checkRepo(SIGNED)).code).toBe(0);
    server.reset();
    serve({ rules, prs: [prNode({ commits: [commitNode(HEAD, 'author', 'author', false)] })] });
    const r = await checkRepo(SIGNED);
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['pr-commit-unsigned']);
  });

  it('branch rules that do not require signatures are weaker than the policy', async () => {
    serve({ protection: { status: 404, body: { message: 'Branch not protected' } } });
    const r = await checkRepo(SIGNED);
    expect(r.code).toBe(1);
    expect(findings(r).find((f) => f.rule === 'branch-rules-weaker')!.message).toContain(
      'signed commits',
    );
  });

  it('an unsigned deployed commit blocks', async () => {
    serve({ rules, signature: null });
    const r = await checkRepo(SIGNED);
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['commit-unsigned']);
  });
});

describe('check-repo: GitHub failing', () => {
  it('429 then success passes', async () => {
    serve();
    server.fault('graphql', { type: 'rate-limit', status: 429, retryAfter: 0 });
    const r = await checkRepo();
    expect(r.code).toBe(0);
    expect(server.count('graphql')).toBe(2);
  });

  it('500 forever: could not evaluate, naming the service', async () => {
    serve();
    server.fault('graphql', { type: 'status', status: 500 }, 10);
    const r = await checkRepo();
    expect(r.code).toBe(2);
    expect(findings(r)[0]!.message).toContain('GitHub GraphQL API');
    expect(findings(r)[0]!.message).toContain('after 3 attempts');
  });

  it('truncated JSON: could not evaluate', async () => {
    serve();
    server.fault('repos/get-branch-rules', { type: 'truncated' }, 10);
    const r = await checkRepo();
    expect(r.code).toBe(2);
    expect(r.report!.verdict).toBe('block');
  });

  it('primary rate limit exhausted: could not evaluate, saying so', async () => {
    serve();
    server.fault('graphql', { type: 'rate-limit-exhausted', resetInSeconds: 3600 }, 10);
    const r = await checkRepo();
    expect(r.code).toBe(2);
    expect(findings(r)[0]!.message).toMatch(/rate-limiting/);
  });
});

describe('the repository section through `run`', () => {
  it('uses GITHUB_REPOSITORY, GITHUB_SHA and GITHUB_REF like the action', async () => {
    serve();
    const file = await policy(STRICT);
    const r = await runCli(
      ['run', '--policy', file],
      {
        GITHUB_REPOSITORY: 'octo/app',
        GITHUB_SHA: SHA,
        GITHUB_REF: 'refs/heads/main',
        GITHUB_API_URL: server.url,
        GITHUB_TOKEN: 't',
        GITHUB_WORKSPACE: dir,
      },
      deps(),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.report!.checks.map((c) => [c.id, c.status])).toEqual([
      ['signatures', 'skipped'],
      ['dependencies', 'skipped'],
      ['repository', 'pass'],
    ]);
  });

  it('without the deployed repository and commit, the policy is refused (exit 2)', async () => {
    const file = await policy(STRICT);
    const r = await runCli(['run', '--policy', file], { GITHUB_WORKSPACE: dir }, deps());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--repo (GITHUB_REPOSITORY)');
  });
});

describe('check-repo: everything since the last deployment', () => {
  const SINCE = `${STRICT}\nsince-last-deployment: production`;
  const LAST = '1'.repeat(40);
  const C1 = '2'.repeat(40);
  const C2 = '3'.repeat(40);
  const range = (over: Partial<Scenario> = {}): Scenario => ({
    deployments: [
      { sha: SHA, state: 'IN_PROGRESS' }, // this very deploy, not finished
      { sha: '9'.repeat(40), state: 'FAILURE' },
      { sha: LAST, state: 'SUCCESS' },
    ],
    range: [
      { sha: C1, prs: [5] },
      { sha: C2, prs: [6] },
    ],
    rangePrs: {
      5: prNode({ number: 5, mergeCommit: C1 }),
      6: prNode({ number: 6, mergeCommit: C2 }),
    },
    ...over,
  });

  it('two approved pull requests since the last successful deployment pass, in 7 requests', async () => {
    serve(range());
    const r = await checkRepo(SINCE);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = r.report!.checks.find((c) => c.id === 'repository')!.summary;
    expect(summary).toContain('since the last deployment to production (111111111111');
    expect(summary).toContain('2 commit(s) through 2 pull request(s) checked');
    expect(server.requests).toHaveLength(7);
  });

  it('a direct push since the last deployment cannot ride along', async () => {
    serve(
      range({
        range: [
          { sha: C1, prs: [5] },
          { sha: C2, prs: [] },
        ],
      }),
    );
    const r = await checkRepo(SINCE);
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['unreviewed-commit-since-deployment']);
    expect(findings(r)[0]!.message).toContain('333333333333');
  });

  it('a self-approved pull request since the last deployment blocks, with its reasons', async () => {
    const self = prNode({
      number: 6,
      mergeCommit: C2,
      reviews: [review(1, user('author')), review(2, user('bob'))],
    });
    serve(range({ rangePrs: { 5: prNode({ number: 5, mergeCommit: C1 }), 6: self } }));
    const r = await checkRepo(SINCE);
    expect(r.code).toBe(1);
    const f = findings(r).find((x) => x.rule === 'unreviewed-commit-since-deployment')!;
    expect(f.message).toContain('pull request #6');
    expect(f.message).toContain('repository.required-approvals asks for 2');
  });

  it('no earlier successful deployment: only the deployed commit is checked, and the report says so', async () => {
    serve(range({ deployments: [{ sha: LAST, state: 'FAILURE' }] }));
    const r = await checkRepo(SINCE);
    expect(r.code).toBe(0);
    expect(r.report!.checks.find((c) => c.id === 'repository')!.summary).toContain(
      'no earlier successful deployment to production',
    );
  });
});

describe('pull request events: the open pull request, judged before merge', () => {
  async function prRun(section: string, payload: unknown) {
    const file = path.join(dir, 'pr-policy.yml');
    await writeFile(
      file,
      `version: 1\nreport:\n  pr-comment: never\nrepository:\n${section.replace(/^/gm, '  ')}\n`,
    );
    const event = path.join(dir, 'event.json');
    await writeFile(event, JSON.stringify(payload));
    return runCli(
      ['run', '--policy', file],
      {
        GITHUB_REPOSITORY: 'octo/app',
        GITHUB_SHA: 'e'.repeat(40), // GitHub's test merge
        GITHUB_REF: 'refs/pull/7/merge',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event,
        GITHUB_API_URL: server.url,
        GITHUB_TOKEN: 't',
        GITHUB_WORKSPACE: dir,
      },
      deps(),
    );
  }
  const payload = { pull_request: { number: 7, head: { sha: HEAD }, base: { ref: 'main' } } };
  const open = (reviews?: unknown[]) => prNode({ merged: false, ...(reviews ? { reviews } : {}) });

  it('an approved pull request with green checks passes, asked about its head commit', async () => {
    serve({ sha: HEAD, prs: [open()] });
    const r = await prRun(STRICT, payload);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.report!.checks[2]!.summary).toContain(
      'pull request #7 into main, judged before merge',
    );
  });

  it('a pull request still short of approvals blocks, naming what is missing', async () => {
    serve({ sha: HEAD, prs: [open([review(1, user('alice'))])] });
    const r = await prRun(STRICT, payload);
    expect(r.code).toBe(1);
    expect(blockingRules(r)).toEqual(['approvals-insufficient']);
  });

  it('a pull request the head commit does not belong to, or a payload without one, is not guessed', async () => {
    serve({ sha: HEAD, prs: [prNode({ number: 8, merged: false })] });
    const other = await prRun(STRICT, payload);
    expect(other.code).toBe(2);
    expect(blockingRules(other)).toEqual(['pull-request-cannot-see']);
    const none = await prRun(STRICT, { pull_request: { number: 7 } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('needs the pull request (number, head commit, base branch)');
  });
});
