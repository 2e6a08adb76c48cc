/**
 * Property: identity tricks never match (threat model: a signer whose identity is a prefix, a
 * suffix or a look-alike of the allowed one). The decision is `matchIdentity`, a pure function:
 * arbitrary strings, no fixtures needed.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { matchIdentity } from '../../src/checks/signatures/identity.js';
import type { FulcioExtensions } from '../../src/checks/signatures/ports.js';
import type { IdentityPolicy } from '../../src/config/schema.js';
import { runs, seed } from './mutate.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const GITHUB = 'https://github.com/';

function signer(san: string, ext: FulcioExtensions = {}, issuer = ISSUER) {
  return { kind: 'certificate' as const, subjectAlternativeName: san, issuer, extensions: ext };
}
const ok = (san: string, ids: IdentityPolicy[], ext: FulcioExtensions = {}, issuer = ISSUER) =>
  matchIdentity(signer(san, ext, issuer), ids, []).ok;

/** A regular expression that matches exactly `s` (syntax characters escaped; valid in unicode mode). */
const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/** SAN-like strings: real workflow identities, and arbitrary unicode. */
const san = fc.oneof(
  fc
    .tuple(
      fc.stringMatching(/^[a-z0-9-]{1,12}$/),
      fc.stringMatching(/^[a-z0-9._-]{1,12}$/),
      fc.stringMatching(/^[a-z0-9._/-]{1,20}$/),
    )
    .map(([o, r, ref]) => `${GITHUB}${o}/${r}/.github/workflows/release.yml@refs/heads/${ref}`),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
);
const suffix = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 });
const opts = () => ({ numRuns: runs(300), seed: seed() });

describe('identity matching: prefixes, suffixes and patterns never widen an identity', () => {
  it('`subject` matches only the identical SAN', () => {
    fc.assert(
      fc.property(san, san, (allowed, actual) => {
        expect(ok(actual, [{ issuer: ISSUER, subject: allowed }])).toBe(actual === allowed);
      }),
      opts(),
    );
  });

  it('a SAN that extends the allowed one (prefix trick) never matches `subject` or an escaped `subject-regexp`', () => {
    fc.assert(
      fc.property(san, suffix, (allowed, more) => {
        const ids: IdentityPolicy[] = [
          { issuer: ISSUER, subject: allowed },
          { issuer: ISSUER, 'subject-regexp': escape(allowed) },
        ];
        expect(ok(allowed, ids)).toBe(true);
        expect(ok(allowed + more, ids)).toBe(false);
        expect(ok(more + allowed, ids)).toBe(false);
      }),
      opts(),
    );
  });

  it('`subject-regexp` with an alternation is anchored as a whole (^(?:a|b)$, not ^a|b$)', () => {
    fc.assert(
      fc.property(san, san, suffix, (a, b, more) => {
        const ids: IdentityPolicy[] = [
          { issuer: ISSUER, 'subject-regexp': `${escape(a)}|${escape(b)}` },
        ];
        expect(ok(a, ids)).toBe(true);
        expect(ok(b, ids)).toBe(true);
        const longer = a + more;
        expect(ok(longer, ids)).toBe(longer === b);
        const earlier = more + b;
        expect(ok(earlier, ids)).toBe(earlier === a);
      }),
      opts(),
    );
  });

  it('the issuer matches exactly: a look-alike issuer never matches', () => {
    fc.assert(
      fc.property(san, suffix, (s, more) => {
        const ids: IdentityPolicy[] = [{ issuer: ISSUER, subject: s }];
        expect(ok(s, ids, {}, ISSUER + more)).toBe(false);
        expect(ok(s, ids, {}, ISSUER.slice(0, -1))).toBe(false);
      }),
      opts(),
    );
  });

  it('source-repository, owner, ref and workflow: a longer or renamed value never matches', () => {
    const repo = fc.tuple(
      fc.stringMatching(/^[a-z0-9-]{1,12}$/),
      fc.stringMatching(/^[a-z0-9._-]{1,12}$/),
    );
    fc.assert(
      fc.property(repo, suffix, ([o, r], more) => {
        const workflow = `${o}/${r}/.github/workflows/release.yml`;
        const ext: FulcioExtensions = {
          sourceRepositoryUri: `${GITHUB}${o}/${r}`,
          sourceRepositoryOwnerUri: `${GITHUB}${o}`,
          sourceRepositoryIdentifier: '1001',
          sourceRepositoryRef: 'refs/heads/main',
          buildSignerUri: `${GITHUB}${workflow}@refs/heads/main`,
        };
        const id: IdentityPolicy = {
          issuer: ISSUER,
          'source-repository': `${o}/${r}`,
          'source-repository-owner': o,
          'source-repository-id': '1001',
          'source-ref': 'refs/heads/main',
          'signer-workflow': workflow,
        };
        const s = `${GITHUB}${workflow}@refs/heads/main`;
        expect(ok(s, [id], ext)).toBe(true);
        const changes: FulcioExtensions[] = [
          { sourceRepositoryUri: `${GITHUB}${o}/${r}${more}` },
          { sourceRepositoryOwnerUri: `${GITHUB}${o}${more}` },
          { sourceRepositoryIdentifier: `1001${more}` },
          { sourceRepositoryRef: `refs/heads/main${more}` },
          // A workflow whose path extends the allowed one (release.yml.evil, release.yml/x).
          ...(more.startsWith('@')
            ? []
            : [{ buildSignerUri: `${GITHUB}${workflow}${more}@refs/heads/main` }]),
        ];
        for (const change of changes) {
          const got = ok(s, [id], { ...ext, ...change });
          expect({ change, got }).toEqual({ change, got: false });
        }
      }),
      opts(),
    );
  });
});
