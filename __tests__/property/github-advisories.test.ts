/**
 * Property: answers of the GitHub Advisory Database API (`dependencies.source: github`) broken any
 * way (mutate.ts). The answer starts as GitHub publishes GHSA-35jh-r3h4-6jhm (lodash command
 * injection; the fields of fixtures/osv/real/GHSA-35jh-r3h4-6jhm.json in the REST API's shape).
 * `githubAdvisories().recordsFor` returns records or throws a GateError naming the API or the
 * advisory — never another exception. (Reader only: no end-to-end decision property yet.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { githubAdvisories } from '../../src/adapters/github/advisories.js';
import { GateError } from '../../src/errors.js';
import { expectOneScreen } from './assert.js';
import { hostile, runs, seed, show } from './mutate.js';

const ANSWER = Buffer.from(
  JSON.stringify([
    {
      ghsa_id: 'GHSA-35jh-r3h4-6jhm',
      cve_id: 'CVE-2021-23337',
      url: 'https://api.github.com/advisories/GHSA-35jh-r3h4-6jhm',
      html_url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
      summary: 'Command Injection in lodash',
      type: 'reviewed',
      severity: 'high',
      identifiers: [
        { value: 'GHSA-35jh-r3h4-6jhm', type: 'GHSA' },
        { value: 'CVE-2021-23337', type: 'CVE' },
      ],
      published_at: '2021-05-06T16:05:51Z',
      updated_at: '2022-02-08T21:35:09Z',
      withdrawn_at: null,
      vulnerabilities: [
        {
          package: { ecosystem: 'npm', name: 'lodash' },
          vulnerable_version_range: '< 4.17.21',
          first_patched_version: '4.17.21',
          vulnerable_functions: ['lodash.template'],
        },
      ],
      cvss_severities: {
        cvss_v3: {
          vector_string: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H',
          score: 7.2,
        },
        cvss_v4: { vector_string: null, score: 0 },
      },
      cwes: [{ cwe_id: 'CWE-77', name: 'Command Injection' }],
    },
  ]),
);

let server: http.Server;
let url: string;
let body: Buffer = ANSWER;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // Reviewed advisories get the (broken) answer; malware advisories an empty list.
      const malware = (req.url ?? '').includes('type=malware');
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(malware ? Buffer.from('[]') : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const lodash = {
  ecosystem: 'npm' as const,
  name: 'lodash',
  version: '4.17.20',
  purl: 'pkg:npm/lodash@4.17.20',
  scope: 'runtime' as const,
  file: 'package-lock.json',
};

describe('GitHub Advisory Database answers', () => {
  it('the intact answer gives the lodash record', async () => {
    body = ANSWER;
    const got = await githubAdvisories({ apiUrl: url, maxRetries: 0 }).recordsFor([lodash]);
    expect(got.get('npm\u0000lodash')?.map((r) => r.id)).toEqual(['GHSA-35jh-r3h4-6jhm']);
  });

  it('an answer whose package name holds a byte that is not UTF-8 is refused (it read as another name)', async () => {
    const at = ANSWER.indexOf('"name":"lodash"') + '"name":"lod'.length;
    body = Buffer.concat([ANSWER.subarray(0, at), Buffer.from([0xff]), ANSWER.subarray(at)]);
    const err = await githubAdvisories({ apiUrl: url, maxRetries: 0 })
      .recordsFor([lodash])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateError);
    expect((err as GateError).message).toContain('GitHub REST API GET /advisories');
  });

  it('a broken answer is read or refused with a GateError naming the API or the advisory', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(ANSWER, 'json'), async (m) => {
        body = m.bytes;
        const what = show(m);
        try {
          const got = await githubAdvisories({ apiUrl: url, maxRetries: 0 }).recordsFor([lodash]);
          expect(got.has('npm\u0000lodash')).toBe(true);
        } catch (err) {
          if (!(err instanceof GateError)) {
            throw new Error(`${what}: expected a GateError, got ${String(err)}`);
          }
          expect({
            what,
            names: /GitHub REST API GET \/advisories|GHSA-/.test(err.message),
          }).toEqual({
            what,
            names: true,
          });
          expectOneScreen(err.message, what);
        }
      }),
      { numRuns: runs(60), seed: seed() },
    );
  });
});
