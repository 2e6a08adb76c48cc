/**
 * Publishing a finished report on GitHub: the sticky pull request comment (`report.pr-comment`)
 * and the `security-gate` check run (`report.check-run`). Rendering happens in src/report/; this
 * adapter only finds the pull request, finds its own earlier comment, and sends.
 *
 * Publishing never decides anything: every failure here (no permission, no pull request, GitHub
 * down, an answer of the wrong shape) is a warning through `log`, and `publishToGitHub` never
 * throws. GitHub's answers are validated before use.
 *
 * The earlier comment is the one that starts with the hidden marker AND was written by the
 * token's own account: a comment by anyone else that merely contains the marker (a pull request
 * author can plant one) is never edited.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { GateConfig } from '../../config/index.js';
import { describeThrown } from '../../errors.js';
import { renderCheckRun } from '../../report/check-run.js';
import { COMMENT_MARKER, renderComment } from '../../report/comment.js';
import type { SarifContext } from '../../report/sarif.js';
import type { Report } from '../../types.js';
import { githubApiUrl, githubRequest, type RetryOptions } from './request.js';
import { githubMessage, type GitHubResponse } from './response.js';

export interface PublishLog {
  info: (message: string) => void;
  warning: (message: string) => void;
}

export interface GitHubPublishOptions extends RetryOptions {
  apiUrl: string;
  token?: string;
  /** OWNER/NAME of the report's subject. */
  repository?: string;
  /** The deployed commit. */
  sha?: string;
  prComment: 'auto' | 'always' | 'never';
  checkRun: boolean;
  /** GITHUB_EVENT_NAME and GITHUB_EVENT_PATH; nothing is published outside GitHub Actions. */
  event?: { name: string; path?: string };
  /** The workflow run's page (its job summary has the full report). */
  runUrl?: string;
  /** Where the report's paths are, for the check run's annotations. */
  paths: SarifContext;
}

export interface PublishOutcome {
  comment?: { action: 'created' | 'updated'; id: number; pullRequest: number };
  checkRun?: { id: number; sha: string };
}

/** What `run` publishes on GitHub for a configuration (the action, `security-gate run`). */
export function publishOptionsFrom(
  config: GateConfig,
  paths: SarifContext,
): GitHubPublishOptions | undefined {
  const p = config.publish;
  if (!p) return undefined;
  return {
    apiUrl: config.github.apiUrl,
    ...(config.github.token ? { token: config.github.token } : {}),
    ...(config.subject.repository ? { repository: config.subject.repository } : {}),
    ...(config.subject.sha ? { sha: config.subject.sha } : {}),
    prComment: p.prComment,
    checkRun: p.checkRun,
    ...(p.event ? { event: p.event } : {}),
    ...(p.runUrl ? { runUrl: p.runUrl } : {}),
    paths,
  };
}

/** Events whose payload names the pull request. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);
/** The account GITHUB_TOKEN writes as. */
export const GITHUB_ACTIONS_BOT = 'github-actions[bot]';
/** Comments read at most: 10 pages of 100. */
const MAX_COMMENT_PAGES = 10;
const SHA = /^[0-9a-f]{40}$/;

const eventShape = z.looseObject({
  pull_request: z.looseObject({
    number: z.number().int().positive(),
    head: z.looseObject({ sha: z.string().regex(SHA).optional() }).optional(),
  }),
});
const pullShape = z.looseObject({
  number: z.number().int().positive(),
  merged_at: z.string().nullable().optional(),
  merge_commit_sha: z.string().nullable().optional(),
});
const userShape = z.looseObject({ login: z.string().min(1) });
const commentShape = z.looseObject({
  id: z.number().int().positive(),
  body: z.string().nullable().optional(),
  user: z.looseObject({ login: z.string(), type: z.string().optional() }).nullable(),
  html_url: z.string().optional(),
});
const checkRunShape = z.looseObject({ id: z.number().int().positive() });

/** ` (URL)` for the log when GitHub's URL is a plain https URL (no spaces, no workflow commands). */
function where(url: string | null | undefined): string {
  return url && /^https:\/\/[A-Za-z0-9.\-/_#%~?=&:]+$/.test(url) ? ` (${url})` : '';
}

/** A publishing step that cannot go on; its message becomes the warning. */
class Skip extends Error {}

export async function publishToGitHub(
  report: Report,
  opts: GitHubPublishOptions,
  log: PublishLog,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<PublishOutcome> {
  const outcome: PublishOutcome = {};
  const wantComment = opts.prComment !== 'never';
  if ((!wantComment && !opts.checkRun) || !opts.event) return outcome;
  const explicit = opts.prComment === 'always' || opts.checkRun;
  const [owner, repo] = (opts.repository ?? '').split('/');
  if (!opts.token || !owner || !repo) {
    const missing = !opts.token
      ? 'no GitHub token (github-token, GITHUB_TOKEN)'
      : 'no repository (GITHUB_REPOSITORY)';
    (explicit ? log.warning : log.info)(
      `security-gate: nothing published on GitHub (report.pr-comment, report.check-run): ${missing}.`,
    );
    return outcome;
  }
  const api = new Api(opts, owner, repo, fetchImpl);
  let event: z.output<typeof eventShape> | undefined;
  if (PULL_REQUEST_EVENTS.has(opts.event.name)) {
    try {
      event = await readEvent(opts.event.path);
    } catch (err) {
      log.warning(
        `security-gate: cannot read the pull request from the ${opts.event.name} event payload (GITHUB_EVENT_PATH): ${describeThrown(err)}; no pull request comment${opts.checkRun ? ' and no check run' : ''}.`,
      );
      return outcome;
    }
  }
  if (wantComment) {
    try {
      const comment = await publishComment(report, opts, api, event, log);
      if (comment) outcome.comment = comment;
    } catch (err) {
      log.warning(
        `security-gate: the pull request comment was not published: ${err instanceof Skip ? err.message : describeThrown(err)}. The verdict is unchanged.`,
      );
    }
  }
  if (opts.checkRun) {
    try {
      outcome.checkRun = await publishCheckRun(report, opts, api, event);
    } catch (err) {
      log.warning(
        `security-gate: the security-gate check run was not created: ${err instanceof Skip ? err.message : describeThrown(err)}. The verdict is unchanged.`,
      );
    }
  }
  return outcome;
}

async function readEvent(file: string | undefined): Promise<z.output<typeof eventShape>> {
  if (!file) throw new Error('GITHUB_EVENT_PATH is not set');
  const parsed = eventShape.safeParse(JSON.parse(await readFile(file, 'utf8')) as unknown);
  if (!parsed.success) throw new Error('it has no pull_request with a number');
  return parsed.data;
}

async function publishComment(
  report: Report,
  opts: GitHubPublishOptions,
  api: Api,
  event: z.output<typeof eventShape> | undefined,
  log: PublishLog,
): Promise<PublishOutcome['comment']> {
  let number: number;
  if (event) {
    number = event.pull_request.number;
  } else {
    const found = await mergedPullRequest(api, opts.sha);
    if (found === undefined) {
      (opts.prComment === 'always' ? log.warning : log.info)(
        `security-gate: no pull request comment: commit ${opts.sha ?? '(unknown)'} is not the merge commit of a merged pull request${PULL_REQUEST_EVENTS.has(opts.event!.name) ? '' : ` (event ${opts.event!.name})`}.`,
      );
      return undefined;
    }
    number = found;
  }
  const body = renderComment(report, opts.runUrl ? { runUrl: opts.runUrl } : {});
  const me = await api.ownLogin();
  const existing = await api.ownComment(number, me);
  if (existing.id !== undefined) {
    const res = await api.send(
      'PATCH',
      `/issues/comments/${existing.id}`,
      { body },
      'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
    );
    const c = api.expect(
      res,
      [200],
      commentShape,
      `update comment ${existing.id} on pull request #${number}`,
    );
    log.info(`security-gate: updated its comment on pull request #${number}${where(c.html_url)}.`);
    return { action: 'updated', id: c.id, pullRequest: number };
  }
  if (existing.incomplete)
    log.info(
      `security-gate: pull request #${number} has more than ${MAX_COMMENT_PAGES * 100} comments; only the first ${MAX_COMMENT_PAGES * 100} were searched for an earlier security-gate comment.`,
    );
  const res = await api.send(
    'POST',
    `/issues/${number}/comments`,
    { body },
    'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  );
  const c = api.expect(res, [201], commentShape, `comment on pull request #${number}`);
  log.info(`security-gate: commented on pull request #${number}${where(c.html_url)}.`);
  return { action: 'created', id: c.id, pullRequest: number };
}

/**
 * The merged pull request whose merge commit is `sha` (GitHub also lists open and unrelated pull
 * requests that merely contain the commit: those do not count). None or several: undefined.
 */
async function mergedPullRequest(api: Api, sha: string | undefined): Promise<number | undefined> {
  if (sha === undefined || !SHA.test(sha.toLowerCase())) return undefined;
  const res = await api.send(
    'GET',
    `/commits/${sha.toLowerCase()}/pulls?per_page=100`,
    undefined,
    'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls',
  );
  const pulls = api.expect(
    res,
    [200],
    z.array(pullShape),
    `list the pull requests of commit ${sha}`,
  );
  const merged = pulls.filter(
    (p) => p.merged_at && p.merge_commit_sha?.toLowerCase() === sha.toLowerCase(),
  );
  return merged.length === 1 ? merged[0]!.number : undefined;
}

async function publishCheckRun(
  report: Report,
  opts: GitHubPublishOptions,
  api: Api,
  event: z.output<typeof eventShape> | undefined,
): Promise<NonNullable<PublishOutcome['checkRun']>> {
  // On a pull request, the head commit: where GitHub looks for a pull request's checks.
  const sha = event ? event.pull_request.head?.sha : opts.sha?.toLowerCase();
  if (sha === undefined || !SHA.test(sha))
    throw new Skip(
      event
        ? 'the event payload names no head commit of the pull request'
        : `the deployed commit ${JSON.stringify(opts.sha ?? '')} is not a full commit SHA`,
    );
  const { conclusion, output } = renderCheckRun(
    report,
    opts.paths,
    opts.runUrl ? { runUrl: opts.runUrl } : {},
  );
  const res = await api.send(
    'POST',
    '/check-runs',
    {
      name: 'security-gate',
      head_sha: sha,
      status: 'completed',
      conclusion,
      completed_at: report.generatedAt,
      ...(opts.runUrl ? { details_url: opts.runUrl } : {}),
      output,
    },
    'POST /repos/{owner}/{repo}/check-runs',
    'checks: write',
  );
  const run = api.expect(res, [201], checkRunShape, `create the check run on ${sha}`);
  return { id: run.id, sha };
}

/** REST calls on one repository, with the permission a refusal is about named in the message. */
class Api {
  constructor(
    private readonly opts: GitHubPublishOptions,
    private readonly owner: string,
    private readonly repo: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  async send(
    method: 'GET' | 'POST' | 'PATCH',
    repoPath: string,
    body: unknown,
    what: string,
    permission = 'pull-requests: write',
  ): Promise<GitHubResponse & { permission: string; what: string }> {
    const res = await this.request(
      method,
      `/repos/${encodeURIComponent(this.owner)}/${encodeURIComponent(this.repo)}${repoPath}`,
      body,
      what,
    );
    return Object.assign(res, { permission, what });
  }

  async request(
    method: 'GET' | 'POST' | 'PATCH',
    apiPath: string,
    body: unknown,
    what: string,
  ): Promise<GitHubResponse> {
    const [pathname, query] = apiPath.split('?');
    const url = githubApiUrl(this.opts.apiUrl, pathname ?? '');
    if (query) url.search = query;
    const o = this.opts;
    const retry: RetryOptions = {
      ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: o.retryBaseDelayMs } : {}),
      ...(o.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: o.maxRetryDelayMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onAttempt ? { onAttempt: o.onAttempt } : {}),
    };
    return githubRequest(
      {
        ...retry,
        maxBytes: 8 * 1024 * 1024,
        what: `GitHub REST API ${what}`,
        url,
        method,
        ...(o.token ? { token: o.token } : {}),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      },
      this.fetchImpl,
    );
  }

  /** The answer's body, validated; a refusal names the permission, anything else what came back. */
  expect<S extends z.ZodType>(
    res: GitHubResponse & { permission: string; what: string },
    ok: number[],
    shape: S,
    doing: string,
  ): z.output<S> {
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      throw new Skip(
        `cannot ${doing} (HTTP ${res.status}${githubMessage(res)}): the token needs \`${res.permission}\` — add it to the job's \`permissions:\`${res.permission === 'checks: write' ? ', or set `report.check-run: false`' : ', or set `report.pr-comment: never`'}`,
      );
    }
    if (!ok.includes(res.status))
      throw new Skip(
        `cannot ${doing}: ${res.what} answered HTTP ${res.status}${githubMessage(res)}`,
      );
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(res.body)) as unknown;
    } catch {
      throw new Skip(`cannot ${doing}: ${res.what} answered something that is not JSON`);
    }
    const parsed = shape.safeParse(json);
    if (!parsed.success)
      throw new Skip(`cannot ${doing}: ${res.what} answered in an unexpected shape`);
    return parsed.data;
  }

  /**
   * The token's own login. An installation token (`ghs_…`: GITHUB_TOKEN, or a GitHub App's) cannot
   * read `GET /user`; GITHUB_TOKEN writes as github-actions[bot]. Other tokens are asked.
   */
  async ownLogin(): Promise<string> {
    if (this.opts.token?.startsWith('ghs_')) return GITHUB_ACTIONS_BOT;
    const res = Object.assign(await this.request('GET', '/user', undefined, 'GET /user'), {
      permission: 'a token that can read its own user (GET /user)',
      what: 'GitHub REST API GET /user',
    });
    return this.expect(res, [200], userShape, 'tell which account the token writes as').login;
  }

  /**
   * The latest comment on the pull request that starts with the marker and was written by `me`
   * (bounded pagination). `incomplete` when more comments exist than were read.
   */
  async ownComment(number: number, me: string): Promise<{ id?: number; incomplete: boolean }> {
    let id: number | undefined;
    for (let page = 1; page <= MAX_COMMENT_PAGES; page++) {
      const res = await this.send(
        'GET',
        `/issues/${number}/comments?per_page=100&page=${page}`,
        undefined,
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      );
      const comments = this.expect(
        res,
        [200],
        z.array(commentShape),
        `read the comments of pull request #${number}`,
      );
      for (const c of comments) {
        if (
          c.user?.login.toLowerCase() === me.toLowerCase() &&
          (c.body ?? '').startsWith(COMMENT_MARKER)
        )
          id = c.id;
      }
      if (comments.length < 100) return { ...(id !== undefined ? { id } : {}), incomplete: false };
    }
    return { ...(id !== undefined ? { id } : {}), incomplete: true };
  }
}
