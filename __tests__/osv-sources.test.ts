import { once } from 'node:events';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { osvApi, osvDir, osvZip, packageKey } from '../src/adapters/osv/index.js';
import { matchRecord } from '../src/checks/dependencies/match.js';
import type {
  Ecosystem,
  OsvRecord,
  Package,
  VersionScheme,
} from '../src/checks/dependencies/model.js';
import { GateError } from '../src/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REAL = path.join(here, 'fixtures/osv/real');
const realIds = readdirSync(REAL).map((f) => f.replace(/\.json$/, ''));
const realRecord = (id: string): OsvRecord =>
  JSON.parse(readFileSync(path.join(REAL, `${id}.json`), 'utf8')) as OsvRecord;

/** Orders dotted numbers; enough to show what the matcher does with a loaded record. */
const anyScheme: VersionScheme = {
  ecosystem: 'npm',
  parse: (v) => v.split('.').map(Number),
  compare: (a, b) => a.localeCompare(b, 'en', { numeric: true }),
};

const temps: string[] = [];
function temp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sg-osv-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function pkg(ecosystem: Ecosystem, name: string, version = '1.0.0'): Package {
  return {
    ecosystem,
    name,
    version,
    purl: `pkg:${ecosystem.toLowerCase()}/${name}@${version}`,
    scope: 'runtime',
    file: 'lockfile',
  };
}

const ids = (m: Map<string, OsvRecord[]>, p: Package) =>
  (m.get(packageKey(p)) ?? []).map((r) => r.id).sort();

/** A synthetic valid record naming one package. */
function synthetic(
  id: string,
  ecosystem: string,
  name: string,
  modified = '2024-01-01T00:00:00Z',
): OsvRecord {
  return {
    id,
    modified,
    affected: [
      {
        package: { ecosystem, name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }],
      },
    ],
  };
}

/** Catches the GateError a promise rejects with (fails the test otherwise). */
async function gateError(p: Promise<unknown>): Promise<GateError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('expected a GateError, got a result');
}

// The packages of the real fixtures, as a lockfile would name them.
const LODASH = pkg('npm', 'lodash', '4.17.20');
const LODASH_ES = pkg('npm', 'lodash-es', '4.17.15');
const JINJA = pkg('PyPI', 'jinja2', '2.10');
const JINJA_CAPS = pkg('PyPI', 'Jinja2', '2.10'); // PEP 503: the same package
const AIOHTTP = pkg('PyPI', 'aiohttp', '3.8.4');
const LOG4J = pkg('Maven', 'org.apache.logging.log4j:log4j-core', '2.14.1');
const UNKNOWN = pkg('npm', 'left-pad', '1.3.0');
const ALL = [LODASH, LODASH_ES, JINJA, JINJA_CAPS, AIOHTTP, LOG4J, UNKNOWN];

function expectRealAnswers(m: Map<string, OsvRecord[]>): void {
  expect(ids(m, LODASH)).toEqual(['GHSA-35jh-r3h4-6jhm']);
  expect(ids(m, LODASH_ES)).toEqual(['GHSA-35jh-r3h4-6jhm']);
  expect(ids(m, JINJA)).toEqual(['GHSA-g3rq-g295-4j3m', 'PYSEC-2021-66']);
  expect(ids(m, JINJA_CAPS)).toEqual(['GHSA-g3rq-g295-4j3m', 'PYSEC-2021-66']);
  expect(ids(m, AIOHTTP)).toEqual(['PYSEC-2023-120']);
  expect(ids(m, LOG4J)).toEqual(['GHSA-jfh8-c2jp-5v3q']);
  expect(m.get(packageKey(UNKNOWN))).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// osvDir

describe('osvDir', () => {
  function realDir(): string {
    const dir = temp();
    mkdirSync(path.join(dir, 'GHSA', 'npm'), { recursive: true });
    mkdirSync(path.join(dir, 'PyPI'), { recursive: true });
    for (const id of realIds) {
      const sub = id.startsWith('PYSEC')
        ? 'PyPI'
        : id === 'GHSA-35jh-r3h4-6jhm'
          ? 'GHSA/npm'
          : 'GHSA';
      cpSync(path.join(REAL, `${id}.json`), path.join(dir, sub, `${id}.json`));
    }
    writeFileSync(path.join(dir, 'README.txt'), 'not a record');
    // A record in an ecosystem the gate does not read is valid, counted, not indexed.
    writeFileSync(
      path.join(dir, 'DSA-1.json'),
      JSON.stringify(synthetic('DSA-1', 'Debian:11', 'lodash', '2020-01-01T00:00:00Z')),
    );
    return dir;
  }

  it('reads every record (recursively, PyPI names normalised) and answers by package', async () => {
    const dir = realDir();
    const source = await osvDir(dir);
    expect(source.describe()).toEqual({ kind: 'osv-dir', location: dir }); // nothing read yet
    expectRealAnswers(await source.recordsFor(ALL));
    expect(source.describe()).toEqual({
      kind: 'osv-dir',
      location: dir,
      records: 6,
      snapshot: '2023-07-24T14:58:05.562Z',
    });
    // A second query reads the files again.
    expect(ids(await source.recordsFor([LOG4J]), LOG4J)).toEqual(['GHSA-jfh8-c2jp-5v3q']);
    expect((await source.recordsFor([])).size).toBe(0);
  });

  it('reads thousands of files in slices', async () => {
    const dir = temp();
    for (let i = 0; i < 1_500; i++) {
      const rec = synthetic(
        `SYN-${i}`,
        'npm',
        `pkg-${i % 100}`,
        new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
      );
      writeFileSync(path.join(dir, `SYN-${i}.json`), JSON.stringify(rec));
    }
    const source = await osvDir(dir);
    const m = await source.recordsFor([pkg('npm', 'pkg-7')]);
    expect(ids(m, pkg('npm', 'pkg-7'))).toHaveLength(15);
    expect(source.describe()).toMatchObject({
      records: 1_500,
      snapshot: '2024-01-01T00:24:59.000Z',
    });
  });

  it('accepts a UTF-8 BOM', async () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'A.json'), `\uFEFF${JSON.stringify(synthetic('A', 'npm', 'a'))}`);
    const m = await (await osvDir(dir)).recordsFor([pkg('npm', 'a')]);
    expect(ids(m, pkg('npm', 'a'))).toEqual(['A']);
  });

  it.each([
    ['not JSON', '{"id": ', /OSV record bad\.json is not JSON/],
    [
      'no id',
      JSON.stringify({ modified: '2024-01-01T00:00:00Z' }),
      /bad\.json is not a valid OSV record: id:/,
    ],
    ['a bad timestamp', JSON.stringify({ id: 'X', modified: 'yesterday' }), /modified/],
    [
      'an event version that is not a string',
      JSON.stringify({
        id: 'X',
        modified: '2024-01-01T00:00:00Z',
        affected: [
          {
            package: { ecosystem: 'npm', name: 'a' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: 0 }] }],
          },
        ],
      }),
      /affected\.0\.ranges\.0\.events\.0\.introduced/,
    ],
    [
      'versions that are not a list',
      JSON.stringify({
        id: 'X',
        modified: '2024-01-01T00:00:00Z',
        affected: [{ package: { ecosystem: 'npm', name: 'a' }, versions: '1.0' }],
      }),
      /affected\.0\.versions/,
    ],
    ['an array', '[]', /not a valid OSV record: \(record\)/],
  ])('fails closed on a record file with %s, naming the file', async (_what, text, message) => {
    const dir = temp();
    writeFileSync(path.join(dir, 'good.json'), JSON.stringify(synthetic('G', 'npm', 'a')));
    writeFileSync(path.join(dir, 'bad.json'), text);
    const source = await osvDir(dir); // lists the files; reading them is the query's job
    const err = await gateError(source.recordsFor([pkg('npm', 'a')]));
    expect(err.code).toBe('input');
    expect(err.message).toMatch(message);
    expect(err.location?.file).toBe(path.join(dir, 'bad.json'));
    expect(err.fix).toMatch(/never|OSV record/);
  });

  it.each([
    ['not JSON', '{"id": '],
    ['no id', JSON.stringify({ modified: '2024-01-01T00:00:00Z' })],
    ['a bad timestamp', JSON.stringify({ id: 'X', modified: 'yesterday' })],
    ['an array', '[]'],
    [
      'a package that is not an object',
      JSON.stringify({ id: 'X', modified: '2024-01-01T00:00:00Z', affected: [{ package: 'b' }] }),
    ],
    [
      'a package name that is not a string',
      JSON.stringify({
        id: 'X',
        modified: '2024-01-01T00:00:00Z',
        affected: [{ package: { ecosystem: 'npm', name: 7 } }],
      }),
    ],
    [
      'affected that is not a list',
      JSON.stringify({ id: 'X', modified: '2024-01-01T00:00:00Z', affected: {} }),
    ],
  ])(
    'fails closed on a record file with %s even when the scan names no package of it',
    async (_what, text) => {
      const dir = temp();
      writeFileSync(path.join(dir, 'good.json'), JSON.stringify(synthetic('G', 'npm', 'a')));
      writeFileSync(path.join(dir, 'bad.json'), text);
      const err = await gateError((await osvDir(dir)).recordsFor([pkg('npm', 'zzz')]));
      expect(err.message).toMatch(/OSV record bad\.json is not (JSON|a valid OSV record)/);
      expect(err.location?.file).toBe(path.join(dir, 'bad.json'));
    },
  );

  it('validates in full only the records that name a scanned package', async () => {
    const dir = temp();
    // Malformed where only the matcher would look, for package b.
    const odd = {
      id: 'B-1',
      modified: '2024-03-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'npm', name: 'b' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: 0 }] }],
        },
      ],
    };
    writeFileSync(path.join(dir, 'B-1.json'), JSON.stringify(odd));
    writeFileSync(path.join(dir, 'A-1.json'), JSON.stringify(synthetic('A-1', 'npm', 'a')));
    const source = await osvDir(dir);
    // Scanning a: B-1 cannot matter, is read (and dates the snapshot), not validated further.
    const m = await source.recordsFor([pkg('npm', 'a')]);
    expect(ids(m, pkg('npm', 'a'))).toEqual(['A-1']);
    expect(source.describe()).toMatchObject({ records: 2, snapshot: '2024-03-01T00:00:00.000Z' });
    // Scanning b: the same record is an error.
    const err = await gateError(source.recordsFor([pkg('npm', 'a'), pkg('npm', 'b')]));
    expect(err.message).toMatch(
      /OSV record B-1\.json is not a valid OSV record: affected\.0\.ranges\.0\.events\.0\.introduced/,
    );
  });

  it('loads a record whose events only the matcher can judge, and the matcher says unknown', async () => {
    const dir = temp();
    const odd = {
      id: 'ODD-1',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'npm', name: 'a' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '2.0.0' }] }],
        },
      ],
    };
    writeFileSync(path.join(dir, 'ODD-1.json'), JSON.stringify(odd));
    const m = await (await osvDir(dir)).recordsFor([pkg('npm', 'a')]);
    const [rec] = m.get(packageKey(pkg('npm', 'a')))!;
    expect(matchRecord(rec!, pkg('npm', 'a', '1.0.0'), anyScheme).affected).toBe('unknown');
  });

  it('refuses oversized files, empty, missing and non-directories', async () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'big.json'), JSON.stringify(synthetic('B', 'npm', 'a')));
    const small = await osvDir(dir, { maxRecordBytes: 10 });
    expect((await gateError(small.recordsFor([]))).message).toMatch(
      /big\.json is \d+ bytes, more than the 10 accepted/,
    );

    const empty = temp();
    writeFileSync(path.join(empty, 'notes.txt'), 'x');
    expect((await gateError(osvDir(empty))).message).toMatch(/holds no OSV record/);

    const missing = await gateError(osvDir(path.join(empty, 'nope')));
    expect(missing.code).toBe('input');
    expect(missing.message).toMatch(/cannot read the advisory directory .*nope: ENOENT/);

    const file = path.join(dir, 'big.json');
    expect((await gateError(osvDir(file))).message).toMatch(/is not a directory/);

    const unreadable = temp();
    mkdirSync(path.join(unreadable, 'dir.json')); // a directory named like a record
    writeFileSync(path.join(unreadable, 'A.json'), JSON.stringify(synthetic('A', 'npm', 'a')));
    symlinkSync(path.join(unreadable, 'dir.json'), path.join(unreadable, 'link.json'));
    expect((await gateError((await osvDir(unreadable)).recordsFor([]))).message).toMatch(
      /link\.json cannot be read: EISDIR/,
    );
  });

  it('reads each file once per query: a query sees the files as they are then', async () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'A.json'), JSON.stringify(synthetic('A', 'npm', 'a')));
    const source = await osvDir(dir);
    expect(ids(await source.recordsFor([pkg('npm', 'a')]), pkg('npm', 'a'))).toEqual(['A']);
    writeFileSync(path.join(dir, 'A.json'), JSON.stringify(synthetic('A', 'npm', 'b')));
    const m = await source.recordsFor([pkg('npm', 'a'), pkg('npm', 'b')]);
    expect(ids(m, pkg('npm', 'a'))).toEqual([]);
    expect(ids(m, pkg('npm', 'b'))).toEqual(['A']);
    rmSync(path.join(dir, 'A.json'));
    expect((await gateError(source.recordsFor([pkg('npm', 'a')]))).message).toMatch(
      /A\.json cannot be read: ENOENT/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// osvZip

interface ZipEntry {
  name: string;
  data: Buffer;
  /** 0 stored, 8 deflated (default), anything else written as-is with method set. */
  method?: number;
  /** Override the CRC-32 written (to corrupt it). */
  crc?: number;
  /** Override the uncompressed size written. */
  size?: number;
}

/** A minimal zip writer (what osv.dev's all.zip looks like: one deflated JSON per entry). */
function writeZip(file: string, entries: ZipEntry[]): void {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(e.data) : e.data;
    const crc = e.crc ?? crc32(e.data);
    const size = e.size ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    parts.push(local, name, body);
    offset += local.length + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(file, Buffer.concat([...parts, cdBuf, end]));
}

const json = (rec: unknown) => Buffer.from(JSON.stringify(rec));

describe('osvZip', () => {
  function realZip(): string {
    const file = path.join(temp(), 'all.zip');
    writeZip(file, [
      { name: 'README.md', data: Buffer.from('# not a record') },
      { name: 'PyPI/', data: Buffer.alloc(0), method: 0 },
      ...realIds.map((id, i) => ({
        name: `${id}.json`,
        data: readFileSync(path.join(REAL, `${id}.json`)),
        method: i % 2 === 0 ? 8 : 0,
      })),
      {
        name: 'DSA-1.json',
        data: json(synthetic('DSA-1', 'Debian:11', 'lodash', '2020-01-01T00:00:00Z')),
      },
    ]);
    return file;
  }

  it('reads every entry of an all.zip and answers by package', async () => {
    const file = realZip();
    const source = await osvZip(file);
    expect(source.describe()).toEqual({ kind: 'osv-zip', location: file }); // nothing read yet
    expectRealAnswers(await source.recordsFor(ALL));
    expect(source.describe()).toEqual({
      kind: 'osv-zip',
      location: file,
      records: 6,
      snapshot: '2023-07-24T14:58:05.562Z',
    });
    expect(ids(await source.recordsFor([LODASH]), LODASH)).toEqual(['GHSA-35jh-r3h4-6jhm']);
    expect((await source.recordsFor([UNKNOWN])).get(packageKey(UNKNOWN))).toEqual([]);
  });

  it.each([
    ['not JSON', { name: 'X.json', data: Buffer.from('{') }, /entry "X\.json" is not JSON/],
    [
      'not a record',
      { name: 'X.json', data: json({ id: 'X' }) },
      /entry "X\.json" is not a valid OSV record: modified/,
    ],
    [
      'a wrong CRC-32',
      { name: 'X.json', data: json(synthetic('X', 'npm', 'a')), crc: 1 },
      /entry "X\.json" cannot be read: its CRC-32 does not match/,
    ],
    [
      'a wrong size',
      { name: 'X.json', data: json(synthetic('X', 'npm', 'a')), size: 3 },
      /entry "X\.json" cannot be read: it inflates to \d+ bytes, the archive says 3/,
    ],
    [
      'an unsupported compression method',
      { name: 'X.json', data: json(synthetic('X', 'npm', 'a')), method: 12 },
      /compression method 12 is not supported/,
    ],
  ])(
    'fails closed on an entry with %s, naming the archive and the entry',
    async (_what, entry, message) => {
      const file = path.join(temp(), 'all.zip');
      writeZip(file, [{ name: 'G.json', data: json(synthetic('G', 'npm', 'a')) }, entry]);
      // Opening reads the central directory's end only; the query reads the entries.
      const err = await gateError((await osvZip(file)).recordsFor([pkg('npm', 'zzz')]));
      expect(err.code).toBe('input');
      expect(err.message).toContain(`the advisory archive ${file}`);
      expect(err.message).toMatch(message);
      expect(err.location?.file).toBe(file);
    },
  );

  it('bounds the inflated size of an entry (no zip bomb)', async () => {
    const file = path.join(temp(), 'bomb.zip');
    const big = Buffer.alloc(1 << 20, 0x20); // 1 MiB of spaces deflates to about 1 KiB
    writeZip(file, [
      { name: 'B.json', data: big },
      { name: 'C.json', data: big, size: 10 }, // lies about its size
    ]);
    const bomb = await osvZip(file, { maxRecordBytes: 4096 });
    expect((await gateError(bomb.recordsFor([]))).message).toMatch(
      /entry "B\.json" cannot be read: it is 1048576 bytes, more than the 4096 accepted/,
    );
    const liar = path.join(temp(), 'liar.zip');
    writeZip(liar, [{ name: 'C.json', data: big, size: 10 }]);
    const lying = await osvZip(liar, { maxRecordBytes: 4096 });
    expect((await gateError(lying.recordsFor([]))).message).toMatch(/cannot be read/);
  });

  it('refuses what is not a zip, an empty archive, a missing file, a directory', async () => {
    const dir = temp();
    const notZip = path.join(dir, 'all.zip');
    writeFileSync(notZip, 'PK? no');
    expect((await gateError(osvZip(notZip))).message).toMatch(/is not a readable zip archive/);
    const empty = path.join(dir, 'empty.zip');
    writeZip(empty, [{ name: 'README', data: Buffer.from('x') }]);
    expect((await gateError((await osvZip(empty)).recordsFor([]))).message).toMatch(
      /holds no OSV record/,
    );
    expect((await gateError(osvZip(path.join(dir, 'nope.zip')))).message).toMatch(
      /cannot read the advisory archive .*ENOENT/,
    );
    expect((await gateError(osvZip(dir))).message).toMatch(/is not a file/);
  });

  it('reads the archive once per query: a query sees the archive as it is then', async () => {
    const file = path.join(temp(), 'all.zip');
    writeZip(file, [{ name: 'A.json', data: json(synthetic('A', 'npm', 'a')) }]);
    const source = await osvZip(file);
    expect(ids(await source.recordsFor([pkg('npm', 'a')]), pkg('npm', 'a'))).toEqual(['A']);
    writeZip(file, [
      { name: 'A.json', data: json(synthetic('A', 'npm', 'b', '2024-02-01T00:00:00.5Z')) },
    ]);
    const m = await source.recordsFor([pkg('npm', 'a'), pkg('npm', 'b')]);
    expect(ids(m, pkg('npm', 'a'))).toEqual([]);
    expect(ids(m, pkg('npm', 'b'))).toEqual(['A']);
    expect(source.describe()).toMatchObject({ records: 1, snapshot: '2024-02-01T00:00:00.500Z' });
    writeFileSync(file, 'PK? no');
    expect((await gateError(source.recordsFor([pkg('npm', 'a')]))).message).toMatch(
      /is not a readable zip archive/,
    );
  });

  it('reads entries spread over several read-ahead blocks, and entries larger than one', async () => {
    const file = path.join(temp(), 'all.zip');
    const filler = 'x'.repeat(300_000);
    const entries: ZipEntry[] = [];
    for (let i = 0; i < 12; i++) {
      const rec = { ...synthetic(`S-${i}`, 'npm', `p${i % 3}`), details: filler };
      entries.push({ name: `S-${i}.json`, data: json(rec), method: i % 2 === 0 ? 0 : 8 });
    }
    const huge = { ...synthetic('H-1', 'npm', 'p0'), details: 'y'.repeat(3_000_000) };
    entries.push({ name: 'H-1.json', data: json(huge), method: 0 });
    writeZip(file, entries);
    const m = await (await osvZip(file)).recordsFor([pkg('npm', 'p0'), pkg('npm', 'p2')]);
    expect(ids(m, pkg('npm', 'p0'))).toEqual(['H-1', 'S-0', 'S-3', 'S-6', 'S-9']);
    expect(ids(m, pkg('npm', 'p2'))).toEqual(['S-11', 'S-2', 'S-5', 'S-8']);
    expect(m.get(packageKey(pkg('npm', 'p0')))?.find((r) => r.id === 'H-1')?.details).toHaveLength(
      3_000_000,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// osvApi against a real HTTP server on 127.0.0.1 playing the OSV API

type Behaviour =
  { status: number; headers?: Record<string, string>; body?: string } | 'hang' | 'reset';

interface BatchQuery {
  package: { ecosystem: string; name: string };
  version: string;
  page_token?: string;
}

class FakeOsv {
  server!: Server;
  base = '';
  /** Records by id, and the ids affecting each `${ecosystem}\0${name}`. */
  records = new Map<string, OsvRecord>();
  byPackage = new Map<string, string[]>();
  /** Ids per page (per query); Infinity: no pagination. */
  pageSize = Infinity;
  /** Planned answers, consumed first, per path prefix. */
  plans: { prefix: string; behaviours: Behaviour[] }[] = [];
  /** Overrides for the whole batch answer. */
  batchOverride?: (queries: BatchQuery[]) => unknown;
  /** Overrides for `modified` in batch answers (e.g. omit it). */
  listModified = true;
  batches: BatchQuery[][] = [];
  gets: string[] = [];
  requests = 0;
  /** Delay before answering a record download, and the most downloads seen in flight at once. */
  getDelayMs = 0;
  inFlight = 0;
  maxInFlight = 0;
  private hanging: ServerResponse[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  reset(): void {
    this.records.clear();
    this.byPackage.clear();
    this.pageSize = Infinity;
    this.plans = [];
    this.batchOverride = undefined;
    this.listModified = true;
    this.batches = [];
    this.gets = [];
    this.requests = 0;
    this.getDelayMs = 0;
    this.inFlight = 0;
    this.maxInFlight = 0;
    for (const r of this.hanging) r.destroy();
    this.hanging = [];
  }

  add(rec: OsvRecord): void {
    this.records.set(rec.id, rec);
    for (const a of rec.affected ?? []) {
      if (!a.package) continue;
      const key = `${a.package.ecosystem}\u0000${a.package.name}`;
      const list = this.byPackage.get(key) ?? [];
      if (!list.includes(rec.id)) list.push(rec.id);
      this.byPackage.set(key, list);
    }
  }

  plan(prefix: string, ...behaviours: Behaviour[]): void {
    this.plans.push({ prefix, behaviours });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = req.url ?? '';
    const planned = this.plans.find((p) => url.startsWith(p.prefix) && p.behaviours.length > 0);
    const behaviour = planned?.behaviours.shift();
    if (behaviour === 'hang') {
      this.hanging.push(res);
      return;
    }
    if (behaviour === 'reset') {
      req.socket.destroy();
      return;
    }
    if (behaviour) {
      res.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
      res.end(behaviour.body ?? '');
      return;
    }
    if (req.method === 'POST' && url === '/v1/querybatch') {
      const { queries } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        queries: BatchQuery[];
      };
      this.batches.push(queries);
      const answer = this.batchOverride?.(queries) ?? {
        results: queries.map((q) => this.answer(q)),
      };
      return this.send(res, 200, answer);
    }
    const m = /^\/v1\/vulns\/(.+)$/.exec(url);
    if (req.method === 'GET' && m) {
      const id = decodeURIComponent(m[1]!);
      this.gets.push(id);
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((r) => setTimeout(r, this.getDelayMs));
      this.inFlight -= 1;
      const rec = this.records.get(id);
      return rec
        ? this.send(res, 200, rec)
        : this.send(res, 404, { code: 5, message: 'Bug not found.' });
    }
    this.send(res, 404, { message: 'no such route' });
  }

  private answer(q: BatchQuery): unknown {
    const all = this.byPackage.get(`${q.package.ecosystem}\u0000${q.package.name}`) ?? [];
    if (all.length === 0) return {}; // osv.dev answers {} for a query without vulns
    const start = q.page_token ? Number(Buffer.from(q.page_token, 'base64').toString()) : 0;
    const page = all.slice(start, start + this.pageSize);
    const vulns = page.map((id) => ({
      id,
      ...(this.listModified ? { modified: this.records.get(id)!.modified } : {}),
    }));
    const next =
      start + page.length < all.length
        ? Buffer.from(String(start + page.length)).toString('base64')
        : undefined;
    return next ? { vulns, next_page_token: next } : { vulns };
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

describe('osvApi', () => {
  const osv = new FakeOsv();
  beforeAll(() => osv.start());
  afterAll(() => osv.stop());
  afterEach(() => osv.reset());

  /** Fast retries for tests. */
  const fast = { retryBaseDelayMs: 5, maxRetries: 2 };

  it('answers the real records by package, fetching each record once', async () => {
    for (const id of realIds) osv.add(realRecord(id));
    const source = osvApi(osv.base, fast);
    expect(source.describe()).toEqual({ kind: 'osv-api', location: osv.base });
    const m = await source.recordsFor(ALL);
    // The fake keys packages by exact name, as the API does for npm; PyPI's normalised form is
    // the caller's (the lockfile reader's) job, so `Jinja2` finds the GHSA record only.
    expect(ids(m, LODASH)).toEqual(['GHSA-35jh-r3h4-6jhm']);
    expect(ids(m, JINJA)).toEqual(['PYSEC-2021-66']);
    expect(ids(m, JINJA_CAPS)).toEqual(['GHSA-g3rq-g295-4j3m']);
    expect(ids(m, LOG4J)).toEqual(['GHSA-jfh8-c2jp-5v3q']);
    expect(m.get(packageKey(UNKNOWN))).toEqual([]);
    expect(osv.batches).toHaveLength(1);
    expect(osv.batches[0]![0]).toEqual({
      package: { ecosystem: 'npm', name: 'lodash' },
      version: '4.17.20',
    });
    expect(osv.gets.sort()).toEqual([...realIds].sort()); // lodash's record is fetched once for two packages
    expect(source.describe()).toEqual({
      kind: 'osv-api',
      location: osv.base,
      records: 5,
      snapshot: '2023-07-24T14:58:05.562Z',
    });
  });

  it('splits 2,500 packages into batches of at most 1,000 queries', async () => {
    for (let i = 0; i < 2_500; i += 50) osv.add(synthetic(`SYN-${i}`, 'npm', `pkg-${i}`));
    const packages = Array.from({ length: 2_500 }, (_, i) => pkg('npm', `pkg-${i}`));
    // The same package twice, and another version of it: one query each distinct version.
    packages.push(pkg('npm', 'pkg-0'), pkg('npm', 'pkg-0', '1.0.1'));
    const m = await osvApi(osv.base, fast).recordsFor(packages);
    expect(osv.batches.map((b) => b.length)).toEqual([1_000, 1_000, 501]);
    expect(osv.gets).toHaveLength(50);
    expect(ids(m, pkg('npm', 'pkg-50'))).toEqual(['SYN-50']);
    expect(ids(m, pkg('npm', 'pkg-0'))).toEqual(['SYN-0']); // not twice for two versions
    expect(ids(m, pkg('npm', 'pkg-51'))).toEqual([]);
    expect(m.size).toBe(2_500);
  });

  it('follows next_page_token per query until the last page', async () => {
    osv.pageSize = 2;
    for (let i = 0; i < 5; i++) osv.add(synthetic(`MANY-${i}`, 'npm', 'many'));
    osv.add(synthetic('ONE-0', 'npm', 'one'));
    const m = await osvApi(osv.base, { ...fast, batchSize: 1_000 }).recordsFor([
      pkg('npm', 'many'),
      pkg('npm', 'one'),
    ]);
    expect(ids(m, pkg('npm', 'many'))).toEqual(['MANY-0', 'MANY-1', 'MANY-2', 'MANY-3', 'MANY-4']);
    expect(ids(m, pkg('npm', 'one'))).toEqual(['ONE-0']);
    // First batch: both queries; then only the paginated one, with its token.
    expect(
      osv.batches.map((b) =>
        b.map((q) => `${q.package.name}${q.page_token ? `#${q.page_token}` : ''}`),
      ),
    ).toEqual([
      ['many', 'one'],
      [`many#${Buffer.from('2').toString('base64')}`],
      [`many#${Buffer.from('4').toString('base64')}`],
    ]);
  });

  it('refuses pagination that loops or does not end', async () => {
    osv.batchOverride = (qs) => ({
      results: qs.map(() => ({ vulns: [], next_page_token: 'same' })),
    });
    expect((await gateError(osvApi(osv.base, fast).recordsFor([pkg('npm', 'a')]))).message).toMatch(
      /pagination for npm\/a@1\.0\.0 loops/,
    );
    let n = 0;
    osv.batchOverride = (qs) => ({
      results: qs.map(() => ({ vulns: [], next_page_token: `t${n++}` })),
    });
    const err = await gateError(
      osvApi(osv.base, { ...fast, maxPages: 3 }).recordsFor([pkg('npm', 'a')]),
    );
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(
      /more than 3 pages of results for npm\/a@1\.0\.0; refusing to use a partial list/,
    );
  });

  it('waits as Retry-After asks on 429, then succeeds', async () => {
    osv.add(synthetic('A-1', 'npm', 'a'));
    osv.plan('/v1/querybatch', {
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"message":"slow down"}',
    });
    osv.plan('/v1/vulns/', {
      status: 503,
      headers: { 'retry-after': new Date(Date.now() + 300).toUTCString() },
    });
    const started = Date.now();
    const m = await osvApi(osv.base, { ...fast, retryBaseDelayMs: 1 }).recordsFor([
      pkg('npm', 'a'),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(ids(m, pkg('npm', 'a'))).toEqual(['A-1']);
    expect(osv.batches).toHaveLength(1);
    expect(osv.requests).toBe(4); // 429, batch, 503, record
  });

  it('stops at once when Retry-After asks for longer than it waits', async () => {
    osv.plan('/v1/querybatch', { status: 429, headers: { 'retry-after': '120' } });
    const err = await gateError(
      osvApi(osv.base, { ...fast, maxRetryDelayMs: 5_000 }).recordsFor([pkg('npm', 'a')]),
    );
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(
      /asks us to wait 120 s \(HTTP 429, Retry-After\) before POST \/v1\/querybatch, longer than we wait \(5 s\)/,
    );
    expect(osv.requests).toBe(1);
  });

  it('retries 5xx a bounded number of times, then fails as upstream naming the service', async () => {
    osv.plan(
      '/v1/querybatch',
      ...Array.from({ length: 10 }, () => ({ status: 500, body: '{"error":{"message":"boom"}}' })),
    );
    const err = await gateError(
      osvApi(osv.base, { retryBaseDelayMs: 5, maxRetries: 3 }).recordsFor([pkg('npm', 'a')]),
    );
    expect(err.code).toBe('upstream');
    expect(err.message).toBe(
      `OSV API (${osv.base}) failed for POST /v1/querybatch after 4 attempts: HTTP 500 Internal Server Error: boom`,
    );
    expect(err.fix).toMatch(/offline snapshot/);
    expect(osv.requests).toBe(4);
  });

  it('retries when a record download fails, with a bounded number of downloads in flight', async () => {
    for (let i = 0; i < 30; i++) osv.add(synthetic(`R-${i}`, 'npm', 'a'));
    osv.getDelayMs = 15;
    osv.plan('/v1/vulns/', { status: 502 }, 'reset', { status: 504 });
    const m = await osvApi(osv.base, { ...fast, concurrency: 3, maxRetries: 3 }).recordsFor([
      pkg('npm', 'a'),
    ]);
    expect(ids(m, pkg('npm', 'a'))).toHaveLength(30);
    expect(osv.gets).toHaveLength(30); // every record served once
    expect(osv.requests).toBe(1 + 30 + 3); // the batch, the downloads, three failed attempts
    expect(osv.maxInFlight).toBe(3);
  });

  it('times out a request that does not answer, retries, then fails', async () => {
    osv.plan('/v1/querybatch', 'hang', 'hang');
    const err = await gateError(
      osvApi(osv.base, { timeoutMs: 200, retryBaseDelayMs: 5, maxRetries: 1 }).recordsFor([
        pkg('npm', 'a'),
      ]),
    );
    expect(err.message).toBe(
      `OSV API (${osv.base}) failed for POST /v1/querybatch after 2 attempts: no complete answer within 200 ms`,
    );
  });

  it('fails after retries on network errors', async () => {
    const closed = new FakeOsv();
    await closed.start();
    const base = closed.base;
    await closed.stop();
    const err = await gateError(
      osvApi(base, { retryBaseDelayMs: 5, maxRetries: 1 }).recordsFor([pkg('npm', 'a')]),
    );
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(/after 2 attempts: network error: fetch failed \(.*ECONNREFUSED/);
  });

  it.each([
    [
      'not JSON',
      { status: 200, body: '<html>' },
      /the answer to POST \/v1\/querybatch is not JSON/,
    ],
    [
      'the wrong shape',
      { status: 200, body: '{"results": [{"vulns": [{"id": 7}]}]}' },
      /does not have the documented shape/,
    ],
    [
      'too few results',
      { status: 200, body: '{"results": []}' },
      /querybatch answered 0 results for 1 queries/,
    ],
    [
      'a client error',
      { status: 400, body: '{"code":3,"message":"Invalid ecosystem."}' },
      /answered HTTP 400 Bad Request: Invalid ecosystem\. to POST \/v1\/querybatch/,
    ],
    [
      'a redirect',
      { status: 302, headers: { location: 'https://evil.invalid/' } },
      /answered HTTP 302 Found to POST/,
    ],
    [
      'an oversized body',
      { status: 200, body: JSON.stringify({ results: [{}], pad: 'x'.repeat(5_000) }) },
      /more than the 1000 accepted|more than the 1000 bytes accepted/,
    ],
  ])('fails closed on a querybatch answer that is %s', async (_what, behaviour, message) => {
    osv.plan('/v1/querybatch', behaviour);
    const err = await gateError(
      osvApi(osv.base, { ...fast, maxResponseBytes: 1_000 }).recordsFor([pkg('npm', 'a')]),
    );
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(message);
    expect(osv.requests).toBe(1); // not retried
  });

  it('fails closed on records that are missing, invalid or not the one asked for', async () => {
    osv.add(synthetic('A-1', 'npm', 'a'));
    osv.plan('/v1/vulns/', { status: 404, body: '{"code":5,"message":"Bug not found."}' });
    let err = await gateError(osvApi(osv.base, fast).recordsFor([pkg('npm', 'a')]));
    expect(err.message).toMatch(
      /answered HTTP 404 Not Found: Bug not found\. to GET \/v1\/vulns\/A-1/,
    );
    expect(err.fix).toMatch(/listed a record it cannot serve/);

    osv.plan('/v1/vulns/', { status: 200, body: JSON.stringify({ id: 'A-1' }) });
    err = await gateError(osvApi(osv.base, fast).recordsFor([pkg('npm', 'a')]));
    expect(err.message).toMatch(/the record A-1 is not a valid OSV record: modified/);

    osv.plan('/v1/vulns/', { status: 200, body: JSON.stringify(synthetic('B-2', 'npm', 'a')) });
    err = await gateError(osvApi(osv.base, fast).recordsFor([pkg('npm', 'a')]));
    expect(err.message).toMatch(/asked for the record A-1, got "B-2"/);
  });

  it('reuses a cached record only while the API reports the same modified', async () => {
    const cacheDir = path.join(temp(), 'cache');
    const rec = synthetic('GHSA-aaaa-bbbb-cccc', 'npm', 'a', '2024-01-01T00:00:00.123456Z');
    osv.add(rec);
    const source = () => osvApi(osv.base, { ...fast, cacheDir });

    expect(ids(await source().recordsFor([pkg('npm', 'a')]), pkg('npm', 'a'))).toEqual([rec.id]);
    expect(osv.gets).toEqual([rec.id]);
    expect(readdirSync(cacheDir)).toEqual(['GHSA-aaaa-bbbb-cccc.json']);

    // Same modified: served from the cache.
    const again = source();
    const m = await again.recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toEqual([rec.id]);
    expect(m.get(packageKey(pkg('npm', 'a')))![0]).toMatchObject({
      modified: '2024-01-01T00:00:00.123456Z',
    });
    expect(again.describe()).toMatchObject({ records: 1, snapshot: '2024-01-01T00:00:00.123Z' });

    // Modified changes upstream: fetched again, cache refreshed.
    osv.add({ ...rec, modified: '2024-03-01T00:00:00Z', summary: 'updated' });
    const fresh = await source().recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toEqual([rec.id, rec.id]);
    expect(fresh.get(packageKey(pkg('npm', 'a')))![0]!.summary).toBe('updated');
    await source().recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toHaveLength(2);

    // A damaged cache entry is refetched, never trusted.
    writeFileSync(path.join(cacheDir, 'GHSA-aaaa-bbbb-cccc.json'), '{"id": "GHSA-aaaa-bbbb-cccc"');
    await source().recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toHaveLength(3);
    writeFileSync(path.join(cacheDir, 'GHSA-aaaa-bbbb-cccc.json'), JSON.stringify({ id: 'OTHER' }));
    await source().recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toHaveLength(4);

    // Without `modified` in the batch answer, the cache cannot be trusted.
    osv.listModified = false;
    await source().recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toHaveLength(5);
  });

  it('reuses a cached record only while it was fetched within cacheMaxAgeMs', async () => {
    const cacheDir = path.join(temp(), 'cache');
    osv.add(synthetic('A-1', 'npm', 'a'));
    let now = Date.parse('2026-12-01T00:00:00Z');
    const source = () =>
      osvApi(osv.base, { ...fast, cacheDir, cacheMaxAgeMs: 3_600_000, now: () => new Date(now) });
    await source().recordsFor([pkg('npm', 'a')]);
    expect(JSON.parse(readFileSync(path.join(cacheDir, 'A-1.json'), 'utf8'))).toMatchObject({
      fetchedAt: '2026-12-01T00:00:00.000Z',
      record: { id: 'A-1' },
    });
    now += 3_000_000; // 50 min: reused, and the fetch time stays that of the fetch
    const reused = source();
    await reused.recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toEqual(['A-1']);
    expect(reused.describe()).toMatchObject({ records: 1, cached: 1 });
    now += 1_200_000; // 70 min after the fetch: fetched again
    await source().recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toEqual(['A-1', 'A-1']);
    // A fetch time in the future (beyond clock skew) is not trusted either.
    writeFileSync(
      path.join(cacheDir, 'A-1.json'),
      JSON.stringify({ fetchedAt: '2027-01-01T00:00:00Z', record: synthetic('A-1', 'npm', 'a') }),
    );
    const future = source();
    await future.recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toHaveLength(3);
    expect(future.describe()).toMatchObject({ cached: 0 });
    // A bare record (no fetch time) is not trusted.
    writeFileSync(path.join(cacheDir, 'A-1.json'), JSON.stringify(synthetic('A-1', 'npm', 'a')));
    await source().recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toHaveLength(4);
  });

  it('names cache files safely whatever the id, and survives an unwritable cache', async () => {
    const cacheDir = path.join(temp(), 'cache');
    osv.add(synthetic('../../etc/passwd', 'npm', 'a'));
    await osvApi(osv.base, { ...fast, cacheDir }).recordsFor([pkg('npm', 'a')]);
    expect(readdirSync(cacheDir)).toEqual([expect.stringMatching(/^sha256-[0-9a-f]{64}\.json$/)]);
    await osvApi(osv.base, { ...fast, cacheDir }).recordsFor([pkg('npm', 'a')]);
    expect(osv.gets).toHaveLength(1);

    // A cache directory that is a file: cannot be created → input error naming it.
    const blocker = path.join(temp(), 'file');
    writeFileSync(blocker, 'x');
    const err = await gateError(
      osvApi(osv.base, { ...fast, cacheDir: blocker }).recordsFor([pkg('npm', 'a')]),
    );
    expect(err.message).toMatch(/cannot create the OSV cache directory/);

    // A cache entry path that cannot be written (a directory in its place): skipped, not fatal.
    const dirCache = path.join(temp(), 'cache2');
    mkdirSync(path.join(dirCache, 'B-1.json'), { recursive: true });
    osv.add(synthetic('B-1', 'npm', 'b'));
    const m = await osvApi(osv.base, { ...fast, cacheDir: dirCache }).recordsFor([pkg('npm', 'b')]);
    expect(ids(m, pkg('npm', 'b'))).toEqual(['B-1']);
  });

  it('sends nothing for no packages', async () => {
    const m = await osvApi(osv.base, fast).recordsFor([]);
    expect(m.size).toBe(0);
    expect(osv.requests).toBe(0);
  });

  it('checks its URL and options', () => {
    const bad = (f: () => unknown, message: RegExp) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(GateError);
        expect((err as GateError).code).toBe('input');
        expect((err as GateError).message).toMatch(message);
        return;
      }
      throw new Error('expected a GateError');
    };
    bad(() => osvApi('not a url'), /is not a URL/);
    bad(() => osvApi('http://api.osv.dev'), /must use https:/);
    bad(() => osvApi('https://user:pw@api.osv.dev'), /must not carry credentials/);
    bad(
      () => osvApi('https://api.osv.dev', { batchSize: 1_001 }),
      /batchSize must be an integer from 1 to 1000/,
    );
    bad(() => osvApi('https://api.osv.dev', { timeoutMs: 0 }), /timeoutMs/);
    expect(osvApi().describe()).toEqual({ kind: 'osv-api', location: 'https://api.osv.dev' });
    expect(osvApi('https://osv.example/proxy/').describe().location).toBe(
      'https://osv.example/proxy/',
    );
  });

  it('keeps a path prefix of the base URL', async () => {
    const seen: string[] = [];
    const fetchSpy: typeof fetch = (input, init) => {
      const url = (input as URL).href;
      seen.push(url);
      return fetch(url.replace('/prefix', ''), init);
    };
    osv.add(synthetic('A-1', 'npm', 'a'));
    await osvApi(`${osv.base}/prefix/`, { ...fast, fetch: fetchSpy }).recordsFor([pkg('npm', 'a')]);
    expect(seen).toEqual([`${osv.base}/prefix/v1/querybatch`, `${osv.base}/prefix/v1/vulns/A-1`]);
  });
});
