#!/usr/bin/env node
/**
 * Refreshes the trusted root of GitHub's own Sigstore instance shipped in
 * src/adapters/sigstore/data/github-trusted-root.json (see the README beside it).
 *
 *   gh attestation trusted-root > roots.jsonl
 *   node scripts/refresh-github-root.mjs roots.jsonl
 *   gh attestation trusted-root | node scripts/refresh-github-root.mjs
 *
 * Input: the output of `gh attestation trusted-root` (JSON Lines, one trusted root per line), from
 * a file or stdin. A single JSON document holding one root is accepted too. Exactly one root must
 * name fulcio.githubapp.com as a certificate authority: that is GitHub's. It is validated with the
 * gate's own strict validator (validateTrustedRoot in src/adapters/sigstore/trust.ts, bundled
 * here with esbuild) plus GitHub-specific checks, then written byte for byte as gh printed it,
 * and github-trusted-root.meta.json records the date, the source and the SHA-256 of the bytes.
 *
 * Options:
 *   --out FILE            where to write the root (default: the shipped data file); the metadata
 *                         goes to FILE with .json replaced by .meta.json
 *   --captured-at DATE    YYYY-MM-DD to record (default: today, UTC)
 *   --captured-from TEXT  what produced the input (default: "gh attestation trusted-root")
 *   --dry-run             validate and report, write nothing
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_OUT = path.join(ROOT, 'src/adapters/sigstore/data/github-trusted-root.json');
const GITHUB_FULCIO = 'fulcio.githubapp.com';
const GITHUB_TSA = 'timestamp.githubapp.com';

function fail(message) {
  process.stderr.write(`refresh-github-root: ${message}\n`);
  process.exit(1);
}

/** The gate's validateTrustedRoot, bundled from source (scripts run without a TypeScript loader). */
async function loadValidator() {
  const dir = await mkdtemp(path.join(tmpdir(), 'sg-refresh-root-'));
  try {
    const out = path.join(dir, 'validate.mjs');
    await build({
      absWorkingDir: ROOT,
      stdin: {
        contents: "export { validateTrustedRoot } from './src/adapters/sigstore/trust.ts';",
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      outfile: out,
      logLevel: 'error',
      loader: { '.json': 'json' },
      banner: {
        js:
          "import { createRequire as __sgCreateRequire } from 'node:module';\n" +
          'const require = __sgCreateRequire(import.meta.url);',
      },
    });
    const mod = await import(pathToFileURL(out).href);
    return mod.validateTrustedRoot;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readInput(file) {
  if (file && file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      fail(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (process.stdin.isTTY) fail('no input: give a file, or pipe `gh attestation trusted-root` in');
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** [{ text, json, line }]: the input as one JSON document, or as JSON Lines. */
function splitRoots(input) {
  const trimmed = input.trim();
  if (trimmed === '') fail('the input is empty');
  try {
    return [{ text: trimmed, json: JSON.parse(trimmed), line: 1 }];
  } catch {
    // JSON Lines
  }
  const roots = [];
  input.split('\n').forEach((raw, i) => {
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '') return;
    try {
      roots.push({ text, json: JSON.parse(text), line: i + 1 });
    } catch (err) {
      fail(`line ${i + 1} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return roots;
}

const casOf = (json) =>
  Array.isArray(json?.certificateAuthorities) ? json.certificateAuthorities : [];

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'captured-at': { type: 'string' },
      'captured-from': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 1) fail('give at most one input file');
  const capturedAt = values['captured-at'] ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(capturedAt)) fail('--captured-at must be YYYY-MM-DD');
  const out = path.resolve(values.out ?? DEFAULT_OUT);
  if (!out.endsWith('.json')) fail('--out must end in .json');
  const metaOut = out.replace(/\.json$/, '.meta.json');

  const roots = splitRoots(await readInput(positionals[0]));
  const github = roots.filter((r) => casOf(r.json).some((ca) => ca?.uri === GITHUB_FULCIO));
  if (github.length !== 1) {
    fail(
      `expected exactly one trusted root with a certificate authority ${GITHUB_FULCIO}, found ${github.length} among ${roots.length}`,
    );
  }
  const [picked] = github;

  const validateTrustedRoot = await loadValidator();
  try {
    validateTrustedRoot(picked.json, `input line ${picked.line}`);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  // GitHub's instance: its own Fulcio and TSA, and no transparency log.
  const cas = casOf(picked.json);
  const tsas = picked.json.timestampAuthorities ?? [];
  if (cas.some((ca) => ca.uri !== GITHUB_FULCIO))
    fail(`a certificate authority is not ${GITHUB_FULCIO}`);
  if (!Array.isArray(tsas) || tsas.length === 0 || tsas.some((t) => t.uri !== GITHUB_TSA)) {
    fail(`expected timestamp authorities, all ${GITHUB_TSA}`);
  }
  if ((picked.json.tlogs ?? []).length > 0 || (picked.json.ctlogs ?? []).length > 0) {
    fail(
      'GitHub’s instance has no transparency or CT log, but this root lists one: check the input',
    );
  }

  const bytes = Buffer.from(picked.text.endsWith('\n') ? picked.text : `${picked.text}\n`, 'utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const meta = {
    source:
      'gh attestation trusted-root: the line whose certificateAuthorities[].uri is fulcio.githubapp.com',
    capturedAt,
    capturedFrom: values['captured-from'] ?? 'gh attestation trusted-root',
    sha256,
  };
  const starts = [...cas, ...tsas].map((e) => e.validFor.start).sort();
  process.stdout.write(
    `GitHub trusted root: ${cas.length} certificate authorities, ${tsas.length} timestamp authorities, newest validFor.start ${starts.at(-1)}, sha256 ${sha256}\n`,
  );
  if (values['dry-run']) return;
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, bytes);
  await writeFile(metaOut, `${JSON.stringify(meta, null, 2)}\n`);
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), out)} and ${path.relative(process.cwd(), metaOut)}\n`,
  );
}

await main();
