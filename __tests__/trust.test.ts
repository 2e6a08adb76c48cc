/**
 * Trusted roots (src/adapters/sigstore/trust.ts): GitHub's own Sigstore instance shipped as data,
 * choosing the instance from the bundle, strict trusted-root validation, how @sigstore/verify
 * applies validity ends, and the public-good root through TUF — online from a real TUF repository
 * served on 127.0.0.1, with a recorded fallback. No test touches the internet.
 */
import { execFile } from 'node:child_process';
import {
  createHash,
  createSign,
  generateKeyPairSync,
  X509Certificate as NodeX509Certificate,
} from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  toSignedEntity,
  toTrustMaterial,
  Verifier,
  VerificationError,
  type VerifierOptions,
} from '@sigstore/verify';
import seeds from '@sigstore/tuf/seeds.json' with { type: 'json' };
import {
  Key,
  MetaFile,
  Metadata,
  Root,
  Signature,
  Snapshot,
  TargetFile,
  Targets,
  Timestamp,
} from '@tufjs/models';
import { GateError } from '../src/errors.js';
import {
  PUBLIC_GOOD_MIRROR,
  VERIFIER_OPTIONS,
  embeddedPublicGoodRoot,
  githubTrustedRoot,
  leafIssuer,
  publicGoodRoot,
  selectTrust,
  trustedRootFromFile,
  validateTrustedRoot,
  type SigstoreInstance,
} from '../src/adapters/sigstore/trust.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REAL = path.join(HERE, 'fixtures', 'sigstore-real');
const DATA = path.join(HERE, '..', 'src', 'adapters', 'sigstore', 'data');
const GITHUB_ROOT_FILE = path.join(DATA, 'github-trusted-root.json');

const GH_BUNDLE = 'github_provenance_demo-0.0.12-py3-none-any-bundle.jsonl';
const GH_ARTIFACT = 'github_provenance_demo-0.0.12-py3-none-any.whl';
const GH_SAN =
  'https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main';
/** The RFC 3161 signing time in the GitHub bundle (also its leaf's notBefore). */
const GH_SIGNING_TIME = '2024-04-22T17:33:26Z';
const SJS_BUNDLE = 'sigstore-js-2.1.0-bundle.json';
const SJS_ARTIFACT = 'sigstore-js-2.1.0.tgz';
/** The Rekor integrated time of the sigstore-js bundle. */
const SJS_INTEGRATED_TIME = '2023-08-29T15:40:23Z';

type Json = Record<string, unknown>;

async function bundleJson(file: string): Promise<Json> {
  const text = await readFile(path.join(REAL, file), 'utf8');
  return JSON.parse(file.endsWith('.jsonl') ? text.split('\n')[0]! : text) as Json;
}
const artifact = (file: string) => readFile(path.join(REAL, file));

function publicGoodJson(): Json {
  const encoded = (seeds as Record<string, { targets: Record<string, string> }>)[
    PUBLIC_GOOD_MIRROR
  ]!.targets['trusted_root.json']!;
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Json;
}
async function githubJson(): Promise<Json> {
  return JSON.parse(await readFile(GITHUB_ROOT_FILE, 'utf8')) as Json;
}

/** Verifies; returns the SAN, or the VerificationError code and message. */
function verify(bundle: Bundle, data: Buffer, root: TrustedRoot, options?: VerifierOptions) {
  try {
    const signer = new Verifier(toTrustMaterial(root), options).verify(
      toSignedEntity(bundle, data),
    );
    return { ok: true as const, san: signer.identity?.subjectAlternativeName };
  } catch (err) {
    return {
      ok: false as const,
      code: err instanceof VerificationError ? err.code : 'THROWN',
      message: err instanceof Error ? err.message : String(err),
    };
  }
}

function expectGateError(fn: () => unknown, code: string, text: string | RegExp) {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(GateError);
  expect((thrown as GateError).code).toBe(code);
  expect((thrown as GateError).message).toMatch(text);
}

let ghBundle: Bundle;
let ghData: Buffer;
let sjsBundle: Bundle;
let sjsData: Buffer;
let work: string;

beforeAll(async () => {
  ghBundle = bundleFromJSON(await bundleJson(GH_BUNDLE));
  ghData = await artifact(GH_ARTIFACT);
  sjsBundle = bundleFromJSON(await bundleJson(SJS_BUNDLE));
  sjsData = await artifact(SJS_ARTIFACT);
  work = await mkdtemp(path.join(tmpdir(), 'sg-trust-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("GitHub's Sigstore instance: the trusted root shipped as data", () => {
  it('is byte-for-byte what was captured (sha256 in github-trusted-root.meta.json)', async () => {
    const meta = JSON.parse(
      await readFile(path.join(DATA, 'github-trusted-root.meta.json'), 'utf8'),
    ) as { sha256: string; capturedAt: string };
    const bytes = await readFile(GITHUB_ROOT_FILE);
    // A formatter run over src/ would change these bytes: the data file must be left alone.
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(meta.sha256);
    expect(meta.capturedAt).toBe('2026-07-29');
  });

  it("holds GitHub's Fulcio and TSA, no transparency or CT log, and every chain verifies", async () => {
    const json = await githubJson();
    const cas = json.certificateAuthorities as Json[];
    const tsas = json.timestampAuthorities as Json[];
    expect(cas).toHaveLength(6);
    expect(tsas).toHaveLength(6);
    expect(new Set(cas.map((c) => c.uri))).toEqual(new Set(['fulcio.githubapp.com']));
    expect(new Set(tsas.map((c) => c.uri))).toEqual(new Set(['timestamp.githubapp.com']));
    expect(json.tlogs).toBeUndefined();
    expect(json.ctlogs).toBeUndefined();
    for (const entry of [...cas, ...tsas]) {
      const chain = (entry.certChain as { certificates: { rawBytes: string }[] }).certificates.map(
        (c) => {
          const der = Buffer.from(c.rawBytes, 'base64');
          expect(der.toString('base64')).toBe(c.rawBytes); // canonical base64 of DER
          return new NodeX509Certificate(der);
        },
      );
      expect(chain).toHaveLength(3);
      chain.forEach((cert, i) => expect(cert.verify((chain[i + 1] ?? cert).publicKey)).toBe(true));
      expect(chain[2]!.subject).toBe('O=GitHub\\, Inc.\nCN=Internal Services Root');
    }
  });

  it('loads as githubTrustedRoot() with its provenance', () => {
    const loaded = githubTrustedRoot();
    expect(loaded.info).toEqual({
      name: 'github',
      source: 'embedded',
      version: 'gh attestation trusted-root, captured 2026-07-29',
    });
    expect(loaded.root.certificateAuthorities).toHaveLength(6);
    expect(loaded.root.tlogs).toHaveLength(0);
  });
});

describe("verifying a real bundle from GitHub's instance (RFC 3161 timestamp, no tlog entry)", () => {
  it('verifies against the GitHub root with tlog and ctlog thresholds 0', () => {
    const root = githubTrustedRoot().root;
    expect(verify(ghBundle, ghData, root, { tlogThreshold: 0, ctlogThreshold: 0 })).toEqual({
      ok: true,
      san: GH_SAN,
    });
    expect(verify(ghBundle, ghData, root, VERIFIER_OPTIONS.github)).toMatchObject({ ok: true });
  });

  it('needs ctlogThreshold 0 as well: its leaf carries no SCT (measured)', () => {
    const root = githubTrustedRoot().root;
    expect(verify(ghBundle, ghData, root, { tlogThreshold: 0, ctlogThreshold: 1 })).toMatchObject({
      ok: false,
      code: 'CERTIFICATE_ERROR',
      message: 'expected 1 SCTs, got 0',
    });
  });

  it('does not verify against the GitHub root with default thresholds', () => {
    expect(verify(ghBundle, ghData, githubTrustedRoot().root)).toMatchObject({ ok: false });
  });

  it('does not verify against the public-good root, default or relaxed thresholds', () => {
    const root = embeddedPublicGoodRoot().root;
    for (const options of [undefined, VERIFIER_OPTIONS.github, VERIFIER_OPTIONS['public-good']]) {
      expect(verify(ghBundle, ghData, root, options)).toMatchObject({
        ok: false,
        code: 'TIMESTAMP_ERROR',
      });
    }
  });

  it('fails against the GitHub root when the DSSE signature is tampered with', async () => {
    const json = await bundleJson(GH_BUNDLE);
    const signature = (json.dsseEnvelope as { signatures: { sig: string }[] }).signatures[0]!;
    const sig = Buffer.from(signature.sig, 'base64');
    const last = sig.length - 1;
    sig[last] = sig[last]! ^ 1;
    signature.sig = sig.toString('base64');
    expect(
      verify(bundleFromJSON(json), ghData, githubTrustedRoot().root, VERIFIER_OPTIONS.github),
    ).toMatchObject({ ok: false });
  });

  it('the public-good sigstore-js bundle does not verify against the GitHub root', () => {
    const root = githubTrustedRoot().root;
    for (const options of [undefined, VERIFIER_OPTIONS.github]) {
      expect(verify(sjsBundle, sjsData, root, options)).toMatchObject({ ok: false });
    }
    // …and does against its own.
    expect(
      verify(sjsBundle, sjsData, embeddedPublicGoodRoot().root, VERIFIER_OPTIONS['public-good']),
    ).toMatchObject({ ok: true });
  });
});

describe('selectTrust: the instance comes from the leaf certificate issuer', () => {
  it.each([
    [GH_BUNDLE, 'github', 'O=GitHub\\, Inc., CN=Fulcio Intermediate l2'],
    [SJS_BUNDLE, 'public-good', 'O=sigstore.dev, CN=sigstore-intermediate'],
    [
      'sigstore-js-2.1.0-bundle-v0.1.json',
      'public-good',
      'O=sigstore.dev, CN=sigstore-intermediate',
    ],
    ['custom-issuer.sigstore.json', 'public-good', 'O=sigstore.dev, CN=sigstore-intermediate'],
    [
      'reusable-workflow-attestation.sigstore.json',
      'public-good',
      'O=sigstore.dev, CN=sigstore-intermediate',
    ],
  ])('%s → %s', async (file, instance, issuer) => {
    const bundle = bundleFromJSON(await bundleJson(file));
    expect(selectTrust(bundle)).toBe(instance);
    expect(leafIssuer(bundle)).toBe(issuer);
  });

  it('is unknown for a leaf issued by a CA in neither root', async () => {
    const json = await bundleJson(GH_BUNDLE);
    // GitHub's TSA leaf: issued by "TSA intermediate", which is no Fulcio CA of either instance.
    const tsaLeaf = (
      (await githubJson()).timestampAuthorities as {
        certChain: { certificates: { rawBytes: string }[] };
      }[]
    )[0]!.certChain.certificates[0]!.rawBytes;
    (json.verificationMaterial as { certificate: { rawBytes: string } }).certificate.rawBytes =
      tsaLeaf;
    const bundle = bundleFromJSON(json);
    expect(selectTrust(bundle)).toBe('unknown');
    expect(leafIssuer(bundle)).toBe('O=GitHub\\, Inc., CN=TSA intermediate');
  });

  it('is unknown for an unreadable certificate', async () => {
    const json = await bundleJson(GH_BUNDLE);
    (json.verificationMaterial as { certificate: { rawBytes: string } }).certificate.rawBytes =
      Buffer.from('not a certificate').toString('base64');
    const bundle = bundleFromJSON(json);
    expect(selectTrust(bundle)).toBe('unknown');
    expect(leafIssuer(bundle)).toBeUndefined();
  });

  it('is unknown when the issuer matches both roots given', () => {
    const gh = githubTrustedRoot().root;
    expect(selectTrust(ghBundle, { 'public-good': gh, github: gh })).toBe('unknown');
  });

  it('uses the roots given (a refreshed public-good root)', () => {
    const gh = githubTrustedRoot().root;
    // With GitHub's CAs passed as "public-good" and public-good's as "github", the answer follows.
    expect(
      selectTrust(ghBundle, { 'public-good': gh, github: embeddedPublicGoodRoot().root }),
    ).toBe('public-good');
  });

  it('gives key-signed bundles (no certificate) the strict public-good thresholds', async () => {
    const json = await bundleJson(SJS_BUNDLE);
    (json as { verificationMaterial: Json }).verificationMaterial = {
      publicKey: { hint: 'some-key' },
      tlogEntries: (json.verificationMaterial as Json).tlogEntries,
    };
    const bundle = bundleFromJSON(json);
    expect(selectTrust(bundle)).toBe('public-good');
    expect(leafIssuer(bundle)).toBeUndefined();
  });

  it('keeps the public-good thresholds strict and GitHub’s timestamp requirement', () => {
    expect(VERIFIER_OPTIONS).toEqual({
      'public-good': { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 },
      github: { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 },
    });
    expect(Object.isFrozen(VERIFIER_OPTIONS)).toBe(true);
    expect(Object.isFrozen(VERIFIER_OPTIONS['public-good'])).toBe(true);
  });
});

describe('safety: a public-good bundle with its tlog entries stripped', () => {
  const roots = (): Record<SigstoreInstance, TrustedRoot> => ({
    'public-good': embeddedPublicGoodRoot().root,
    github: githubTrustedRoot().root,
  });

  it.each([SJS_BUNDLE, 'sigstore-js-2.1.0-bundle-v0.1.json'])(
    '%s verifies under no selection',
    async (file) => {
      const json = await bundleJson(file);
      (json.verificationMaterial as Json).tlogEntries = [];
      const stripped = bundleFromJSON(json);
      // Still recognised as public-good: the thresholds that apply keep tlog 1.
      expect(selectTrust(stripped)).toBe('public-good');
      for (const instance of ['public-good', 'github'] as const) {
        for (const rootOf of ['public-good', 'github'] as const) {
          const result = verify(stripped, sjsData, roots()[rootOf], VERIFIER_OPTIONS[instance]);
          expect({ instance, rootOf, ok: result.ok }).toEqual({ instance, rootOf, ok: false });
        }
      }
    },
  );

  it('the selected configuration for the GitHub bundle is the only one that verifies it', () => {
    const selected = selectTrust(ghBundle);
    expect(selected).toBe('github');
    for (const instance of ['public-good', 'github'] as const) {
      for (const rootOf of ['public-good', 'github'] as const) {
        const ok = verify(ghBundle, ghData, roots()[rootOf], VERIFIER_OPTIONS[instance]).ok;
        expect({ instance, rootOf, ok }).toEqual({
          instance,
          rootOf,
          ok: instance === selected && rootOf === selected,
        });
      }
    }
  });
});

describe('validateTrustedRoot: strict', () => {
  const reject = (json: unknown, text: string | RegExp) =>
    expectGateError(() => validateTrustedRoot(json, 'test-root'), 'input', text);

  it('accepts the embedded public-good root and the GitHub root', async () => {
    expect(validateTrustedRoot(publicGoodJson(), 'pg').tlogs.length).toBeGreaterThan(0);
    expect(validateTrustedRoot(await githubJson(), 'gh').timestampAuthorities).toHaveLength(6);
  });

  it('accepts the v0.2 media type', () => {
    const json = publicGoodJson();
    json.mediaType = 'application/vnd.dev.sigstore.trustedroot.v0.2+json';
    expect(() => validateTrustedRoot(json, 'pg')).not.toThrow();
  });

  it.each([
    ['no media type', undefined],
    ['an unknown version', 'application/vnd.dev.sigstore.trustedroot+json;version=0.9'],
    ['a bundle media type', 'application/vnd.dev.sigstore.bundle.v0.3+json'],
  ])('rejects %s', (_what, mediaType) => {
    const json = publicGoodJson();
    json.mediaType = mediaType;
    reject(json, /unknown mediaType/);
  });

  it.each([null, [], 'text', 42])('rejects %p', (value) => reject(value, /not a JSON object/));

  it.each([
    ['tlogs', (j: Json) => (j.tlogs as Json[])[0]!.publicKey as Json],
    ['ctlogs', (j: Json) => (j.ctlogs as Json[])[1]!.publicKey as Json],
    ['certificateAuthorities', (j: Json) => (j.certificateAuthorities as Json[])[1]!],
    ['timestampAuthorities', (j: Json) => (j.timestampAuthorities as Json[])[0]!],
  ])('rejects a %s entry without validFor.start (not "valid since forever")', (list, at) => {
    const json = publicGoodJson();
    delete (at(json).validFor as Json).start;
    reject(json, new RegExp(`${list}\\[\\d\\].*has no validFor\\.start`));
  });

  it('rejects an entry without validFor at all', async () => {
    const json = await githubJson();
    delete (json.certificateAuthorities as Json[])[5]!.validFor;
    reject(json, 'certificateAuthorities[5] has no validFor');
  });

  it('rejects an end before the start, accepts an end equal to it', () => {
    const json = publicGoodJson();
    const validFor = ((json.ctlogs as Json[])[0]!.publicKey as Json).validFor as Json;
    validFor.end = '2021-03-13T23:59:59Z';
    reject(json, 'ctlogs[0].publicKey.validFor.end 2021-03-13T23:59:59Z is before its start');
    validFor.end = validFor.start;
    expect(() => validateTrustedRoot(json, 'pg')).not.toThrow();
  });

  it.each([
    ['start', 'yesterday'],
    ['start', '2021-03-13'],
    ['end', 'soon'],
    ['end', 17],
  ])('rejects a %s that is not an RFC 3339 timestamp (%p)', (field, value) => {
    const json = publicGoodJson();
    ((json.certificateAuthorities as Json[])[0]!.validFor as Json)[field] = value;
    reject(json, `certificateAuthorities[0].validFor.${field}`);
  });

  it('rejects a certificate that is not base64, or not DER', async () => {
    const json = await githubJson();
    const cert = () =>
      ((json.timestampAuthorities as Json[])[3]!.certChain as { certificates: Json[] })
        .certificates[1]!;
    cert().rawBytes = 'not base64!';
    reject(json, 'timestampAuthorities[3].certChain.certificates[1].rawBytes is not base64');
    cert().rawBytes = Buffer.from('definitely not a certificate').toString('base64');
    reject(json, /certificates\[1\]\.rawBytes is not a DER X\.509 certificate/);
    delete cert().rawBytes;
    reject(json, 'certificates[1].rawBytes is missing');
  });

  it('rejects a certificate authority with an empty chain', async () => {
    const json = await githubJson();
    (json.certificateAuthorities as Json[])[0]!.certChain = { certificates: [] };
    reject(json, 'certificateAuthorities[0] has no certChain.certificates');
  });

  it('rejects a log without logId.keyId', () => {
    const json = publicGoodJson();
    delete ((json.tlogs as Json[])[1]!.logId as Json).keyId;
    reject(json, 'tlogs[1].logId.keyId is missing');
    delete (json.tlogs as Json[])[1]!.logId;
    reject(json, 'tlogs[1].logId.keyId is missing');
  });

  it('rejects a log whose public key is missing or does not decode', () => {
    const json = publicGoodJson();
    const key = (json.ctlogs as Json[])[1]!.publicKey as Json;
    key.rawBytes = Buffer.from('not a key').toString('base64');
    reject(json, 'ctlogs[1].publicKey.rawBytes is not a public key');
    delete key.rawBytes;
    reject(json, 'ctlogs[1].publicKey.rawBytes is missing');
    delete (json.ctlogs as Json[])[1]!.publicKey;
    reject(json, 'ctlogs[1] has no publicKey');
  });

  it('rejects a root with no certificate authority and no transparency log', () => {
    reject(
      { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' },
      'lists no certificate authority and no transparency log',
    );
  });

  it('applies to trusted roots read from files', async () => {
    const file = path.join(work, 'no-start.json');
    const json = await githubJson();
    delete ((json.timestampAuthorities as Json[])[1]!.validFor as Json).start;
    await writeFile(file, JSON.stringify(json));
    await expect(trustedRootFromFile(file)).rejects.toMatchObject({
      code: 'input',
      message: expect.stringContaining('timestampAuthorities[1] has no validFor.start'),
    });
  });
});

describe('validity ends, as @sigstore/verify applies them: inclusive', () => {
  const at = (iso: string, deltaMs = 0) => new Date(Date.parse(iso) + deltaMs).toISOString();

  async function githubRootWith(edit: (json: Json) => void): Promise<TrustedRoot> {
    const json = await githubJson();
    edit(json);
    return validateTrustedRoot(json, 'edited GitHub root');
  }
  const caWindow = (json: Json, list: string, i: number) =>
    (json[list] as Json[])[i]!.validFor as Json;

  it('a certificate authority whose end equals the signing time still verifies', async () => {
    const exact = await githubRootWith((j) => {
      caWindow(j, 'certificateAuthorities', 0).end = at(GH_SIGNING_TIME);
    });
    expect(verify(ghBundle, ghData, exact, VERIFIER_OPTIONS.github)).toMatchObject({ ok: true });
    const before = await githubRootWith((j) => {
      caWindow(j, 'certificateAuthorities', 0).end = at(GH_SIGNING_TIME, -1);
    });
    expect(verify(ghBundle, ghData, before, VERIFIER_OPTIONS.github)).toMatchObject({
      ok: false,
      code: 'CERTIFICATE_ERROR',
    });
  });

  it('a certificate authority whose start equals the signing time verifies', async () => {
    const exact = await githubRootWith((j) => {
      caWindow(j, 'certificateAuthorities', 0).start = at(GH_SIGNING_TIME);
    });
    expect(verify(ghBundle, ghData, exact, VERIFIER_OPTIONS.github)).toMatchObject({ ok: true });
  });

  it('a timestamp authority whose end equals the signing time still verifies', async () => {
    const exact = await githubRootWith((j) => {
      caWindow(j, 'timestampAuthorities', 0).end = at(GH_SIGNING_TIME);
    });
    expect(verify(ghBundle, ghData, exact, VERIFIER_OPTIONS.github)).toMatchObject({ ok: true });
    const before = await githubRootWith((j) => {
      caWindow(j, 'timestampAuthorities', 0).end = at(GH_SIGNING_TIME, -1);
    });
    expect(verify(ghBundle, ghData, before, VERIFIER_OPTIONS.github)).toMatchObject({
      ok: false,
      code: 'TIMESTAMP_ERROR',
    });
  });

  it('a transparency log key whose end equals the integrated time still verifies', () => {
    const edited = (end: string) => {
      const json = publicGoodJson();
      (((json.tlogs as Json[])[0]!.publicKey as Json).validFor as Json).end = end;
      return validateTrustedRoot(json, 'edited public-good root');
    };
    const options = VERIFIER_OPTIONS['public-good'];
    expect(verify(sjsBundle, sjsData, edited(at(SJS_INTEGRATED_TIME)), options)).toMatchObject({
      ok: true,
    });
    expect(
      verify(sjsBundle, sjsData, edited(at(SJS_INTEGRATED_TIME, -1000)), options),
    ).toMatchObject({ ok: false });
  });

  it('a CT log key whose end equals the SCT time still verifies', () => {
    const leafRaw = (
      sjsBundle.verificationMaterial.content as { certificate: { rawBytes: Buffer } }
    ).certificate.rawBytes;
    const sctTime = X509Certificate.parse(
      Buffer.from(leafRaw),
    ).extSCT!.signedCertificateTimestamps[0]!.datetime.toISOString();
    const edited = (end: string) => {
      const json = publicGoodJson();
      (((json.ctlogs as Json[])[1]!.publicKey as Json).validFor as Json).end = end;
      return validateTrustedRoot(json, 'edited public-good root');
    };
    const options = VERIFIER_OPTIONS['public-good'];
    expect(verify(sjsBundle, sjsData, edited(sctTime), options)).toMatchObject({ ok: true });
    expect(verify(sjsBundle, sjsData, edited(at(sctTime, -1)), options)).toMatchObject({
      ok: false,
      code: 'CERTIFICATE_ERROR',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// TUF
// ---------------------------------------------------------------------------------------------

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function seedTufRoot(): Promise<string> {
  const file = path.join(work, `public-good-tuf-root-${Math.random().toString(36).slice(2)}.json`);
  const encoded = (seeds as Record<string, { 'root.json': string }>)[PUBLIC_GOOD_MIRROR]![
    'root.json'
  ];
  await writeFile(file, Buffer.from(encoded, 'base64'));
  return file;
}

/**
 * A real TUF repository (one ECDSA key for every role, consistent_snapshot false) whose one target
 * is trusted_root.json, served over HTTP on 127.0.0.1 the way @sigstore/tuf reads a mirror:
 * <mirror>/N.root.json, timestamp.json, snapshot.json, targets.json, targets/<name>.
 */
async function serveTufRepo(trustedRoot: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyVal = { public: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
  const keyID = createHash('sha256')
    .update(JSON.stringify({ keyType: 'ecdsa-sha2-nistp256', keyVal }))
    .digest('hex');
  const key = new Key({
    keyID,
    keyType: 'ecdsa-sha2-nistp256',
    scheme: 'ecdsa-sha2-nistp256',
    keyVal,
  });
  const sign = (data: Buffer) =>
    new Signature({
      keyID,
      sig: createSign('sha256').update(data).sign(privateKey).toString('hex'),
    });
  const expires = new Date(Date.now() + 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
  const metaFile = (text: string) =>
    new MetaFile({ version: 1, length: Buffer.byteLength(text), hashes: { sha256: sha256(text) } });

  const targets = new Metadata(new Targets({ version: 1, specVersion: '1.0.0', expires }));
  targets.signed.addTarget(
    new TargetFile({
      path: 'trusted_root.json',
      length: Buffer.byteLength(trustedRoot),
      hashes: { sha256: sha256(trustedRoot) },
    }),
  );
  targets.sign(sign);
  const targetsText = JSON.stringify(targets.toJSON());
  const snapshot = new Metadata(
    new Snapshot({
      version: 1,
      specVersion: '1.0.0',
      expires,
      meta: { 'targets.json': metaFile(targetsText) },
    }),
  );
  snapshot.sign(sign);
  const snapshotText = JSON.stringify(snapshot.toJSON());
  const timestamp = new Metadata(
    new Timestamp({
      version: 1,
      specVersion: '1.0.0',
      expires,
      snapshotMeta: metaFile(snapshotText),
    }),
  );
  timestamp.sign(sign);
  const root = new Metadata(
    new Root({ version: 1, specVersion: '1.0.0', expires, consistentSnapshot: false }),
  );
  for (const role of ['root', 'snapshot', 'targets', 'timestamp']) root.signed.addKey(key, role);
  root.sign(sign);
  const rootText = JSON.stringify(root.toJSON());

  const files: Record<string, string> = {
    '/1.root.json': rootText,
    '/timestamp.json': JSON.stringify(timestamp.toJSON()),
    '/snapshot.json': snapshotText,
    '/targets.json': targetsText,
    '/targets/trusted_root.json': trustedRoot,
  };
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const rootPath = path.join(work, `tuf-root-${port}.json`);
  await writeFile(rootPath, rootText);
  return {
    mirror: `http://127.0.0.1:${port}`,
    rootPath,
    expires,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('publicGoodRoot: offline, online through TUF, explicit fallback', () => {
  it('offline: the root embedded in @sigstore/tuf, saying so and how old', async () => {
    const result = await publicGoodRoot({ mode: 'offline', allowEmbeddedFallback: false });
    expect(result.info).toMatchObject({ name: 'sigstore-public-good', source: 'embedded' });
    expect(result.root).toEqual(embeddedPublicGoodRoot().root);
    expect(result.freshness).toMatchObject({
      source: 'embedded',
      rootExpires: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      rootVersion: expect.any(Number),
      newestEntry: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(result.freshness.fetchedAt).toBeUndefined();
  });

  it('online, mirror unreachable, fallback allowed: the embedded root, with the reason', async () => {
    const mirror = `http://127.0.0.1:${await closedPort()}`;
    const result = await publicGoodRoot({
      mode: 'online',
      allowEmbeddedFallback: true,
      mirrorURL: mirror,
      tufRootPath: await seedTufRoot(),
      cachePath: await mkdtemp(path.join(work, 'cache-')),
      retries: 0,
      timeoutMs: 2000,
    });
    expect(result.root).toEqual(embeddedPublicGoodRoot().root);
    expect(result.info).toMatchObject({ name: 'sigstore-public-good', source: 'embedded' });
    expect(result.info.version).toContain(`fallback: TUF refresh from ${mirror} failed`);
    expect(result.freshness).toMatchObject({ source: 'embedded-fallback', mirror });
    expect(result.freshness.reason).toContain(`TUF refresh from ${mirror} failed`);
    // Node says ECONNREFUSED; under jest's VM realm tuf-js flattens it to 'fetch failed'.
    expect(result.freshness.reason).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('online, mirror unreachable, no fallback: an upstream error naming the mirror', async () => {
    const mirror = `http://127.0.0.1:${await closedPort()}`;
    const failure = publicGoodRoot({
      mode: 'online',
      allowEmbeddedFallback: false,
      mirrorURL: mirror,
      tufRootPath: await seedTufRoot(),
      cachePath: await mkdtemp(path.join(work, 'cache-')),
      retries: 0,
      timeoutMs: 2000,
    });
    await expect(failure).rejects.toBeInstanceOf(GateError);
    await expect(failure).rejects.toMatchObject({
      code: 'upstream',
      message: expect.stringContaining(`from the TUF mirror ${mirror}`),
      fix: expect.stringContaining(mirror),
    });
  });

  it('online, a mirror with no TUF root to start from: a config error, never a fallback', async () => {
    await expect(
      publicGoodRoot({
        mode: 'online',
        allowEmbeddedFallback: true,
        mirrorURL: 'http://127.0.0.1:9',
        cachePath: await mkdtemp(path.join(work, 'cache-')),
      }),
    ).rejects.toMatchObject({ code: 'config' });
  });

  describe('online, from a local TUF repository over HTTP', () => {
    // The served root differs from the embedded one: the expired 2021 CA is gone.
    const served = publicGoodJson();
    (served.certificateAuthorities as Json[]).shift();
    let repo: Awaited<ReturnType<typeof serveTufRepo>>;
    let cachePath: string;

    beforeAll(async () => {
      repo = await serveTufRepo(JSON.stringify(served));
      cachePath = await mkdtemp(path.join(work, 'cache-'));
    });
    afterAll(async () => {
      await repo.close();
    });

    it('refreshes, validates and returns the served root, saying when and from where', async () => {
      const before = Date.now();
      const result = await publicGoodRoot({
        mode: 'online',
        allowEmbeddedFallback: false,
        mirrorURL: repo.mirror,
        tufRootPath: repo.rootPath,
        cachePath,
        retries: 0,
        timeoutMs: 5000,
      });
      const embedded = embeddedPublicGoodRoot().root;
      expect(result.root.certificateAuthorities).toHaveLength(
        embedded.certificateAuthorities.length - 1,
      );
      expect(result.root).toEqual(TrustedRoot.fromJSON(served));
      expect(result.root).not.toEqual(embedded);
      expect(result.freshness).toMatchObject({
        source: 'tuf-online',
        mirror: repo.mirror,
        rootExpires: repo.expires,
        rootVersion: 1,
        targetsExpires: repo.expires,
      });
      expect(Date.parse(result.freshness.fetchedAt!)).toBeGreaterThanOrEqual(before);
      expect(result.info).toMatchObject({ name: 'sigstore-public-good', source: 'tuf' });
      expect(result.info.version).toContain(`TUF ${repo.mirror} (root v1), fetched `);
      expect(repo.requests).toEqual(
        expect.arrayContaining(['/timestamp.json', '/targets/trusted_root.json']),
      );
      // The refreshed root verifies real bundles.
      expect(
        verify(sjsBundle, sjsData, result.root, VERIFIER_OPTIONS['public-good']),
      ).toMatchObject({ ok: true });
    });

    it('a served root that fails strict validation is not used', async () => {
      const bad = publicGoodJson();
      delete ((bad.tlogs as Json[])[0]!.publicKey as Json).validFor;
      const badRepo = await serveTufRepo(JSON.stringify(bad));
      try {
        const options = {
          mode: 'online' as const,
          mirrorURL: badRepo.mirror,
          tufRootPath: badRepo.rootPath,
          cachePath: await mkdtemp(path.join(work, 'cache-')),
          retries: 0,
        };
        await expect(
          publicGoodRoot({ ...options, allowEmbeddedFallback: false }),
        ).rejects.toMatchObject({
          code: 'upstream',
          message: expect.stringContaining('tlogs[0].publicKey has no validFor'),
        });
        const fallback = await publicGoodRoot({ ...options, allowEmbeddedFallback: true });
        expect(fallback.freshness.source).toBe('embedded-fallback');
        expect(fallback.root).toEqual(embeddedPublicGoodRoot().root);
      } finally {
        await badRepo.close();
      }
    });
  });
});

describe('scripts/refresh-github-root.mjs', () => {
  const script = path.join(HERE, '..', 'scripts', 'refresh-github-root.mjs');
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [script, ...args], { cwd: work }).then(
      (r) => ({ code: 0, ...r }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? -1,
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? '',
      }),
    );

  it('picks the GitHub root from `gh attestation trusted-root` output and writes it as given', async () => {
    const ghLine = JSON.stringify(await githubJson());
    const input = path.join(work, 'roots.jsonl');
    await writeFile(input, `${JSON.stringify(publicGoodJson())}\n${ghLine}\n`);
    const out = path.join(work, 'refreshed', 'github-trusted-root.json');
    const r = await run([input, '--out', out, '--captured-at', '2026-08-01']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('6 certificate authorities, 6 timestamp authorities');
    const written = await readFile(out, 'utf8');
    expect(written).toBe(`${ghLine}\n`);
    const meta = JSON.parse(await readFile(out.replace(/\.json$/, '.meta.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(meta).toMatchObject({
      capturedAt: '2026-08-01',
      sha256: createHash('sha256').update(written).digest('hex'),
    });
    expect(validateTrustedRoot(JSON.parse(written), 'refreshed')).toEqual(githubTrustedRoot().root);
  });

  it('refuses input without a GitHub root, and a GitHub root that fails validation', async () => {
    const onlyPublic = path.join(work, 'public.jsonl');
    await writeFile(onlyPublic, `${JSON.stringify(publicGoodJson())}\n`);
    const out = path.join(work, 'never', 'x.json');
    const none = await run([onlyPublic, '--out', out]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('found 0 among 1');

    const broken = await githubJson();
    delete ((broken.timestampAuthorities as Json[])[2]!.validFor as Json).start;
    const brokenFile = path.join(work, 'broken.jsonl');
    await writeFile(brokenFile, `${JSON.stringify(broken)}\n`);
    const invalid = await run([brokenFile, '--out', out]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('timestampAuthorities[2] has no validFor.start');
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
