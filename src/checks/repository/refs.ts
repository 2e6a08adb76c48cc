/**
 * Refs the policy allows deploys from (`repository.branches`), matched the way GitHub matches
 * ruleset ref patterns: `*` matches within one path segment, `**` across segments, `?` one
 * character; a pattern without `refs/` names a branch (`release/*` = `refs/heads/release/*`),
 * a pattern with it names any ref (`refs/tags/v*`). The whole ref must match.
 */

export type DeployedRef =
  | { kind: 'branch'; ref: string; name: string }
  | { kind: 'tag'; ref: string; name: string }
  | { kind: 'other'; ref: string };

/** `refs/heads/main`, `refs/tags/v1`, or a bare branch name as `--ref main` gives it. */
export function parseRef(ref: string): DeployedRef {
  if (ref.startsWith('refs/heads/')) return { kind: 'branch', ref, name: ref.slice(11) };
  if (ref.startsWith('refs/tags/')) return { kind: 'tag', ref, name: ref.slice(10) };
  if (ref.startsWith('refs/')) return { kind: 'other', ref };
  return { kind: 'branch', ref: `refs/heads/${ref}`, name: ref };
}

/** The full ref pattern a policy entry stands for. */
export function fullPattern(pattern: string): string {
  return pattern.startsWith('refs/') ? pattern : `refs/heads/${pattern}`;
}

function compile(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'u');
}

/** The first policy pattern that matches the ref, if any. */
export function matchingPattern(patterns: readonly string[], ref: string): string | undefined {
  return patterns.find((p) => compile(fullPattern(p)).test(ref));
}

/** Branch patterns that name exactly one branch (no wildcard): where a tag may be looked for. */
export function literalBranches(patterns: readonly string[]): string[] {
  return patterns
    .map(fullPattern)
    .filter((p) => p.startsWith('refs/heads/') && !/[*?]/.test(p))
    .map((p) => p.slice(11));
}
