/**
 * CODEOWNERS, read the way GitHub reads it ("About code owners", docs.github.com,
 * repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners):
 *
 * - Each line is a pattern followed by owners: `@user`, `@org/team-name`, or an email address.
 *   Blank lines and lines starting with `#` are ignored; after the pattern, `#` starts an inline
 *   comment (the page's example: `*.js @js-owner #This is an inline comment.`).
 * - Patterns follow most gitignore rules, except (the page's "Syntax exceptions"): escaping a
 *   leading `#` with `\`, negation with `!`, and `[ ]` character ranges do not work. Such lines
 *   are reported here and skipped, as GitHub skips "any line … [that] contains invalid syntax".
 * - "The last matching pattern takes the most precedence"; a pattern with no owners leaves the
 *   matching paths without an owner (the page's `/apps/github` example).
 * - Paths are case sensitive. Files of 3 MB or more "will not be loaded".
 * - `docs/*` matches `docs/getting-started.md` but not `docs/build-app/troubleshooting.md`;
 *   `apps/` matches an `apps` directory at any depth; `/docs/` only at the root; `**\/logs`
 *   any `logs` directory at any depth.
 *
 * Matching follows gitignore (https://git-scm.com/docs/gitignore#_pattern_format) with those
 * differences: a pattern without a slash (other than a trailing one) matches at any depth; a
 * leading or middle slash anchors it to the root; a trailing slash matches a directory's
 * contents; a pattern that names a directory also owns everything under it — except a final
 * segment that is exactly `*`, which matches one level only (GitHub's `docs/*`).
 */
import { CODEOWNERS_LOCATIONS } from './model.js';

/** Where GitHub looks for CODEOWNERS on the base branch, in order; the first that exists wins. */
export const codeownersLocations: readonly string[] = CODEOWNERS_LOCATIONS;

/** GitHub does not load CODEOWNERS files of this size or more. */
export const CODEOWNERS_MAX_BYTES = 3 * 1024 * 1024;

export type CodeOwner =
  | { kind: 'user'; login: string; text: string }
  | { kind: 'team'; org: string; team: string; text: string }
  | { kind: 'email'; email: string; text: string };

export interface CodeownersRule {
  /** The pattern as written (escapes kept). */
  pattern: string;
  /** Empty: the pattern un-owns what it matches. */
  owners: CodeOwner[];
  /** 1-based line in the file. */
  line: number;
  /** The compiled pattern, matched against repository-relative paths without a leading slash. */
  regex: RegExp;
}

/** A line GitHub would skip, with why. */
export interface CodeownersProblem {
  line: number;
  message: string;
  /** The line as written. */
  text: string;
}

export interface ParsedCodeowners {
  file: string;
  rules: CodeownersRule[];
  problems: CodeownersProblem[];
  /** 3 MB or more: GitHub does not load the file at all. */
  tooLarge: boolean;
}

// Usernames: letters, digits, single hyphens (underscore too: managed-user logins `name_short`).
const USER = /^@([A-Za-z0-9](?:[A-Za-z0-9_]|-(?=[A-Za-z0-9_]))*)$/;
const TEAM = /^@([A-Za-z0-9](?:[A-Za-z0-9_]|-(?=[A-Za-z0-9_]))*)\/([A-Za-z0-9_.-]+)$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function parseOwner(token: string): CodeOwner | undefined {
  let m = TEAM.exec(token);
  if (m) return { kind: 'team', org: m[1]!, team: m[2]!, text: token };
  m = USER.exec(token);
  if (m) return { kind: 'user', login: m[1]!, text: token };
  if (EMAIL.test(token)) return { kind: 'email', email: token, text: token };
  return undefined;
}

/** Splits a line into its pattern (escapes kept) and the rest, at the first unescaped blank. */
function splitPattern(line: string): { pattern: string; rest: string } {
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      i += 2;
      continue;
    }
    if (ch === ' ' || ch === '\t') break;
    i++;
  }
  return { pattern: line.slice(0, i), rest: line.slice(i) };
}

/** Why GitHub would not accept this pattern, or undefined. */
function patternProblem(pattern: string): string | undefined {
  if (pattern.startsWith('\\#')) {
    return `pattern ${pattern}: escaping a leading # with \\ does not work in CODEOWNERS`;
  }
  if (pattern.startsWith('!')) {
    return `pattern ${pattern}: negation with ! does not work in CODEOWNERS`;
  }
  if (/(?<!\\)[[\]]/.test(pattern)) {
    return `pattern ${pattern}: [ ] character ranges do not work in CODEOWNERS`;
  }
  if (pattern.includes('***')) {
    return `pattern ${pattern}: three consecutive asterisks are not a valid pattern`;
  }
  if (pattern.endsWith('\\')) return `pattern ${pattern}: ends with a lone backslash`;
  return undefined;
}

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/** One path segment (not `**`) as a regular expression without slashes. */
function segmentRegex(seg: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch === '\\') {
      // patternProblem() refuses a trailing lone backslash, so seg[i + 1] exists.
      out += escapeRegex(seg[++i]!);
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += escapeRegex(ch);
  }
  return out;
}

/** Compiles a (valid) CODEOWNERS pattern to a regular expression over repository paths. */
export function compilePattern(pattern: string): RegExp {
  if (pattern === '/') return /^(?!)/; // matches nothing
  let segs = pattern.split('/');
  if (segs[0] === '') {
    segs = segs.slice(1); // leading slash: anchored to the root
  } else if (segs.length === 1 || (segs.length === 2 && segs[1] === '')) {
    // No slash except a trailing one: matches at any depth, as if it began with `**/`.
    if (segs[0] !== '**') segs = ['**', ...segs];
  }
  if (segs.length > 1 && segs[segs.length - 1] === '') segs[segs.length - 1] = '**';

  const last = segs.length - 1;
  let re = '^';
  let needSlash = false;
  segs.forEach((seg, i) => {
    if (seg === '**') {
      if (i === 0 && i === last) re += '.+';
      else if (i === 0) {
        re += '(?:.+/)?';
        needSlash = false;
      } else if (i === last) re += '/.*';
      else {
        re += '(?:/.+)?';
        needSlash = true;
      }
      return;
    }
    if (needSlash) re += '/';
    if (seg === '*') {
      re += '[^/]+'; // GitHub: `docs/*` does not reach into subdirectories
    } else {
      re += segmentRegex(seg);
      if (i === last) re += '(?:/.*)?'; // a directory's name owns what is under it
    }
    needSlash = true;
  });
  return new RegExp(`${re}$`, 'u');
}

/**
 * Parses CODEOWNERS text. Invalid lines are kept out of `rules` (GitHub skips them) and listed
 * in `problems` with their line numbers, so the caller can report them.
 */
export function parseCodeowners(text: string, file: string): ParsedCodeowners {
  const tooLarge = Buffer.byteLength(text, 'utf8') >= CODEOWNERS_MAX_BYTES;
  const rules: CodeownersRule[] = [];
  const problems: CodeownersProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const { pattern, rest } = splitPattern(line);
    const bad = patternProblem(pattern);
    if (bad) {
      problems.push({ line: lineNo, message: bad, text: raw });
      return;
    }
    const hash = rest.search(/\s#/);
    const ownerText = hash === -1 ? rest : rest.slice(0, hash);
    const owners: CodeOwner[] = [];
    const invalid: string[] = [];
    for (const token of ownerText.split(/\s+/).filter((t) => t !== '')) {
      const owner = parseOwner(token);
      if (owner) owners.push(owner);
      else invalid.push(token);
    }
    if (invalid.length > 0) {
      problems.push({
        line: lineNo,
        message: `pattern ${pattern}: ${invalid.join(', ')} ${invalid.length === 1 ? 'is' : 'are'} not @user, @org/team or an email address`,
        text: raw,
      });
      return;
    }
    rules.push({ pattern, owners, line: lineNo, regex: compilePattern(pattern) });
  });
  return { file, rules, problems, tooLarge };
}

/** The rule that decides a path's owners: the LAST rule whose pattern matches, if any. */
export function ownersOf(
  rules: readonly CodeownersRule[],
  path: string,
): { rule: CodeownersRule; owners: CodeOwner[] } | undefined {
  const p = path.replace(/^\/+/, '');
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    if (rule.regex.test(p)) return { rule, owners: rule.owners };
  }
  return undefined;
}
