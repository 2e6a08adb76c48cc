/**
 * Property: OSV records broken any way (mutate.ts), from the real records in fixtures/osv/real.
 *
 * - Reader: an export folder holding one broken record either reads (the record is still valid) or
 *   is a GateError naming the file; `checkRecord` never throws.
 * - Decision, end to end through the CLI (`scan-deps --osv-dir` and `--osv-api` against a local
 *   server): lodash 4.17.20 is affected by the real GHSA-35jh-r3h4-6jhm. A record that is
 *   truncated, re-encoded, not UTF-8, or has a value of the wrong type never lets it pass.
 */
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { checkRecord, osvApi, osvDir } from '../../src/adapters/osv/index.js';
import type { OsvRecord, Package } from '../../src/checks/dependencies/model.js';
import { GateError } from '../../src/errors.js';
import { FIXTURES, runCli } from '../helpers/cli.js';
import { expectCleanError, expectOneScreen } from './assert.js';
import { hostile, runs, seed, show, type Mutation } from './mutate.js';

const REAL = path.join(FIXTURES, 'osv', 'real');
const LODASH = 'GHSA-35jh-r3h4-6jhm.json';

/** A package-lock v3 shipping the vulnerable lodash 4.17.20. */
const LOCK = JSON.stringify({
  name: 'app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'app', version: '1.0.0', dependencies: { lodash: '4.17.20' } },
    'node_modules/lodash': {
      version: '4.17.20',
      resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz',
      integrity:
        'sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA==',
    },
  },
});

/**
 * Mutations that cannot leave a valid record that still names lodash: a truncated or re-encoded
 * file, bytes that are not UTF-8, a value replaced by one of **another type**. (A byte flip can
 * turn "lodash" into another valid name, a string swapped for another string can name another
 * ecosystem, and `affected[0] = {}` is a valid record about nothing: those are value changes, left
 * to the reader property, which only asks for a clean outcome.)
 */
function breaksTheRecord(original: Buffer): (m: Mutation) => boolean {
  const json = JSON.parse(original.toString('utf8')) as unknown;
  return (m) => {
    if (m.kind === 'truncate' || m.kind === 'invalid-utf8') return true;
    if (m.kind === 'encoding') return !m.detail.includes('UTF-8 BOM');
    if (m.kind !== 'type-swap' && m.kind !== 'duplicate-key') return false;
    // Free-form fields the gate does not read with a type.
    if (/database_specific|ecosystem_specific|schema_version/.test(m.detail)) return false;
    const parsed = /^(\[.*?\])(?: again)? = (.)/.exec(m.detail);
    if (!parsed) return false;
    let value: unknown = json;
    for (const seg of JSON.parse(parsed[1] as string) as (string | number)[]) {
      value = (value as Record<string | number, unknown>)[seg];
    }
    return typeOf(value) !== snippetType(parsed[2] as string);
  };
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** The JSON type of a snippet (mutate.ts), from its first character. */
function snippetType(first: string): string {
  if (first === '"') return 'string';
  if (first === '[') return 'array';
  if (first === '{') return 'object';
  if (first === 't' || first === 'f') return 'boolean';
  if (first === 'n') return 'null';
  return 'number';
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'sg-prop-osv-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('OSV export folder reader', () => {
  it.each(readdirSync(REAL).filter((f) => f.endsWith('.json')))(
    '%s: a broken record is read or refused naming the file',
    async (name) => {
      const original = await readFile(path.join(REAL, name));
      const named = (JSON.parse(original.toString('utf8')) as OsvRecord).affected![0]!.package!;
      const scanned: Package = {
        ecosystem: named.ecosystem as Package['ecosystem'],
        name: named.name,
        version: '0.0.1',
        purl: `pkg:generic/${named.name}@0.0.1`,
        scope: 'runtime',
        file: 'lockfile',
      };
      const dir = path.join(work, `reader-${name}`);
      await mkdir(dir);
      const file = path.join(dir, name);
      await fc.assert(
        fc.asyncProperty(hostile(original, 'json'), async (m) => {
          await writeFile(file, m.bytes);
          const what = `${name}: ${show(m)}`;
          try {
            // Asked for the package the record names, so that the record is read in full.
            const source = await osvDir(dir);
            await source.recordsFor([scanned]);
            expect(source.describe().records).toBe(1);
          } catch (err) {
            expectCleanError(err, name, what);
          }
          // The validator alone never throws, whatever JSON it is given.
          let json: unknown;
          try {
            json = JSON.parse(m.bytes.toString('utf8'));
          } catch {
            return;
          }
          expect(() => checkRecord(json)).not.toThrow();
        }),
        { numRuns: runs(25), seed: seed() },
      );
    },
  );
});

describe('OSV decision end to end: a broken record never lets lodash 4.17.20 pass', () => {
  let ws: string;
  beforeAll(async () => {
    ws = path.join(work, 'e2e');
    await mkdir(path.join(ws, 'osv'), { recursive: true });
    await writeFile(path.join(ws, 'package-lock.json'), LOCK);
  });

  it('the intact record blocks (exit 1)', async () => {
    await writeFile(path.join(ws, 'osv', LODASH), await readFile(path.join(REAL, LODASH)));
    const r = await runCli([
      'scan-deps',
      path.join(ws, 'package-lock.json'),
      '--osv-dir',
      path.join(ws, 'osv'),
    ]);
    expect(r.code).toBe(1);
  });

  it('a record whose package name holds a byte that is not UTF-8 is refused (it read as another name)', async () => {
    const text = await readFile(path.join(REAL, LODASH));
    const at = text.indexOf('"name": "lodash"') + '"name": "lod'.length;
    await writeFile(
      path.join(ws, 'osv', LODASH),
      Buffer.concat([text.subarray(0, at), Buffer.from([0xff]), text.subarray(at)]),
    );
    const r = await runCli([
      'scan-deps',
      path.join(ws, 'package-lock.json'),
      '--osv-dir',
      path.join(ws, 'osv'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('is not valid UTF-8');
    expect(r.stdout).toContain(LODASH);
  });

  it('--osv-dir', async () => {
    const original = await readFile(path.join(REAL, LODASH));
    await fc.assert(
      fc.asyncProperty(hostile(original, 'json').filter(breaksTheRecord(original)), async (m) => {
        await writeFile(path.join(ws, 'osv', LODASH), m.bytes);
        const r = await runCli([
          'scan-deps',
          path.join(ws, 'package-lock.json'),
          '--osv-dir',
          path.join(ws, 'osv'),
        ]);
        const what = `${show(m)}: exit ${r.code}\n${r.stdout}${r.stderr}`.slice(0, 2000);
        expect({ what, passed: r.code === 0 }).toEqual({ what, passed: false });
        if (r.code === 2) {
          // Names the record file, or (a record that reads but cannot be evaluated) the advisory.
          const out = `${r.stdout}${r.stderr}`;
          expect({ what, names: out.includes('GHSA-35jh-r3h4-6jhm') }).toEqual({
            what,
            names: true,
          });
          expectOneScreen(r.stderr, what);
        }
      }),
      { numRuns: runs(40), seed: seed() },
    );
  });

  describe('--osv-api (a local server answers the record broken)', () => {
    let server: http.Server;
    let url: string;
    let recordBody: Buffer = Buffer.alloc(0);
    let batchBody: Buffer = Buffer.alloc(0);
    const record = { id: 'GHSA-35jh-r3h4-6jhm' };

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          if (req.method === 'POST' && req.url === '/v1/querybatch') {
            res.writeHead(200, { 'content-type': 'application/json' }).end(batchBody);
          } else if (req.url === `/v1/vulns/${record.id}`) {
            res.writeHead(200, { 'content-type': 'application/json' }).end(recordBody);
          } else {
            res.writeHead(404).end('{}');
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const realRecord = async () => {
      const text = await readFile(path.join(REAL, LODASH));
      const parsed = JSON.parse(text.toString('utf8')) as { id: string; modified: string };
      return { text, parsed };
    };
    const goodBatch = (modified: string) =>
      Buffer.from(JSON.stringify({ results: [{ vulns: [{ id: record.id, modified }] }] }));
    const scan = () => runCli(['scan-deps', path.join(ws, 'package-lock.json'), '--osv-api', url]);

    it('the intact answers block (exit 1)', async () => {
      const { text, parsed } = await realRecord();
      recordBody = text;
      batchBody = goodBatch(parsed.modified);
      expect((await scan()).code).toBe(1);
    });

    it('a broken GET /v1/vulns/{id} answer never passes', async () => {
      const { text, parsed } = await realRecord();
      batchBody = goodBatch(parsed.modified);
      await fc.assert(
        fc.asyncProperty(hostile(text, 'json').filter(breaksTheRecord(text)), async (m) => {
          recordBody = m.bytes;
          const r = await scan();
          const what = `${show(m)}: exit ${r.code}\n${r.stdout}${r.stderr}`.slice(0, 2000);
          expect({ what, passed: r.code === 0 }).toEqual({ what, passed: false });
        }),
        { numRuns: runs(30), seed: seed() },
      );
    });

    it('a broken querybatch answer is an upstream GateError naming the service, or still finds the record', async () => {
      const { text, parsed } = await realRecord();
      recordBody = text;
      const batch = goodBatch(parsed.modified);
      const source = osvApi(url, { maxRetries: 0, retryBaseDelayMs: 1 });
      await fc.assert(
        fc.asyncProperty(hostile(batch, 'json'), async (m) => {
          batchBody = m.bytes;
          const what = show(m);
          try {
            const got = await source.recordsFor([
              {
                ecosystem: 'npm',
                name: 'lodash',
                version: '4.17.20',
                purl: 'pkg:npm/lodash@4.17.20',
                scope: 'runtime',
                file: 'package-lock.json',
              },
            ]);
            // Read: then the answer still listed the record (or a valid answer listing nothing).
            expect(got.size).toBe(1);
          } catch (err) {
            expect(err).toBeInstanceOf(GateError);
            expect({ what, msg: (err as GateError).message.slice(0, 300) }).toEqual({
              what,
              msg: expect.stringContaining('OSV API'),
            });
            expectOneScreen((err as GateError).message, what);
          }
        }),
        { numRuns: runs(40), seed: seed() },
      );
    });
  });
});
