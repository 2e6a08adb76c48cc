import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { GateError } from '../errors.js';
import { decodeUtf8Strict, notUtf8 } from '../utf8.js';
import type { Location } from '../types.js';
import { Loosening, looseningError, tighten } from './extends.js';
import {
  NOT_YET_SUPPORTED_KEYS,
  parseExtends,
  policySchema,
  type ExtendsSpec,
  type Policy,
} from './schema.js';

export interface LoadedPolicy {
  policy: Policy;
  path: string;
  /** Of the policy text, and of the base it extends when it does. */
  sha256: string;
  /** The organisation policy it extends, as read. */
  base?: { spec: string; file: string; sha256: string };
}

/** A base policy, fetched: `file` names it in messages (e.g. `my-org/.github/p.yml@abc123`). */
export interface BasePolicy {
  spec: string;
  file: string;
  text: string;
}

/** Fetches the base policy an `extends` names (the GitHub contents API in production). */
export type ExtendsResolver = (spec: ExtendsSpec) => Promise<BasePolicy>;

/** Reads, parses and validates a policy file. Every problem is a GateError('config') naming file, line and key. */
export async function loadPolicy(
  path: string,
  resolveExtends?: ExtendsResolver,
): Promise<LoadedPolicy> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    throw new GateError(
      'config',
      code === 'ENOENT'
        ? `policy file not found: ${path}`
        : `cannot read policy file ${path}: ${code ?? String(err)}`,
      {
        cause: err,
        location: { file: path },
        fix: 'Create the policy file, or point the `policy` input / --policy flag at it.',
      },
    );
  }
  // Strict: a damaged byte would make a `deny` rule or an identity silently match nothing.
  const decoded = decodeUtf8Strict(bytes);
  if ('invalid' in decoded) {
    throw new GateError('config', `${path}:${decoded.invalid.line}: ${notUtf8(decoded.invalid)}`, {
      location: { file: path, line: decoded.invalid.line },
      fix: 'Save the policy file as UTF-8.',
    });
  }
  return policyFromText(decoded.text, path, resolveExtends);
}

/** Parses policy text, fetching the base policy it extends, if any. */
export async function policyFromText(
  text: string,
  path: string,
  resolveExtends?: ExtendsResolver,
): Promise<LoadedPolicy> {
  // A well-formed `extends` is fetched; anything else (malformed, no resolver) parsePolicy refuses.
  const spec = extendsOf(text);
  const parsed = spec === undefined ? undefined : parseExtends(spec);
  const base = parsed && resolveExtends ? await resolveExtends(parsed) : undefined;
  const hash = createHash('sha256').update(text);
  if (base) hash.update('\0').update(base.file).update('\0').update(base.text);
  return {
    policy: parsePolicy(text, path, undefined, base),
    path,
    sha256: hash.digest('hex'),
    ...(base
      ? {
          base: {
            spec: base.spec,
            file: base.file,
            sha256: createHash('sha256').update(base.text).digest('hex'),
          },
        }
      : {}),
  };
}

/** The `extends` value of a policy text, when it has a string one (else the schema decides). */
function extendsOf(text: string): string | undefined {
  const doc = parseDocument(text, {
    prettyErrors: false,
    uniqueKeys: true,
    resolveKnownTags: false,
  });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const value: unknown = doc.get('extends');
  return typeof value === 'string' ? value : undefined;
}

/** Parses policy YAML (or JSON) text; `file` names it in messages. */
export function parsePolicy(text: string, file: string, now?: Date, base?: BasePolicy): Policy {
  const lineCounter = new LineCounter();
  // resolveKnownTags: false — `!!binary`, `!!set`, `!!timestamp` stay plain scalars and maps; a
  // Buffer or Date would reach the schema as an object with a hundred method "keys".
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    resolveKnownTags: false,
  });
  const at = (offset: number | undefined, key?: string): Location => {
    const loc: Location = { file };
    if (offset !== undefined) {
      const pos = lineCounter.linePos(offset);
      loc.line = pos.line;
      loc.column = pos.col;
    }
    if (key) loc.key = key;
    return loc;
  };
  const firstError = doc.errors[0];
  if (firstError) {
    const loc = at(firstError.pos[0]);
    throw new GateError(
      'config',
      `${file}:${loc.line}:${loc.column}: YAML syntax error: ${firstError.message.split('\n')[0]}`,
      { location: loc, fix: 'Fix the YAML syntax at that line.' },
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new GateError('config', `${file}: cannot read YAML: ${String(err)}`, {
      cause: err,
      location: { file },
    });
  }
  if (data === null || data === undefined) {
    throw new GateError(
      'config',
      `${file}: policy file is empty; it needs at least \`version: 1\``,
      {
        location: { file, line: 1 },
        fix: 'Start the file with `version: 1`.',
      },
    );
  }
  if (typeof data === 'object' && !Array.isArray(data) && 'extends' in data) {
    // A policy that extends another is never used without it: an `extends` that was not
    // fetched is an error, not a policy without its base.
    if (base === undefined) {
      const spec = (data as { extends?: unknown }).extends;
      // A malformed spec is the schema's to report (below); a well-formed one was not fetched.
      if (typeof spec === 'string' && parseExtends(spec) !== undefined) {
        const at = locatePolicyKey(text, 'extends');
        throw new GateError(
          'config',
          `${file}:${at?.line ?? '?'}: key 'extends': ${spec} was not read, so this policy cannot be used without it`,
          {
            location: { file, ...(at ?? {}), key: 'extends' },
            fix: 'Run where the GitHub API is reachable (GITHUB_API_URL, GITHUB_TOKEN).',
          },
        );
      }
    } else {
      data = applyExtends(data, text, file, base, now);
    }
  }
  const result = policySchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => describeIssue(issue, doc.contents, at));
    const first = problems[0];
    // One screen: the first ten problems, then how many more.
    const lines = problems
      .slice(0, 10)
      .map((p) => `  ${p.location.file}:${p.location.line ?? '?'}: ${p.text}`);
    if (problems.length > 10) lines.push(`  … and ${problems.length - 10} more`);
    throw new GateError(
      'config',
      `${file}: invalid policy (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      {
        ...(first ? { location: first.location } : {}),
        fix: 'See the policy reference in the README, or validate with schema/policy.schema.json.',
      },
    );
  }
  const policy = result.data;
  if (!policy.signatures && !policy.dependencies && !policy.repository) {
    throw new GateError(
      'config',
      `${file}: the policy enables no checks; a gate that checks nothing would pass anything`,
      {
        location: { file, line: 1 },
        fix: 'Add a `signatures:`, `dependencies:` or `repository:` section.',
      },
    );
  }
  // An expired waiver is an error, not a silent block: the policy must be fixed.
  const today = (now ?? new Date()).toISOString().slice(0, 10);
  for (const [i, w] of (policy.dependencies?.allow ?? []).entries()) {
    if (w.expires < today) {
      const key = `dependencies.allow[${i}].expires`;
      const { node, keyNode } = nodeAt(doc.contents, ['dependencies', 'allow', i, 'expires']);
      const loc = at((keyNode ?? node)?.range?.[0], key);
      throw new GateError(
        'config',
        `${file}:${loc.line ?? '?'}: the waiver for ${w.id} (${key}) expired on ${w.expires}`,
        {
          location: loc,
          fix: 'Fix the finding, or renew the waiver with a new reason and expiry.',
        },
      );
    }
  }
  return policy;
}

/** The base policy tightened by this one; a loosening key is an error at its line here. */
function applyExtends(
  local: Record<string, unknown>,
  text: string,
  file: string,
  base: BasePolicy,
  now?: Date,
): Record<string, unknown> {
  if (extendsOf(base.text) !== undefined) {
    throw new GateError(
      'config',
      `${base.file}: the organisation policy itself has \`extends\`; chains are not supported`,
      {
        location: { file: base.file, key: 'extends' },
        fix: 'Extend the policy at the end of the chain directly.',
      },
    );
  }
  // The base on its own: valid, and its effective values (defaults applied).
  const effective = parsePolicy(base.text, base.file, now);
  const raw = parseDocument(base.text, { uniqueKeys: true, resolveKnownTags: false }).toJS({
    maxAliasCount: 100,
  }) as Record<string, unknown>;
  try {
    return tighten(raw, effective, local);
  } catch (err) {
    if (!(err instanceof Loosening)) throw err;
    const at = locatePolicyKey(text, err.key) ?? locatePolicyKey(text, err.key.split(/[.[]/)[0]!);
    throw looseningError(err, file, base.file, { file, ...(at ?? {}) });
  }
}

type PathSeg = PropertyKey;

function keyName(path: readonly PathSeg[]): string {
  return path
    .map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : `${i === 0 ? '' : '.'}${String(seg)}`))
    .join('');
}

/** Finds the YAML node at `path`, and the node of the key itself when the last segment is a key. */
function nodeAt(root: unknown, path: readonly PathSeg[]): { node?: YamlNode; keyNode?: YamlNode } {
  let node: unknown = root;
  let keyNode: YamlNode | undefined;
  for (const seg of path) {
    keyNode = undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) =>
          (p.key as { value?: unknown } | null)?.value === seg || String(p.key) === String(seg),
      );
      if (!pair) return { node: node };
      keyNode = pair.key as YamlNode;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
    } else {
      return {};
    }
  }
  return { node: node as YamlNode, ...(keyNode ? { keyNode } : {}) };
}

function describeIssue(
  issue: z.core.$ZodIssue,
  root: unknown,
  at: (offset: number | undefined, key?: string) => Location,
): { location: Location; text: string }[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const full = [...path, k];
      const { keyNode } = nodeAt(root, full);
      const name = keyName(full);
      const future = NOT_YET_SUPPORTED_KEYS[name];
      return {
        location: at(keyNode?.range?.[0], name),
        text: future ? `key '${name}': ${future}` : `unknown key '${name}'`,
      };
    });
  }
  const { node, keyNode } = nodeAt(root, path);
  const name = keyName(path);
  const where = keyNode ?? node;
  const text =
    // `input` is only reported because of `reportInput: true` above: undefined means absent.
    (issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined
      ? `key '${name}' is required`
      : `key '${name || '(top level)'}': ${issue.message}`;
  return [{ location: at(where?.range?.[0], name || undefined), text }];
}

/**
 * Line and column (1-based) of a policy key such as `dependencies.allow[0]` or
 * `signatures.artifacts[1].path` in the policy's text; undefined when the text does not have it.
 */
export function locatePolicyKey(
  text: string,
  key: string,
): { line: number; column: number } | undefined {
  const segments: PathSeg[] = [];
  for (const part of key.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) segments.push(m[1]);
    for (const i of m[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(i[1]));
  }
  if (segments.length === 0) return undefined;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return undefined;
  const { node, keyNode } = nodeAt(doc.contents, segments);
  // nodeAt stops at the deepest map it found when a key is missing: require the whole path.
  const last = segments[segments.length - 1];
  const found = typeof last === 'number' ? node : keyNode;
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  if (typeof last === 'number' && nodeAt(doc.contents, segments.slice(0, -1)).node === node) {
    return undefined;
  }
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}
