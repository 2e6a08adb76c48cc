/**
 * The `versions` of a deny rule: exact versions (`3.3.6, 3.3.5`) or comparisons
 * (`>=1.0.0 <1.2.0 || =2.0.0`: AND within an alternative, OR across `||`). One parser for the
 * policy schema (which refuses what it cannot read, naming the key) and the check, so a spec is
 * never read one way at load and another way when packages are judged.
 */
export type Operator = '>=' | '<=' | '>' | '<' | '=';

export type VersionsAlternative =
  | { kind: 'exact'; versions: string[] }
  | { kind: 'range'; comparisons: { op: Operator; version: string }[] };

const COMPARISON = /^(>=|<=|>|<|=)(.+)$/;

/** The alternatives of `spec`, or why it cannot be read. `*` or blank: undefined (every version). */
export function parseVersionsSpec(spec: string): VersionsAlternative[] | undefined | string {
  if (spec.trim() === '' || spec.trim() === '*') return undefined;
  const out: VersionsAlternative[] = [];
  for (const alt of spec.split('||')) {
    // `>= 1.0.0` is `>=1.0.0`: the operator binds to the version after it.
    const parts = alt
      .replace(/(>=|<=|>|<|=)\s+/g, '$1')
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean);
    if (parts.length === 0) return 'an alternative between || is empty';
    // npm-style ranges (^1.2.0, ~1.2, 1.x, *, 1.0.0 - 2.0.0) would otherwise be taken for exact
    // versions that match nothing, and the rule would deny nothing.
    const range = parts.find((p) => /^[\^~!-]|[*]|(^|\.)[xX](\.|$)/.test(p));
    if (range !== undefined) {
      return `${JSON.stringify(range)} is neither an exact version nor a comparison (>=, <=, >, <, =); write a range as e.g. ">=1.2.0 <2.0.0"`;
    }
    const comparisons = parts.map((p) => COMPARISON.exec(p));
    if (comparisons.every((m) => m === null)) {
      out.push({ kind: 'exact', versions: parts });
    } else if (comparisons.every((m) => m !== null)) {
      out.push({
        kind: 'range',
        comparisons: comparisons.map((m) => ({ op: m[1] as Operator, version: m[2]! })),
      });
    } else {
      return `${JSON.stringify(alt.trim())} mixes exact versions and comparisons; separate them with ||`;
    }
  }
  return out;
}
