/**
 * Trusted roots and the Sigstore instance a bundle belongs to.
 *
 * - The Sigstore public-good root: embedded in @sigstore/tuf's seeds (offline), or refreshed
 *   online through TUF, with an explicit, recorded fallback to the embedded copy.
 * - GitHub's own Sigstore instance (private repositories): its Fulcio and timestamp authority,
 *   no transparency log; shipped as data in ./data (see its README for provenance and refresh).
 * - A trusted_root.json given by policy or flag.
 *
 * Every root is validated strictly before use. The instance (and with it the root and the
 * verifier thresholds) is chosen from the bundle's leaf certificate issuer, never by relaxing the
 * public-good thresholds.
 */
import { X509Certificate as NodeX509Certificate, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { initTUF } from '@sigstore/tuf';
import { toTrustMaterial, type TrustMaterial, type VerifierOptions } from '@sigstore/verify';
import tufPackage from '@sigstore/tuf/package.json' with { type: 'json' };
import seeds from '@sigstore/tuf/seeds.json' with { type: 'json' };
import githubRootJson from './data/github-trusted-root.json' with { type: 'json' };
import githubRootMeta from './data/github-trusted-root.meta.json' with { type: 'json' };
import { GateError, describeThrown } from '../../errors.js';
import { decodeUtf8Strict, notUtf8 } from '../../utf8.js';
import type { TrustRootInfo } from '../../types.js';

export const PUBLIC_GOOD_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
const TRUSTED_ROOT_TARGET = 'trusted_root.json';
const TRUSTED_ROOT_MEDIA_TYPES = new Set([
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
]);

export interface LoadedTrustRoot {
  root: TrustedRoot;
  info: TrustRootInfo;
}

// ---------------------------------------------------------------------------------------------
// Instances and their verifier thresholds
// ---------------------------------------------------------------------------------------------

/** The Sigstore instances this gate knows. */
export type SigstoreInstance = 'public-good' | 'github';

/** What a bundle's leaf certificate says about its instance; `unknown` must fail closed. */
export type TrustSelection = SigstoreInstance | 'unknown';

type Thresholds = Readonly<
  Required<Pick<VerifierOptions, 'tlogThreshold' | 'ctlogThreshold' | 'timestampThreshold'>>
>;

/**
 * Verifier thresholds per instance. Public-good bundles need a transparency-log entry, an SCT in
 * the certificate and a timestamp. GitHub's instance has no transparency log and no CT log (its
 * leaf certificates carry no SCT; measured on a real bundle): it needs an RFC 3161 timestamp
 * from its TSA instead. These are chosen by `selectTrust`, never by the caller loosening them.
 */
export const VERIFIER_OPTIONS: Readonly<Record<SigstoreInstance, Thresholds>> = Object.freeze({
  'public-good': Object.freeze({ tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }),
  github: Object.freeze({ tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 }),
});

/**
 * The instance a bundle belongs to, from its leaf certificate's issuer: the instance whose trusted
 * root holds a CA certificate whose subject is exactly the leaf's issuer name (DER), and whose
 * subject key identifier matches the leaf's authority key identifier when both are present.
 * GitHub's leaves are issued by `O=GitHub, Inc., CN=Fulcio Intermediate l2`, public-good ones by
 * `O=sigstore.dev, CN=sigstore-intermediate`. Anything else (or both, or an unreadable
 * certificate) is `unknown`.
 *
 * Bundles signed with a plain public key carry no certificate and no instance: they get
 * `public-good`, whose thresholds are the strict ones (a transparency-log entry is required).
 *
 * `roots` defaults to the embedded roots; pass a refreshed public-good root when one is in use.
 */
export function selectTrust(
  bundle: Bundle,
  roots: Partial<Record<SigstoreInstance, TrustedRoot>> = {},
): TrustSelection {
  const content = bundle.verificationMaterial.content;
  if (content.$case === 'publicKey') return 'public-good';
  const raw = leafCertificateBytes(bundle);
  if (!raw) return 'unknown';
  let leaf: X509Certificate;
  try {
    leaf = X509Certificate.parse(Buffer.from(raw));
  } catch {
    return 'unknown';
  }
  const matches = (['public-good', 'github'] as const).filter((instance) => {
    const root =
      roots[instance] ??
      (instance === 'github' ? githubTrustedRoot().root : embeddedPublicGoodRoot().root);
    return issuedByRoot(leaf, root);
  });
  return matches.length === 1 ? matches[0]! : 'unknown';
}

/** The leaf certificate's issuer as text (`O=GitHub\, Inc., CN=Fulcio Intermediate l2`), for messages. */
export function leafIssuer(bundle: Bundle): string | undefined {
  const raw = leafCertificateBytes(bundle);
  if (!raw) return undefined;
  try {
    return new NodeX509Certificate(raw).issuer.split('\n').join(', ');
  } catch {
    return undefined;
  }
}

function leafCertificateBytes(bundle: Bundle): Buffer | undefined {
  const content = bundle.verificationMaterial.content;
  switch (content.$case) {
    case 'certificate':
      return content.certificate.rawBytes;
    case 'x509CertificateChain':
      return content.x509CertificateChain.certificates[0]?.rawBytes;
    default:
      return undefined;
  }
}

const caCertificateCache = new WeakMap<TrustedRoot, X509Certificate[]>();

function issuedByRoot(leaf: X509Certificate, root: TrustedRoot): boolean {
  let cas = caCertificateCache.get(root);
  if (!cas) {
    cas = [];
    for (const ca of root.certificateAuthorities) {
      for (const c of ca.certChain?.certificates ?? []) {
        try {
          cas.push(X509Certificate.parse(Buffer.from(c.rawBytes)));
        } catch {
          // An unreadable CA certificate cannot have issued anything.
        }
      }
    }
    caCertificateCache.set(root, cas);
  }
  const aki = leaf.extAuthorityKeyID?.keyIdentifier;
  return cas.some((ca) => {
    if (!ca.subject.equals(leaf.issuer)) return false;
    const ski = ca.extSubjectKeyID?.keyIdentifier;
    return !aki || !ski || aki.equals(ski);
  });
}

// ---------------------------------------------------------------------------------------------
// Roots
// ---------------------------------------------------------------------------------------------

/** The public-good trusted root as shipped inside @sigstore/tuf (no network). */
export function embeddedPublicGoodRoot(): LoadedTrustRoot {
  const encoded = publicGoodSeed()?.targets?.[TRUSTED_ROOT_TARGET];
  if (!encoded) {
    throw new GateError(
      'internal',
      '@sigstore/tuf seeds carry no trusted_root.json for the public-good instance',
    );
  }
  const json: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  return {
    root: validateTrustedRoot(json, 'embedded public-good trusted root'),
    info: {
      name: 'sigstore-public-good',
      source: 'embedded',
      version: `@sigstore/tuf ${tufPackage.version}`,
    },
  };
}

let githubRootCache: LoadedTrustRoot | undefined;

/**
 * GitHub's own Sigstore instance (fulcio.githubapp.com, timestamp.githubapp.com, no transparency
 * log), as captured from `gh attestation trusted-root` into ./data (see its README).
 */
export function githubTrustedRoot(): LoadedTrustRoot {
  if (!githubRootCache) {
    let root: TrustedRoot;
    try {
      root = validateTrustedRoot(githubRootJson, 'embedded GitHub trusted root');
    } catch (err) {
      throw new GateError(
        'internal',
        `the embedded GitHub trusted root is unusable: ${describeThrown(err)}`,
        { cause: err, fix: 'Refresh it with scripts/refresh-github-root.mjs.' },
      );
    }
    githubRootCache = {
      root,
      info: {
        name: 'github',
        source: 'embedded',
        version: `gh attestation trusted-root, captured ${githubRootMeta.capturedAt}`,
      },
    };
  }
  return { root: githubRootCache.root, info: { ...githubRootCache.info } };
}

/** A trusted_root.json from disk, validated strictly. */
export async function trustedRootFromFile(path: string): Promise<LoadedTrustRoot> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new GateError('input', `cannot read trusted root ${path}: ${describeThrown(err)}`, {
      cause: err,
      location: { file: path },
      fix: 'Check the --trusted-root flag or the `signatures.trusted-root` policy key.',
    });
  }
  const decoded = decodeUtf8Strict(bytes);
  if ('invalid' in decoded) {
    throw new GateError('input', `trusted root ${path} ${notUtf8(decoded.invalid)}`, {
      location: { file: path, line: decoded.invalid.line },
    });
  }
  const text = decoded.text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GateError('input', `trusted root ${path} is not valid JSON: ${describeThrown(err)}`, {
      cause: err,
      location: { file: path },
    });
  }
  return {
    root: validateTrustedRoot(json, path),
    info: { name: `file:${path}`, source: 'file', path },
  };
}

// ---------------------------------------------------------------------------------------------
// Public-good root through TUF
// ---------------------------------------------------------------------------------------------

/**
 * Where a public-good root came from and how old it is. Kept apart from `TrustRootInfo` (the
 * report schema's) until the report carries it.
 */
export interface TrustFreshness {
  /** `tuf-online`: refreshed now; `embedded`: offline by choice; `embedded-fallback`: the refresh failed. */
  source: 'tuf-online' | 'embedded' | 'embedded-fallback';
  /** The TUF mirror asked (online and fallback). */
  mirror?: string;
  /** When the TUF refresh completed (online). */
  fetchedAt?: string;
  /** Expiry of the TUF root metadata that vouched for this trusted root (the seeds' one when embedded). */
  rootExpires?: string;
  /** TUF root metadata version. */
  rootVersion?: number;
  /** Expiry of the TUF targets metadata that listed trusted_root.json (online). */
  targetsExpires?: string;
  /** The newest `validFor.start` in the trusted root: it is at least this recent. */
  newestEntry?: string;
  /** Why the embedded root is used after all (fallback). */
  reason?: string;
}

export interface FreshTrustRoot extends LoadedTrustRoot {
  freshness: TrustFreshness;
}

export interface PublicGoodRootOptions {
  /** online: refresh through TUF now; offline: the root embedded in @sigstore/tuf. */
  mode: 'online' | 'offline';
  /** When the online refresh fails, use the embedded root (recorded) instead of failing. */
  allowEmbeddedFallback: boolean;
  /** TUF metadata cache. Default: <tmpdir>/security-gate/tuf-cache. */
  cachePath?: string;
  /** TUF repository. Default: the public-good mirror. */
  mirrorURL?: string;
  /** The TUF root.json to start from, for a mirror @sigstore/tuf has no seed for. */
  tufRootPath?: string;
  /** Per-request timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Retries per request. Default 2. */
  retries?: number;
}

/**
 * The public-good trusted root, online (TUF refresh, optionally falling back to the embedded root)
 * or offline (embedded). The result says which root it is and how fresh (`freshness`).
 */
export async function publicGoodRoot(opts: PublicGoodRootOptions): Promise<FreshTrustRoot> {
  if (opts.mode === 'offline') {
    const embedded = embeddedPublicGoodRoot();
    return { ...embedded, freshness: embeddedFreshness(embedded.root, 'embedded') };
  }
  const mirror = (opts.mirrorURL ?? PUBLIC_GOOD_MIRROR).replace(/\/+$/, '');
  const cachePath = opts.cachePath ?? path.join(tmpdir(), 'security-gate', 'tuf-cache');
  const repoCache = tufRepoCacheDir(cachePath, mirror);
  if (
    mirror !== PUBLIC_GOOD_MIRROR &&
    !opts.tufRootPath &&
    !(await readJson(path.join(repoCache, 'root.json')))
  ) {
    throw new GateError(
      'config',
      `the TUF mirror ${mirror} has no built-in TUF root and none is cached in ${cachePath}`,
      {
        fix: `Give the mirror's initial TUF root.json (tufRootPath), or use ${PUBLIC_GOOD_MIRROR}.`,
      },
    );
  }
  try {
    const tuf = await initTUF({
      mirrorURL: mirror,
      cachePath,
      ...(opts.tufRootPath ? { rootPath: opts.tufRootPath } : {}),
      retry: { retries: opts.retries ?? 2 },
      timeout: opts.timeoutMs ?? 5000,
      forceCache: false,
    });
    const text = await tuf.getTarget(TRUSTED_ROOT_TARGET);
    const fetchedAt = new Date().toISOString();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`${TRUSTED_ROOT_TARGET} is not JSON: ${describeThrown(err)}`, { cause: err });
    }
    const root = validateTrustedRoot(json, `${TRUSTED_ROOT_TARGET} from TUF mirror ${mirror}`);
    const tufRoot = (await readJson(path.join(repoCache, 'root.json'))) as TufMetadata | undefined;
    const tufTargets = (await readJson(path.join(repoCache, 'targets.json'))) as
      TufMetadata | undefined;
    const freshness: TrustFreshness = {
      source: 'tuf-online',
      mirror,
      fetchedAt,
      ...tufRootFields(tufRoot),
      ...(typeof tufTargets?.signed?.expires === 'string'
        ? { targetsExpires: tufTargets.signed.expires }
        : {}),
      ...newestEntry(root),
    };
    return {
      root,
      info: {
        name: 'sigstore-public-good',
        // Refreshed through TUF now; `path` is the TUF-verified target on disk.
        source: 'tuf',
        path: path.join(repoCache, 'targets', TRUSTED_ROOT_TARGET),
        version: `TUF ${mirror}${freshness.rootVersion ? ` (root v${freshness.rootVersion})` : ''}, fetched ${fetchedAt}`,
      },
      freshness,
    };
  } catch (err) {
    const reason = causeChain(err);
    if (!opts.allowEmbeddedFallback) {
      throw new GateError(
        'upstream',
        `cannot refresh the Sigstore public-good trusted root from the TUF mirror ${mirror}: ${reason}`,
        {
          cause: err,
          fix: `Let the runner reach ${mirror}, or allow the embedded fallback, or verify offline with the root embedded in @sigstore/tuf ${tufPackage.version}.`,
        },
      );
    }
    const embedded = embeddedPublicGoodRoot();
    return {
      root: embedded.root,
      info: {
        ...embedded.info,
        version: `${embedded.info.version ?? ''} (fallback: TUF refresh from ${mirror} failed)`,
      },
      freshness: {
        ...embeddedFreshness(embedded.root, 'embedded-fallback'),
        mirror,
        reason: `TUF refresh from ${mirror} failed: ${reason}`,
      },
    };
  }
}

interface TufMetadata {
  signed?: { expires?: unknown; version?: unknown };
}

function publicGoodSeed(): { 'root.json'?: string; targets?: Record<string, string> } | undefined {
  return (
    seeds as Record<string, { 'root.json'?: string; targets?: Record<string, string> } | undefined>
  )[PUBLIC_GOOD_MIRROR];
}

function embeddedFreshness(
  root: TrustedRoot,
  source: 'embedded' | 'embedded-fallback',
): TrustFreshness {
  let tufRoot: TufMetadata | undefined;
  try {
    const encoded = publicGoodSeed()?.['root.json'];
    if (encoded)
      tufRoot = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as TufMetadata;
  } catch {
    tufRoot = undefined;
  }
  return { source, ...tufRootFields(tufRoot), ...newestEntry(root) };
}

function tufRootFields(
  meta: TufMetadata | undefined,
): Pick<TrustFreshness, 'rootExpires' | 'rootVersion'> {
  return {
    ...(typeof meta?.signed?.expires === 'string' ? { rootExpires: meta.signed.expires } : {}),
    ...(typeof meta?.signed?.version === 'number' ? { rootVersion: meta.signed.version } : {}),
  };
}

function newestEntry(root: TrustedRoot): Pick<TrustFreshness, 'newestEntry'> {
  const starts = [
    ...root.certificateAuthorities.map((c) => c.validFor?.start),
    ...root.timestampAuthorities.map((c) => c.validFor?.start),
    ...root.tlogs.map((t) => t.publicKey?.validFor?.start),
    ...root.ctlogs.map((t) => t.publicKey?.validFor?.start),
  ].filter((d): d is Date => d instanceof Date);
  if (starts.length === 0) return {};
  return { newestEntry: new Date(Math.max(...starts.map((d) => d.getTime()))).toISOString() };
}

/** @sigstore/tuf keeps each mirror's metadata in <cachePath>/<encoded host+path>. */
function tufRepoCacheDir(cachePath: string, mirror: string): string {
  const url = new URL(mirror);
  return path.join(cachePath, encodeURIComponent(url.host + url.pathname.replace(/\/$/, '')));
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** `message: cause: cause` — TUF errors hide the network error in their cause. */
function causeChain(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const text = describeThrown(current);
    if (!parts.includes(text)) parts.push(text);
    current =
      typeof current === 'object' && 'cause' in current
        ? (current as { cause?: unknown }).cause
        : undefined;
  }
  return parts.join(': ');
}

// ---------------------------------------------------------------------------------------------
// Strict validation
// ---------------------------------------------------------------------------------------------

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PKCS1_KEY_DETAILS = new Set<PublicKeyDetails>([
  PublicKeyDetails.PKCS1_RSA_PKCS1V5,
  PublicKeyDetails.PKIX_RSA_PKCS1V5,
  PublicKeyDetails.PKIX_RSA_PKCS1V15_2048_SHA256,
  PublicKeyDetails.PKIX_RSA_PKCS1V15_3072_SHA256,
  PublicKeyDetails.PKIX_RSA_PKCS1V15_4096_SHA256,
]);

/**
 * Strict checks on a trusted root before it is trusted:
 * - a known media type;
 * - at least one certificate authority or transparency log;
 * - every transparency log, CT log, certificate authority and timestamp authority has a
 *   `validFor.start` (a missing start is malformed, not "valid since forever"), RFC 3339
 *   timestamps, and an `end`, when present, not before its start;
 * - every certificate is base64 of a DER X.509 certificate, every chain non-empty;
 * - every log has a `logId.keyId` and a public key that decodes.
 *
 * Validity ends are applied by @sigstore/verify inclusively (a timestamp equal to `end` is
 * inside the window): see trust.test.ts.
 */
/** A value from the file, for a message: strings quoted and cut, other values by their type only. */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v);
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

export function validateTrustedRoot(json: unknown, name: string): TrustedRoot {
  const fail = (what: string): never => {
    // Library messages may quote the offending value whole: keep the message one screen.
    const cut = what.length > 300 ? `${what.slice(0, 300)}…` : what;
    throw new GateError('input', `trusted root ${name} is malformed: ${cut}`, {
      location: { file: name },
      fix: 'Use a trusted_root.json as published by the Sigstore instance (sigstore/root-signing, or `gh attestation trusted-root`).',
    });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('not a JSON object');
  const obj = json as Record<string, unknown>;
  if (typeof obj.mediaType !== 'string' || !TRUSTED_ROOT_MEDIA_TYPES.has(obj.mediaType)) {
    fail(
      `unknown mediaType ${shown(obj.mediaType)} (known: ${[...TRUSTED_ROOT_MEDIA_TYPES].join(', ')})`,
    );
  }
  const asRecord = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;

  const checkValidFor = (where: string, v: unknown): void => {
    const validFor = asRecord(v);
    if (!validFor) return fail(`${where} has no validFor`);
    const start = validFor.start;
    if (typeof start !== 'string') return fail(`${where} has no validFor.start`);
    if (!RFC3339.test(start) || Number.isNaN(Date.parse(start))) {
      return fail(`${where}.validFor.start ${shown(start)} is not an RFC 3339 timestamp`);
    }
    const end = validFor.end;
    if (end === undefined || end === null) return;
    if (typeof end !== 'string' || !RFC3339.test(end) || Number.isNaN(Date.parse(end))) {
      return fail(`${where}.validFor.end ${shown(end)} is not an RFC 3339 timestamp`);
    }
    if (Date.parse(end) < Date.parse(start)) {
      fail(`${where}.validFor.end ${end} is before its start ${start}`);
    }
  };
  const checkBase64 = (where: string, v: unknown): Buffer<ArrayBuffer> => {
    if (typeof v !== 'string' || v === '') return fail(`${where} is missing`);
    if (!BASE64.test(v)) return fail(`${where} is not base64`);
    return Buffer.from(v, 'base64');
  };

  const lists = ['tlogs', 'ctlogs', 'certificateAuthorities', 'timestampAuthorities'] as const;
  for (const list of lists) {
    const entries = obj[list];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) fail(`${list} is not a list`);
    (entries as unknown[]).forEach((entry, i) => {
      const where = `${list}[${i}]`;
      const e = asRecord(entry) ?? fail(`${where} is not an object`);
      if (list === 'tlogs' || list === 'ctlogs') {
        // Checkpoint signatures are matched to a log by its baseUrl: a string, or absent.
        if (e.baseUrl !== undefined && typeof e.baseUrl !== 'string') {
          fail(`${where}.baseUrl is ${shown(e.baseUrl)}, not a URL`);
        }
        const publicKey = asRecord(e.publicKey) ?? fail(`${where} has no publicKey`);
        checkValidFor(`${where}.publicKey`, publicKey.validFor);
        checkBase64(`${where}.publicKey.rawBytes`, publicKey.rawBytes);
        checkBase64(`${where}.logId.keyId`, asRecord(e.logId)?.keyId);
      } else {
        checkValidFor(where, e.validFor);
        const certificates = asRecord(e.certChain)?.certificates;
        if (!Array.isArray(certificates) || certificates.length === 0) {
          fail(`${where} has no certChain.certificates`);
        }
        (certificates as unknown[]).forEach((c, j) => {
          const at = `${where}.certChain.certificates[${j}].rawBytes`;
          const der = checkBase64(at, asRecord(c)?.rawBytes);
          try {
            X509Certificate.parse(der);
            new NodeX509Certificate(der);
          } catch (err) {
            fail(`${at} is not a DER X.509 certificate: ${describeThrown(err)}`);
          }
        });
      }
    });
  }

  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(json);
  } catch (err) {
    return fail(describeThrown(err));
  }
  if (root.certificateAuthorities.length === 0 && root.tlogs.length === 0) {
    fail('it lists no certificate authority and no transparency log');
  }
  for (const list of ['tlogs', 'ctlogs'] as const) {
    root[list].forEach((log, i) => {
      const key = log.publicKey;
      try {
        createPublicKey({
          key: Buffer.from(key?.rawBytes ?? Buffer.alloc(0)),
          format: 'der',
          type:
            key?.keyDetails !== undefined && PKCS1_KEY_DETAILS.has(key.keyDetails)
              ? 'pkcs1'
              : 'spki',
        });
      } catch (err) {
        fail(`${list}[${i}].publicKey.rawBytes is not a public key: ${describeThrown(err)}`);
      }
    });
  }
  return root;
}

export function trustMaterial(
  root: LoadedTrustRoot,
  keys?: Parameters<typeof toTrustMaterial>[1],
): TrustMaterial {
  try {
    return toTrustMaterial(root.root, keys);
  } catch (err) {
    throw new GateError(
      'input',
      `trusted root ${root.info.name} cannot be used: ${describeThrown(err)}`,
      {
        cause: err,
      },
    );
  }
}
