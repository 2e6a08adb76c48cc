/**
 * What every lockfile reader shares: the input-error shape, the manifest builder (purls,
 * de-duplication, unresolved entries), JSON/JSONC/YAML/TOML parsing that fails closed with the
 * file and line, and reachability over a dependency graph for direct/scope.
 */
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml';
import { parse as parseToml, TomlError } from 'smol-toml';
import { GateError, describeThrown } from '../../errors.js';
import type { Ecosystem, Package, ParsedManifest } from '../../checks/dependencies/model.js';
import { buildPurl } from './purl.js';

export type Scope = Package['scope'];

/** What a reader gets: the file's text and the two names of it. */
export interface ReadContext {
  /** Path to read from disk (and to resolve includes and sibling files against). */
  path: string;
  /** Path as shown in packages and messages. */
  display: string;
  text: string;
}

export type Reader = (ctx: ReadContext) => Promise<ParsedManifest> | ParsedManifest;

/** A GateError('input') naming the file (and line when known). */
export function inputError(
  file: string,
  message: string,
  options: { line?: number; cause?: unknown; fix?: string } = {},
): GateError {
  const where = options.line !== undefined ? `${file}:${options.line}` : file;
  // Readers quote the line they cannot read: a 1 MiB line must not become a 1 MiB message.
  const text = message.length > 400 ? `${message.slice(0, 400)}…` : message;
  return new GateError('input', `${where}: ${text}`, {
    cause: options.cause,
    location: options.line !== undefined ? { file, line: options.line } : { file },
    fix:
      options.fix ??
      `Regenerate ${file} with its package manager, or remove it from the dependency check's inputs.`,
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Any value from a parsed file, as text for a message (never '[object Object]'). */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '(unprintable)';
  }
}

/** The keys of an optional string-valued map (`dependencies` and friends), empty when absent. */
export function mapKeys(value: unknown): string[] {
  return isRecord(value) ? Object.keys(value) : [];
}

export function stringEntries(value: unknown): [string, string][] {
  if (!isRecord(value)) return [];
  return Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string');
}

interface Entry {
  pkg: Package;
}

/** Collects packages and unresolved entries; de-duplicates name+version within the file. */
export class ManifestBuilder {
  private readonly byKey = new Map<string, Entry>();
  private readonly order: Entry[] = [];
  private readonly unresolvedList: ParsedManifest['unresolved'] = [];

  constructor(
    readonly file: string,
    public format: string,
  ) {}

  /**
   * Adds one package. A missing or empty version goes to `unresolved` with the given reason.
   * Duplicates merge: direct if any occurrence is direct; runtime beats unknown beats dev (so
   * a merge can only make a package count more, never less).
   */
  add(input: {
    ecosystem: Ecosystem;
    name: string;
    version: string | undefined;
    direct?: boolean | undefined;
    scope: Scope;
    line?: number | undefined;
    missingVersionReason?: string;
    /** The file it came from when not this manifest's own file (requirements includes). */
    file?: string;
  }): void {
    const name = input.name.trim();
    const version = input.version?.trim();
    if (!name) {
      this.unresolved('(unnamed)', 'an entry without a package name', input.line);
      return;
    }
    if (!version) {
      this.unresolved(name, input.missingVersionReason ?? 'no version in the file', input.line);
      return;
    }
    let purl: string;
    try {
      purl = buildPurl(input.ecosystem, name, version);
    } catch (err) {
      this.unresolved(
        name,
        `cannot form a package URL from name '${name}' and version '${version}': ${describeThrown(err)}`,
        input.line,
      );
      return;
    }
    const key = `${input.ecosystem}\u0000${name}\u0000${version}`;
    const existing = this.byKey.get(key);
    if (existing) {
      const p = existing.pkg;
      p.direct = mergeDirect(p.direct, input.direct);
      if (p.direct === undefined) delete p.direct;
      p.scope = mergeScope(p.scope, input.scope);
      if (p.line === undefined && input.line !== undefined) p.line = input.line;
      return;
    }
    const pkg: Package = {
      ecosystem: input.ecosystem,
      name,
      version,
      purl,
      scope: input.scope,
      file: input.file ?? this.file,
    };
    if (input.direct !== undefined) pkg.direct = input.direct;
    if (input.line !== undefined) pkg.line = input.line;
    const entry = { pkg };
    this.byKey.set(key, entry);
    this.order.push(entry);
  }

  unresolved(name: string, reason: string, line?: number, file?: string): void {
    const u: ParsedManifest['unresolved'][number] = { name, reason };
    if (line !== undefined) u.line = line;
    if (file !== undefined) u.file = file;
    this.unresolvedList.push(u);
  }

  build(): ParsedManifest {
    return {
      file: this.file,
      format: this.format,
      packages: this.order.map((e) => e.pkg),
      unresolved: this.unresolvedList,
    };
  }
}

export function mergeDirect(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  if (a === true || b === true) return true;
  if (a === false && b === false) return false;
  if (a === undefined) return b;
  if (b === undefined) return a;
  return undefined;
}

export function mergeScope(a: Scope, b: Scope): Scope {
  if (a === 'runtime' || b === 'runtime') return 'runtime';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return 'dev';
}

// ---------------------------------------------------------------------------------------------
// Reachability: which packages a project reaches from its runtime, dev and unknown roots
// ---------------------------------------------------------------------------------------------

export function reachable(
  roots: Iterable<string>,
  edges: (id: string) => Iterable<string>,
): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of edges(id)) if (!seen.has(next)) stack.push(next);
  }
  return seen;
}

/**
 * Scope by reachability: reached from a runtime root → runtime; else from a root whose kind is
 * not known → unknown; else only from dev roots → dev; not reached at all → unknown.
 */
export function scopeClassifier(
  roots: { runtime: Iterable<string>; dev: Iterable<string>; unknown?: Iterable<string> },
  edges: (id: string) => Iterable<string>,
): (id: string) => Scope {
  const runtime = reachable(roots.runtime, edges);
  const unknown = reachable(roots.unknown ?? [], edges);
  const dev = reachable(roots.dev, edges);
  return (id) => {
    if (runtime.has(id)) return 'runtime';
    if (unknown.has(id)) return 'unknown';
    if (dev.has(id)) return 'dev';
    return 'unknown';
  };
}

// ---------------------------------------------------------------------------------------------
// Lines and positions
// ---------------------------------------------------------------------------------------------

/** 1-based line of a 0-based character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function lineCount(text: string): number {
  return lineAt(text, text.length);
}

/** 1-based line of the n-th `[[name]]` array-of-tables header in a TOML file, in file order. */
export function tomlArrayHeaderLines(text: string, name: string): number[] {
  const re = new RegExp(
    `^\\s*\\[\\[\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\]\\]\\s*(#.*)?$`,
  );
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (re.test(l)) lines.push(i + 1);
  });
  return lines;
}

// ---------------------------------------------------------------------------------------------
// JSON (and JSONC) with the line of every value
// ---------------------------------------------------------------------------------------------

/** Parses JSON; a syntax error is a GateError naming the file and the line. */
export function parseJson(ctx: ReadContext, text: string = ctx.text, what = 'JSON'): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw inputError(ctx.display, `is not valid ${what}: ${describeThrown(err)}`, {
      line: jsonErrorLine(text, err),
      cause: err,
    });
  }
}

function jsonErrorLine(text: string, err: unknown): number {
  const message = describeThrown(err);
  const lineMatch = /\(line (\d+) column \d+\)/.exec(message);
  if (lineMatch?.[1]) return Number(lineMatch[1]);
  const posMatch = /at position (\d+)/.exec(message);
  if (posMatch?.[1]) return lineAt(text, Number(posMatch[1]));
  // "Unexpected end of JSON input": the file stops early.
  return Math.max(1, lineCount(text.trimEnd()));
}

/**
 * JSON with comments and trailing commas (bun.lock), parsed as JSON after blanking comments and
 * trailing commas with spaces: offsets, and so lines, stay those of the original text.
 */
export function stripJsonc(text: string): string {
  const out = text.split('');
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\') i++;
        i++;
      }
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') out[i++] = ' ';
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' ';
      continue;
    }
    if (c === ',') {
      let j = i + 1;
      while (j < n) {
        if (/\s/.test(text[j] as string)) {
          j++;
        } else if (text[j] === '/' && text[j + 1] === '/') {
          while (j < n && text[j] !== '\n') j++;
        } else if (text[j] === '/' && text[j + 1] === '*') {
          const end = text.indexOf('*/', j + 2);
          j = end === -1 ? n : end + 2;
        } else break;
      }
      if (text[j] === '}' || text[j] === ']') out[i] = ' ';
    }
    i++;
  }
  return out.join('');
}

/**
 * The line where each value of a JSON text starts, by path (object keys and array indexes): the
 * line of the key for object members, of the value for array elements. Assumes valid JSON.
 */
export function jsonLines(text: string): (path: (string | number)[]) => number | undefined {
  const lines = new Map<string, number>();
  const stack: {
    kind: 'obj' | 'arr';
    path: string;
    index: number;
    key?: string;
    keyLine?: number;
  }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  const childPath = (): string | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.kind === 'arr') return `${top.path}\u0000${top.index}`;
    return top.key === undefined ? undefined : `${top.path}\u0000${top.key}`;
  };
  const startValue = (): string | undefined => {
    const top = stack[stack.length - 1];
    const p = childPath();
    if (p !== undefined) {
      const at = top?.kind === 'obj' ? (top.keyLine ?? line) : line;
      if (!lines.has(p)) lines.set(p, at);
    }
    return p;
  };
  while (i < n) {
    const c = text[i] as string;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === '"') {
      const start = i;
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\') i++;
        i++;
      }
      i++;
      const top = stack[stack.length - 1];
      if (top?.kind === 'obj' && top.key === undefined) {
        try {
          top.key = JSON.parse(text.slice(start, i)) as string;
        } catch {
          top.key = text.slice(start + 1, i - 1);
        }
        top.keyLine = line;
      } else {
        startValue();
      }
      continue;
    }
    if (c === '{' || c === '[') {
      const p = startValue() ?? '';
      stack.push({ kind: c === '{' ? 'obj' : 'arr', path: p, index: 0 });
      i++;
      continue;
    }
    if (c === '}' || c === ']') {
      stack.pop();
      i++;
      continue;
    }
    if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'arr') top.index++;
      else if (top) {
        delete top.key;
        delete top.keyLine;
      }
      i++;
      continue;
    }
    if (c === ':' || c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    // number, true, false, null
    startValue();
    while (i < n && !/[\s,\]}]/.test(text[i] as string)) i++;
  }
  return (path) => lines.get(['', ...path.map(String)].join('\u0000'));
}

// ---------------------------------------------------------------------------------------------
// YAML and TOML
// ---------------------------------------------------------------------------------------------

export interface ParsedYaml {
  value: unknown;
  /** Line of each key of the mapping at `path` (top-level keys when `path` is empty). */
  keyLines(path: string[]): Map<string, number>;
}

export function parseYaml(ctx: ReadContext): ParsedYaml {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(ctx.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    throw inputError(ctx.display, `is not valid YAML: ${describeThrown(err)}`, { cause: err });
  }
  const first = doc.errors[0];
  if (first) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw inputError(ctx.display, `is not valid YAML: ${first.message.split('\n')[0] ?? ''}`, {
      line,
      cause: first,
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (err) {
    throw inputError(ctx.display, `is not valid YAML: ${describeThrown(err)}`, { cause: err });
  }
  return {
    value,
    keyLines(path) {
      const out = new Map<string, number>();
      const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
      if (!isMap(node)) return out;
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && key.range) {
          out.set(String(key.value), lineCounter.linePos(key.range[0]).line);
        }
      }
      return out;
    },
  };
}

export function parseTomlFile(ctx: ReadContext): Record<string, unknown> {
  try {
    return parseToml(ctx.text);
  } catch (err) {
    const line = err instanceof TomlError ? err.line : undefined;
    const first = describeThrown(err).split('\n')[0] ?? '';
    throw inputError(ctx.display, `is not valid TOML: ${first}`, {
      ...(line !== undefined ? { line } : {}),
      cause: err,
    });
  }
}

/** PEP 503 normalised name, as OSV keys PyPI packages. */
export function pep503(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Splits an npm-style `name@spec` (the name may be scoped: `@scope/name@spec`). */
export function splitAt(descriptor: string): { name: string; spec: string } | undefined {
  const at = descriptor.indexOf('@', 1);
  if (at <= 0) return undefined;
  return { name: descriptor.slice(0, at), spec: descriptor.slice(at + 1) };
}
