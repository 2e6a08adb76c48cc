/**
 * Identity policy, decided here rather than by @sigstore/verify: its `subjectAlternativeName`
 * policy is an unanchored regular expression, so `https://github.com/org/` would match every
 * workflow of the org. Every field matches exactly (patterns must match the whole value), every
 * field an identity names must match (AND), and any one identity suffices (OR).
 */
import type { IdentityPolicy } from '../../config/schema.js';
import type { FulcioExtensions, VerifiedBundle } from './ports.js';

export type IdentityMatch =
  | { ok: true; index: number }
  | { ok: false; step: 'identity' | 'issuer'; expected: string; found: string };

const GITHUB = 'https://github.com/';

/** Compiles a pattern so that it can only match the whole string. */
export function wholeStringRegExp(source: string): RegExp {
  return new RegExp(`^(?:${source})$`, 'u');
}

/** `https://github.com/o/r/.github/workflows/x.yml@refs/heads/main` against `o/r/.github/workflows/x.yml[@ref]`. */
function workflowMatches(uri: string | undefined, expected: string): boolean {
  if (uri === undefined || !uri.startsWith(GITHUB)) return false;
  const actual = uri.slice(GITHUB.length);
  return expected.includes('@') ? actual === expected : actual.split('@')[0] === expected;
}

interface Field {
  /** policy key, for messages */
  key: string;
  expected: string;
  found: string | undefined;
  ok: boolean;
}

/** Every constraint an identity entry names, evaluated against a certificate signer. */
function fields(id: IdentityPolicy, san: string | undefined, ext: FulcioExtensions): Field[] {
  const out: Field[] = [];
  const add = (key: string, expected: string, found: string | undefined, ok: boolean) =>
    out.push({ key, expected, found, ok });
  if (id.subject !== undefined) add('subject', JSON.stringify(id.subject), san, san === id.subject);
  const re = id['subject-regexp'];
  if (re !== undefined)
    add(
      'subject-regexp',
      `${wholeStringRegExp(re).toString()} (whole SAN)`,
      san,
      san !== undefined && wholeStringRegExp(re).test(san),
    );
  const repo = id['source-repository'];
  if (repo !== undefined)
    add(
      'source-repository',
      GITHUB + repo,
      ext.sourceRepositoryUri,
      ext.sourceRepositoryUri === GITHUB + repo,
    );
  const repoId = id['source-repository-id'];
  if (repoId !== undefined)
    add(
      'source-repository-id',
      repoId,
      ext.sourceRepositoryIdentifier,
      ext.sourceRepositoryIdentifier === repoId,
    );
  const owner = id['source-repository-owner'];
  if (owner !== undefined)
    add(
      'source-repository-owner',
      GITHUB + owner,
      ext.sourceRepositoryOwnerUri,
      ext.sourceRepositoryOwnerUri === GITHUB + owner,
    );
  const ownerId = id['source-repository-owner-id'];
  if (ownerId !== undefined)
    add(
      'source-repository-owner-id',
      ownerId,
      ext.sourceRepositoryOwnerIdentifier,
      ext.sourceRepositoryOwnerIdentifier === ownerId,
    );
  const ref = id['source-ref'];
  if (ref !== undefined)
    add('source-ref', ref, ext.sourceRepositoryRef, ext.sourceRepositoryRef === ref);
  const refRe = id['source-ref-regexp'];
  if (refRe !== undefined)
    add(
      'source-ref-regexp',
      `${wholeStringRegExp(refRe).toString()} (whole ref)`,
      ext.sourceRepositoryRef,
      ext.sourceRepositoryRef !== undefined &&
        wholeStringRegExp(refRe).test(ext.sourceRepositoryRef),
    );
  const signer = id['signer-workflow'];
  if (signer !== undefined)
    add(
      'signer-workflow',
      GITHUB + signer,
      ext.buildSignerUri,
      workflowMatches(ext.buildSignerUri, signer),
    );
  const build = id['build-workflow'];
  if (build !== undefined)
    add(
      'build-workflow',
      GITHUB + build,
      ext.buildConfigUri,
      workflowMatches(ext.buildConfigUri, build),
    );
  const runner = id['runner-environment'];
  if (runner !== undefined)
    add('runner-environment', runner, ext.runnerEnvironment, ext.runnerEnvironment === runner);
  const trigger = id['trigger-event'];
  if (trigger !== undefined)
    add('trigger-event', trigger, ext.buildTrigger, ext.buildTrigger === trigger);
  return out;
}

const show = (v: string | undefined) => (v === undefined ? '(absent)' : JSON.stringify(v));

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
      expected: 'a signature by one of the listed keys',
      found: 'a signature by an unknown key',
    };
  }
  const keyless = identities
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => id.key === undefined);
  if (keyless.length === 0) {
    return {
      ok: false,
      step: 'identity',
      expected: 'a key-based signature (the policy lists only keys)',
      found: `a certificate for SAN ${show(signer.subjectAlternativeName)}`,
    };
  }
  const issuerFound = signer.issuer;
  const misses: { issuerOk: boolean; bad: Field[]; id: IdentityPolicy }[] = [];
  for (const { id, index } of keyless) {
    const issuerOk = issuerFound !== undefined && issuerFound === id.issuer;
    const bad = fields(id, signer.subjectAlternativeName, signer.extensions).filter((f) => !f.ok);
    if (issuerOk && bad.length === 0) return { ok: true, index };
    misses.push({ issuerOk, bad, id });
  }
  const onlyIssuer = misses.some((m) => !m.issuerOk && m.bad.length === 0);
  const describe = (m: (typeof misses)[number]) =>
    [
      ...(m.issuerOk ? [] : [`issuer ${JSON.stringify(m.id.issuer)}`]),
      ...m.bad.map((f) => `${f.key} ${f.expected}`),
    ].join(', ');
  const foundFields = new Map<string, string | undefined>([
    ['SAN', signer.subjectAlternativeName],
    ['issuer', issuerFound],
  ]);
  for (const m of misses)
    for (const f of m.bad) if (!f.key.startsWith('subject')) foundFields.set(f.key, f.found);
  return {
    ok: false,
    step: onlyIssuer ? 'issuer' : 'identity',
    expected: misses.map(describe).join('; or '),
    found: [...foundFields].map(([k, v]) => `${k} ${show(v)}`).join(', '),
  };
}
