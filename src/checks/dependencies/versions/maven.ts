/**
 * Maven: `org.apache.maven.artifact.versioning.ComparableVersion` as shipped in Maven 3.9
 * (maven-artifact), ported item for item. Features:
 * - `.` and `-` separators, and a transition between digits and letters, split items:
 *   `1.0alpha1` is `[1, [alpha, [1]]]`; a `-` (and a transition) opens a sub-list;
 * - numbers compare numerically (BigInt, as Java's BigInteger items);
 * - qualifiers are case-insensitive, ordered alpha (a) < beta (b) < milestone (m) < rc = cr <
 *   snapshot < "" = ga = final = release < sp, then any other string, lexically;
 *   `a`, `b`, `m` mean alpha, beta, milestone only when directly followed by a digit;
 * - trailing "null" items (0, "", ga, final, release, empty lists) are dropped, so `1` == `1.0` ==
 *   `1.0.0` == `1-0` == `1.ga`; `1.0.0.X1` is read as `1.0.0-X1`.
 *
 * Maven 4 reworked some corner cases (e.g. `1-ga-1`, which 3.9 orders below `1-1` and Maven 4, like
 * osv.dev, treats as equal); the 3.9 order is kept here because it is the Maven in use.
 *
 * ComparableVersion accepts any string. A version that could not be a Maven coordinate's version is
 * rejected here instead: empty, non-ASCII or whitespace, an unresolved `${property}`, range syntax
 * (`[` `]` `(` `)` `,`) or a character Maven forbids in versions (`\ / : " < > | ? *`); and, as
 * Maven 4's ComparableVersion does, one longer than 256 characters (each `-` nests a list).
 */
import { compareBigInt, compareString, defineScheme } from './common.js';

export type MavenItem = bigint | MavenString | MavenList;
export interface MavenString {
  kind: 'string';
  value: string;
}
export interface MavenList {
  kind: 'list';
  items: MavenItem[];
}

const VALID = /^[!-~]+$/;
const FORBIDDEN = /[\\/:"<>|?*[\](),${}]/;

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const SHORTHANDS: Record<string, string> = { a: 'alpha', b: 'beta', m: 'milestone' };
/** comparableQualifier(""): the rank of a release. */
const RELEASE = String(QUALIFIERS.indexOf(''));

function stringItem(value: string, followedByDigit: boolean): MavenString {
  const expanded = followedByDigit ? (SHORTHANDS[value] ?? value) : value;
  return { kind: 'string', value: ALIASES[expanded] ?? expanded };
}

function list(): MavenList {
  return { kind: 'list', items: [] };
}

/** Known qualifiers rank by position; unknown ones after all of them, lexically. */
function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function isNull(item: MavenItem): boolean {
  if (typeof item === 'bigint') return item === 0n;
  return item.kind === 'string' ? item.value === '' : item.items.length === 0;
}

function parseItem(isDigit: boolean, text: string): MavenItem {
  return isDigit ? BigInt(text) : stringItem(text, false);
}

/** Drops trailing null items, stopping at the first non-null item that is not a list. */
function normalize(l: MavenList): void {
  for (let i = l.items.length - 1; i >= 0; i--) {
    const item = l.items[i]!;
    if (isNull(item)) l.items.splice(i, 1);
    else if (typeof item === 'bigint' || item.kind !== 'list') break;
  }
}

const MAX_LENGTH = 256;

export function parseMaven(version: string, fail: (reason: string) => never): MavenList {
  if (version.length > MAX_LENGTH) return fail(`longer than ${MAX_LENGTH} characters`);
  if (!VALID.test(version)) return fail('expected printable ASCII without spaces');
  if (FORBIDDEN.test(version)) {
    return fail(
      'contains a character Maven does not allow in a version (\\ / : " < > | ? * [ ] ( ) , $ { })',
    );
  }
  const text = version.toLowerCase();
  const root = list();
  let current = root;
  const stack: MavenList[] = [root];
  const open = () => {
    const sub = list();
    current.items.push(sub);
    current = sub;
    stack.push(sub);
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '.' || c === '-') {
      current.items.push(i === start ? 0n : parseItem(isDigit, text.slice(start, i)));
      start = i + 1;
      if (c === '-') open();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        // 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any string qualifier X
        if (current.items.length > 0) open();
        current.items.push(stringItem(text.slice(start, i), true));
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        current.items.push(parseItem(true, text.slice(start, i)));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (text.length > start) {
    if (!isDigit && current.items.length > 0) open();
    current.items.push(parseItem(isDigit, text.slice(start)));
  }
  for (const l of stack.reverse()) normalize(l);
  return root;
}

/** `Item.compareTo`; `b` undefined stands for Java's null (a missing item). */
function compareItem(a: MavenItem, b: MavenItem | undefined): number {
  if (typeof a === 'bigint') {
    if (b === undefined) return a === 0n ? 0 : 1; // 1.0 == 1, 1.1 > 1
    return typeof b === 'bigint' ? compareBigInt(a, b) : 1; // 1.1 > 1-sp, 1.1 > 1-1
  }
  if (a.kind === 'string') {
    if (b === undefined) return compareString(comparableQualifier(a.value), RELEASE); // 1-rc < 1, 1-sp > 1
    if (typeof b === 'bigint' || b.kind === 'list') return -1; // 1.any < 1.1, 1.any < 1-1
    return compareString(comparableQualifier(a.value), comparableQualifier(b.value));
  }
  // The whole list against null, not only its first item (MNG-6964).
  if (b === undefined) return a.items.reduce((c, item) => c || compareItem(item, undefined), 0);
  if (typeof b === 'bigint') return -1; // 1-1 < 1.0.x
  if (b.kind === 'string') return 1; // 1-1 > 1-sp
  for (let i = 0; i < Math.max(a.items.length, b.items.length); i++) {
    const l = a.items[i];
    const r = b.items[i];
    // Within the longer length one side is present; a missing item is Java's null.
    const c = l === undefined ? -compareItem(r!, undefined) : compareItem(l, r);
    if (c !== 0) return c;
  }
  return 0;
}

export const maven = defineScheme('Maven', parseMaven, (a: MavenList, b: MavenList) =>
  compareItem(a, b),
);
