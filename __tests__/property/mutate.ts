/**
 * Hostile inputs derived from real files, for the property tests in this folder.
 *
 * Every arbitrary starts from the bytes of a real fixture and breaks it one way: truncation at any
 * point, byte flips, a JSON/YAML/TOML value replaced by one of another type (or by a deep nest, a
 * huge string, a huge number), a duplicated key, another encoding (BOM, UTF-16, invalid UTF-8), or
 * (for line formats) a line dropped, duplicated or replaced. Each mutation says what it did
 * (`kind`, `detail`), so a failing case printed by fast-check can be read without replaying it.
 */
import fc from 'fast-check';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export interface Mutation {
  kind: string;
  detail: string;
  bytes: Buffer;
}

export type Syntax = 'json' | 'yaml' | 'toml' | 'lines';

/** fast-check prints counterexamples with this (a multi-megabyte Buffer would flood the log). */
function printable(m: Mutation): Mutation {
  return Object.assign(m, { [fc.toStringMethod]: () => `Mutation<${show(m)}>` });
}

/** Runs per property, from SG_PROPERTY_RUNS (a soak: SG_PROPERTY_RUNS=2000) or the default. */
export function runs(dflt: number): number {
  const env = Number(process.env.SG_PROPERTY_RUNS);
  return Number.isSafeInteger(env) && env > 0 ? env : dflt;
}

/** Fixed seed unless SG_PROPERTY_SEED is set: a run is reproducible; fast-check prints the seed and path of a failure. */
export function seed(): number {
  const env = Number(process.env.SG_PROPERTY_SEED);
  return Number.isSafeInteger(env) ? env : 20261207;
}

const DEEP = 100_000;
const HUGE = 1024 * 1024;

/** Raw JSON text put in place of a value (through a placeholder: JSON.stringify of a deep nest would overflow). */
const JSON_SNIPPETS: readonly string[] = [
  'null',
  'true',
  'false',
  '0',
  '-1',
  '1.5',
  '1e999',
  '-0',
  '123456789012345678901234567890',
  '""',
  '" "',
  '"\\u0000"',
  '"\\ud800"',
  '"../../../../etc/passwd"',
  '"<img src=x onerror=alert(1)>"',
  '[]',
  '{}',
  '[null]',
  '{"":{}}',
  '{"__proto__":{"polluted":true}}',
  '"constructor"',
  `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`,
  `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`,
  `"${'A'.repeat(HUGE)}"`,
  `[${Array.from({ length: 100_000 }, () => '0').join(',')}]`,
];

const YAML_SNIPPETS: readonly string[] = [
  'null',
  '~',
  'true',
  'no',
  '0',
  '-1',
  '.inf',
  '.nan',
  '0x1F',
  '123456789012345678901234567890',
  '""',
  '"\\0"',
  '!!binary aGVsbG8=',
  '!!timestamp 2001-12-14t21:59:43.10-05:00',
  '[]',
  '{}',
  '[null]',
  '"<img src=x onerror=alert(1)>"',
  '{__proto__: {polluted: true}}',
  `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`,
  `${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}`,
  `"${'A'.repeat(HUGE)}"`,
];

const TOML_SNIPPETS: readonly string[] = [
  'true',
  '0',
  '-1',
  'inf',
  'nan',
  '1979-05-27T07:32:00Z',
  '""',
  '"\\u0000"',
  '[]',
  '{}',
  '[1, "a"]',
  `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`,
  `"${'A'.repeat(HUGE)}"`,
];

const LINE_SNIPPETS: readonly string[] = [
  '',
  ' ',
  '\u0000\u0000\u0000',
  '\t\t\t',
  '# comment',
  '===',
  '<<<<<<< HEAD',
  '@@',
  '"',
  "'",
  '\\',
  '-e git+https://example.invalid/x.git#egg=x',
  '<a>'.repeat(20_000),
  '('.repeat(DEEP),
  'A'.repeat(HUGE),
  '\ud800',
];

type Path = (string | number)[];

function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...at, i]);
      pathsOf(v, [...at, i], out);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push([...at, k]);
      pathsOf(v, [...at, k], out);
    }
  }
  return out;
}

function objectPathsOf(value: unknown): Path[] {
  const all: Path[] = [[], ...pathsOf(value)];
  return all.filter((p) => {
    const v = get(value, p);
    return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0;
  });
}

function get(value: unknown, path: Path): unknown {
  let v = value;
  for (const seg of path) v = (v as Record<string | number, unknown>)[seg];
  return v;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

const PLACEHOLDER = '__SG_PROPERTY_PLACEHOLDER__';

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = clone(root);
  const parent = get(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1] as string | number] = value;
  return copy;
}

function parseAs(syntax: Syntax, text: string): unknown {
  if (syntax === 'json') return JSON.parse(text) as unknown;
  if (syntax === 'yaml') return parseYaml(text, { maxAliasCount: -1 }) as unknown;
  if (syntax === 'toml') return parseToml(text);
  return undefined;
}

function stringifyAs(syntax: Syntax, value: unknown): string {
  if (syntax === 'json') return JSON.stringify(value, null, 2);
  if (syntax === 'yaml') return stringifyYaml(value, { lineWidth: 0 });
  return stringifyToml(value);
}

function quoted(syntax: Syntax): string {
  return syntax === 'json' ? `"${PLACEHOLDER}"` : PLACEHOLDER;
}

function snippetsOf(syntax: Syntax): readonly string[] {
  return syntax === 'json' ? JSON_SNIPPETS : syntax === 'yaml' ? YAML_SNIPPETS : TOML_SNIPPETS;
}

function describeSnippet(s: string): string {
  return s.length > 40 ? `${s.slice(0, 20)}…(${s.length} chars)` : s;
}

function encodeUtf16(text: string, bigEndian: boolean, bom: boolean): Buffer {
  const le = Buffer.from((bom ? '\ufeff' : '') + text, 'utf16le');
  if (!bigEndian) return le;
  const be = Buffer.from(le);
  be.swap16();
  return be;
}

/**
 * Every hostile variant of `original` (a real file in `syntax`), as one arbitrary. Structured
 * mutations (type swap, duplicate key) are tried only when the original parses as `syntax`.
 */
export function hostile(original: Buffer, syntax: Syntax): fc.Arbitrary<Mutation> {
  const text = original.toString('utf8');
  const len = original.length;
  const arbs: fc.Arbitrary<Mutation>[] = [
    fc.integer({ min: 0, max: Math.max(0, len - 1) }).map((n) => ({
      kind: 'truncate',
      detail: `first ${n} of ${len} bytes`,
      bytes: original.subarray(0, n),
    })),
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: len - 1 }), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 3,
      })
      .map((flips) => {
        const bytes = Buffer.from(original);
        for (const [i, x] of flips) bytes[i] = (bytes[i] as number) ^ x;
        return {
          kind: 'flip',
          detail: flips.map(([i, x]) => `byte ${i} ^ 0x${x.toString(16)}`).join(', '),
          bytes,
        };
      }),
    fc
      .constantFrom(
        { name: 'UTF-8 BOM', f: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), original]) },
        { name: 'two UTF-8 BOMs', f: () => Buffer.from(`\ufeff\ufeff${text}`) },
        { name: 'UTF-16LE with BOM', f: () => encodeUtf16(text, false, true) },
        { name: 'UTF-16BE with BOM', f: () => encodeUtf16(text, true, true) },
        { name: 'UTF-16LE without BOM', f: () => encodeUtf16(text, false, false) },
        { name: 'NUL bytes only', f: () => Buffer.alloc(Math.min(len, 4096)) },
        { name: 'empty', f: () => Buffer.alloc(0) },
        { name: 'whitespace only', f: () => Buffer.from(' \n\t\r\n') },
      )
      .map(({ name, f }) => ({ kind: 'encoding', detail: name, bytes: f() })),
    fc
      .tuple(
        fc.integer({ min: 0, max: len }),
        fc.constantFrom(
          [0xff],
          [0xfe],
          [0xc0, 0x80],
          [0xc3],
          [0xed, 0xa0, 0x80],
          [0xf4, 0x90, 0x80, 0x80],
          [0x80],
        ),
      )
      .map(([at, seq]) => ({
        kind: 'invalid-utf8',
        detail: `${Buffer.from(seq).toString('hex')} at byte ${at}`,
        bytes: Buffer.concat([original.subarray(0, at), Buffer.from(seq), original.subarray(at)]),
      })),
  ];

  if (syntax === 'lines') {
    const lines = text.split('\n');
    arbs.push(
      fc
        .tuple(
          fc.integer({ min: 0, max: lines.length - 1 }),
          fc.constantFrom('drop', 'duplicate', 'replace', 'insert'),
          fc.constantFrom(...LINE_SNIPPETS),
        )
        .map(([i, op, snippet]) => {
          const out = [...lines];
          if (op === 'drop') out.splice(i, 1);
          else if (op === 'duplicate') out.splice(i, 0, lines[i] as string);
          else if (op === 'replace') out[i] = snippet;
          else out.splice(i, 0, snippet);
          return {
            kind: `line-${op}`,
            detail: `line ${i + 1}${op === 'replace' || op === 'insert' ? `: ${describeSnippet(snippet)}` : ''}`,
            bytes: Buffer.from(out.join('\n')),
          };
        }),
      // Token-level: one whitespace-separated word of a line replaced.
      fc
        .tuple(fc.integer({ min: 0, max: lines.length - 1 }), fc.constantFrom(...LINE_SNIPPETS))
        .map(([i, snippet]) => {
          const out = [...lines];
          const words = (out[i] as string).split(' ');
          words[Math.floor(words.length / 2)] = snippet;
          out[i] = words.join(' ');
          return {
            kind: 'word-replace',
            detail: `line ${i + 1}: ${describeSnippet(snippet)}`,
            bytes: Buffer.from(out.join('\n')),
          };
        }),
    );
    return fc.oneof(...arbs).map(printable);
  }

  let parsed: unknown;
  try {
    parsed = parseAs(syntax, text);
  } catch {
    return fc.oneof(...arbs).map(printable);
  }
  const paths = pathsOf(parsed);
  const objects = objectPathsOf(parsed);
  const snippets = snippetsOf(syntax);
  if (paths.length > 0) {
    arbs.push(
      fc.tuple(fc.constantFrom(...paths), fc.constantFrom(...snippets)).map(([path, snippet]) => ({
        kind: 'type-swap',
        detail: `${JSON.stringify(path)} = ${describeSnippet(snippet)}`,
        bytes: Buffer.from(
          stringifyAs(syntax, setAt(parsed, path, PLACEHOLDER)).replace(quoted(syntax), snippet),
        ),
      })),
    );
  }
  if (objects.length > 0 && syntax !== 'toml') {
    arbs.push(
      fc
        .tuple(fc.constantFrom(...objects), fc.nat(), fc.constantFrom(...snippets))
        .map(([path, n, snippet]) => {
          const obj = get(parsed, path) as Record<string, unknown>;
          const keys = Object.keys(obj);
          const key = keys[n % keys.length] as string;
          const dupKey = `${PLACEHOLDER}KEY`;
          const withDup = setAt(parsed, path, { ...obj, [dupKey]: PLACEHOLDER });
          const keyText = syntax === 'json' ? JSON.stringify(key) : JSON.stringify(key);
          const out = stringifyAs(syntax, withDup)
            .replace(syntax === 'json' ? `"${dupKey}"` : dupKey, keyText)
            .replace(quoted(syntax), snippet);
          return {
            kind: 'duplicate-key',
            detail: `${JSON.stringify([...path, key])} again = ${describeSnippet(snippet)}`,
            bytes: Buffer.from(out),
          };
        }),
    );
  }
  return fc.oneof(...arbs).map(printable);
}

/** Short description of a mutation for failure messages. */
export function show(m: Mutation): string {
  return `${m.kind} (${m.detail}), ${m.bytes.length} bytes`;
}
