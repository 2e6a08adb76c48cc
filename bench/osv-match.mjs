// Benchmark: offline advisory sources at scale. Generates N OSV records (default 100,000) as
// files in a temporary directory and as an osv.dev-style all.zip (Zip64), then, each in its own
// process so peak memory is per phase:
//   baseline  list the directory, read and JSON.parse every file (what any reader must do)
//   dir       osvDir (read + validate + index) → recordsFor(P packages) → matchRecord
//   zip       osvZip (stream + validate + index) → recordsFor(P packages) → matchRecord
// and prints wall times, the ratio to the baseline and peak RSS.
// Usage: node bench/osv-match.mjs [records=100000] [packages=10000]
// SG_BENCH_DATA=DIR keeps the generated records and all.zip in DIR and reuses them on later runs
// (generating takes longer than the benchmark).
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

if (args[0] === '--phase') {
  await phase(args[1], args[2], Number(args[3]));
} else {
  await main(Number(args[0] ?? 100_000), Number(args[1] ?? 10_000));
}

async function main(records, packages) {
  const work = mkdtempSync(path.join(tmpdir(), 'sg-osv-bench-'));
  const data = process.env.SG_BENCH_DATA ? path.resolve(process.env.SG_BENCH_DATA) : work;
  try {
    let t = performance.now();
    const dir = path.join(data, 'records');
    const zip = path.join(data, 'all.zip');
    const stamp = path.join(data, 'generated');
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === String(records)) {
      console.log(`reusing ${records} records in ${data}`);
    } else {
      rmSync(stamp, { force: true });
      rmSync(dir, { recursive: true, force: true });
      generate(dir, records);
      zipDirectory(dir, zip);
      writeFileSync(stamp, String(records));
      console.log(
        `generated ${records} records (${path.basename(dir)}/ and all.zip) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    }

    t = performance.now();
    const { build } = await import('esbuild');
    const bundle = path.join(work, 'lib.mjs');
    await build({
      stdin: {
        contents: [
          `export { osvDir, osvZip } from ${JSON.stringify(path.join(root, 'src/adapters/osv/index.ts'))};`,
          `export { matchRecord } from ${JSON.stringify(path.join(root, 'src/checks/dependencies/match.ts'))};`,
        ].join('\n'),
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });

    const run = (name, target) => {
      const out = execFileSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--phase', name, target, String(packages)],
        {
          env: { ...process.env, SG_BENCH_LIB: bundle },
          encoding: 'utf8',
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      return JSON.parse(out.trim().split('\n').at(-1));
    };
    // Warm the page cache once so the phases compare CPU work, not the first disk read.
    run('baseline', dir);
    const base = run('baseline', dir);
    const d = run('dir', dir);
    const z = run('zip', zip);

    // CPU time (user + system, whole process) is shown too: on a busy machine it is steadier.
    const row = (name, r) =>
      `${name.padEnd(9)} ${String(Math.round(r.totalMs)).padStart(7)} ms  ${r.detail.padEnd(72)} ${(r.totalMs / base.totalMs).toFixed(2).padStart(5)}x  CPU ${Math.round(r.cpuMs)} ms (${(r.cpuMs / base.cpuMs).toFixed(2)}x)  peak RSS ${r.peakRssMiB} MiB`;
    console.log(
      `\n${records} records, ${packages} packages (${d.records} records name them, ${d.affected} affected)`,
    );
    console.log(row('baseline', base));
    console.log(row('osvDir', d));
    console.log(row('osvZip', z));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function phase(name, target, packages) {
  const t0 = performance.now();
  const result = { totalMs: 0, detail: '', peakRssMiB: 0 };
  if (name === 'baseline') {
    const files = readdirSync(target, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.json'))
      .map((e) => path.join(e.parentPath, e.name));
    let n = 0;
    for (const f of files) n += JSON.parse(readFileSync(f, 'utf8')).id.length > 0 ? 1 : 0;
    result.detail = `read + JSON.parse ${n} files`;
  } else {
    const lib = await import(pathToFileURL(process.env.SG_BENCH_LIB).href);
    const { default: semver } = await import('semver');
    const scheme = {
      ecosystem: 'npm',
      parse(v) {
        const p = semver.parse(v);
        if (!p) throw new Error('not SemVer');
        return p;
      },
      compare: (a, b) => semver.compare(a, b),
    };
    const pkgs = Array.from({ length: packages }, (_, i) => ({
      ecosystem: 'npm',
      name: `pkg-${i}`,
      version: `${1 + (i % 5)}.${i % 7}.0`,
      purl: `pkg:npm/pkg-${i}@1.0.0`,
      scope: 'runtime',
      file: 'package-lock.json',
    }));
    const source = name === 'dir' ? await lib.osvDir(target) : await lib.osvZip(target);
    const t1 = performance.now();
    const indexRss = Math.round(process.memoryUsage().rss / 1048576);
    const found = await source.recordsFor(pkgs);
    const t2 = performance.now();
    let records = 0;
    let affected = 0;
    for (const p of pkgs) {
      for (const r of found.get(`npm\u0000${p.name}`) ?? []) {
        records += 1;
        if (lib.matchRecord(r, p, scheme).affected === true) affected += 1;
      }
    }
    const t3 = performance.now();
    Object.assign(result, { records, affected });
    result.detail = `index ${Math.round(t1 - t0)} ms (RSS then ${indexRss} MiB), lookup ${Math.round(t2 - t1)} ms, match ${Math.round(t3 - t2)} ms`;
  }
  result.totalMs = performance.now() - t0;
  const cpu = process.cpuUsage();
  result.cpuMs = (cpu.user + cpu.system) / 1000;
  result.peakRssMiB = peakRssMiB();
  console.log(JSON.stringify(result));
}

/**
 * Peak resident memory of this process. Linux keeps `ru_maxrss` across fork+exec (it would report
 * the parent's peak), so read the high-water mark of this address space (VmHWM) where there is one.
 */
function peakRssMiB() {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** N synthetic records of about 1.5 KB (a GHSA-like shape), 100 per sub-directory. */
function generate(dir, n) {
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, String(i % 100));
    if (i < 100) mkdirSync(sub, { recursive: true });
    const name = `pkg-${i % 20_000}`;
    const record = {
      schema_version: '1.6.0',
      id: `GHSA-bench-${i}`,
      modified: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
      published: '2023-01-01T00:00:00Z',
      aliases: [`CVE-2024-${i}`],
      summary: `Synthetic advisory ${i} for ${name}`,
      details: 'x'.repeat(600),
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [
        {
          package: { ecosystem: 'npm', name, purl: `pkg:npm/${name}` },
          ranges: [
            {
              type: 'ECOSYSTEM',
              events: [{ introduced: '0' }, { fixed: `${1 + (i % 5)}.${i % 10}.0` }],
            },
          ],
          database_specific: { source: 'bench' },
        },
      ],
      references: [{ type: 'ADVISORY', url: `https://example.invalid/${i}` }],
      database_specific: { severity: 'HIGH', cwe_ids: ['CWE-79'] },
    };
    writeFileSync(path.join(sub, `GHSA-bench-${i}.json`), JSON.stringify(record, null, 2));
  }
}

/** Writes every file of `dir` as a deflated entry of a zip (Zip64 end records past 65,534 entries). */
function zipDirectory(dir, file) {
  const fd = openSync(file, 'w');
  let offset = 0;
  const central = [];
  const put = (b) => {
    writeSync(fd, b);
    offset += b.length;
  };
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const data = readFileSync(path.join(e.parentPath, e.name));
    const name = Buffer.from(e.name);
    const body = deflateRawSync(data);
    const crc = crc32(data);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x0800, 6);
    h.writeUInt16LE(8, 8);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(body.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(name.length, 26);
    const at = offset;
    put(h);
    put(name);
    put(body);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(45, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(at, 42);
    central.push(Buffer.concat([c, name]));
  }
  const cdStart = offset;
  for (const c of central) put(c);
  const cdSize = offset - cdStart;
  const count = central.length;
  if (count > 0xfffe) {
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeUInt16LE(45, 12);
    z.writeUInt16LE(45, 14);
    z.writeBigUInt64LE(BigInt(count), 24);
    z.writeBigUInt64LE(BigInt(count), 32);
    z.writeBigUInt64LE(BigInt(cdSize), 40);
    z.writeBigUInt64LE(BigInt(cdStart), 48);
    const zAt = offset;
    put(z);
    const l = Buffer.alloc(20);
    l.writeUInt32LE(0x07064b50, 0);
    l.writeBigUInt64LE(BigInt(zAt), 8);
    l.writeUInt32LE(1, 16);
    put(l);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdStart, 16);
  put(end);
  closeSync(fd);
}
