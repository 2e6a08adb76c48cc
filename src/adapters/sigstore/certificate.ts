/**
 * Fulcio's certificate extensions (OID arc 1.3.6.1.4.1.57264.1), read from the VERIFIED leaf
 * certificate's extension list as @sigstore/verify returns it. The `sigstore` package only knows
 * the older ones; the GitHub-specific identity (repository and owner IDs, runner environment, …)
 * lives in .9 to .22, which are DER UTF8Strings.
 */
import { ASN1Obj } from '@sigstore/core';
import type { ObjectIdentifierValuePair } from '@sigstore/verify';
import type { FulcioExtensions } from '../../checks/signatures/ports.js';

const FULCIO_ARC = '1.3.6.1.4.1.57264.1.';

/** v2 extensions (DER UTF8String values), by OID suffix. */
const V2: Record<number, keyof FulcioExtensions> = {
  8: 'issuer',
  9: 'buildSignerUri',
  10: 'buildSignerDigest',
  11: 'runnerEnvironment',
  12: 'sourceRepositoryUri',
  13: 'sourceRepositoryDigest',
  14: 'sourceRepositoryRef',
  15: 'sourceRepositoryIdentifier',
  16: 'sourceRepositoryOwnerUri',
  17: 'sourceRepositoryOwnerIdentifier',
  18: 'buildConfigUri',
  19: 'buildConfigDigest',
  20: 'buildTrigger',
  21: 'runInvocationUri',
  22: 'sourceRepositoryVisibilityAtSigning',
};

/**
 * Decodes the Fulcio extensions. A v2 extension whose value is not a DER UTF8String is dropped
 * (so it can match nothing), never guessed. Legacy raw-string extensions (.1 to .6) are ignored:
 * every certificate Fulcio has issued since 2023 carries the v2 ones.
 */
export function fulcioExtensions(
  oids: readonly ObjectIdentifierValuePair[] | undefined,
): FulcioExtensions {
  const out: FulcioExtensions = {};
  for (const pair of oids ?? []) {
    const oid = pair.oid?.id.join('.') ?? '';
    if (!oid.startsWith(FULCIO_ARC)) continue;
    const name = V2[Number(oid.slice(FULCIO_ARC.length))];
    if (!name) continue;
    const value = utf8String(pair.value);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function utf8String(der: Buffer): string | undefined {
  try {
    const obj = ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>);
    // Universal tag 12 = UTF8String, primitive.
    if (!obj.tag.isUniversal() || obj.tag.number !== 12 || obj.tag.constructed) return undefined;
    return new TextDecoder('utf-8', { fatal: true }).decode(obj.value);
  } catch {
    return undefined;
  }
}
