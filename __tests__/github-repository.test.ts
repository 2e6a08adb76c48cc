/**
 * gatherRepositoryEvidence against GitHubApiServer (strict): every REST request must be defined by
 * GitHub's OpenAPI description and every GraphQL query must validate against GitHub's schema.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { GateError } from '../src/errors.js';
import {
  gatherRepositoryEvidence,
  type RepositoryQuery,
} from '../src/adapters/github/repository.js';
import { GitHubApiServer, type RestResponse } from './helpers/github-api.js';

const SHA = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const OLD_HEAD = 'c'.repeat(40);
const RULES = 'repos/get-branch-rules';
const PROTECTION = 'repos/get-branch-protection';
const FILES = 'pulls/list-files';

let server: GitHubApiServer;

beforeEach(async () => {
  server = await GitHubApiServer.start();
});

afterEach(async () => {
  await server.close();
});

function query(extra: Partial<RepositoryQuery> = {}): RepositoryQuery {
  return {
    apiUrl: server.url,
    token: 'test-token',
    owner: 'octo',
    repo: 'app',
    sha: SHA,
    branch: 'main',
    retryBaseDelayMs: 1,
    maxRetryDelayMs: 2_000,
    ...extra,
  };
}

const user = (login: string) => ({ login, __typename: 'User' });
const conn = <T>(nodes: T[], totalCount = nodes.length) => ({
  totalCount,
  pageInfo: { hasNextPage: totalCount > nodes.length, endCursor: nodes.length ? 'cursor' : null },
  nodes,
});
const blob = (text: string) => ({
  object: { oid: 'd'.repeat(40), text, isBinary: false, isTruncated: false },
});

interface PrOptions {
  number?: number;
  base?: string;
  merged?: boolean;
  mergeCommit?: string | null;
  reviews?: unknown[];
  files?: unknown[];
  codeowners?: { c0?: unknown; c1?: unknown; c2?: unknown };
}

function pr(o: PrOptions = {}) {
  const merged = o.merged ?? true;
  return {
    number: o.number ?? 7,
    url: `https://github.com/octo/app/pull/${o.number ?? 7}`,
    state: merged ? 'MERGED' : 'OPEN',
    merged,
    mergedAt: merged ? '2026-11-01T10:00:00Z' : null,
    baseRefName: o.base ?? 'main',
    headRefOid: HEAD,
    mergeCommit: o.mergeCommit === null ? null : { oid: o.mergeCommit ?? SHA },
    author: user('author'),
    mergedBy: merged ? user('maintainer') : null,
    reviews: conn(
      o.reviews ?? [
        {
          databaseId: 1,
          state: 'APPROVED',
          submittedAt: '2026-11-01T09:00:00Z',
          author: user('alice'),
          commit: { oid: HEAD },
        },
        {
          databaseId: 2,
          state: 'APPROVED',
          submittedAt: '2026-11-01T09:30:00Z',
          author: user('bob'),
          commit: { oid: HEAD },
        },
      ],
    ),
    commits: conn([
      {
        commit: {
          oid: HEAD,
          author: { name: 'Author', email: 'a@example.com', user: { login: 'author' } },
          committer: { name: 'GitHub', email: 'noreply@github.com', user: { login: 'web-flow' } },
        },
      },
    ]),
    files: conn(o.files ?? [{ path: 'src/app.ts', changeType: 'MODIFIED' }]),
    baseRef: {
      target: {
        oid: OLD_HEAD,
        c0: null,
        c1: null,
        c2: null,
        ...(o.codeowners ?? { c0: blob('* @octo/maintainers\n') }),
      },
    },
  };
}

function serveGraphQL(
  prs: unknown[],
  extra: { commit?: unknown; more?: (variables: Record<string, unknown>) => unknown } = {},
) {
  server.graphql(({ operationName, variables }) => {
    if (operationName === 'GatePullRequestPage' && extra.more) return extra.more(variables);
    expect(operationName).toBe('GateRepositoryEvidence');
    expect(variables).toEqual({ owner: 'octo', repo: 'app', sha: SHA });
    return {
      data: {
        repository: {
          object:
            extra.commit === undefined
              ? {
                  oid: SHA,
                  associatedPullRequests: { totalCount: prs.length, nodes: prs },
                  checkSuites: {
                    totalCount: 1,
                    nodes: [
                      {
                        app: { slug: 'github-actions' },
                        checkRuns: {
                          totalCount: 2,
                          nodes: [
                            { name: 'build', status: 'COMPLETED', conclusion: 'SUCCESS' },
                            { name: 'test', status: 'IN_PROGRESS', conclusion: null },
                          ],
                        },
                      },
                    ],
                  },
                  status: { contexts: [{ context: 'ci/legacy', state: 'SUCCESS' }] },
                }
              : extra.commit,
        },
      },
    };
  });
}

function serveRules(response?: RestResponse) {
  server.rest(RULES, (req) => {
    expect(req.params.branch).toBe('main');
    return (
      response ?? {
        status: 200,
        body: [
          {
            type: 'pull_request',
            ruleset_source_type: 'Repository',
            ruleset_source: 'octo/app',
            ruleset_id: 42,
            parameters: { required_approving_review_count: 2 },
          },
        ],
      }
    );
  });
}

function serveProtection(status = 403) {
  server.rest(PROTECTION, () => ({
    status,
    body: {
      message: status === 403 ? 'Resource not accessible by integration' : 'Branch not protected',
    },
  }));
}

async function rejection(p: Promise<unknown>): Promise<GateError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('expected a rejection');
}

describe('gatherRepositoryEvidence', () => {
  it('clean squash merge with 2 approvals: everything in 3 requests', async () => {
    serveGraphQL([pr()]);
    serveRules();
    serveProtection(403);
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.selection).toEqual({ status: 'found', number: 7 });
    expect(ev.pullRequests).toEqual([
      expect.objectContaining({ number: 7, merged: true, baseRef: 'main', mergeCommitSha: SHA }),
    ]);
    expect(ev.pullRequest).toMatchObject({
      number: 7,
      author: { login: 'author', type: 'User' },
      baseRef: 'main',
      headSha: HEAD,
      mergeCommitSha: SHA,
      merged: true,
      mergedBy: { login: 'maintainer', type: 'User' },
      files: [{ filename: 'src/app.ts', status: 'modified' }],
      commits: [{ sha: HEAD, author: { login: 'author' }, committer: { login: 'web-flow' } }],
    });
    expect(ev.pullRequest?.reviews).toEqual([
      {
        id: 1,
        state: 'APPROVED',
        user: { login: 'alice', type: 'User' },
        commitId: HEAD,
        submittedAt: '2026-11-01T09:00:00Z',
      },
      {
        id: 2,
        state: 'APPROVED',
        user: { login: 'bob', type: 'User' },
        commitId: HEAD,
        submittedAt: '2026-11-01T09:30:00Z',
      },
    ]);
    expect(ev.reviewsTruncated).toBe(false);
    expect(ev.pullRequest?.commitsTruncated).toBeUndefined();
    expect(ev.codeowners).toEqual({
      status: 'found',
      path: '.github/CODEOWNERS',
      ref: 'main',
      blobSha: 'd'.repeat(40),
      text: '* @octo/maintainers\n',
    });
    expect(ev.checkRuns).toEqual([
      { name: 'build', status: 'COMPLETED', conclusion: 'SUCCESS', appSlug: 'github-actions' },
      { name: 'test', status: 'IN_PROGRESS', appSlug: 'github-actions' },
    ]);
    expect(ev.checkRunsTruncated).toBe(false);
    expect(ev.statuses).toEqual([{ context: 'ci/legacy', state: 'SUCCESS' }]);
    expect(ev.rules).toEqual({
      visibility: 'visible',
      branch: 'main',
      truncated: false,
      rules: [
        {
          type: 'pull_request',
          rulesetSourceType: 'Repository',
          rulesetSource: 'octo/app',
          rulesetId: 42,
          parameters: { required_approving_review_count: 2 },
        },
      ],
    });
    expect(ev.classicProtection).toMatchObject({
      visibility: 'forbidden',
      status: 403,
      permission: 'Administration: read',
    });
    expect(ev.requests).toEqual({ total: 3, graphql: 1, rest: 2 });
    expect(server.count('*')).toBe(3);
    expect(server.requests.find((r) => r.api === 'graphql')?.headers.authorization).toBe(
      'Bearer test-token',
    );
  });

  it('100 reviews and 100 files still take 3 requests', async () => {
    const reviews = Array.from({ length: 100 }, (_, i) => ({
      databaseId: i + 1,
      state: 'COMMENTED',
      submittedAt: '2026-11-01T09:00:00Z',
      author: user(`r${i}`),
      commit: { oid: HEAD },
    }));
    const files = Array.from({ length: 100 }, (_, i) => ({
      path: `f${i}.ts`,
      changeType: 'ADDED',
    }));
    serveGraphQL([pr({ reviews, files })]);
    serveRules();
    serveProtection(404);
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.pullRequest?.reviews).toHaveLength(100);
    expect(ev.pullRequest?.files).toHaveLength(100);
    expect(ev.classicProtection).toMatchObject({ visibility: 'not-found', status: 404 });
    expect(ev.requests.total).toBe(3);
  });

  it('more than 100 reviews: one follow-up GraphQL page (4 requests), or a truncation flag', async () => {
    const review = (i: number) => ({
      databaseId: i + 1,
      state: 'COMMENTED',
      submittedAt: '2026-11-01T09:00:00Z',
      author: user(`r${i}`),
      commit: { oid: HEAD },
    });
    const first = pr({ reviews: Array.from({ length: 100 }, (_, i) => review(i)) });
    first.reviews = conn(first.reviews.nodes, 150);
    const seen: Record<string, unknown>[] = [];
    serveGraphQL([first], {
      more: (variables) => {
        seen.push(variables);
        return {
          data: {
            repository: {
              pullRequest: {
                reviews: {
                  pageInfo: { hasNextPage: false, endCursor: 'end' },
                  nodes: Array.from({ length: 50 }, (_, i) => review(100 + i)),
                },
              },
            },
          },
        };
      },
    });
    serveRules();
    serveProtection();
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.pullRequest?.reviews).toHaveLength(150);
    expect(ev.reviewsTruncated).toBe(false);
    expect(seen).toEqual([
      {
        owner: 'octo',
        repo: 'app',
        number: 7,
        reviewsAfter: 'cursor',
        commitsAfter: null,
        wantReviews: true,
        wantCommits: false,
      },
    ]);
    expect(ev.requests).toEqual({ total: 4, graphql: 2, rest: 2 });

    server.reset();
    serveGraphQL([first]);
    serveRules();
    serveProtection();
    const cut = await gatherRepositoryEvidence(query({ maxPages: 1 }));
    expect(cut.pullRequest?.reviews).toHaveLength(100);
    expect(cut.reviewsTruncated).toBe(true);
    expect(cut.requests.total).toBe(3);
  });

  it('250 files: REST pages followed by Link, bounded by maxPages', async () => {
    const many = pr({
      files: Array.from({ length: 100 }, (_, i) => ({ path: `f${i}`, changeType: 'ADDED' })),
    });
    many.files = conn(many.files.nodes, 250);
    serveGraphQL([many]);
    serveRules();
    serveProtection();
    server.rest(FILES, (req): RestResponse => {
      const page = Number(req.query.page);
      const count = page < 3 ? 100 : 50;
      return {
        status: 200,
        headers:
          page < 3
            ? { link: `<${server.url}/repos/octo/app/pulls/7/files?page=${page + 1}>; rel="next"` }
            : {},
        body: Array.from({ length: count }, (_, i) => ({
          filename: `p${page}/f${i}`,
          status: 'added',
        })),
      };
    });
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.pullRequest?.files).toHaveLength(250);
    expect(ev.pullRequest?.filesTruncated).toBeUndefined();
    expect(ev.requests).toEqual({ total: 6, graphql: 1, rest: 5 });

    server.reset();
    serveGraphQL([many]);
    serveRules();
    serveProtection();
    server.rest(FILES, (req) => ({
      status: 200,
      headers: { link: `<${server.url}/x?page=${Number(req.query.page) + 1}>; rel="next"` },
      body: Array.from({ length: 100 }, (_, i) => ({ filename: `f${i}`, status: 'added' })),
    }));
    const cut = await gatherRepositoryEvidence(query({ maxPages: 2 }));
    expect(cut.pullRequest?.files).toHaveLength(200);
    expect(cut.pullRequest?.filesTruncated).toBe(true);
  });

  it('a renamed file: the REST file list supplies the previous path (4 requests)', async () => {
    serveGraphQL([pr({ files: [{ path: 'src/new.ts', changeType: 'RENAMED' }] })]);
    serveRules();
    serveProtection();
    server.rest(FILES, (req) => {
      expect(req.query).toEqual({ per_page: '100', page: '1' });
      return {
        status: 200,
        body: [{ filename: 'src/new.ts', status: 'renamed', previous_filename: 'src/old.ts' }],
      };
    });
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.pullRequest?.files).toEqual([
      { filename: 'src/new.ts', status: 'renamed', previousFilename: 'src/old.ts' },
    ]);
    expect(ev.requests.total).toBe(4);
  });

  it('commit in two PRs: keeps the merged one into the branch whose merge commit is the SHA', async () => {
    serveGraphQL([
      pr({ number: 3, merged: false, mergeCommit: null }),
      pr({ number: 9, base: 'release/1.x', mergeCommit: 'e'.repeat(40) }),
      pr({ number: 7 }),
    ]);
    serveRules();
    serveProtection();
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.pullRequests.map((p) => p.number)).toEqual([3, 9, 7]);
    expect(ev.selection).toEqual({ status: 'found', number: 7 });
    expect(ev.pullRequest?.number).toBe(7);
    expect(ev.requests.total).toBe(3);
  });

  it('two merged PRs with the SHA as merge commit into the branch is ambiguous', async () => {
    serveGraphQL([pr({ number: 7 }), pr({ number: 8 })]);
    serveRules();
    serveProtection();
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.selection).toEqual({ status: 'ambiguous', numbers: [7, 8] });
    expect(ev.pullRequest).toBeUndefined();
    expect(ev.codeowners).toBeUndefined();
  });

  it('direct push (no PR): no selection, the branch evidence is still gathered', async () => {
    serveGraphQL([]);
    serveRules({ status: 200, body: [] });
    serveProtection();
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.pullRequests).toEqual([]);
    expect(ev.selection).toEqual({ status: 'none' });
    expect(ev.pullRequest).toBeUndefined();
    expect(ev.rules).toEqual({
      visibility: 'visible',
      branch: 'main',
      rules: [],
      truncated: false,
    });
    expect(ev.requests.total).toBe(3);
  });

  it('without a branch: the chosen PR base is the target (requests after the query)', async () => {
    serveGraphQL([pr()]);
    serveRules();
    const rest = query({ classicProtection: false });
    delete rest.branch;
    const ev = await gatherRepositoryEvidence(rest);
    expect(ev.branch).toBe('main');
    expect(ev.rules?.visibility).toBe('visible');
    expect(ev.classicProtection).toBeUndefined();
    expect(ev.requests.total).toBe(2);
  });

  it.each([
    [403, 'forbidden'],
    [404, 'not-found'],
  ] as const)('rules %i: "%s", never protected', async (status, visibility) => {
    serveGraphQL([pr()]);
    serveRules({ status, body: { message: 'nope' } });
    serveProtection(403);
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.rules).toEqual({
      visibility,
      branch: 'main',
      status,
      reason: `HTTP ${status}: nope`,
      permission: expect.stringMatching(/Metadata: read/) as unknown as string,
    });
  });

  it('classic protection visible', async () => {
    serveGraphQL([pr()]);
    serveRules();
    server.rest(PROTECTION, () => ({
      status: 200,
      body: { url: 'x', required_pull_request_reviews: { required_approving_review_count: 2 } },
    }));
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.classicProtection).toEqual({
      visibility: 'visible',
      branch: 'main',
      protection: {
        pullRequest: {
          approvals: 2,
          codeOwners: false,
          lastPushApproval: false,
          dismissStale: false,
        },
        statusChecks: [],
        signedCommits: false,
        enforceAdmins: false,
      },
    });
  });

  it.each([
    ['.github/', { c0: blob('a\n'), c1: blob('b\n') }, 'found', '.github/CODEOWNERS', 'a\n'],
    ['root', { c1: blob('b\n'), c2: blob('c\n') }, 'found', 'CODEOWNERS', 'b\n'],
    ['docs/', { c2: blob('c\n') }, 'found', 'docs/CODEOWNERS', 'c\n'],
    ['missing', {}, 'missing', undefined, undefined],
  ])('CODEOWNERS from %s', async (_, codeowners, status, path, text) => {
    serveGraphQL([pr({ codeowners })]);
    serveRules();
    serveProtection();
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.codeowners?.status).toBe(status);
    if (ev.codeowners?.status === 'found') {
      expect(ev.codeowners.path).toBe(path);
      expect(ev.codeowners.text).toBe(text);
    } else {
      expect(ev.codeowners).toEqual({
        status: 'missing',
        ref: 'main',
        searched: ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'],
      });
    }
  });

  it('a binary CODEOWNERS is unreadable, not missing', async () => {
    serveGraphQL([
      pr({
        codeowners: {
          c0: { object: { oid: 'd'.repeat(40), text: null, isBinary: true, isTruncated: false } },
        },
      }),
    ]);
    serveRules();
    serveProtection();
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.codeowners?.status).toBe('unreadable');
  });

  it('429 then success: retried, counted', async () => {
    serveGraphQL([pr()]);
    serveRules();
    serveProtection();
    server.fault('graphql', { type: 'rate-limit', retryAfter: 0 });
    server.fault(RULES, { type: 'rate-limit', status: 403, retryAfter: 0 });
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.selection.status).toBe('found');
    expect(ev.rules?.visibility).toBe('visible');
    expect(ev.requests).toEqual({ total: 5, graphql: 2, rest: 3 });
  });

  it('a connection reset is retried', async () => {
    serveGraphQL([pr()]);
    serveRules();
    serveProtection();
    server.fault('graphql', { type: 'reset' });
    const ev = await gatherRepositoryEvidence(query());
    expect(ev.requests.graphql).toBe(2);
  });

  it('GraphQL RATE_LIMITED errors are retried', async () => {
    let calls = 0;
    server.graphql(() => {
      calls++;
      return { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded' }] };
    });
    serveRules();
    serveProtection();
    const err = await rejection(gatherRepositoryEvidence(query({ maxRetries: 1 })));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/rate limited after retries/);
    expect(calls).toBe(2);
  });

  it('a server that does not answer in time: bounded attempts, then upstream', async () => {
    serveGraphQL([pr()]);
    serveRules();
    serveProtection();
    server.fault('graphql', { type: 'slow', delayMs: 5_000, at: 'headers' }, 2);
    const started = Date.now();
    const err = await rejection(gatherRepositoryEvidence(query({ maxRetries: 1, timeoutMs: 100 })));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/after 2 attempts: no answer within 100 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('401 names the token problem', async () => {
    serveGraphQL([pr()]);
    serveRules();
    serveProtection();
    server.fault('graphql', { type: 'status', status: 401, body: { message: 'Bad credentials' } });
    const err = await rejection(gatherRepositoryEvidence(query()));
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/HTTP 401.*Bad credentials.*contents: read/);
  });

  it("500 forever: GateError('upstream') naming the service and status", async () => {
    serveGraphQL([pr()]);
    serveRules();
    serveProtection();
    server.fault('graphql', { type: 'status', status: 500 }, 10);
    const err = await rejection(gatherRepositoryEvidence(query({ maxRetries: 2 })));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/GitHub GraphQL API.*failed after 3 attempts: HTTP 500/);
    expect(server.count('graphql')).toBe(3);
  });

  it.each(['clean', 'abort'] as const)(
    'truncated JSON (%s) is an error, never empty data',
    async (mode) => {
      serveGraphQL([pr()]);
      serveRules();
      serveProtection();
      server.fault('graphql', { type: 'truncated', mode });
      const err = await rejection(gatherRepositoryEvidence(query({ maxRetries: 0 })));
      expect(err.code).toBe('upstream');
      expect(err.message).toMatch(/GitHub GraphQL API/);
    },
  );

  it('truncated REST rules body is an error', async () => {
    serveGraphQL([pr()]);
    serveRules();
    serveProtection();
    server.fault(RULES, { type: 'truncated' });
    const err = await rejection(gatherRepositoryEvidence(query()));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/rules\/branches.*not JSON/);
  });

  it('rate limit exhausted: fails at once rather than wait past the limit', async () => {
    serveGraphQL([pr()]);
    serveRules();
    serveProtection();
    server.fault('graphql', { type: 'rate-limit-exhausted', resetInSeconds: 600 });
    const err = await rejection(gatherRepositoryEvidence(query()));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/rate-limiting us \(HTTP 403\).*API rate limit exceeded/);
    expect(server.count('graphql')).toBe(1);
  });

  it('403 without rate limit names the permissions', async () => {
    serveGraphQL([pr()]);
    serveRules();
    serveProtection();
    server.fault('graphql', {
      type: 'status',
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const err = await rejection(gatherRepositoryEvidence(query()));
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/pull-requests: read/);
    expect(err.message).toMatch(/checks: read/);
  });

  it('a GraphQL FORBIDDEN error on check suites names checks: read', async () => {
    server.graphql(() => ({
      data: null,
      errors: [
        {
          type: 'FORBIDDEN',
          message: 'Resource not accessible by integration',
          path: ['repository', 'object', 'checkSuites'],
        },
      ],
    }));
    serveRules();
    serveProtection();
    const err = await rejection(gatherRepositoryEvidence(query()));
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/checks: read/);
  });

  it('a response of the wrong shape is an error', async () => {
    serveGraphQL([{ number: 'seven' }]);
    serveRules();
    serveProtection();
    const err = await rejection(gatherRepositoryEvidence(query()));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/documented shape/);
  });

  it('an unknown commit is an input error', async () => {
    serveGraphQL([], { commit: null });
    serveRules();
    serveProtection();
    const err = await rejection(gatherRepositoryEvidence(query()));
    expect(err.code).toBe('input');
  });

  it('refuses a bad query before any request', async () => {
    await expect(gatherRepositoryEvidence(query({ sha: 'abc' }))).rejects.toThrow(/40 hex/);
    await expect(gatherRepositoryEvidence(query({ apiUrl: 'http://example.com' }))).rejects.toThrow(
      /https/,
    );
    expect(server.count('*')).toBe(0);
  });
});
