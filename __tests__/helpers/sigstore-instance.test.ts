import crypto from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  toSignedEntity,
  toTrustMaterial,
  Verifier,
  VerificationError,
  type KeyFinderFunc,
  type Signer,
  type VerifierOptions,
} from '@sigstore/verify';
import {
  inTotoStatement,
  publicKeyHint,
  startMockSigstore,
  type MockIdentity,
  type MockSigstore,
} from './sigstore-instance.js';

const WORKFLOW_IDENTITY =
  'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main';
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const identity: MockIdentity = {
  subject: WORKFLOW_IDENTITY,
  issuer: GITHUB_ISSUER,
  claims: {
    repository: 'acme/widget',
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    workflow_ref: 'acme/widget/.github/workflows/release.yml@refs/heads/main',
    event_name: 'push',
    runner_environment: 'github-hosted',
  },
};

function verify(
  instance: MockSigstore,
  bundleJson: Record<string, unknown>,
  artifact?: Buffer,
  options?: VerifierOptions & { keys?: KeyFinderFunc },
): Signer {
  const trustMaterial = toTrustMaterial(TrustedRoot.fromJSON(instance.trustedRoot), options?.keys);
  const entity = toSignedEntity(bundleFromJSON(bundleJson), artifact);
  return new Verifier(trustMaterial, options).verify(entity);
}

function oidValue(signer: Signer, oid: string): string | undefined {
  const ext = signer.identity?.oids?.find((o) => o.oid?.id.join('.') === oid);
  return ext?.value.toString('utf8');
}

describe('startMockSigstore', () => {
  let sigstore: MockSigstore;

  beforeAll(async () => {
    sigstore = await startMockSigstore();
  });

  afterAll(async () => {
    await sigstore.close();
  });

  it('serves on a local ephemeral port and publishes a trusted root', () => {
    expect(sigstore.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sigstore.trustedRoot).toMatchObject({
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [{ baseUrl: sigstore.url }],
    });
    const root = TrustedRoot.fromJSON(sigstore.trustedRoot);
    expect(root.certificateAuthorities).toHaveLength(1);
    expect(root.ctlogs).toHaveLength(1);
    expect(root.timestampAuthorities[0]?.certChain?.certificates).toHaveLength(2);
  });

  it('signs a blob with a Fulcio certificate and a Rekor entry', async () => {
    const artifact = Buffer.from('hello, world\n');
    const bundle = await sigstore.signBlob(artifact, identity);

    expect(bundle['mediaType']).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(bundle).toHaveProperty('verificationMaterial.certificate.rawBytes');
    expect(bundle).toHaveProperty('verificationMaterial.tlogEntries.0.inclusionProof');
    expect(bundle).toHaveProperty('messageSignature.messageDigest.digest');

    const signer = verify(sigstore, bundle, artifact);
    expect(signer.identity?.subjectAlternativeName).toBe(WORKFLOW_IDENTITY);
    expect(signer.identity?.extensions?.issuer).toBe(GITHUB_ISSUER);
    // GitHub claims become Fulcio extensions (DER UTF8String: 2-byte header, then the value).
    expect(oidValue(signer, '1.3.6.1.4.1.57264.1.12')).toContain('https://github.com/acme/widget');
    expect(oidValue(signer, '1.3.6.1.4.1.57264.1.11')).toContain('github-hosted');
  });

  it('signs a DSSE envelope over an in-toto statement', async () => {
    const digest = crypto.createHash('sha256').update('artifact').digest('hex');
    const statement = inTotoStatement(
      [{ name: 'widget.tgz', digest: { sha256: digest } }],
      'https://slsa.dev/provenance/v1',
      { buildDefinition: { buildType: 'https://example.com/build' } },
    );
    const bundle = await sigstore.signDsse(statement, identity);

    expect(bundle['mediaType']).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(bundle).toHaveProperty('dsseEnvelope.payloadType', 'application/vnd.in-toto+json');
    const envelope = bundle['dsseEnvelope'] as { payload: string };
    expect(JSON.parse(Buffer.from(envelope.payload, 'base64').toString())).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'widget.tgz', digest: { sha256: digest } }],
      predicateType: 'https://slsa.dev/provenance/v1',
    });

    expect(bundle).toHaveProperty('verificationMaterial.tlogEntries.0.kindVersion', {
      kind: 'dsse',
      version: '0.0.1',
    });
    const signer = verify(sigstore, bundle);
    expect(signer.identity?.subjectAlternativeName).toBe(WORKFLOW_IDENTITY);
  });

  it('can log DSSE bundles as intoto entries', async () => {
    const statement = inTotoStatement(
      [{ name: 'x', digest: { sha256: '00' } }],
      'https://example.com/p',
    );
    const bundle = await sigstore.signDsse(statement, identity, {
      entryType: 'intoto',
      payloadType: 'application/vnd.in-toto+json',
    });
    expect(bundle).toHaveProperty('verificationMaterial.tlogEntries.0.kindVersion.kind', 'intoto');
    expect(() => verify(sigstore, bundle)).not.toThrow();
  });

  it('rejects a DSSE bundle whose payload was altered', async () => {
    const statement = inTotoStatement(
      [{ name: 'x', digest: { sha256: '00' } }],
      'https://example.com/p',
    );
    const bundle = await sigstore.signDsse(statement, identity);
    const envelope = bundle['dsseEnvelope'] as { payload: string };
    const altered = inTotoStatement(
      [{ name: 'y', digest: { sha256: '00' } }],
      'https://example.com/p',
    );
    const tampered = {
      ...bundle,
      dsseEnvelope: { ...envelope, payload: altered.toString('base64') },
    };
    expect(() => verify(sigstore, tampered)).toThrow(VerificationError);
  });

  it('timestamps with the TSA instead of the transparency log', async () => {
    const artifact = Buffer.from('timestamped');
    const bundle = await sigstore.signBlob(artifact, identity, { tlog: false, tsa: true });

    const material = bundle['verificationMaterial'] as { tlogEntries?: unknown[] };
    expect(material.tlogEntries ?? []).toEqual([]);
    expect(bundle).toHaveProperty(
      'verificationMaterial.timestampVerificationData.rfc3161Timestamps.0.signedTimestamp',
    );
    expect(() => verify(sigstore, bundle, artifact)).toThrow(VerificationError);
    const signer = verify(sigstore, bundle, artifact, { tlogThreshold: 0 });
    expect(signer.identity?.subjectAlternativeName).toBe(WORKFLOW_IDENTITY);
  });

  it('signs with a caller-held key, verifiable with a key finder', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
    });
    const artifact = Buffer.from('key-signed');
    const bundle = await sigstore.signBlobWithKey(artifact, { privateKey, hint: 'my-key' });

    expect(bundle).toHaveProperty('verificationMaterial.publicKey.hint', 'my-key');
    const keys: KeyFinderFunc = (hint) => {
      if (hint !== 'my-key') throw new Error(`unknown key ${hint}`);
      return { publicKey, validFor: () => true };
    };
    const signer = verify(sigstore, bundle, artifact, { keys });
    expect(signer.key.equals(publicKey)).toBe(true);

    const defaultHint = await sigstore.signBlobWithKey(artifact, { privateKey });
    expect(defaultHint).toHaveProperty(
      'verificationMaterial.publicKey.hint',
      publicKeyHint(publicKey),
    );
  });

  it('rejects a tampered artifact with a VerificationError', async () => {
    const bundle = await sigstore.signBlob(Buffer.from('original'), identity);
    expect(() => verify(sigstore, bundle, Buffer.from('tampered'))).toThrow(VerificationError);
  });

  it("rejects a bundle against another instance's trusted root", async () => {
    const other = await startMockSigstore();
    try {
      const artifact = Buffer.from('cross-instance');
      const bundle = await other.signBlob(artifact, identity);
      expect(() => verify(sigstore, bundle, artifact)).toThrow(VerificationError);
      expect(() => verify(other, bundle, artifact)).not.toThrow();
    } finally {
      await other.close();
    }
  });
});

describe('startMockSigstore with a clock', () => {
  const clock = new Date('2024-03-01T12:00:00.000Z');
  let sigstore: MockSigstore;

  beforeAll(async () => {
    sigstore = await startMockSigstore({ clock });
  });

  afterAll(async () => {
    await sigstore.close();
  });

  it('stamps the Rekor entry, TSA timestamp and certificate with the clock', async () => {
    const artifact = Buffer.from('in the past');
    const bundle = await sigstore.signBlob(artifact, identity, { tsa: true });
    expect(bundle).toHaveProperty(
      'verificationMaterial.tlogEntries.0.integratedTime',
      String(clock.getTime() / 1000),
    );
    const signer = verify(sigstore, bundle, artifact, { timestampThreshold: 2 });
    expect(signer.identity?.extensions?.issuer).toBe(GITHUB_ISSUER);

    const der = Buffer.from(
      (bundle['verificationMaterial'] as { certificate: { rawBytes: string } }).certificate
        .rawBytes,
      'base64',
    );
    const cert = new crypto.X509Certificate(der);
    expect(new Date(cert.validFrom).getTime()).toBe(clock.getTime());
    expect(new Date(cert.validTo).getTime()).toBe(clock.getTime() + 10 * 60 * 1000);
  });

  it('restores the global Date after generating the shifted root certificates', () => {
    const realNow = performance.timeOrigin + performance.now();
    expect(Math.abs(Date.now() - realNow)).toBeLessThan(5_000);
    expect(Math.abs(new Date().getTime() - realNow)).toBeLessThan(5_000);
  });
});
