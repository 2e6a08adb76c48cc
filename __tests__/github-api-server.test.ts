/**
 * Self-test of the GitHub API test server: a real Octokit over real sockets on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { print } from 'graphql';
import { GitHubApiServer, loadGraphQLSchema, loadOpenApiIndex } from './helpers/github-api.js';

const SHA = 'a'.repeat(40);
const PULLS = 'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls';
const REVIEWS_QUERY = `
  query Reviews($owner: String!, $repo: String!, $number: Int!) {
    repository(owner: $owner, name: $repo) {
      pullRequest(number: $number) {
        reviewDecision
        reviews(first: 10) { nodes { state author { login } commit { oid } } }
      }
    }
  }`;

let server: GitHubApiServer;
let octokit: Octokit;

beforeEach(async () => {
  server = await GitHubApiServer.start();
  octokit = new Octokit({ baseUrl: server.url, auth: 'test-token' });
});

afterEach(async () => {
  await server.close(); // strict: rejects if a test left unexpected requests behind
});

/** What Octokit throws for an HTTP status (its RequestError, named HttpError). */
interface RequestError extends Error {
  status: number;
  response?: { headers: Record<string, string | undefined> };
}

function isRequestError(err: unknown): err is RequestError {
  return (
    err instanceof Error &&
    err.name === 'HttpError' &&
    typeof (err as RequestError).status === 'number'
  );
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function servePulls(): void {
  server.rest('repos/list-pull-requests-associated-with-commit', (req) => ({
    status: 200,
    body: [{ number: 7, merge_commit_sha: req.params.commit_sha, base: { ref: 'main' } }],
  }));
}

describe('GitHub descriptions', () => {
  it('indexes the REST operations of api.github.com and loads the GraphQL schema', () => {
    const index = loadOpenApiIndex();
    expect(index.stats.operations).toBeGreaterThan(1000);
    expect(index.byOperationId.get('repos/get-branch-rules')?.template).toBe(
      '/repos/{owner}/{repo}/rules/branches/{branch}',
    );
    expect(loadGraphQLSchema().schema.getType('PullRequestReview')).toBeDefined();
  });

  it('refuses to register an operation or a fault GitHub does not define', () => {
    expect(() => server.rest('repos/list-pulls-for-commit', () => ({ status: 200 }))).toThrow(
      /defines no operation "repos\/list-pulls-for-commit"/,
    );
    expect(() =>
      server.rest('GET /repos/{owner}/{repo}/commit/{sha}', () => ({ status: 200 })),
    ).toThrow(/defines no operation/);
    expect(() => server.fault('repos/nope', { type: 'reset' })).toThrow(/defines no operation/);
  });
});

describe('REST', () => {
  it('serves a defined operation and records what was sent', async () => {
    servePulls();
    const { status, data } = await octokit.request(PULLS, {
      owner: 'o',
      repo: 'r',
      commit_sha: SHA,
      per_page: 100,
    });
    expect(status).toBe(200);
    expect(data).toEqual([{ number: 7, merge_commit_sha: SHA, base: { ref: 'main' } }]);
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req).toMatchObject({
      api: 'rest',
      method: 'GET',
      path: `/repos/o/r/commits/${SHA}/pulls`,
      query: { per_page: '100' },
      operationId: 'repos/list-pull-requests-associated-with-commit',
      template: '/repos/{owner}/{repo}/commits/{commit_sha}/pulls',
      params: { owner: 'o', repo: 'r', commit_sha: SHA },
    });
    expect(req?.headers.authorization).toBe('token test-token');
    expect(server.count('repos/list-pull-requests-associated-with-commit')).toBe(1);
    expect(server.count(PULLS)).toBe(1);
    expect(server.unexpected).toEqual([]);
  });

  it('registers by route, prefers literal segments, and lets ref-like parameters hold slashes', async () => {
    server
      .rest('GET /repos/{owner}/{repo}/rules/branches/{branch}', (req) => ({
        status: 200,
        body: [{ type: 'pull_request', branch: req.params.branch }],
      }))
      .rest('repos/get-content', (req) => ({ status: 200, body: { path: req.params.path } }))
      .rest('pulls/list-review-comments-for-repo', () => ({ status: 200, body: [] }));

    const rules = await octokit.request('GET /repos/{owner}/{repo}/rules/branches/{branch}', {
      owner: 'o',
      repo: 'r',
      branch: 'release/1.x',
    });
    expect(rules.data).toEqual([{ type: 'pull_request', branch: 'release/1.x' }]);
    // Octokit encodes the slash; raw slashes (as curl users send them) are accepted too.
    const raw = await fetch(`${server.url}/repos/o/r/contents/.github/CODEOWNERS`);
    expect(await raw.json()).toEqual({ path: '.github/CODEOWNERS' });
    // `/pulls/comments` is an operation of its own, not pull number "comments".
    await octokit.request('GET /repos/{owner}/{repo}/pulls/comments', { owner: 'o', repo: 'r' });
    expect(server.requests.map((r) => r.operationId)).toEqual([
      'repos/get-branch-rules',
      'repos/get-content',
      'pulls/list-review-comments-for-repo',
    ]);
  });

  it('answers a misspelled path 501 and records it', async () => {
    servePulls();
    const err = await rejection(
      octokit.request('GET /repos/{owner}/{repo}/commit/{commit_sha}/pulls', {
        owner: 'o',
        repo: 'r',
        commit_sha: SHA,
      }),
    );
    expect(isRequestError(err)).toBe(true);
    expect((err as RequestError).status).toBe(501);
    expect((err as RequestError).message).toMatch(
      /defines no path matching \/repos\/o\/r\/commit\//,
    );
    expect(server.takeUnexpected()).toEqual([
      expect.objectContaining({ kind: 'undefined-path', method: 'GET' }),
    ]);
  });

  it('answers an undefined method 501 and records it', async () => {
    const err = await rejection(
      octokit.request(`DELETE ${PULLS.slice(4)}`, { owner: 'o', repo: 'r', commit_sha: SHA }),
    );
    expect((err as RequestError).status).toBe(501);
    const [entry] = server.takeUnexpected();
    expect(entry?.kind).toBe('undefined-method');
    expect(entry?.problems[0]).toMatch(/no DELETE \/repos\/\{owner\}.*only GET/);
  });

  it('records undeclared query parameters, bad values and bad path parameters', async () => {
    servePulls();
    server.rest('pulls/list', () => ({ status: 200, body: [] }));
    server.rest('pulls/get', () => ({ status: 200, body: {} }));
    const undeclared = await rejection(
      octokit.request(PULLS, { owner: 'o', repo: 'r', commit_sha: SHA, per_pag: 100 }),
    );
    expect((undeclared as RequestError).status).toBe(501);
    const badEnum = await rejection(
      // Octokit's types refuse these values; code built from untyped input could still send them.
      octokit.request('GET /repos/o/r/pulls', { state: 'merged' }),
    );
    expect((badEnum as RequestError).status).toBe(501);
    const badNumber = await rejection(octokit.request('GET /repos/o/r/pulls/seven'));
    expect((badNumber as RequestError).status).toBe(501);
    const unexpected = server.takeUnexpected();
    expect(unexpected.map((u) => u.kind)).toEqual([
      'undeclared-query-parameter',
      'invalid-query-parameter',
      'invalid-path-parameter',
    ]);
    expect(unexpected[0]?.problems[0]).toMatch(
      /"per_pag" is not declared .*declared: per_page, page/,
    );
    expect(unexpected[1]?.problems[0]).toMatch(
      /"state" = "merged" is not "open" \| "closed" \| "all"/,
    );
    expect(unexpected[2]?.problems[0]).toMatch(/"pull_number" = "seven" is not integer/);
    expect(server.count('*')).toBe(3);
  });

  it('answers a defined operation without a handler 501 and records it', async () => {
    const err = await rejection(
      octokit.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' }),
    );
    expect((err as RequestError).status).toBe(501);
    expect(server.takeUnexpected()).toEqual([
      expect.objectContaining({ kind: 'no-handler', operationId: 'repos/get' }),
    ]);
  });

  it('answers 500 and records it when a handler throws', async () => {
    server.rest('repos/get', () => {
      throw new Error('boom');
    });
    const err = await rejection(
      octokit.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' }),
    );
    expect((err as RequestError).status).toBe(500);
    expect(server.takeUnexpected()).toEqual([
      expect.objectContaining({ kind: 'handler-error', problems: ['handler threw: Error: boom'] }),
    ]);
  });

  it('in strict mode, close() fails while unexpected requests are left', async () => {
    const other = await GitHubApiServer.start();
    await fetch(`${other.url}/repos/o/r/pulls?per_pag=1`);
    await expect(other.close()).rejects.toThrow(/1 unexpected request.*per_pag/s);
    const lenient = await GitHubApiServer.start({ strict: false });
    await fetch(`${lenient.url}/nope`);
    expect(lenient.unexpected).toHaveLength(1);
    await lenient.close();
  });
});

describe('GraphQL', () => {
  it('serves a valid query with the parsed document and variables', async () => {
    let seen:
      { operationName?: string; variables: Record<string, unknown>; printed: string } | undefined;
    server.graphql(({ document, variables, operation }) => {
      seen = { variables, printed: print(document) };
      if (operation.name) seen.operationName = operation.name.value;
      return {
        data: {
          repository: {
            pullRequest: {
              reviewDecision: 'APPROVED',
              reviews: {
                nodes: [{ state: 'APPROVED', author: { login: 'alice' }, commit: { oid: SHA } }],
              },
            },
          },
        },
      };
    });
    const data = await octokit.graphql<{
      repository: { pullRequest: { reviews: { nodes: { author: { login: string } }[] } } };
    }>(REVIEWS_QUERY, { owner: 'o', repo: 'r', number: 1 });
    expect(data.repository.pullRequest.reviews.nodes[0]?.author.login).toBe('alice');
    expect(seen?.operationName).toBe('Reviews');
    expect(seen?.variables).toEqual({ owner: 'o', repo: 'r', number: 1 });
    expect(seen?.printed).toContain('reviews(first: 10)');
    expect(server.requests[0]).toMatchObject({ api: 'graphql', method: 'POST', path: '/graphql' });
    expect(server.requests[0]?.graphqlOperation).toBe('Reviews');
    expect(server.count('graphql')).toBe(1);
    expect(server.count('graphql:Reviews')).toBe(1);
  });

  it('rejects a misspelled field like GitHub (200 with errors) and records it', async () => {
    let calls = 0;
    server.graphql(() => {
      calls++;
      return { data: null };
    });
    const err = await rejection(
      octokit.graphql(REVIEWS_QUERY.replace('reviewDecision', 'reviewDecison'), {
        owner: 'o',
        repo: 'r',
        number: 1,
      }),
    );
    expect((err as Error).name).toBe('GraphqlResponseError');
    expect((err as Error).message).toMatch(
      /Cannot query field "reviewDecison" on type "PullRequest"/,
    );
    expect(calls).toBe(0);
    expect(server.takeUnexpected()).toEqual([
      expect.objectContaining({ kind: 'graphql-invalid', method: 'POST' }),
    ]);
  });

  it('enforces GitHub pagination limits and variable types', async () => {
    server.graphql(() => ({ data: {} }));
    const query = (args: string) =>
      `query { repository(owner: "o", name: "r") { pullRequests${args} { nodes { number } } } }`;
    await rejection(octokit.graphql(query('')));
    await rejection(octokit.graphql(query('(first: 101)')));
    await rejection(octokit.graphql(REVIEWS_QUERY, { owner: 'o', repo: 'r', number: '1' }));
    await rejection(octokit.graphql('query { repository(owner: "o", name: "r") { id }'));
    const problems = server.takeUnexpected().map((u) => u.problems.join('; '));
    expect(problems).toEqual([
      'You must provide a `first` or `last` value to properly paginate the `pullRequests` connection.',
      'Requesting 101 records on the `pullRequests` connection exceeds the `first` limit of 100 records.',
      expect.stringMatching(/Variable "\$number" got invalid value "1"; Int cannot represent/),
      expect.stringMatching(/^Syntax Error/),
    ]);
    // Pagination through variables is checked with the values sent.
    const data = await octokit.graphql(
      'query($n: Int) { viewer { repositories(first: $n) { totalCount } } }',
      {
        n: 50,
      },
    );
    expect(data).toEqual({});
  });
});

describe('faults', () => {
  it('429 with Retry-After, then success', async () => {
    servePulls();
    server.fault('repos/list-pull-requests-associated-with-commit', {
      type: 'rate-limit',
      retryAfter: 1,
    });
    const params = { owner: 'o', repo: 'r', commit_sha: SHA };
    const first = await rejection(octokit.request(PULLS, params));
    expect(isRequestError(first)).toBe(true);
    expect((first as RequestError).status).toBe(429);
    expect((first as RequestError).response?.headers['retry-after']).toBe('1');
    expect((first as RequestError).message).toMatch(/secondary rate limit/);
    await new Promise((r) => setTimeout(r, 1000));
    const second = await octokit.request(PULLS, params);
    expect(second.status).toBe(200);
    expect(server.count(PULLS)).toBe(2);
  });

  it('primary rate limit exhausted: 403 with x-ratelimit-remaining 0', async () => {
    server.fault('graphql', { type: 'rate-limit-exhausted', resetInSeconds: 30 });
    const err = await rejection(
      octokit.graphql(REVIEWS_QUERY, { owner: 'o', repo: 'r', number: 1 }),
    );
    expect((err as RequestError).status).toBe(403);
    expect((err as RequestError).response?.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('500 for the next N requests only', async () => {
    servePulls();
    server.fault(PULLS, { type: 'status', status: 502 }, 2);
    const params = { owner: 'o', repo: 'r', commit_sha: SHA };
    expect(((await rejection(octokit.request(PULLS, params))) as RequestError).status).toBe(502);
    expect(((await rejection(octokit.request(PULLS, params))) as RequestError).status).toBe(502);
    expect((await octokit.request(PULLS, params)).status).toBe(200);
    expect(server.count(PULLS)).toBe(3);
  });

  it('truncated JSON: Octokit hands back a string, not an error', async () => {
    servePulls();
    server.fault(PULLS, { type: 'truncated' });
    const res = await octokit.request(PULLS, { owner: 'o', repo: 'r', commit_sha: SHA });
    expect(res.status).toBe(200);
    expect(typeof res.data).toBe('string');
    const text = res.data as unknown as string;
    expect(() => {
      JSON.parse(text);
    }).toThrow(SyntaxError);
  });

  it('truncated JSON with the full content-length declared: Octokit hands back an empty string', async () => {
    servePulls();
    server.fault(PULLS, { type: 'truncated', mode: 'abort' });
    const res = await octokit.request(PULLS, { owner: 'o', repo: 'r', commit_sha: SHA });
    expect(res.status).toBe(200);
    expect(res.data).toBe('');
  });

  it('connection reset', async () => {
    servePulls();
    server.fault('*', { type: 'reset' });
    const err = await rejection(octokit.request(PULLS, { owner: 'o', repo: 'r', commit_sha: SHA }));
    expect(isRequestError(err)).toBe(true);
    expect((err as RequestError).status).toBe(500);
    expect((await octokit.request(PULLS, { owner: 'o', repo: 'r', commit_sha: SHA })).status).toBe(
      200,
    );
    expect(server.count(PULLS)).toBe(2);
  });

  it('slow headers: a client timeout rejects', async () => {
    servePulls();
    server.fault(PULLS, { type: 'slow', delayMs: 5000, at: 'headers' });
    const started = Date.now();
    const err = await rejection(
      octokit.request(PULLS, {
        owner: 'o',
        repo: 'r',
        commit_sha: SHA,
        request: { signal: AbortSignal.timeout(200) },
      }),
    );
    expect(err).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('slow body: a client timeout mid-body makes Octokit hand back an empty string', async () => {
    servePulls();
    server.fault(PULLS, { type: 'slow', delayMs: 5000 });
    const started = Date.now();
    const res = await octokit.request(PULLS, {
      owner: 'o',
      repo: 'r',
      commit_sha: SHA,
      request: { signal: AbortSignal.timeout(200) },
    });
    expect(res.status).toBe(200);
    expect(res.data).toBe('');
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
