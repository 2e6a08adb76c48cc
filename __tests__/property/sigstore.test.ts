/**
 * Property: Sigstore bundles and trusted roots broken any way (mutate.ts), from real ones.
 *
 * - Readers: `parseBundleFile` never throws (every line is a bundle or a described failure);
 *   `validateTrustedRoot` accepts or throws a GateError naming the file.
 * - Decision, end to end through `security-gate verify-artifact` (offline, embedded public-good
 *   root; or --trusted-root with the Sigstore staging root): a broken bundle or a broken trusted
 *   root never passes: exit 1 (verification failed) or 2 (could not evaluate), never 0, unless the
 *   file still decodes to the very same message (`sameMessage`).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import fc from 'fast-check';
import { parseBundleFile } from '../../src/adapters/sigstore/bundle.js';
import { validateTrustedRoot } from '../../src/adapters/sigstore/trust.js';
import { FIXTURES, GITHUB_ISSUER, REAL, SIGSTORE_JS_SAN, runCli } from '../helpers/cli.js';
import { expectCleanError, expectOneScreen } from './assert.js';
import { hostile, runs, seed, show, type Mutation } from './mutate.js';

const CONFORMANCE = path.join(FIXTURES, 'sigstore-conformance');
const STAGING_ROOT = path.join(CONFORMANCE, 'trusted_root.staging.json');
const STAGING_BUNDLE = path.join(
  CONFORMANCE,
  'legacy-staging-cert-against-production_fail',
  'bundle.sigstore.json',
);
const A_TXT = path.join(CONFORMANCE, 'a.txt');
const BEACON =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';

const BUNDLES: [string, string][] = [
  ['v0.3', path.join(REAL, 'sigstore-js-2.1.0-bundle.json')],
  ['v0.1', path.join(REAL, 'sigstore-js-2.1.0-bundle-v0.1.json')],
];
const TGZ = path.join(REAL, 'sigstore-js-2.1.0.tgz');

/**
 * A mutation is harmless when the file still decodes to the very message the verifier sees (a
 * BOM, whitespace cut, a character Node's base64 decoder skips, a swapped key order): the same
 * protobuf message as the original's, compared through the library's own JSON form.
 */
function sameMessage(
  original: Buffer,
  m: Mutation,
  normalize: (json: unknown) => unknown,
): boolean {
  const norm = (bytes: Buffer): string | undefined => {
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
      return JSON.stringify(normalize(JSON.parse(text)));
    } catch {
      return undefined;
    }
  };
  const a = norm(original);
  return a !== undefined && a === norm(m.bytes);
}
/**
 * Parts of a bundle no verification step reads, which the protobuf decoder fills in from values
 * of any type: the DSSE signature's `keyid` (an unauthenticated hint, by the DSSE specification)
 * and a `timestampVerificationData` that holds no timestamp (the same as none).
 */
function withoutUnread(json: unknown): unknown {
  const b = structuredClone(json) as {
    dsseEnvelope?: { signatures?: { keyid?: string }[] };
    verificationMaterial?: { timestampVerificationData?: { rfc3161Timestamps?: unknown[] } };
  };
  for (const sig of b.dsseEnvelope?.signatures ?? []) delete sig.keyid;
  const tvd = b.verificationMaterial?.timestampVerificationData;
  if (tvd && !tvd.rfc3161Timestamps?.length)
    delete b.verificationMaterial!.timestampVerificationData;
  return b;
}
/**
 * Optional parts whose removal (`null` is protobuf JSON for "absent") leaves another valid bundle:
 * a v0.1 entry proven by its SET alone, a v0.3 entry by its checkpointed proof alone.
 */
const OPTIONAL =
  /"(inclusionProof|inclusionPromise|timestampVerificationData)"\](?: again)? = null\b/;
const changesTheBundle = (original: Buffer) => (m: Mutation) =>
  !OPTIONAL.test(m.detail) &&
  !sameMessage(original, m, (j) => withoutUnread(bundleToJSON(bundleFromJSON(j))));
/**
 * Fields of a trusted root that only describe: `subject` and `uri`, which no step reads, and a
 * log's `baseUrl`, which only picks the log whose key verifies a checkpoint signature (by the
 * signature's name; the key still has to verify it). A `baseUrl` that is not a string is refused
 * by the reader (regressions.test.ts). And a log's `hashAlgorithm`: @sigstore/verify hashes the
 * Merkle tree with SHA-256 whatever it says (RFC 6962).
 */
const DESCRIPTIVE = new Set(['subject', 'uri', 'baseUrl', 'hashAlgorithm']);
function withoutDescriptive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutDescriptive);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !DESCRIPTIVE.has(k))
      .map(([k, x]) => [k, withoutDescriptive(x)]),
  );
}
/**
 * A root worth judging: not the same message, and not a value set to `null` (protobuf JSON for
 * "absent": a key without `validFor.end` is a valid, open-ended root, not a broken one; the
 * reader property above still asks for a clean outcome).
 */
const changesTheRoot = (original: Buffer) => (m: Mutation) =>
  !/ = null\)?$/.test(m.detail) &&
  !sameMessage(original, m, (j) => withoutDescriptive(TrustedRoot.toJSON(TrustedRoot.fromJSON(j))));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'sg-prop-sig-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bundle reader', () => {
  it.each(BUNDLES)('%s: parseBundleFile never throws on a broken bundle', async (_v, file) => {
    const original = await readFile(file);
    fc.assert(
      fc.property(hostile(original, 'json'), (m) => {
        const parsed = parseBundleFile(m.bytes.toString('utf8'));
        expect(parsed.length).toBeGreaterThan(0);
        for (const p of parsed) {
          if (!p.ok) {
            expect(['bundle-parse', 'bundle-version']).toContain(p.step);
            expectOneScreen(p.message, show(m));
          }
        }
      }),
      { numRuns: runs(100), seed: seed() },
    );
  });
});

describe('trusted root reader', () => {
  it('validateTrustedRoot accepts or throws a GateError naming the file', async () => {
    const original = await readFile(STAGING_ROOT);
    fc.assert(
      fc.property(hostile(original, 'json'), (m) => {
        let json: unknown;
        try {
          json = JSON.parse(m.bytes.toString('utf8'));
        } catch {
          return;
        }
        try {
          validateTrustedRoot(json, 'trusted_root.staging.json');
        } catch (err) {
          expectCleanError(err, 'trusted_root.staging.json', show(m));
        }
      }),
      { numRuns: runs(150), seed: seed() },
    );
  });
});

describe('verify-artifact: a broken bundle never passes', () => {
  it.each(BUNDLES)('%s bundle of sigstore@2.1.0', async (_v, file) => {
    const original = await readFile(file);
    const bundle = path.join(work, `bundle-${_v}.json`);
    await writeFile(bundle, original);
    const control = await runCli([
      'verify-artifact',
      TGZ,
      '--bundle',
      bundle,
      '--certificate-identity',
      SIGSTORE_JS_SAN,
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
    ]);
    expect(control.code).toBe(0);
    await fc.assert(
      fc.asyncProperty(hostile(original, 'json').filter(changesTheBundle(original)), async (m) => {
        await writeFile(bundle, m.bytes);
        const r = await runCli([
          'verify-artifact',
          TGZ,
          '--bundle',
          bundle,
          '--certificate-identity',
          SIGSTORE_JS_SAN,
          '--certificate-oidc-issuer',
          GITHUB_ISSUER,
        ]);
        const what = `${show(m)}: exit ${r.code}\n${r.stdout}${r.stderr}`.slice(0, 3000);
        expect({ what, passed: r.code === 0 }).toEqual({ what, passed: false });
        expectOneScreen(r.stderr, what);
      }),
      { numRuns: runs(40), seed: seed() },
    );
  });
});

/**
 * The staging root cut to what the staging bundle uses (its Fulcio CA, the Rekor log of its entry,
 * the CT log of its SCT): a change to an entry no verification step consults is not a broken root.
 */
async function minimalStagingRoot(): Promise<Buffer> {
  const root = JSON.parse(await readFile(STAGING_ROOT, 'utf8')) as Record<string, unknown[]>;
  const used = {
    ...root,
    tlogs: root.tlogs!.slice(0, 1), // rekor.sigstage.dev
    ctlogs: root.ctlogs!.slice(2, 3), // ctfe.sigstage.dev/2022-2 (open-ended, issued the SCT)
    certificateAuthorities: root.certificateAuthorities,
    timestampAuthorities: [], // the bundle carries no RFC 3161 timestamp
  };
  return Buffer.from(JSON.stringify(used, null, 2));
}

describe('verify-artifact --trusted-root: a broken trusted root never passes', () => {
  it('the Sigstore staging root (the entries a staging bundle uses), with that bundle', async () => {
    const original = await minimalStagingRoot();
    const root = path.join(work, 'trusted_root.json');
    const verify = () =>
      runCli([
        'verify-artifact',
        A_TXT,
        '--bundle',
        STAGING_BUNDLE,
        '--certificate-identity',
        BEACON,
        '--certificate-oidc-issuer',
        GITHUB_ISSUER,
        '--trusted-root',
        root,
      ]);
    await writeFile(root, original);
    expect((await verify()).code).toBe(0);
    await fc.assert(
      fc.asyncProperty(hostile(original, 'json').filter(changesTheRoot(original)), async (m) => {
        await writeFile(root, m.bytes);
        const r = await verify();
        const what = `${show(m)}: exit ${r.code}\n${r.stdout}${r.stderr}`.slice(0, 3000);
        expect({ what, passed: r.code === 0 }).toEqual({ what, passed: false });
        if (r.code === 2) {
          expect({ what, names: `${r.stdout}${r.stderr}`.includes('trusted_root.json') }).toEqual({
            what,
            names: true,
          });
        }
      }),
      { numRuns: runs(40), seed: seed() },
    );
  });
});
