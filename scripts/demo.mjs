// The README's first command: run the gate's main job (`security-gate run` with a policy) on the
// bundled example, offline and with no token, twice: the real release (must pass) and a tampered
// copy (must be blocked). Exits 0 only when both outcomes are as expected.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const policy = 'examples/demo/security-gate.yml';

function gate(title, workspace) {
  console.log(
    `\n=== ${title}\n$ security-gate run --policy ${policy}   (workspace: ${workspace})\n`,
  );
  const env = { ...process.env, GITHUB_WORKSPACE: workspace };
  for (const k of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_TOKEN']) delete env[k];
  const r = spawnSync(process.execPath, [cli, 'run', '--policy', policy], {
    env,
    stdio: 'inherit',
  });
  console.log(`(exit status ${r.status})`);
  return r.status;
}

const passed = gate('1. the real sigstore@2.1.0 release', root);

const tampered = mkdtempSync(path.join(tmpdir(), 'security-gate-demo-'));
let blocked;
try {
  cpSync(path.join(root, 'examples', 'demo'), path.join(tampered, 'examples', 'demo'), {
    recursive: true,
  });
  const tgz = path.join(tampered, 'examples', 'demo', 'sigstore-2.1.0.tgz');
  const bytes = readFileSync(tgz);
  bytes[bytes.length - 1] ^= 0x01; // one bit flipped
  writeFileSync(tgz, bytes);
  blocked = gate('2. the same release with one bit of the tarball flipped', tampered);
} finally {
  rmSync(tampered, { recursive: true, force: true });
}

const ok = passed === 0 && blocked === 1;
console.log(
  `\nDemo ${ok ? 'OK' : 'FAILED'}: real release ${passed === 0 ? 'passed' : `did not pass (exit ${passed})`}, ` +
    `tampered release ${blocked === 1 ? 'was blocked' : `was not blocked as expected (exit ${blocked})`}.`,
);
process.exit(ok ? 0 : 1);
