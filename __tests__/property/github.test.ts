/**
 * Property: GitHub attestations API answers broken any way (mutate.ts), from a real answer (the
 * npm provenance bundle of sigstore@2.1.0 as GitHub lists it), served by a local HTTP server.
 *
 * - Reader: `fetchAttestations` returns attestations or throws a GateError; never another error.
 * - Decision, end to end through `security-gate verify-artifact --repo` (no --bundle: the API):
 *   a broken answer never passes, unless the bundle in it still decodes to the very same message.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import fc from 'fast-check';
import { fetchAttestations } from '../../src/adapters/github/attestations.js';
import { GITHUB_ISSUER, REAL, SIGSTORE_JS_SAN, runCli } from '../helpers/cli.js';
import { FakeServer, sendBytes } from '../helpers/github-server.js';
import { expectCleanError, expectOneScreen } from './assert.js';
import { hostile, runs, seed, show, type Mutation } from './mutate.js';

const TGZ = path.join(REAL, 'sigstore-js-2.1.0.tgz');
let api: FakeServer;
let body: Buffer = Buffer.alloc(0);
let answer: Buffer;
let hex: string;

beforeAll(async () => {
  hex = createHash('sha256')
    .update(await readFile(TGZ))
    .digest('hex');
  const bundle = JSON.parse(
    await readFile(path.join(REAL, 'sigstore-js-2.1.0-bundle.json'), 'utf8'),
  ) as unknown;
  answer = Buffer.from(
    JSON.stringify({
      attestations: [{ bundle, repository_id: 495574555, bundle_url: null, initiator: 'github' }],
    }),
  );
  api = await FakeServer.start();
  api.route('GET', `/repos/sigstore/sigstore-js/attestations/sha256:${hex}`, (_req, res) =>
    sendBytes(res, 200, body, { 'content-type': 'application/json' }),
  );
});
afterAll(async () => {
  await api.close();
});

/** The bundles of an answer, as the verifier sees them; undefined when it is not a readable answer. */
function bundlesOf(bytes: Buffer): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
    const json = JSON.parse(text) as { attestations: { bundle: unknown }[] };
    return JSON.stringify(
      json.attestations.map((a) => {
        // As in sigstore.test.ts: the DSSE keyid is an unauthenticated hint no step reads.
        const b = bundleToJSON(bundleFromJSON(a.bundle)) as {
          dsseEnvelope?: { signatures?: { keyid?: string }[] };
        };
        for (const sig of b.dsseEnvelope?.signatures ?? []) delete sig.keyid;
        return b;
      }),
    );
  } catch {
    return undefined;
  }
}

describe('GitHub attestations API: a broken answer', () => {
  it('is read or refused with a GateError by fetchAttestations', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(answer, 'json'), async (m) => {
        body = m.bytes;
        try {
          const got = await fetchAttestations({
            apiUrl: api.url,
            token: 'ghs_property',
            owner: 'sigstore',
            repo: 'sigstore-js',
            digest: { algorithm: 'sha256', hex },
            timeoutMs: 5_000,
            maxRetries: 0,
            retryBaseDelayMs: 1,
          });
          expect(Array.isArray(got)).toBe(true);
        } catch (err) {
          // There is no file: the message names the service that answered.
          expectCleanError(err, 'GitHub attestations API', show(m));
        }
      }),
      { numRuns: runs(60), seed: seed() },
    );
  });

  it('never passes verify-artifact --repo', async () => {
    const verify = () =>
      runCli(
        [
          'verify-artifact',
          TGZ,
          '--repo',
          'sigstore/sigstore-js',
          '--certificate-identity',
          SIGSTORE_JS_SAN,
          '--certificate-oidc-issuer',
          GITHUB_ISSUER,
        ],
        { GITHUB_API_URL: api.url, GITHUB_TOKEN: 'ghs_property' },
      );
    body = answer;
    expect((await verify()).code).toBe(0);
    const original = bundlesOf(answer);
    const changesTheBundle = (m: Mutation) => bundlesOf(m.bytes) !== original;
    await fc.assert(
      fc.asyncProperty(hostile(answer, 'json').filter(changesTheBundle), async (m) => {
        body = m.bytes;
        const r = await verify();
        const what = `${show(m)}: exit ${r.code}\n${r.stdout}${r.stderr}`.slice(0, 3000);
        expect({ what, passed: r.code === 0 }).toEqual({ what, passed: false });
        expectOneScreen(r.stderr, what);
      }),
      { numRuns: runs(40), seed: seed() },
    );
  });
});
