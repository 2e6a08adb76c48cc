/**
 * Verification summary attestations end to end, with a local Sigstore (@sigstore/mock: Fulcio,
 * Rekor, TSA) and a local stand-in for GitHub's OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL):
 * a staging gate passes and signs a SLSA VSA of the artifact; the production gate requires that
 * summary, from the staging gate's workflow identity, and accepts only PASSED.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { VSA_PREDICATE_TYPE, vsaStatement } from '../src/adapters/sigstore/vsa.js';
import { runCli } from './helpers/cli.js';
import { GitHubApiServer } from './helpers/github-api.js';
import {
  inTotoStatement,
  startMockSigstore,
  type MockSigstore,
} from './helpers/sigstore-instance.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const RELEASE = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const STAGING = 'https://github.com/acme/app/.github/workflows/staging.yml@refs/heads/main';
const artifact = Buffer.from('the release tarball\n');
const digest = createHash('sha256').update(artifact).digest('hex');

let sigstore: MockSigstore;
let oidc: http.Server;
let oidcUrl: string;
const tokenRequests: string[] = [];

function unsignedJwt(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: 'sigstore', iat: now, nbf: now, exp: now + 600, iss: ISSUER, sub })}.`;
}

beforeAll(async () => {
  sigstore = await startMockSigstore();
  oidc = http.createServer((req, res) => {
    tokenRequests.push(`${req.url} ${req.headers.authorization}`);
    if (req.headers.authorization !== 'Bearer runtime-token') {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value: unsignedJwt(STAGING) }));
  });
  await new Promise<void>((r) => oidc.listen(0, '127.0.0.1', () => r()));
  oidcUrl = `http://127.0.0.1:${(oidc.address() as AddressInfo).port}/token?api-version=2.0`;
});

afterAll(async () => {
  await sigstore.close();
  oidc.closeAllConnections();
  await new Promise<void>((r) => oidc.close(() => r()));
});

async function workspace(policy: object): Promise<string> {
  const ws = await mkdtemp(path.join(tmpdir(), 'sg-vsa-'));
  await mkdir(path.join(ws, 'dist'));
  await mkdir(path.join(ws, '.github'));
  await writeFile(path.join(ws, 'dist', 'app.tgz'), artifact);
  await writeFile(
    path.join(ws, 'dist', 'app.tgz.sigstore.json'),
    JSON.stringify(await sigstore.signBlob(artifact, { subject: RELEASE, issuer: ISSUER })),
  );
  await writeFile(path.join(ws, 'trusted_root.json'), JSON.stringify(sigstore.trustedRoot));
  await writeFile(path.join(ws, '.github', 'security-gate.yml'), stringify(policy));
  return ws;
}

const staging = {
  version: 1,
  signatures: {
    'trusted-root': 'trusted_root.json',
    artifacts: [{ path: 'dist/*.tgz' }],
    identities: [{ issuer: ISSUER, subject: RELEASE }],
  },
};

function env(ws: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GITHUB_WORKSPACE: ws,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_OUTPUT: path.join(ws, 'outputs.txt'),
    ACTIONS_ID_TOKEN_REQUEST_URL: oidcUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runtime-token',
    ...extra,
  };
}

describe('report.vsa', () => {
  it('staging signs a PASSED summary of the artifact; production requires it from staging', async () => {
    const ws = await workspace({
      ...staging,
      report: { vsa: { 'fulcio-url': sigstore.url, 'rekor-url': sigstore.url } },
    });
    const signed = await runCli(['run'], env(ws));
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    const bundlePath = path.join(ws, 'security-gate.vsa.sigstore.json');
    expect(signed.stdout).toContain(`verification summary signed: ${bundlePath}`);
    expect(tokenRequests.at(-1)).toMatch(/audience=sigstore/);

    // The statement: subjects are the verified digests; it records the policy and the checks.
    const bundle = JSON.parse(await readFile(bundlePath, 'utf8')) as {
      dsseEnvelope: { payload: string; payloadType: string };
    };
    expect(bundle.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as {
      subject: unknown;
      predicateType: string;
      predicate: {
        verificationResult: string;
        policy: { digest: { sha256: string } };
        securityGate: { checks: { id: string; status: string }[] };
      };
    };
    expect(statement.subject).toEqual([{ name: 'dist/app.tgz', digest: { sha256: digest } }]);
    expect(statement.predicateType).toBe(VSA_PREDICATE_TYPE);
    expect(statement.predicate.verificationResult).toBe('PASSED');
    expect(statement.predicate.policy.digest.sha256).toBe(signed.report!.policy!.sha256);
    expect(statement.predicate.securityGate.checks.map((c) => [c.id, c.status])).toEqual([
      ['signatures', 'pass'],
      ['dependencies', 'skipped'],
      ['repository', 'skipped'],
    ]);

    // Production: the artifact must carry staging's summary.
    await writeFile(
      path.join(ws, '.github', 'security-gate.yml'),
      stringify({
        version: 1,
        signatures: {
          'trusted-root': 'trusted_root.json',
          artifacts: [{ path: 'dist/*.tgz', bundle: 'security-gate.vsa.sigstore.json' }],
          identities: [{ issuer: ISSUER, subject: STAGING }],
          'predicate-type': VSA_PREDICATE_TYPE,
        },
      }),
    );
    const production = await runCli(['run'], env(ws, { ACTIONS_ID_TOKEN_REQUEST_URL: '' }));
    expect(production.stderr).toBe('');
    expect(production.code).toBe(0);
    expect(production.report!.checks[0]!.artifacts![0]).toMatchObject({
      predicateType: VSA_PREDICATE_TYPE,
      verified: true,
    });
  });

  it('a signed summary that says FAILED does not let the artifact through', async () => {
    const ws = await workspace(staging);
    const failed = inTotoStatement(
      [{ name: 'dist/app.tgz', digest: { sha256: digest } }],
      VSA_PREDICATE_TYPE,
      {
        verifier: { id: 'https://example.com/other-gate' },
        verificationResult: 'FAILED',
      },
    );
    await writeFile(
      path.join(ws, 'failed.vsa.json'),
      JSON.stringify(await sigstore.signDsse(failed, { subject: STAGING, issuer: ISSUER })),
    );
    await writeFile(
      path.join(ws, '.github', 'security-gate.yml'),
      stringify({
        version: 1,
        signatures: {
          'trusted-root': 'trusted_root.json',
          artifacts: [{ path: 'dist/*.tgz', bundle: 'failed.vsa.json' }],
          identities: [{ issuer: ISSUER, subject: STAGING }],
          'predicate-type': VSA_PREDICATE_TYPE,
        },
      }),
    );
    const r = await runCli(['run'], env(ws));
    expect(r.code).toBe(1);
    const f = r.report!.checks[0]!.findings[0]!;
    expect(f.message).toContain('verification summary does not say the artifact passed');
    expect(f.found).toBe('verificationResult: "FAILED"');
  });

  it('a blocked verdict signs nothing; no OIDC token fails the step (exit 2), the bundle is not written', async () => {
    const blockedWs = await workspace({
      ...staging,
      signatures: { ...staging.signatures, identities: [{ issuer: ISSUER, subject: STAGING }] },
      report: { vsa: { 'fulcio-url': sigstore.url, 'rekor-url': sigstore.url } },
    });
    const before = tokenRequests.length;
    const blocked = await runCli(['run'], env(blockedWs));
    expect(blocked.code).toBe(1);
    expect(tokenRequests.length).toBe(before);
    expect(blocked.stdout).not.toContain('verification summary signed');

    const ws = await workspace({
      ...staging,
      report: { vsa: { 'fulcio-url': sigstore.url, 'rekor-url': sigstore.url } },
    });
    const noToken = await runCli(
      ['run'],
      env(ws, { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' }),
    );
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('id-token: write');
    await expect(readFile(path.join(ws, 'security-gate.vsa.sigstore.json'))).rejects.toThrow();
  });

  it("store: the bundle also goes to the repository's attestations API; a refusal fails the step", async () => {
    const api = await GitHubApiServer.start();
    try {
      const stored: unknown[] = [];
      api.rest('repos/create-attestation', (req) => {
        stored.push(req.body);
        expect(req.params).toMatchObject({ owner: 'acme', repo: 'app' });
        return stored.length === 1
          ? { status: 201, body: { id: 42 } }
          : { status: 403, body: { message: 'Resource not accessible by integration' } };
      });
      const policy = {
        ...staging,
        report: { vsa: { 'fulcio-url': sigstore.url, 'rekor-url': sigstore.url, store: true } },
      };
      const ok = await runCli(
        ['run'],
        env(await workspace(policy), { GITHUB_API_URL: api.url, GITHUB_TOKEN: 't' }),
      );
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        bundle: { dsseEnvelope: { payloadType: 'application/vnd.in-toto+json' } },
      });
      const refused = await runCli(
        ['run'],
        env(await workspace(policy), { GITHUB_API_URL: api.url, GITHUB_TOKEN: 't' }),
      );
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('attestations: write');
    } finally {
      await api.close();
    }
  });

  it('a passing report without verified artifacts has nothing to attest', () => {
    expect(() =>
      vsaStatement({
        schemaVersion: 1,
        tool: { name: 'security-gate', version: '0' },
        mode: 'enforce',
        verdict: 'pass',
        blockedBy: [],
        subject: {},
        generatedAt: new Date().toISOString(),
        checks: [{ id: 'dependencies', status: 'pass', summary: 's', findings: [] }],
      }),
    ).toThrow('no verified artifact to attest');
  });
});
