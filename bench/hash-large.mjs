// Benchmark: hashFile (src/adapters/sigstore/digest.ts: SHA-256 + SHA-512 in one streaming pass)
// over a large file, against the naive approach (fs.readFileSync, then both hashes) on a 200 MB file,
// in the same run. Each measurement runs in its own child process (the Node running this bench), so
// its peak RSS (process.resourceUsage().maxRSS) is its own. Temp files are deleted at the end.
//
// Usage: node bench/hash-large.mjs [SIZE_MB]   (default 2048)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], process.argv[5]);
} else {
  await parent(process.argv[2]);
}

/** One measurement; prints a JSON line: milliseconds, peak RSS (MB), hashes or error. */
async function child(mode, file, bundle) {
  const out = { mode };
  const start = process.hrtime.bigint();
  try {
    if (mode === 'idle') {
      await import(pathToFileURL(bundle).href);
    } else if (mode === 'stream') {
      const { hashFile } = await import(pathToFileURL(bundle).href);
      Object.assign(out, await hashFile(file));
    } else if (mode === 'naive') {
      const bytes = readFileSync(file);
      out.sha256 = createHash('sha256').update(bytes).digest('hex');
      out.sha512 = createHash('sha512').update(bytes).digest('hex');
      out.size = bytes.length;
    } else {
      throw new Error(`unknown mode ${mode}`);
    }
  } catch (err) {
    out.error = err instanceof Error ? `${err.code ?? err.name}: ${err.message}` : String(err);
  }
  out.ms = Number(process.hrtime.bigint() - start) / 1e6;
  out.peakMB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function parent(sizeArg) {
  const sizeMB = Number(sizeArg ?? 2048);
  if (!Number.isInteger(sizeMB) || sizeMB <= 0) {
    throw new Error(
      `SIZE_MB must be a positive whole number of MB, got ${JSON.stringify(sizeArg)}`,
    );
  }
  const naiveMB = 200;
  const root = path.resolve(path.dirname(self), '..');
  const dir = mkdtempSync(path.join(tmpdir(), 'sg-hash-bench-'));
  try {
    // The TypeScript module, bundled the way scripts/build.mjs bundles (CJS deps need `require`).
    const bundle = path.join(dir, 'digest.mjs');
    const { build } = await import('esbuild');
    await build({
      absWorkingDir: root,
      entryPoints: ['src/adapters/sigstore/digest.ts'],
      outfile: bundle,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      logLevel: 'warning',
      banner: {
        js:
          "import { createRequire as __sgCreateRequire } from 'node:module';\n" +
          'const require = __sgCreateRequire(import.meta.url);',
      },
    });

    const big = path.join(dir, `big-${sizeMB}MB.bin`);
    const small = path.join(dir, `naive-${naiveMB}MB.bin`);
    for (const [file, mb] of [
      [big, sizeMB],
      [small, naiveMB],
    ]) {
      const t = process.hrtime.bigint();
      writeZeros(file, mb);
      const s = Number(process.hrtime.bigint() - t) / 1e9;
      console.log(`wrote ${path.basename(file)} (${mb} MB of zeros) in ${s.toFixed(1)} s`);
    }

    const run = (mode, file) => {
      const r = spawnSync(process.execPath, [self, '--child', mode, file, bundle], {
        encoding: 'utf8',
        maxBuffer: 1 * MB,
      });
      if (r.status !== 0) throw new Error(`${mode} child failed (${r.status}): ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop());
    };

    const rows = [
      ['node + module loaded (no hashing)', run('idle', small), 0],
      [`hashFile, ${naiveMB} MB`, run('stream', small), naiveMB],
      [`readFileSync + hash, ${naiveMB} MB`, run('naive', small), naiveMB],
      [`hashFile, ${sizeMB} MB`, run('stream', big), sizeMB],
      [`readFileSync + hash, ${sizeMB} MB`, run('naive', big), sizeMB],
    ];
    const [, streamSmall, naiveSmall] = rows.map((r) => r[1]);
    if (streamSmall.sha256 !== naiveSmall.sha256 || streamSmall.sha512 !== naiveSmall.sha512) {
      throw new Error('hashFile and readFileSync + createHash disagree on the same file');
    }

    console.log(
      `\nNode ${process.version}; SHA-256 + SHA-512 of each file, each run in its own process\n`,
    );
    console.log(
      `${'run'.padEnd(38)} ${'time s'.padStart(8)} ${'MB/s'.padStart(8)} ${'peak RSS MB'.padStart(12)}`,
    );
    for (const [name, r, mb] of rows) {
      const secs = r.ms / 1000;
      const rate = mb > 0 && !r.error ? (mb / secs).toFixed(0) : '-';
      console.log(
        `${name.padEnd(38)} ${secs.toFixed(2).padStart(8)} ${rate.padStart(8)} ${r.peakMB.toFixed(0).padStart(12)}` +
          (r.error ? `  failed: ${r.error}` : ''),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `mb` MB of zeros in 8 MB chunks: the file is never held in memory. */
function writeZeros(file, mb) {
  const chunk = Buffer.alloc(8 * MB);
  const fd = openSync(file, 'w');
  try {
    let left = mb * MB;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      let done = 0;
      while (done < n) done += writeSync(fd, chunk, done, n - done);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}
