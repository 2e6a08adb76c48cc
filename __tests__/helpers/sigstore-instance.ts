/**
 * A complete, local, mock Sigstore instance for tests.
 *
 * Real parts, wired together:
 * - `@sigstore/mock` provides a Fulcio CA (with a CT log issuing embedded SCTs), a Rekor v1
 *   transparency log and an RFC 3161 timestamp authority;
 * - a real `node:http` server on 127.0.0.1 (ephemeral port) routes POST requests to those
 *   handlers (no `nock`, nothing leaves the machine);
 * - `@sigstore/sign` (FulcioSigner, RekorWitness, TSAWitness, bundle builders) signs against it;
 * - {@link MockSigstore.trustedRoot} is a `trusted_root.json` describing this instance, so that
 *   `@sigstore/verify` accepts exactly the bundles it produced.
 *
 * Every instance has fresh keys: bundles from one instance do not verify against another's
 * trusted root.
 */
import crypto, { type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toV03Json } from '../../src/adapters/sigstore/vsa.js';
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  rekorHandler,
  tsaHandler,
  type HandlerFn,
} from '@sigstore/mock';
import {
  HashAlgorithm,
  PublicKeyDetails,
  TrustedRoot,
  type CertificateAuthority,
  type TransparencyLogInstance,
} from '@sigstore/protobuf-specs';
import {
  DSSEBundleBuilder,
  FulcioSigner,
  MessageSignatureBundleBuilder,
  RekorWitness,
  TSAWitness,
  type Signature,
  type Signer,
  type Witness,
} from '@sigstore/sign';

/** The OIDC identity a bundle is signed as (it becomes the Fulcio certificate's identity). */
export interface MockIdentity {
  /**
   * The token's `sub` claim. The mock Fulcio copies it verbatim into the certificate's
   * SubjectAlternativeName, always as a URI SAN (even if it looks like an e-mail address).
   * For GitHub Actions this is usually the workflow identity, e.g.
   * `https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main`.
   */
  subject: string;
  /**
   * The token's `iss` claim. It becomes both the legacy issuer extension
   * (1.3.6.1.4.1.57264.1.1, raw bytes) and the v2 one (1.3.6.1.4.1.57264.1.8, DER UTF8String),
   * which `@sigstore/verify` reports as `signer.identity.extensions.issuer`.
   */
  issuer: string;
  /**
   * Extra token claims. The mock Fulcio maps these to certificate extensions
   * (1.3.6.1.4.1.57264.1.x); other claims are ignored:
   *
   * | claim                   | extension(s)                                                  |
   * | ----------------------- | ------------------------------------------------------------- |
   * | `event_name`            | .2 (legacy) and .20 BuildTrigger                              |
   * | `sha`                   | .3 (legacy) and .13 SourceRepositoryDigest                    |
   * | `workflow`              | .4 (legacy)                                                   |
   * | `repository`            | .5 (legacy) and .12 SourceRepositoryURI = `https://github.com/<value>` |
   * | `ref`                   | .6 (legacy) and .14 SourceRepositoryRef                       |
   * | `job_workflow_ref`      | .9 BuildSignerURI = `https://github.com/<value>`              |
   * | `job_workflow_sha`      | .10 BuildSignerDigest                                         |
   * | `runner_environment`    | .11 RunnerEnvironment                                         |
   * | `repository_id`         | .15 SourceRepositoryIdentifier                                |
   * | `repository_owner`      | .16 SourceRepositoryOwnerURI = `https://github.com/<value>`   |
   * | `repository_owner_id`   | .17 SourceRepositoryOwnerIdentifier                           |
   * | `workflow_ref`          | .18 BuildConfigURI = `https://github.com/<value>`             |
   * | `workflow_sha`          | .19 BuildConfigDigest                                         |
   * | `repository_visibility` | .22 SourceRepositoryVisibilityAtSigning                       |
   * | `repository` + `run_id` + `run_attempt` | .21 RunInvocationURI = `https://github.com/<repository>/actions/runs/<run_id>/attempts/<run_attempt>` |
   *
   * Legacy (.2–.6) values are raw bytes; the others are DER UTF8Strings. `sub`/`iss` given
   * here are overridden by {@link MockIdentity.subject}/{@link MockIdentity.issuer}. Do not
   * pass `email` (FulcioSigner would then demand `email_verified`).
   */
  claims?: Record<string, string>;
}

/** Options for {@link MockSigstore.signBlob}. */
export interface SignOptions {
  /** Record the signature in the mock Rekor (a tlog entry with inclusion proof and SET). Default true. */
  tlog?: boolean;
  /** Attach an RFC 3161 timestamp from the mock TSA. Default false. */
  tsa?: boolean;
}

/** Options for {@link MockSigstore.signDsse}. */
export interface DsseSignOptions extends SignOptions {
  /** DSSE payloadType. Default `application/vnd.in-toto+json`. */
  payloadType?: string;
  /**
   * Rekor v1 entry kind for the tlog entry. Default `dsse` (what `@sigstore/sign` and GitHub's
   * attest actions produce today); `intoto` gives the older intoto v0.0.2 entries.
   */
  entryType?: 'dsse' | 'intoto';
}

/** A caller-held signing key for {@link MockSigstore.signBlobWithKey}. */
export interface MockSigningKey {
  /** An EC private key (P-256 recommended: signatures are always ECDSA with SHA-256). */
  privateKey: KeyObject;
  /**
   * `verificationMaterial.publicKey.hint` in the bundle (what a key finder is asked for).
   * Default {@link publicKeyHint} of the derived public key.
   */
  hint?: string;
}

/** A running mock Sigstore instance. */
export interface MockSigstore {
  /** `http://127.0.0.1:PORT` — the base URL of Fulcio, Rekor and the TSA alike. */
  url: string;
  /** JSON of `trusted_root.json` for this instance (pass through `TrustedRoot.fromJSON`). */
  trustedRoot: Record<string, unknown>;
  /** v0.3 message-signature bundle (JSON, as written to a .sigstore.json file). */
  signBlob(
    artifact: Buffer,
    identity: MockIdentity,
    opts?: SignOptions,
  ): Promise<Record<string, unknown>>;
  /** v0.3 DSSE bundle over `payload` (default payloadType application/vnd.in-toto+json). */
  signDsse(
    payload: Buffer,
    identity: MockIdentity,
    opts?: DsseSignOptions,
  ): Promise<Record<string, unknown>>;
  /**
   * v0.3 message-signature bundle signed with a caller-held EC private key
   * (verificationMaterial.publicKey with a hint), with a Rekor entry.
   */
  signBlobWithKey(artifact: Buffer, key: MockSigningKey): Promise<Record<string, unknown>>;
  /** Stop the HTTP server (drops any kept-alive client connections). Idempotent. */
  close(): Promise<void>;
}

/** Options for {@link startMockSigstore}. */
export interface MockSigstoreOptions {
  /**
   * Freeze the instance's notion of "now": certificate notBefore (leaf validity is
   * [clock, clock + 10 min]), SCT time, Rekor integratedTime and TSA genTime all use it, for
   * every bundle signed by this instance. Without it the real time is used at each signature.
   *
   * The mock's self-signed Fulcio and TSA roots are normally stamped with the real time at
   * startup (valid 365 days), which would make bundles signed at a past clock fail chain
   * validation. So when a clock is given, those certificates are created with "now" shifted to
   * `clock − 1 day` (by swapping `globalThis.Date` only while they are generated); they are then
   * valid [clock − 1 day, clock + 364 days]. The trusted root's `validFor.start` is
   * `min(clock, now) − 1 day`.
   */
  clock?: Date;
  /** HTTP timeout for the signing clients, in ms. Default 10 000. */
  timeoutMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const OPERATOR = 'sigstore.mock';
const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
const DEFAULT_DSSE_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/**
 * The default key hint used by {@link MockSigstore.signBlobWithKey}: standard base64 of the
 * SHA-256 of the public key's DER SubjectPublicKeyInfo (same encoding as a trusted root's
 * `logId.keyId`).
 */
export function publicKeyHint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return sha256(spkiDer(publicKey)).toString('base64');
}

/** An in-toto v1 statement with the given subjects and predicate. */
export function inTotoStatement(
  subjects: { name: string; digest: Record<string, string> }[],
  predicateType: string,
  predicate: object = {},
): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects,
      predicateType,
      predicate,
    }),
  );
}

/**
 * Start a mock Sigstore instance (Fulcio + CT log + Rekor v1 + TSA) on 127.0.0.1, on an
 * ephemeral port. Always `close()` it (e.g. in `afterAll`).
 *
 * Throws if an HTTP proxy is configured in the environment without `127.0.0.1` in `no_proxy`:
 * `@sigstore/sign` (make-fetch-happen) would otherwise send the local requests to the proxy.
 */
export async function startMockSigstore(options: MockSigstoreOptions = {}): Promise<MockSigstore> {
  assertNoProxyInterference();
  // Default: now, in whole seconds. The mock TSA writes a fractional genTime when the clock has
  // milliseconds, which @sigstore/core refuses ("invalid time"); real TSAs seen so far do not.
  const clock = new Date(
    options.clock ? options.clock.getTime() : Math.floor(Date.now() / 1000) * 1000,
  );
  const timeout = options.timeoutMs ?? 10_000;

  const routes = new Map<string, HandlerFn>();
  const server = http.createServer((req, res) => {
    handleRequest(routes, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  };

  try {
    const caKeys = ecKeyPair();
    const ctKeys = ecKeyPair();
    const rekorKeys = ecKeyPair();
    const tsaKeys = ecKeyPair();

    // Root certificates take their validity from the real clock; shift it if needed.
    const certNow = clock ? clock.getTime() - DAY_MS : undefined;
    const ctLog = await initializeCTLog(ctKeys, clock);
    const ca = await withNow(certNow, () => initializeCA(caKeys, ctLog, clock));
    const tsa = await withNow(certNow, () => initializeTSA(tsaKeys, clock));
    // The Rekor checkpoint is signed under the name `host:port` of this URL, which
    // @sigstore/verify requires to be a substring of the trusted root's tlog baseUrl.
    const tlog = await initializeTLog(url, rekorKeys, clock);

    for (const handler of [fulcioHandler(ca), tsaHandler(tsa)]) {
      routes.set(handler.path, handler.fn);
    }
    const rekor = rekorHandler(tlog);
    routes.set(rekor.path, (body) => rekor.fn(dsseProposalToEntry(body)));

    const validFrom = new Date(Math.min(clock?.getTime() ?? Date.now(), Date.now()) - DAY_MS);
    const trustedRoot = buildTrustedRoot({
      url,
      validFrom,
      caRoot: toBuffer(ca.rootCertificate),
      ctLogKey: ctLog.publicKey,
      rekorKey: tlog.publicKey,
      tsaChain: [toBuffer(tsa.intCertificate), toBuffer(tsa.rootCertificate)],
    });

    const fetchOptions = { retry: 0, timeout };
    const witnesses = (opts: DsseSignOptions): Witness[] => {
      const list: Witness[] = [];
      if (opts.tlog ?? true) {
        const entryType = opts.entryType ?? 'dsse';
        list.push(new RekorWitness({ rekorBaseURL: url, entryType, ...fetchOptions }));
      }
      if (opts.tsa ?? false) list.push(new TSAWitness({ tsaBaseURL: url, ...fetchOptions }));
      return list;
    };
    const fulcioSigner = (identity: MockIdentity): Signer =>
      new FulcioSigner({
        fulcioBaseURL: url,
        identityProvider: { getToken: () => Promise.resolve(unsignedJwt(identity, clock)) },
        ...fetchOptions,
      });

    return {
      url,
      trustedRoot,
      async signBlob(artifact, identity, opts = {}) {
        const builder = new MessageSignatureBundleBuilder({
          signer: fulcioSigner(identity),
          witnesses: witnesses(opts),
        });
        return toV03Json(await builder.create({ data: artifact }));
      },
      async signDsse(payload, identity, opts = {}) {
        const builder = new DSSEBundleBuilder({
          signer: fulcioSigner(identity),
          witnesses: witnesses(opts),
          certificateChain: false,
        });
        const type = opts.payloadType ?? DEFAULT_DSSE_PAYLOAD_TYPE;
        return toV03Json(await builder.create({ data: payload, type }));
      },
      async signBlobWithKey(artifact, key) {
        const builder = new MessageSignatureBundleBuilder({
          signer: new KeySigner(key),
          witnesses: witnesses({ tlog: true }),
        });
        return toV03Json(await builder.create({ data: artifact }));
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

// --- HTTP -----------------------------------------------------------------------------------

function handleRequest(
  routes: Map<string, HandlerFn>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const fn = routes.get(path);
    const reply = (status: number, body: string | Buffer, contentType = 'text/plain'): void => {
      res.writeHead(status, { 'content-type': contentType, connection: 'close' });
      res.end(body);
    };
    if (!fn) return reply(404, `no mock handler for ${path}`);
    if (req.method !== 'POST') return reply(405, `${req.method ?? '?'} not allowed`);
    fn(Buffer.concat(chunks).toString('utf8')).then(
      (result) => {
        const body =
          typeof result.response === 'string' ? result.response : toBuffer(result.response);
        reply(result.statusCode, body, result.contentType ?? 'text/plain');
      },
      (err: unknown) => reply(500, err instanceof Error ? err.message : String(err)),
    );
  });
}

/**
 * The mock Rekor logs a proposed entry verbatim. For `dsse` v0.0.1 that is not what Rekor
 * stores (and `@sigstore/verify` rejects it), so do what Rekor does: replace
 * `proposedContent` by the envelope hash, payload hash and signature/verifier pairs.
 * Other kinds (hashedrekord, intoto) are logged as proposed, like Rekor does in substance.
 */
function dsseProposalToEntry(body: string): string {
  let proposed: unknown;
  try {
    proposed = JSON.parse(body);
  } catch {
    return body; // let the mock answer 400
  }
  if (!isRecord(proposed) || proposed['kind'] !== 'dsse' || !isRecord(proposed['spec'])) {
    return body;
  }
  const content = proposed['spec']['proposedContent'];
  if (!isRecord(content) || typeof content['envelope'] !== 'string') return body;
  const envelopeJson = content['envelope'];
  const envelope = JSON.parse(envelopeJson) as {
    payload: string;
    signatures: { sig: string }[];
  };
  const verifiers = Array.isArray(content['verifiers']) ? (content['verifiers'] as string[]) : [];
  return JSON.stringify({
    apiVersion: proposed['apiVersion'],
    kind: 'dsse',
    spec: {
      envelopeHash: {
        algorithm: 'sha256',
        value: sha256(Buffer.from(envelopeJson)).toString('hex'),
      },
      payloadHash: {
        algorithm: 'sha256',
        value: sha256(Buffer.from(envelope.payload, 'base64')).toString('hex'),
      },
      signatures: envelope.signatures.map((s, i) => ({
        signature: s.sig,
        verifier: verifiers[i] ?? verifiers[0],
      })),
    },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assertNoProxyInterference(): void {
  const env = Object.fromEntries(
    Object.entries(process.env).map(([k, v]) => [k.toLowerCase(), v ?? '']),
  );
  const proxy = env['https_proxy'] || env['http_proxy'] || env['proxy'];
  if (!proxy) return;
  const noProxy = (env['no_proxy'] ?? '').split(',').map((s) => s.trim());
  if (!noProxy.includes('127.0.0.1')) {
    throw new Error(
      'startMockSigstore: an HTTP proxy is configured; add 127.0.0.1 to NO_PROXY so that ' +
        '@sigstore/sign talks to the local mock directly',
    );
  }
}

// --- Signing ----------------------------------------------------------------------------------

/** An unsigned (`alg: none`) JWT carrying the identity's claims; Fulcio (mock) only decodes it. */
function unsignedJwt(identity: MockIdentity, clock: Date | undefined): string {
  const now = Math.floor((clock?.getTime() ?? Date.now()) / 1000);
  const payload = {
    aud: 'sigstore',
    iat: now,
    nbf: now,
    exp: now + 600,
    ...identity.claims,
    iss: identity.issuer,
    sub: identity.subject,
  };
  const b64url = (value: object): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
}

/** `@sigstore/sign` Signer over a caller-held EC key (ECDSA with SHA-256). */
class KeySigner implements Signer {
  readonly #privateKey: KeyObject;
  readonly #publicKeyPem: string;
  readonly #hint: string;

  constructor(key: MockSigningKey) {
    if (key.privateKey.type !== 'private' || key.privateKey.asymmetricKeyType !== 'ec') {
      throw new Error('signBlobWithKey: privateKey must be an EC private KeyObject');
    }
    const publicKey = crypto.createPublicKey(key.privateKey);
    this.#privateKey = key.privateKey;
    this.#publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    this.#hint = key.hint ?? publicKeyHint(publicKey);
  }

  sign(data: Buffer): Promise<Signature> {
    return Promise.resolve({
      signature: crypto.sign('sha256', data, this.#privateKey),
      key: { $case: 'publicKey', publicKey: this.#publicKeyPem, hint: this.#hint },
    });
  }
}

// --- Trusted root -----------------------------------------------------------------------------

interface TrustedRootParts {
  url: string;
  validFrom: Date;
  caRoot: Buffer;
  ctLogKey: Buffer;
  rekorKey: Buffer;
  tsaChain: Buffer[];
}

function buildTrustedRoot(parts: TrustedRootParts): Record<string, unknown> {
  const { url, validFrom } = parts;
  const logInstance = (spki: Buffer, baseUrl: string): TransparencyLogInstance => ({
    baseUrl,
    hashAlgorithm: HashAlgorithm.SHA2_256,
    publicKey: {
      rawBytes: spki,
      keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
      validFor: { start: validFrom, end: undefined },
    },
    logId: { keyId: sha256(spki) },
    checkpointKeyId: undefined,
    operator: OPERATOR,
  });
  const authority = (commonName: string, chain: Buffer[]): CertificateAuthority => ({
    subject: { organization: OPERATOR, commonName },
    uri: url,
    certChain: { certificates: chain.map((rawBytes) => ({ rawBytes })) },
    validFor: { start: validFrom, end: undefined },
    operator: OPERATOR,
  });
  const root: TrustedRoot = {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: [logInstance(parts.rekorKey, url)],
    certificateAuthorities: [authority('sigstore', [parts.caRoot])],
    // The mock CT log has no HTTP endpoint (the CA calls it in-process).
    ctlogs: [logInstance(parts.ctLogKey, `${url}/ct`)],
    timestampAuthorities: [authority('tsa', parts.tsaChain)],
  };
  return TrustedRoot.toJSON(root) as Record<string, unknown>;
}

// --- Utilities --------------------------------------------------------------------------------

function ecKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function spkiDer(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' });
}

function sha256(data: Buffer): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}

function toBuffer(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Run `fn` with `globalThis.Date` reporting `now` (ms since epoch, advancing in real time) for
 * argument-less construction and `Date.now()`. Used only while the mock generates its root
 * certificates, whose validity it takes from the real clock. `now === undefined` runs `fn` as is.
 */
let dateSwaps: Promise<unknown> = Promise.resolve();

async function withNow<T>(now: number | undefined, fn: () => Promise<T>): Promise<T> {
  if (now === undefined) return fn();
  // Concurrent instances must not interleave their swaps of the global Date: one at a time.
  const turn = dateSwaps.then(() => swapDate(now, fn));
  dateSwaps = turn.catch(() => undefined);
  return turn;
}

async function swapDate<T>(now: number, fn: () => Promise<T>): Promise<T> {
  const RealDate = globalThis.Date;
  const offset = now - RealDate.now();
  class ShiftedDate extends RealDate {
    constructor(
      ...args:
        | []
        | [number | string | Date]
        | [number, number, number?, number?, number?, number?, number?]
    ) {
      if (args.length === 0) super(RealDate.now() + offset);
      else if (args.length === 1) super(args[0]);
      else super(new RealDate(...args).getTime());
    }
    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}
