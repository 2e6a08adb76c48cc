/**
 * The bugs the property tests found, each pinned as a plain example (the properties draw their
 * cases at random; these do not depend on the seed). See SECURITY.md, "Bugs these tests found".
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readManifest } from '../../src/adapters/lockfiles/index.js';
import { osvApi } from '../../src/adapters/osv/index.js';
import { validateTrustedRoot } from '../../src/adapters/sigstore/trust.js';
import { loadPolicy, parsePolicy } from '../../src/config/load.js';
import { GateError, formatError } from '../../src/errors.js';
import { firstInvalidByte } from '../../src/utf8.js';
import { FIXTURES, GITHUB_ISSUER, REAL, SIGSTORE_JS_SAN, runCli } from '../helpers/cli.js';
import { expectCleanError } from './assert.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'sg-regress-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('bytes that are not UTF-8 are refused, not read as U+FFFD', () => {
  it('a lockfile: `lod\\xffash` is not silently another package', async () => {
    const file = path.join(work, 'package-lock.json');
    const before = Buffer.from(
      '{"name":"x","lockfileVersion":3,"packages":{"":{"name":"x"},\n"node_modules/lod',
    );
    const after = Buffer.from('ash":{"version":"4.17.20"}}}');
    await writeFile(file, Buffer.concat([before, Buffer.from([0xff]), after]));
    const err = await readManifest(file).catch((e: unknown) => e);
    expectCleanError(err, file, 'invalid UTF-8 lockfile');
    expect((err as GateError).message).toContain(
      `is not valid UTF-8 (line 2, byte ${before.length})`,
    );
    expect((err as GateError).location).toEqual({ file, line: 2 });
  });

  it('a requirements file included with -r', async () => {
    const dir = await mkdtemp(path.join(work, 'req-'));
    await writeFile(path.join(dir, 'requirements.txt'), '-r base.txt\nrequests==2.31.0\n');
    await writeFile(
      path.join(dir, 'base.txt'),
      Buffer.concat([Buffer.from('urll'), Buffer.from([0xff]), Buffer.from('ib3==1.26.0\n')]),
    );
    const err = await readManifest(path.join(dir, 'requirements.txt'), {
      displayPath: 'requirements.txt',
    }).catch((e: unknown) => e);
    expectCleanError(err, 'base.txt', 'invalid UTF-8 in an included file');
    expect((err as GateError).message).toContain('is not valid UTF-8 (line 1, byte 4)');
  });

  it('a bundle: a byte inside base64 is not skipped', async () => {
    const text = await readFile(path.join(REAL, 'sigstore-js-2.1.0-bundle.json'));
    const bundle = path.join(work, 'bad-utf8.sigstore.json');
    await writeFile(
      bundle,
      Buffer.concat([text.subarray(0, 127), Buffer.from([0xff]), text.subarray(127)]),
    );
    const r = await runCli([
      'verify-artifact',
      path.join(REAL, 'sigstore-js-2.1.0.tgz'),
      '--bundle',
      bundle,
      '--certificate-identity',
      SIGSTORE_JS_SAN,
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('is not valid UTF-8');
  });

  it('finds the first invalid byte (RFC 3629: no overlong forms, surrogates or > U+10FFFF)', () => {
    const at = (...bytes: number[]) => firstInvalidByte(Uint8Array.from(bytes));
    expect(at(0x61, 0xc3, 0xa9, 0x62)).toBe(4); // "aéb": valid
    expect(at(0x61, 0xff)).toBe(1);
    expect(at(0x61, 0xc0, 0x80)).toBe(1); // overlong NUL
    expect(at(0xe0, 0x80, 0x80)).toBe(0); // overlong 3-byte
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // UTF-16 surrogate
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // above U+10FFFF
    expect(at(0x61, 0xe2, 0x82)).toBe(1); // truncated sequence
    expect(at(0xf0, 0x9f, 0x98, 0x80)).toBe(4); // an emoji: valid
  });
});

describe('a reader does not quote a megabyte line back', () => {
  it.each([
    ['requirements.txt', `${'('.repeat(100_000)}\n`],
    [
      'go.mod',
      `module x\n\ngo 1.21\n\nrequire (\n\tgithub.com/a/b v1.0.0 ${'A'.repeat(1 << 20)}\n)\n`,
    ],
    ['gradle.lockfile', `${'A'.repeat(1 << 20)}=runtimeClasspath\n`],
  ])('%s', async (name, text) => {
    const dir = await mkdtemp(path.join(work, 'line-'));
    const file = path.join(dir, name);
    await writeFile(file, text);
    const err = await readManifest(file).catch((e: unknown) => e);
    expectCleanError(err, file, name);
    expect((err as GateError).message.length).toBeLessThan(1000);
  });
});

describe('an OSV API answer naming a record id that cannot be asked for', () => {
  it.each([
    [
      'not well-formed Unicode (was a URIError from encodeURIComponent)',
      '"\\ud800"',
      'not well-formed Unicode',
    ],
    ['a megabyte long (was a 1 MiB URL, and message)', JSON.stringify('A'.repeat(1 << 20)), '256'],
  ])('%s is an upstream GateError', async (_name, id, says) => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(`{"results":[{"vulns":[{"id":${id},"modified":"2024-01-01T00:00:00Z"}]}]}`),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const err = await osvApi(url, { maxRetries: 0 })
        .recordsFor([
          {
            ecosystem: 'npm',
            name: 'lodash',
            version: '4.17.20',
            purl: 'pkg:npm/lodash@4.17.20',
            scope: 'runtime',
            file: 'package-lock.json',
          },
        ])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GateError);
      expect((err as GateError).code).toBe('upstream');
      expect((err as GateError).message).toContain(says);
      expect((err as GateError).message.length).toBeLessThan(1000);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the report does not quote a megabyte from an advisory', () => {
  it('an OSV record whose introduced version is a 1 MiB string blocks on a few lines', async () => {
    const ws = path.join(work, 'huge-version');
    await mkdir(path.join(ws, 'osv'), { recursive: true });
    const record = JSON.parse(
      await readFile(path.join(FIXTURES, 'osv', 'real', 'GHSA-35jh-r3h4-6jhm.json'), 'utf8'),
    ) as { affected: { ranges: { events: Record<string, string>[] }[] }[] };
    record.affected[0]!.ranges[0]!.events[0] = { introduced: 'A'.repeat(1 << 20) };
    await writeFile(path.join(ws, 'osv', 'GHSA-35jh-r3h4-6jhm.json'), JSON.stringify(record));
    await writeFile(
      path.join(ws, 'package-lock.json'),
      JSON.stringify({
        name: 'app',
        lockfileVersion: 3,
        packages: { '': { name: 'app' }, 'node_modules/lodash': { version: '4.17.20' } },
      }),
    );
    const r = await runCli([
      'scan-deps',
      path.join(ws, 'package-lock.json'),
      '--osv-dir',
      path.join(ws, 'osv'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('GHSA-35jh-r3h4-6jhm');
    expect(r.stdout.length).toBeLessThan(4000);
    expect(JSON.stringify(r.report).length).toBeLessThan(20_000);
  });
});

describe('an inclusion proof must agree with its signed checkpoint', () => {
  it.each([
    ['treeSize: null', (p: Record<string, unknown>) => (p.treeSize = null), 'treeSize'],
    ['another treeSize', (p: Record<string, unknown>) => (p.treeSize = '1'), 'treeSize'],
    [
      'another rootHash',
      (p: Record<string, unknown>) => (p.rootHash = Buffer.alloc(32).toString('base64')),
      'rootHash',
    ],
  ])('%s is refused (it verified before)', async (_name, change, key) => {
    const json = JSON.parse(
      await readFile(path.join(REAL, 'sigstore-js-2.1.0-bundle.json'), 'utf8'),
    ) as { verificationMaterial: { tlogEntries: { inclusionProof: Record<string, unknown> }[] } };
    change(json.verificationMaterial.tlogEntries[0]!.inclusionProof);
    const bundle = path.join(work, `proof-${key}.sigstore.json`);
    await writeFile(bundle, JSON.stringify(json));
    const r = await runCli([
      'verify-artifact',
      path.join(REAL, 'sigstore-js-2.1.0.tgz'),
      '--bundle',
      bundle,
      '--certificate-identity',
      SIGSTORE_JS_SAN,
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`inclusionProof.${key}`);
  });
});

describe('trusted root validation names the file, on one screen', () => {
  const staging = async () =>
    JSON.parse(
      await readFile(
        path.join(FIXTURES, 'sigstore-conformance', 'trusted_root.staging.json'),
        'utf8',
      ),
    ) as Record<string, unknown> & {
      tlogs: Record<string, unknown>[];
      ctlogs: { publicKey: Record<string, unknown> }[];
    };

  it('a 100,000-deep mediaType (was a RangeError from JSON.stringify)', async () => {
    const root = await staging();
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    root.mediaType = deep;
    expectCleanError(
      thrownBy(() => validateTrustedRoot(root, 'root.json')),
      'root.json',
      'deep',
    );
  });

  it('a huge value is not quoted whole (was a 200 KB message)', async () => {
    const root = await staging();
    root.ctlogs[0]!.publicKey.keyDetails = new Array(100_000).fill(0);
    const err = thrownBy(() => validateTrustedRoot(root, 'root.json'));
    expectCleanError(err, 'root.json', 'huge');
    expect(formatError(err).length).toBeLessThan(1000);
  });

  it('a baseUrl that is not a string (it matches checkpoint signatures to a log)', async () => {
    const root = await staging();
    root.tlogs[0]!.baseUrl = true;
    const err = thrownBy(() => validateTrustedRoot(root, 'root.json'));
    expectCleanError(err, 'root.json', 'baseUrl');
    expect((err as GateError).message).toContain('tlogs[0].baseUrl is a boolean');
  });
});

describe('policy errors stay on one screen', () => {
  it('a policy with a byte that is not UTF-8 is refused, naming the file and line', async () => {
    const file = path.join(work, 'security-gate.yml');
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from('version: 1\ndependencies:\n  deny:\n    - package: pkg:npm/event-str'),
        Buffer.from([0xff]),
        Buffer.from('eam\n'),
      ]),
    );
    const err = await loadPolicy(file).catch((e: unknown) => e);
    expectCleanError(err, file, 'invalid UTF-8 policy');
    expect((err as GateError).message).toContain(`${file}:4: is not valid UTF-8`);
  });

  it('a value tagged !!binary is a string, not a Buffer with a hundred keys', () => {
    const err = thrownBy(() => parsePolicy('version: 1\nsignatures: !!binary aGVsbG8=\n', 'p.yml'));
    expectCleanError(err, 'p.yml', '!!binary');
    expect((err as GateError).message).not.toContain('readBigUInt64LE');
  });

  it('lists at most 10 problems, then how many more', () => {
    const keys = Array.from({ length: 25 }, (_, i) => `typo${i}: 1`).join('\n');
    const err = thrownBy(() => parsePolicy(`version: 1\n${keys}\n`, 'p.yml'));
    expectCleanError(err, 'p.yml', '25 unknown keys');
    expect((err as GateError).message).toContain('invalid policy (25 problems)');
    expect((err as GateError).message).toContain('… and 15 more');
    expect((err as GateError).message.split('\n')).toHaveLength(12);
  });
});
