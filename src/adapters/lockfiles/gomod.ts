/**
 * go.mod: `require` lines (single or block) with `// indirect` marking transitive requirements,
 * and `replace` directives applied (a module replaced by a local directory goes to
 * `unresolved`; one replaced by another module is reported as that module and version). go.sum is
 * not needed: go.mod lists every module in the build list since Go 1.17.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import { ManifestBuilder, inputError, type ReadContext } from './common.js';

const DIRECTIVES = new Set([
  'module',
  'go',
  'toolchain',
  'godebug',
  'require',
  'exclude',
  'replace',
  'retract',
  'tool',
  'ignore',
]);

interface Line {
  tokens: string[];
  comment: string;
  line: number;
}

/** Tokens of one line: words, "quoted" or `raw` strings; the `//` comment kept apart. */
function tokenize(text: string, line: number, file: string): { tokens: string[]; comment: string } {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') return { tokens, comment: text.slice(i + 2).trim() };
    if (c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      if (end === -1) throw inputError(file, 'unterminated string', { line });
      const raw = text.slice(i, end + 1);
      tokens.push(c === '"' ? (JSON.parse(raw) as string) : raw.slice(1, -1));
      i = end + 1;
      continue;
    }
    let j = i;
    while (
      j < text.length &&
      !/\s/.test(text[j] as string) &&
      !(text[j] === '/' && text[j + 1] === '/')
    )
      j++;
    tokens.push(text.slice(i, j));
    i = j;
  }
  return { tokens, comment: '' };
}

function isLocalPath(p: string): boolean {
  return (
    p.startsWith('./') ||
    p.startsWith('../') ||
    p.startsWith('/') ||
    /^[A-Za-z]:[\\/]/.test(p) ||
    p === '.' ||
    p === '..'
  );
}

const GO_VERSION = /^v\d+\.\d+\.\d+([-+.][0-9A-Za-z.+-]*)?$/;

export function readGoMod(ctx: ReadContext): ParsedManifest {
  const statements: { verb: string; line: Line }[] = [];
  let block: string | undefined;
  let blockLine = 0;
  ctx.text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const { tokens, comment } = tokenize(raw, line, ctx.display);
    if (tokens.length === 0) return;
    if (block !== undefined) {
      if (tokens[0] === ')' && tokens.length === 1) {
        block = undefined;
        return;
      }
      statements.push({ verb: block, line: { tokens, comment, line } });
      return;
    }
    const verb = tokens[0] as string;
    if (!DIRECTIVES.has(verb)) {
      throw inputError(ctx.display, `unknown directive '${verb}'`, {
        line,
        fix: 'Check the file with `go mod edit -json`, or upgrade the gate if this is a new Go directive.',
      });
    }
    if (tokens[1] === '(' && tokens.length === 2) {
      block = verb;
      blockLine = line;
      return;
    }
    statements.push({ verb, line: { tokens: tokens.slice(1), comment, line } });
  });
  if (block !== undefined) {
    throw inputError(ctx.display, `the '${block} (' block is never closed`, { line: blockLine });
  }
  const module = statements.find((s) => s.verb === 'module');
  if (!module || module.line.tokens.length !== 1) {
    throw inputError(ctx.display, 'has no valid module directive (not a go.mod file)');
  }

  const replaces: {
    from: string;
    fromVersion?: string;
    to: string;
    toVersion?: string;
    line: number;
  }[] = [];
  for (const s of statements.filter((x) => x.verb === 'replace')) {
    const t = s.line.tokens;
    const arrow = t.indexOf('=>');
    if (arrow < 1 || arrow > 2 || t.length - arrow - 1 < 1 || t.length - arrow - 1 > 2) {
      throw inputError(ctx.display, `cannot read replace directive '${t.join(' ')}'`, {
        line: s.line.line,
      });
    }
    replaces.push({
      from: t[0] as string,
      ...(arrow === 2 ? { fromVersion: t[1] } : {}),
      to: t[arrow + 1] as string,
      ...(t.length - arrow - 1 === 2 ? { toVersion: t[arrow + 2] } : {}),
      line: s.line.line,
    });
  }

  const b = new ManifestBuilder(ctx.display, 'go.mod');
  for (const s of statements.filter((x) => x.verb === 'require')) {
    const t = s.line.tokens;
    if (t.length !== 2) {
      throw inputError(
        ctx.display,
        `cannot read require '${t.join(' ')}' (expected: module version)`,
        {
          line: s.line.line,
        },
      );
    }
    const [path, version] = t as [string, string];
    const direct = !/(^|;)\s*indirect\s*(;|$)/.test(s.line.comment);
    // The most specific replace wins: one for this exact version, else one for all versions.
    const rep =
      replaces.find((r) => r.from === path && r.fromVersion === version) ??
      replaces.find((r) => r.from === path && r.fromVersion === undefined);
    if (rep) {
      if (isLocalPath(rep.to)) {
        b.unresolved(
          path,
          `replaced by the local directory ${rep.to} (go.mod line ${rep.line}): not a published module version`,
          s.line.line,
        );
        continue;
      }
      if (!rep.toVersion || !GO_VERSION.test(rep.toVersion)) {
        b.unresolved(
          path,
          `replaced by ${rep.to} without a valid version (go.mod line ${rep.line})`,
          s.line.line,
        );
        continue;
      }
      b.add({
        ecosystem: 'Go',
        name: rep.to,
        version: rep.toVersion,
        direct,
        scope: 'unknown',
        // The module and version shipped are the ones the replace directive names.
        line: rep.line,
      });
      continue;
    }
    if (!GO_VERSION.test(version)) {
      b.unresolved(path, `'${version}' is not a Go module version`, s.line.line);
      continue;
    }
    b.add({ ecosystem: 'Go', name: path, version, direct, scope: 'unknown', line: s.line.line });
  }
  return b.build();
}
