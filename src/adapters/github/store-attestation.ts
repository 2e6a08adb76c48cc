/**
 * Stores a Sigstore bundle through GitHub's attestations API
 * (`POST /repos/{owner}/{repo}/attestations`, needs `attestations: write`), so later gates can
 * read it with `source: github-attestations` and `gh attestation verify` finds it.
 */
import { z } from 'zod';
import { GateError } from '../../errors.js';
import { githubApiUrl, githubRequest, type RetryOptions } from './request.js';
import { githubMessage } from './response.js';

export interface StoreQuery extends RetryOptions {
  apiUrl: string;
  token?: string;
  /** OWNER/NAME. */
  repository: string;
}

export async function storeAttestation(
  q: StoreQuery,
  bundle: Record<string, unknown>,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<number> {
  const [owner = '', repo = ''] = q.repository.split('/');
  const url = githubApiUrl(
    q.apiUrl,
    `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/attestations`,
  );
  const what = 'GitHub REST API POST /repos/{owner}/{repo}/attestations';
  const res = await githubRequest(
    { ...q, what, url, body: JSON.stringify({ bundle }), ...(q.token ? { token: q.token } : {}) },
    fetchImpl,
  );
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    throw new GateError(
      'config',
      `cannot store the verification summary in ${q.repository}'s attestations: HTTP ${res.status}${githubMessage(res)}`,
      { fix: 'Give the job `permissions: attestations: write`, or set report.vsa.store: false.' },
    );
  }
  if (res.status !== 201 && res.status !== 200) {
    throw new GateError('upstream', `${what}: unexpected HTTP ${res.status}${githubMessage(res)}`);
  }
  const parsed = z
    .looseObject({ id: z.number().int() })
    .safeParse(JSON.parse(new TextDecoder().decode(res.body)) as unknown);
  if (!parsed.success) throw new GateError('upstream', `${what}: the answer has no attestation id`);
  return parsed.data.id;
}
