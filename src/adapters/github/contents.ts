/**
 * One file of a repository at a ref, through `GET /repos/{owner}/{repo}/contents/{path}?ref=REF`:
 * the organisation policy an `extends` names, or the policy file of a pull request's base. The
 * answer must be a file (not a folder, symlink or submodule), base64 as GitHub sends it, UTF-8,
 * at most 1 MiB; anything else is an error naming the file and the ref. A ref that is a full
 * commit SHA is immutable, so such files are cached on disk (under RUNNER_TEMP, the runner's own
 * temporary folder, when the caller gives it — never a shared temporary folder, where another user
 * could plant a policy) for later runs on the
 * same runner.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { GateError } from '../../errors.js';
import { githubApiUrl, githubRequest, type RetryOptions } from './request.js';
import { githubMessage } from './response.js';

export interface FileQuery extends RetryOptions {
  apiUrl: string;
  token?: string;
  owner: string;
  repo: string;
  path: string;
  ref: string;
  /** Cache folder for files at full commit SHAs (the runner's RUNNER_TEMP); none: no cache. */
  cacheDir?: string;
}

const MAX_BYTES = 1024 * 1024;
const fileShape = z.looseObject({
  type: z.literal('file'),
  encoding: z.literal('base64'),
  content: z.string(),
  sha: z.string(),
});

export async function fetchRepositoryFile(
  q: FileQuery,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<{ text: string; name: string; cached: boolean }> {
  const name = `${q.owner}/${q.repo}/${q.path}@${q.ref}`;
  const immutable = /^[0-9a-f]{40}$/.test(q.ref) && q.cacheDir !== undefined;
  const cacheFile = path.join(
    q.cacheDir ?? '',
    'security-gate-files',
    createHash('sha256').update(`${q.apiUrl}\0${name}`).digest('hex'),
  );
  if (immutable) {
    const cached = await readFile(cacheFile, 'utf8').catch(() => undefined);
    if (cached !== undefined) return { text: cached, name, cached: true };
  }
  const encoded = q.path.split('/').map(encodeURIComponent).join('/');
  const url = githubApiUrl(
    q.apiUrl,
    `/repos/${encodeURIComponent(q.owner)}/${encodeURIComponent(q.repo)}/contents/${encoded}`,
  );
  url.searchParams.set('ref', q.ref);
  const what = `GitHub REST API GET /repos/{owner}/{repo}/contents/{path} (${name})`;
  const res = await githubRequest(
    { ...q, what, url, ...(q.token ? { token: q.token } : {}) },
    fetchImpl,
  );
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    throw new GateError('config', `cannot read ${name}: HTTP ${res.status}${githubMessage(res)}`, {
      fix: `Check the path and ref, and give the token read access to ${q.owner}/${q.repo} (contents: read; for another private repository, a GitHub App or fine-grained token that can read it).`,
    });
  }
  if (res.status !== 200) {
    throw new GateError('upstream', `${what}: unexpected HTTP ${res.status}${githubMessage(res)}`);
  }
  let parsed: z.infer<typeof fileShape>;
  try {
    parsed = fileShape.parse(
      JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.body)),
    );
  } catch {
    throw new GateError(
      'upstream',
      `${what}: the answer is not a file as GitHub describes it (a folder, a symlink, or a broken body)`,
    );
  }
  const bytes = Buffer.from(parsed.content.replace(/\s+/g, ''), 'base64');
  if (bytes.length > MAX_BYTES) {
    throw new GateError('config', `${name} is larger than ${MAX_BYTES} bytes`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new GateError('config', `${name} is not UTF-8 text`);
  }
  if (immutable) {
    // Whole or not at all; a failed cache write only costs a request next time.
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    await mkdir(path.dirname(cacheFile), { recursive: true })
      .then(() => writeFile(tmp, text))
      .then(() => rename(tmp, cacheFile))
      .catch(() => undefined);
  }
  return { text, name, cached: false };
}
