// The offline sources validate records with plain checks (isValidRecord) and decide relevance
// from a few fields (screenRecord); zod's osvRecordSchema is the reference. Here every record of
// the real fixtures is mutated at every node, in many ways, and the three must agree: the plain
// checks accept exactly what zod accepts, and the screen never refuses what zod accepts.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import {
  acceptRecord,
  isValidRecord,
  osvRecordSchema,
  screenRecord,
} from '../src/adapters/osv/record-schema.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REAL = path.join(here, 'fixtures/osv/real');
const reals: unknown[] = readdirSync(REAL).map(
  (f) => JSON.parse(readFileSync(path.join(REAL, f), 'utf8')) as unknown,
);

/** A shape with every optional field the schema names, so each gets mutated. */
const full = {
  id: 'FULL-1',
  modified: '2024-01-01T00:00:00.123+02:00',
  published: '2023-01-01T00:00:00Z',
  withdrawn: '2024-02-01T00:00:00Z',
  aliases: ['CVE-1'],
  related: ['R-1'],
  summary: 's',
  details: 'd',
  severity: [{ type: 'CVSS_V3', score: 'x' }],
  affected: [
    {
      package: { ecosystem: 'npm', name: 'a', purl: 'pkg:npm/a' },
      severity: [{ type: 'CVSS_V3', score: 'x' }],
      ranges: [
        {
          type: 'SEMVER',
          repo: 'https://example.invalid',
          events: [{ introduced: '0' }, { fixed: '1' }, { last_affected: '2' }, { limit: '3' }],
          database_specific: { a: 1 },
        },
      ],
      versions: ['0.1'],
      ecosystem_specific: { b: 2 },
      database_specific: { c: 3 },
    },
  ],
  references: [{ type: 'WEB', url: 'https://example.invalid' }],
  database_specific: { d: 4 },
};

const REPLACEMENTS: unknown[] = [
  null,
  undefined, // the key removed
  0,
  '',
  'x',
  '2024-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  true,
  [],
  ['x'],
  [1],
  [null],
  [{}],
  {},
  { ecosystem: 'npm', name: 'a' },
  { ecosystem: 'npm', name: 1 },
];

const clone = <T>(v: T): T => structuredClone(v);

/** Every path to a node of `value` (objects and arrays), the root included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function mutate(root: unknown, at: (string | number)[], to: unknown): unknown {
  if (at.length === 0) return clone(to);
  const copy = clone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = at.at(-1) as string | number;
  if (to === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = clone(to);
  return copy;
}

function* variants(): Generator<unknown> {
  for (const base of [full, ...reals]) {
    yield base;
    for (const at of paths(base)) {
      for (const to of REPLACEMENTS) yield mutate(base, at, to);
    }
    // Extra keys anywhere are allowed by the (loose) schema.
    for (const at of paths(base)) {
      const node = at.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], base);
      if (typeof node === 'object' && node !== null && !Array.isArray(node))
        yield mutate(base, [...at, 'extra_field'], { any: 'thing' });
    }
  }
}

describe('isValidRecord and screenRecord against the zod schema', () => {
  it('agree on thousands of mutated records', () => {
    let accepted = 0;
    let refused = 0;
    const disagreements: unknown[] = [];
    for (const v of variants()) {
      const zodSays = osvRecordSchema.safeParse(v).success;
      if (isValidRecord(v) !== zodSays) disagreements.push({ zodSays, v });
      if (zodSays) {
        accepted += 1;
        if (screenRecord(v) === undefined) disagreements.push({ screenRefused: v });
      } else refused += 1;
    }
    expect(disagreements).toEqual([]);
    // The corpus exercises both outcomes substantially.
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(1000);
  });

  it('acceptRecord returns what zod returns, and zod describes what is wrong', () => {
    for (const base of [full, ...reals]) {
      const ours = acceptRecord(clone(base));
      expect(ours).toEqual({ record: osvRecordSchema.parse(clone(base)) });
    }
    const nulls = { ...full, aliases: null, related: null, references: null };
    expect(acceptRecord(clone(nulls))).toEqual({ record: osvRecordSchema.parse(clone(nulls)) });
    expect(acceptRecord({ ...full, modified: 'yesterday' })).toEqual({
      problem: expect.stringMatching(/^modified: /) as unknown,
    });
  });

  it('screenRecord gives the keys of the packages in the ecosystems the gate reads', () => {
    expect(
      screenRecord({
        id: 'X',
        modified: '2024-01-01T00:00:00Z',
        affected: [
          { package: { ecosystem: 'PyPI', name: 'Jinja2' } },
          { package: { ecosystem: 'PyPI', name: 'jinja2' } },
          { package: { ecosystem: 'Debian:11', name: 'jinja2' } },
          { ranges: [] },
        ],
      }),
    ).toEqual({ id: 'X', modified: '2024-01-01T00:00:00Z', keys: ['PyPI\u0000jinja2'] });
  });
});
