/**
 * Organisation policy: `extends: OWNER/REPO/PATH@REF` names a base policy that a repository's
 * policy may only TIGHTEN. The merge works on the raw policies (before defaults), and compares
 * each key the repository sets with the base's effective value (after defaults), so "not set in
 * the base" still means "the default applies" — a repository cannot loosen a default either.
 *
 * One general rule and a few orders: a key without a rule below must equal the base's value;
 * booleans that require something may only stay on; ordered enums may only move to the strict
 * end; numbers only up (approvals) or down (max-age); lists that add requirements are unioned;
 * lists that grant exceptions (waivers, bots, refs, identities) may only shrink or narrow.
 */
import { isDeepStrictEqual } from 'node:util';
import { GateError } from '../errors.js';
import type { Location } from '../types.js';
import { parseDuration, type Policy } from './schema.js';

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How strict each value of an ordered key is: later is stricter. */
const ORDERS: Record<string, readonly unknown[]> = {
  mode: ['audit', 'enforce'],
  'signatures.tuf': ['offline', 'online'],
  'signatures.tuf-fallback': ['embedded', 'none'],
  'dependencies.fail-on-severity': ['critical', 'high', 'moderate', 'low'],
  'dependencies.unknown-severity': ['warn', 'block'],
  'repository.require-branch-protection': ['none', 'any', 'rules'],
  'repository.cannot-see': ['warn', 'block'],
};

/** Booleans that require something: once on in the base, they stay on. */
const REQUIRING = new Set([
  'signatures.require-deployed-commit',
  'dependencies.block-malicious',
  'repository.require-pull-request',
  'repository.approvals-on-final-commit',
  'repository.require-code-owner-approval',
  'repository.require-signed-commits',
]);

/** Lists of further requirements: the merged list is the union. */
const UNIONED = new Set([
  'signatures.artifacts',
  'dependencies.paths',
  'dependencies.sbom',
  'dependencies.deny',
  'repository.require-status-checks',
]);

export class Loosening extends Error {
  constructor(
    readonly key: string,
    readonly why: string,
  ) {
    super(`${key}: ${why}`);
  }
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? 'nothing';
}

/**
 * The effective policy: the base, tightened by `local`. Throws {@link Loosening} naming the
 * first key of `local` that would loosen `base`. `base` is the base's raw data, `effective` the
 * same after the schema's defaults.
 */
export function tighten(base: Raw, effective: Policy, local: Raw): Raw {
  const merged: Raw = { ...base };
  delete merged.extends;
  const eff = effective as unknown as Raw;
  for (const [key, value] of Object.entries(local)) {
    if (key === 'extends' || key === '$schema') {
      merged[key] = value;
    } else if (key === 'report') {
      // Where reports go does not change the verdict: the repository decides.
      merged[key] = value;
    } else if (key === 'signatures' || key === 'dependencies' || key === 'repository') {
      if (!isObject(value) || !isObject(base[key])) {
        // A section the base does not have adds a check: always tighter. (Non-objects: the
        // schema reports them.)
        merged[key] = value;
        continue;
      }
      merged[key] = tightenSection(key, base[key], eff[key] as Raw, value);
    } else {
      merged[key] = tightenValue(key, eff[key], value);
    }
  }
  return merged;
}

function tightenSection(section: string, base: Raw, effective: Raw, local: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, value] of Object.entries(local)) {
    const key = `${section}.${k}`;
    const was = effective[k];
    if (UNIONED.has(key)) {
      const list = Array.isArray(base[k]) ? [...(base[k] as unknown[])] : [];
      if (!Array.isArray(value)) {
        out[k] = value; // the schema reports it
        continue;
      }
      for (const item of value) if (!list.some((x) => isDeepStrictEqual(x, item))) list.push(item);
      out[k] = list;
    } else if (key === 'signatures.identities') {
      out[k] = narrowIdentities(key, was, value);
    } else if (key === 'signatures.provenance') {
      if (was !== undefined && isObject(was)) {
        if (!isObject(value)) throw new Loosening(key, 'the base requires provenance');
        for (const [pk, pv] of Object.entries(was)) {
          if (pv !== undefined && !isDeepStrictEqual(value[pk], pv)) {
            throw new Loosening(
              `${key}.${pk}`,
              `the base requires ${show(pv)}, not ${show(value[pk])}`,
            );
          }
        }
      }
      out[k] = value;
    } else if (key === 'dependencies.allow') {
      out[k] = subsetOfWaivers(key, was, value);
    } else if (key === 'dependencies.max-age') {
      const base = typeof was === 'string' ? parseDuration(was) : undefined;
      const mine = typeof value === 'string' ? parseDuration(value) : undefined;
      if (base !== undefined && (mine === undefined || mine > base)) {
        throw new Loosening(
          key,
          `the base accepts snapshots at most ${String(was)} old, not ${show(value)}`,
        );
      }
      out[k] = value;
    } else if (key === 'repository.required-approvals') {
      if (typeof value === 'number' && typeof was === 'number' && value < was) {
        throw new Loosening(key, `the base requires ${was} approval(s), not ${value}`);
      }
      out[k] = value;
    } else if (key === 'repository.branches') {
      const allowed = Array.isArray(was) ? (was as unknown[]) : [];
      if (!Array.isArray(value)) {
        out[k] = value;
        continue;
      }
      // An empty base list allows any ref: anything narrower is fine.
      const extra = allowed.length === 0 ? [] : value.filter((v) => !allowed.includes(v));
      if (value.length === 0 && allowed.length > 0) {
        throw new Loosening(
          key,
          `an empty list allows any ref; the base allows only ${show(allowed)}`,
        );
      }
      if (extra.length > 0) {
        throw new Loosening(key, `the base does not allow deploys from ${show(extra)}`);
      }
      out[k] = value;
    } else if (key === 'repository.allow-bots') {
      const allowed = Array.isArray(was) ? (was as unknown[]) : [];
      const extra = Array.isArray(value) ? value.filter((v) => !allowed.includes(v)) : [];
      if (extra.length > 0)
        throw new Loosening(key, `the base does not count approvals by ${show(extra)}`);
      out[k] = value;
    } else if (key === 'dependencies.scopes') {
      const need = Array.isArray(was) ? (was as unknown[]) : [];
      const missing = Array.isArray(value) ? need.filter((s) => !value.includes(s)) : [];
      if (missing.length > 0) throw new Loosening(key, `the base checks ${show(missing)} too`);
      out[k] = value;
    } else {
      out[k] = tightenValue(key, was, value);
    }
  }
  return out;
}

/** Ordered keys, requiring booleans, and everything else: equal to the base. */
function tightenValue(key: string, was: unknown, value: unknown): unknown {
  const order = ORDERS[key];
  if (order) {
    const a = order.indexOf(was);
    const b = order.indexOf(value);
    if (b !== -1 && a !== -1 && b < a) {
      throw new Loosening(key, `the base requires ${show(was)}; ${show(value)} is looser`);
    }
    return value;
  }
  if (REQUIRING.has(key)) {
    if (was === true && value !== true) throw new Loosening(key, 'the base turns it on');
    return value;
  }
  if (was !== undefined && !isDeepStrictEqual(was, value)) {
    throw new Loosening(key, `the base sets ${show(was)}; an extending policy may not change it`);
  }
  if (key === 'signatures.trusted-root' && was === undefined && value !== undefined) {
    // Trusting another root is not tightening: the base's roots stay the only ones.
    throw new Loosening(
      key,
      'the base trusts the Sigstore roots; an extending policy may not trust another',
    );
  }
  return value;
}

/** Each identity must keep every key of one base identity (and may add more). */
function narrowIdentities(key: string, was: unknown, value: unknown): unknown {
  if (!Array.isArray(was) || !Array.isArray(value)) return value;
  value.forEach((id, i) => {
    if (!isObject(id)) return;
    const narrows = was.some(
      (b) =>
        isObject(b) &&
        Object.entries(b).every(([k, v]) => v === undefined || isDeepStrictEqual(id[k], v)),
    );
    if (!narrows) {
      throw new Loosening(
        `${key}[${i}]`,
        'every identity must keep all the keys of one of the base identities (and may add more)',
      );
    }
  });
  return value;
}

/** Waivers only from the base's list, for no longer (fewer exceptions, never new ones). */
function subsetOfWaivers(key: string, was: unknown, value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const base = Array.isArray(was) ? (was as Raw[]) : [];
  value.forEach((w, i) => {
    if (!isObject(w)) return;
    const same = base.find(
      (b) =>
        b.id === w.id &&
        ['package', 'version', 'path'].every((k) => b[k] === undefined || b[k] === w[k]),
    );
    if (!same) {
      throw new Loosening(
        `${key}[${i}]`,
        `the base has no waiver for ${show(w.id)} that covers it`,
      );
    }
    if (
      typeof w.expires === 'string' &&
      typeof same.expires === 'string' &&
      w.expires > same.expires
    ) {
      throw new Loosening(`${key}[${i}].expires`, `the base's waiver expires on ${same.expires}`);
    }
  });
  return value;
}

/** A Loosening as the config error users see, at the key's line in the repository's policy. */
export function looseningError(
  err: Loosening,
  file: string,
  spec: string,
  where: Location,
): GateError {
  return new GateError(
    'config',
    `${file}:${where.line ?? '?'}: key '${err.key}' loosens the organisation policy ${spec}: ${err.why}`,
    {
      location: { ...where, file, key: err.key },
      fix: `A repository may only tighten the policy it extends: remove or tighten '${err.key}', or change ${spec}.`,
    },
  );
}
