/**
 * Go module versions, as golang.org/x/mod/semver orders them: SemVer 2.0.0 with a `v` prefix, plus
 * the shorthands `vMAJOR` and `vMAJOR.MINOR` (= `.0.0` / `.0`, and only without pre-release or
 * build). OSV writes Go versions without the `v` (`1.2.3`, `0.0.0-20210101000000-abcdef123456`),
 * go.mod and go.sum with it, so both spellings are accepted and equal.
 *
 * `+incompatible` is build metadata and, like all build metadata, does not affect the order.
 * Pseudo-versions need no special case: `v0.0.0-20191109021931-daa7c04131f5` and
 * `v1.2.4-0.20191109021931-daa7c04131f5` are pre-releases and sort as SemVer says (after earlier
 * tags, before the release they precede), which is how the go command orders them.
 */
import { defineScheme } from './common.js';
import { compareSemVer, matchSemVer } from './semver.js';

const SHORTHAND = /^(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$/;

export const go = defineScheme(
  'Go',
  (version, fail) => {
    const text = version.startsWith('v') ? version.slice(1) : version;
    const full = matchSemVer(text);
    if (full) return full;
    const short = SHORTHAND.exec(text);
    if (short) {
      return {
        major: BigInt(short[1]!),
        minor: BigInt(short[2] ?? '0'),
        patch: 0n,
        prerelease: [],
        build: [],
      };
    }
    return fail('expected [v]MAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]] (Go semantic version)');
  },
  compareSemVer,
);
