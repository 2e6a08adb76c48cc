// Benchmark: `security-gate run` verifying N artifacts (real npm provenance of sigstore@2.1.0, one
// copy and bundle per artifact) against plain @sigstore/verify on the same bundles, in the same run.
// Prints wall times and the ratio. Usage: npm run bench [-- N]   (default N = 200)
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { main } from '../dist/cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.argv[2] ?? 200);
const SAN = 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const demo = path.join(root, 'examples', 'demo');

const ws = mkdtempSync(path.join(tmpdir(), 'sg-bench-'));
mkdirSync(path.join(ws, 'dist'));
for (let i = 0; i < N; i++) {
  copyFileSync(path.join(demo, 'sigstore-2.1.0.tgz'), path.join(ws, 'dist', `a${i}.tgz`));
  copyFileSync(
    path.join(demo, 'sigstore-2.1.0.tgz.sigstore.json'),
    path.join(ws, 'dist', `a${i}.tgz.sigstore.json`),
  );
}
writeFileSync(
  path.join(ws, 'policy.yml'),
  `version: 1\nsignatures:\n  tuf: offline\n  artifacts: [{ path: "dist/*.tgz" }]\n  identities: [{ issuer: "${ISSUER}", subject: "${SAN}" }]\n`,
);

// Baseline: what a hand-written verifier does with the library alone (read, parse, verify, digest check).
const seeds = JSON.parse(
  readFileSync(path.join(root, 'node_modules/@sigstore/tuf/seeds.json'), 'utf8'),
);
async function baseline() {
  const trusted = TrustedRoot.fromJSON(
    JSON.parse(
      Buffer.from(
        seeds['https://tuf-repo-cdn.sigstore.dev'].targets['trusted_root.json'],
        'base64',
      ).toString(),
    ),
  );
  const verifier = new Verifier(toTrustMaterial(trusted));
  for (let i = 0; i < N; i++) {
    const artifact = readFileSync(path.join(ws, 'dist', `a${i}.tgz`));
    const bundle = bundleFromJSON(
      JSON.parse(readFileSync(path.join(ws, 'dist', `a${i}.tgz.sigstore.json`), 'utf8')),
    );
    verifier.verify(toSignedEntity(bundle, artifact), {
      subjectAlternativeName: SAN,
      extensions: { issuer: ISSUER },
    });
  }
}
async function gate() {
  const code = await main(
    ['run', '--policy', 'policy.yml'],
    { GITHUB_WORKSPACE: ws },
    { stdout: () => {}, stderr: (t) => process.stderr.write(t) },
  );
  if (code !== 0) throw new Error(`gate exited ${code}`);
}

async function time(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

try {
  await baseline(); // warm up both
  await gate();
  const rounds = 5;
  const b = [];
  const g = [];
  for (let r = 0; r < rounds; r++) {
    b.push(await time(baseline));
    g.push(await time(gate));
  }
  const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const mb = median(b);
  const mg = median(g);
  console.log(`artifacts: ${N}, rounds: ${rounds} (median)`);
  console.log(`plain @sigstore/verify: ${mb.toFixed(0)} ms (${(mb / N).toFixed(2)} ms/artifact)`);
  console.log(`security-gate run:      ${mg.toFixed(0)} ms (${(mg / N).toFixed(2)} ms/artifact)`);
  console.log(`ratio gate/baseline:    ${(mg / mb).toFixed(2)}x`);
  console.log(`peak RSS:               ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  rmSync(ws, { recursive: true, force: true });
}
