/**
 * Mitigations of SECURITY.md's threat model that had no test of their own. (Markdown and log
 * injection: report.test.ts; identity prefix and pattern tricks: signatures-mock.test.ts and
 * property/identity.test.ts; hostile input: property/*.test.ts.)
 *
 * The token is never printed: not on stdout or stderr, not in the JSON or markdown report, even
 * when the API echoes the Authorization header back in its error message, and not when the token
 * itself is malformed (an HTTP client error may quote a header value).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { githubAdvisories } from '../src/adapters/github/advisories.js';
import { fetchAttestations } from '../src/adapters/github/attestations.js';
import { fetchRepositoryFile } from '../src/adapters/github/contents.js';
import { storeAttestation } from '../src/adapters/github/store-attestation.js';
import { githubRequest } from '../src/adapters/github/request.js';
import { GateError, formatError } from '../src/errors.js';
import { GITHUB_ISSUER, REAL, SIGSTORE_JS_SAN, runCli } from './helpers/cli.js';
import { FakeServer, sendJson } from './helpers/github-server.js';

const TGZ = path.join(REAL, 'sigstore-js-2.1.0.tgz');
const TOKEN = 'ghs_ThreatModelSecret0123456789abcdef';

let api: FakeServer;
let work: string;
let hex: string;
let status = 401;

beforeAll(async () => {
  hex = createHash('sha256')
    .update(await readFile(TGZ))
    .digest('hex');
  work = await mkdtemp(path.join(tmpdir(), 'sg-threat-'));
  api = await FakeServer.start();
  // A hostile (or just careless) API: its error message quotes the credentials it was sent.
  api.route('GET', `/repos/acme/app/attestations/sha256:${hex}`, (req, res) =>
    sendJson(res, status, {
      message: `Bad credentials: ${req.headers.authorization ?? '(none)'}`,
      documentation_url: `https://docs.github.com/rest?token=${req.headers.authorization ?? ''}`,
    }),
  );
});
afterAll(async () => {
  await api.close();
  await rm(work, { recursive: true, force: true });
});

async function verifyWithToken(token: string) {
  const markdown = path.join(work, 'report.md');
  const r = await runCli(
    [
      'verify-artifact',
      TGZ,
      '--repo',
      'acme/app',
      '--certificate-identity',
      SIGSTORE_JS_SAN,
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
      '--markdown',
      markdown,
    ],
    { GITHUB_API_URL: api.url, GITHUB_TOKEN: token },
  );
  const md = await readFile(markdown, 'utf8').catch(() => '');
  return { ...r, everything: `${r.stdout}\n${r.stderr}\n${JSON.stringify(r.report)}\n${md}` };
}

describe('threat model: the token is never printed', () => {
  it.each([401, 403, 404, 422])(
    'an API answering %i with the Authorization header in its message',
    async (code) => {
      status = code;
      const r = await verifyWithToken(TOKEN);
      // The API saw the token (so the echo really contained it)…
      expect(api.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      // …and the gate blocked (404: GitHub holds no attestation; else: could not evaluate),
      // without repeating it anywhere.
      expect(r.code).toBe(code === 404 ? 1 : 2);
      if (code !== 404) expect(r.everything).toContain('Bad credentials');
      expect(r.everything).not.toContain(TOKEN);
      expect(r.everything).not.toContain(TOKEN.slice(4, 20));
    },
  );

  it('the shared GitHub request (repository check, extends) does not quote a malformed token either', async () => {
    const bad = `${TOKEN}\nX-Injected: 1`;
    const thrown = await githubRequest({
      what: 'GitHub REST API GET /repos/acme/app',
      url: new URL(`${api.url}/repos/acme/app`),
      token: bad,
      maxRetries: 0,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(thrown).toBeInstanceOf(GateError);
    const text = formatError(thrown);
    expect(text).toContain('invalid header value');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('X-Injected');
  });

  it('a malformed token (a newline in it) is refused without quoting it', async () => {
    // The HTTP client's own error quotes the header value; the adapter is called directly so that
    // its retries (a network error is retried) take milliseconds.
    const bad = `${TOKEN}\nX-Injected: 1`;
    const thrown = await fetchAttestations({
      apiUrl: api.url,
      token: bad,
      owner: 'acme',
      repo: 'app',
      digest: { algorithm: 'sha256', hex },
      retryBaseDelayMs: 1,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(thrown).toBeInstanceOf(GateError);
    const text = formatError(thrown);
    expect(text).toContain('invalid header value');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('X-Injected');
  });
});

describe('threat model: the token only goes to an https API', () => {
  // Each GitHub client checks the API root before its first request; a fetch that records its
  // calls proves nothing left the process.
  const calls: string[] = [];
  const recordingFetch: typeof fetch = (input) => {
    calls.push(input instanceof Request ? input.url : String(input));
    return Promise.reject(new Error('no request may be made'));
  };
  const npmPackage = {
    ecosystem: 'npm' as const,
    name: 'lodash',
    version: '4.17.20',
    purl: 'pkg:npm/lodash@4.17.20',
    scope: 'runtime' as const,
    file: 'package-lock.json',
  };
  const clients: [string, (apiUrl: string) => Promise<unknown>][] = [
    [
      'extends (contents API)',
      (apiUrl) =>
        fetchRepositoryFile(
          { apiUrl, token: TOKEN, owner: 'acme', repo: 'policy', path: 'gate.yml', ref: 'main' },
          recordingFetch,
        ),
    ],
    [
      'storing the VSA (attestations API)',
      (apiUrl) =>
        storeAttestation({ apiUrl, token: TOKEN, repository: 'acme/app' }, {}, recordingFetch),
    ],
    [
      'source: github (advisories API)',
      (apiUrl) =>
        githubAdvisories({ apiUrl, token: TOKEN }, recordingFetch).recordsFor([npmPackage]),
    ],
  ];
  it.each(clients)('%s refuses plain http and credentials in the URL', async (_name, call) => {
    calls.length = 0;
    for (const [apiUrl, message] of [
      ['http://api.example.com', /GitHub API URL http:\/\/api\.example\.com\/ must use https:/],
      ['https://user:pw@api.example.com', /must not carry credentials, a query or a fragment/],
      ['api.github.com', /is not a URL/],
    ] as const) {
      const thrown = await call(apiUrl).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(thrown).toBeInstanceOf(GateError);
      expect((thrown as GateError).code).toBe('input');
      expect(formatError(thrown)).toMatch(message);
      expect(formatError(thrown)).not.toContain('pw');
    }
    expect(calls).toEqual([]);
  });
});
