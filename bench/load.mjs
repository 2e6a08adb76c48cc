// Load: ONE `security-gate run` with all three checks at once, at the sizes a large deploy has —
// 50 signed artifacts (real sigstore@2.1.0 npm provenance, offline trust root), a 20,000-package
// monorepo (20 workspaces, each its own package-lock.json v3, against a 20,000-record OSV folder
// of which 2,000 records name packages being shipped) and the repository check against a local
// GitHub API on 127.0.0.1 (a pull request with 100 reviews, 100 commits and 100 files, 20 ms
// latency per request). Prints wall time, peak RSS and what each check said.
//
// Usage: npm run bench:load      (SG_DIST=DIR to run another build's dist/)
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.env.SG_DIST ? path.resolve(process.env.SG_DIST) : path.join(root, 'dist');
const { main } = await import(pathToFileURL(path.join(dist, 'cli.js')).href);

const ARTIFACTS = 50;
const WORKSPACES = 20;
const PER_WORKSPACE = 1000;
const RECORDS = 20_000;
const LATENCY_MS = 20;
const SHA = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const SAN = 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const demo = path.join(root, 'examples', 'demo');

const ws = mkdtempSync(path.join(tmpdir(), 'sg-load-'));

// --- 50 artifacts ------------------------------------------------------------------------------
mkdirSync(path.join(ws, 'dist'));
for (let i = 0; i < ARTIFACTS; i++) {
  copyFileSync(path.join(demo, 'sigstore-2.1.0.tgz'), path.join(ws, 'dist', `a${i}.tgz`));
  copyFileSync(
    path.join(demo, 'sigstore-2.1.0.tgz.sigstore.json'),
    path.join(ws, 'dist', `a${i}.tgz.sigstore.json`),
  );
}

// --- a 20,000-package monorepo and an OSV folder ---------------------------------------------------
for (let w = 0; w < WORKSPACES; w++) {
  const dir = path.join(ws, 'packages', `svc${w}`);
  mkdirSync(dir, { recursive: true });
  const packages = { '': { name: `svc${w}`, version: '1.0.0', dependencies: {} } };
  for (let i = 0; i < PER_WORKSPACE; i++) {
    const name = `pkg-${w}-${i}`;
    packages[''].dependencies[name] = '^1.0.0';
    packages[`node_modules/${name}`] = {
      version: `1.${i % 7}.${i % 13}`,
      resolved: `https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz`,
      integrity: 'sha512-' + Buffer.alloc(64, i % 251).toString('base64'),
    };
  }
  writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({
      name: `svc${w}`,
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages,
    }),
  );
}
mkdirSync(path.join(ws, 'osv'));
const modified = new Date(Date.now() - 3_600_000).toISOString();
for (let r = 0; r < RECORDS; r++) {
  // Every tenth record names a shipped package, with a range that misses its version.
  const shipped = r % 10 === 0;
  const name = shipped ? `pkg-${r % WORKSPACES}-${(r / 10) % PER_WORKSPACE}` : `other-${r}`;
  writeFileSync(
    path.join(ws, 'osv', `GHSA-load-${String(r).padStart(6, '0')}.json`),
    JSON.stringify({
      schema_version: '1.6.0',
      id: `GHSA-load-${String(r).padStart(6, '0')}`,
      modified,
      summary: 'load test record',
      affected: [
        {
          package: { ecosystem: 'npm', name },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '9.0.0' }, { fixed: '9.0.1' }] }],
        },
      ],
    }),
  );
}

// --- a local GitHub API -----------------------------------------------------------------------------
const actor = (login) => ({ login, __typename: 'User' });
const page = (nodes) => ({
  totalCount: nodes.length,
  pageInfo: { hasNextPage: false, endCursor: null },
  nodes,
});
const pr = {
  number: 7,
  url: 'https://github.com/octo/app/pull/7',
  state: 'MERGED',
  merged: true,
  mergedAt: '2026-11-01T10:00:00Z',
  baseRefName: 'main',
  headRefOid: HEAD,
  mergeCommit: { oid: SHA },
  author: actor('author'),
  mergedBy: actor('maintainer'),
  reviews: page(
    Array.from({ length: 100 }, (_, i) => ({
      databaseId: i + 1,
      state: i % 3 === 0 ? 'APPROVED' : 'COMMENTED',
      submittedAt: `2026-11-01T09:${String(i % 60).padStart(2, '0')}:00Z`,
      author: actor(`reviewer${i}`),
      commit: { oid: HEAD },
    })),
  ),
  commits: page(
    Array.from({ length: 100 }, (_, i) => ({
      commit: {
        oid: i === 99 ? HEAD : i.toString(16).padStart(40, 'c'),
        author: { name: 'A', email: 'a@example.com', user: { login: 'author' } },
        committer: { name: 'A', email: 'a@example.com', user: { login: 'author' } },
        signature: { isValid: true, wasSignedByGitHub: false },
      },
    })),
  ),
  files: page(
    Array.from({ length: 100 }, (_, i) => ({ path: `src/f${i}.ts`, changeType: 'MODIFIED' })),
  ),
  baseRef: { target: { oid: SHA, c0: null, c1: null, c2: null } },
};
let requests = 0;
const server = http.createServer((req, res) => {
  requests++;
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/graphql') {
        res.end(
          JSON.stringify({
            data: {
              repository: {
                object: {
                  oid: SHA,
                  associatedPullRequests: { totalCount: 1, nodes: [pr] },
                  signature: {
                    isValid: true,
                    state: 'VALID',
                    wasSignedByGitHub: true,
                    signer: null,
                  },
                  checkSuites: page([
                    {
                      app: { slug: 'github-actions' },
                      checkRuns: page([
                        {
                          databaseId: 1,
                          name: 'build',
                          status: 'COMPLETED',
                          conclusion: 'SUCCESS',
                        },
                      ]),
                    },
                  ]),
                  status: { contexts: [] },
                },
              },
            },
          }),
        );
      } else if (req.url.startsWith('/repos/octo/app/rules/branches/main')) {
        res.end(
          JSON.stringify([
            {
              type: 'pull_request',
              ruleset_id: 1,
              parameters: {
                required_approving_review_count: 2,
                dismiss_stale_reviews_on_push: true,
              },
            },
            {
              type: 'required_status_checks',
              ruleset_id: 1,
              parameters: { required_status_checks: [{ context: 'build' }] },
            },
          ]),
        );
      } else {
        res.statusCode = 403;
        res.end(JSON.stringify({ message: 'Resource not accessible by integration' }));
      }
    }, LATENCY_MS);
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const apiUrl = `http://127.0.0.1:${server.address().port}`;

writeFileSync(
  path.join(ws, 'policy.yml'),
  [
    'version: 1',
    'signatures:',
    '  tuf: offline',
    '  artifacts: [{ path: "dist/*.tgz" }]',
    `  identities: [{ issuer: "${ISSUER}", subject: "${SAN}" }]`,
    'dependencies:',
    '  paths: [packages]',
    '  source: osv-dir:osv',
    'repository:',
    '  branches: [main]',
    '  required-approvals: 2',
    '  require-status-checks: [build]',
    '  require-branch-protection: rules',
  ].join('\n'),
);

try {
  const json = path.join(ws, 'report.json');
  const started = process.hrtime.bigint();
  const code = await main(
    ['run', '--policy', 'policy.yml', '--json', json],
    {
      GITHUB_WORKSPACE: ws,
      GITHUB_REPOSITORY: 'octo/app',
      GITHUB_SHA: SHA,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_API_URL: apiUrl,
      GITHUB_TOKEN: 'load-test',
    },
    { stdout: () => {}, stderr: (t) => process.stderr.write(t) },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const report = JSON.parse((await import('node:fs')).readFileSync(json, 'utf8'));
  console.log(
    `one run: ${ARTIFACTS} artifacts, ${WORKSPACES * PER_WORKSPACE} packages in ${WORKSPACES} lockfiles, ${RECORDS} OSV records, repository check (${LATENCY_MS} ms latency)`,
  );
  console.log(`exit code:   ${code} (verdict ${report.verdict})`);
  for (const c of report.checks)
    console.log(`  ${c.id}: ${c.status} in ${c.durationMs} ms — ${c.summary.slice(0, 160)}`);
  console.log(`wall time:   ${ms.toFixed(0)} ms`);
  console.log(`GitHub API:  ${requests} requests`);
  console.log(
    `peak RSS:    ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (${process.env.SG_DIST ? 'SG_DIST' : 'dist/'}, Node ${process.version})`,
  );
  if (code !== 0) process.exitCode = 1;
} finally {
  server.close();
  rmSync(ws, { recursive: true, force: true });
}
