/**
 * Identity policy, decided here rather than by @sigstore/verify: its `subjectAlternativeName`
 * policy is an unanchored regular expression, so `https://github.com/org/` would match every
 * workflow of the org. Subjects match exactly; patterns must match the whole SAN; issuers exactly.
 */
import type { IdentityPolicy } from '../../config/schema.js';
import type { VerifiedBundle } from './ports.js';

export type IdentityMatch =
  | { ok: true; index: number }
  | { ok: false; step: 'identity' | 'issuer'; expected: string; found: string };

/** Compiles a `subject-regexp` so that it can only match the whole string. */
export function wholeStringRegExp(source: string): RegExp {
  return new RegExp(`^(?:${source})$`, 'u');
}

function describeExpected(id: IdentityPolicy): string {
  if (id.key !== undefined) return `signed with key ${id.key}`;
  const subject =
    id.subject !== undefined
      ? `SAN exactly ${JSON.stringify(id.subject)}`
      : `SAN matching ${wholeStringRegExp(id['subject-regexp'] ?? '').toString()} (whole string)`;
  return `${subject}, issuer ${JSON.stringify(id.issuer)}`;
}

/**
 * Matches the verified signer against the identities; the first entry that matches wins.
 * `keyIdentity[i]` is the index in `identities` of the i-th key passed to the verifier.
 */
export function matchIdentity(
  signer: VerifiedBundle['signer'],
  identities: readonly IdentityPolicy[],
  keyIdentity: readonly number[],
): IdentityMatch {
  if (signer.kind === 'public-key') {
    const index = keyIdentity[signer.keyIndex];
    if (index !== undefined) return { ok: true, index };
    return {
      ok: false,
      step: 'identity',
      expected: identities.map(describeExpected).join('; or '),
      found: 'a signature by an unknown key',
    };
  }
  const san = signer.subjectAlternativeName;
  const issuer = signer.issuer;
  const found = `SAN ${san === undefined ? '(none)' : JSON.stringify(san)}, issuer ${issuer === undefined ? '(none)' : JSON.stringify(issuer)}`;
  const keyless = identities
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => id.key === undefined);
  let subjectMatchedSomewhere = false;
  for (const { id, index } of keyless) {
    const subjectOk =
      san !== undefined &&
      (id.subject !== undefined
        ? san === id.subject
        : id['subject-regexp'] !== undefined && wholeStringRegExp(id['subject-regexp']).test(san));
    const issuerOk = issuer !== undefined && issuer === id.issuer;
    if (subjectOk && issuerOk) return { ok: true, index };
    subjectMatchedSomewhere ||= subjectOk;
  }
  const expected =
    keyless.length === 0
      ? 'a key-based signature (the policy lists only keys)'
      : keyless.map(({ id }) => describeExpected(id)).join('; or ');
  return { ok: false, step: subjectMatchedSomewhere ? 'issuer' : 'identity', expected, found };
}
