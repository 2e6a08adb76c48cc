// Benchmark: `security-gate scan-deps --osv-api` against a local OSV API with latency, for a
// generated package-lock.json of N packages (default 10,000), a tenth of them with one advisory.
// Baseline in the same run: the least any client must do — the same querybatch calls in sequence,
// then each record fetched one after the other. Prints times, request counts and the ratio.
// Usage: npm run bench:osv-api [-- N LATENCY_MS]
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../dist/cli.js';

const N = Number(process.argv[2] ?? 10_000);
const LATENCY = Number(process.argv[3] ?? 20);
const dir = mkdtempSync(path.join(tmpdir(), 'sg-osv-api-'));
const name = (i) => `bench-pkg-${i}`;

const lock = {
  name: 'bench',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'bench', version: '1.0.0', dependencies: {} } },
};
for (let i = 0; i < N; i++) {
  lock.packages[''].dependencies[name(i)] = '1.0.0';
  lock.packages[`node_modules/${name(i)}`] = {
    version: '1.0.0',
    resolved: `https://registry.example/${name(i)}-1.0.0.tgz`,
    integrity: 'sha512-AAAA',
  };
}
writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock));

const modified = new Date().toISOString();
const record = (i) => ({
  id: `GHSA-bench-${i}`,
  modified,
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }],
  affected: [
    {
      package: { ecosystem: 'npm', name: name(i) },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }],
    },
  ],
});
let requests = 0;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () =>
    setTimeout(() => {
      requests++;
      if (req.url === '/v1/querybatch') {
        const { queries } = JSON.parse(body);
        const results = queries.map((q) => {
          const i = Number(q.package.name.slice('bench-pkg-'.length));
          return i % 10 === 0 ? { vulns: [{ id: `GHSA-bench-${i}`, modified }] } : {};
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
      } else {
        const i = Number(decodeURIComponent(req.url).slice('/v1/vulns/GHSA-bench-'.length));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(record(i)));
      }
    }, LATENCY),
  );
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}`;

async function baseline() {
  const names = Array.from({ length: N }, (_, i) => name(i));
  const ids = [];
  for (let i = 0; i < names.length; i += 1000) {
    const queries = names
      .slice(i, i + 1000)
      .map((n) => ({ package: { ecosystem: 'npm', name: n }, version: '1.0.0' }));
    const r = await fetch(`${url}/v1/querybatch`, {
      method: 'POST',
      body: JSON.stringify({ queries }),
    });
    for (const res of (await r.json()).results) for (const v of res.vulns ?? []) ids.push(v.id);
  }
  for (const id of ids) await (await fetch(`${url}/v1/vulns/${id}`)).json();
}

async function time(fn) {
  const before = requests;
  const t = performance.now();
  await fn();
  return { ms: performance.now() - t, requests: requests - before };
}

try {
  const base = await time(baseline);
  process.env.RUNNER_TEMP = dir; // a cold cache for the gate
  const gate = await time(async () => {
    const code = await main(
      ['scan-deps', path.join(dir, 'package-lock.json'), '--osv-api', url],
      {},
      { stdout: () => {}, stderr: (t) => process.stderr.write(t) },
    );
    if (code !== 1) throw new Error(`expected exit 1 (advisories found), got ${code}`);
  });
  const warm = await time(async () => {
    await main(
      ['scan-deps', path.join(dir, 'package-lock.json'), '--osv-api', url],
      {},
      { stdout: () => {}, stderr: () => {} },
    );
  });
  console.log(`packages: ${N}, advisories: ${N / 10}, latency: ${LATENCY} ms per request`);
  console.log(`baseline (sequential client): ${base.ms.toFixed(0)} ms, ${base.requests} requests`);
  console.log(
    `security-gate scan-deps:      ${gate.ms.toFixed(0)} ms, ${gate.requests} requests (cold cache)`,
  );
  console.log(`security-gate, warm cache:    ${warm.ms.toFixed(0)} ms, ${warm.requests} requests`);
  console.log(`ratio gate/baseline:          ${(gate.ms / base.ms).toFixed(2)}x`);
  console.log(
    `peak RSS:                     ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
