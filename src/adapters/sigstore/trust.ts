/**
 * Trusted roots: the Sigstore public-good root embedded in @sigstore/tuf's seeds (offline), or a
 * trusted_root.json file given by policy or flag.
 */
import { readFile } from 'node:fs/promises';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import tufPackage from '@sigstore/tuf/package.json' with { type: 'json' };
import seeds from '@sigstore/tuf/seeds.json' with { type: 'json' };
import { GateError, describeThrown } from '../../errors.js';
import type { TrustRootInfo } from '../../types.js';

export const PUBLIC_GOOD_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
const TRUSTED_ROOT_MEDIA_TYPES = new Set([
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
]);

export interface LoadedTrustRoot {
  root: TrustedRoot;
  info: TrustRootInfo;
}

/** The public-good trusted root as shipped inside @sigstore/tuf (no network). */
export function embeddedPublicGoodRoot(): LoadedTrustRoot {
  const seed = (seeds as Record<string, { targets?: Record<string, string> }>)[PUBLIC_GOOD_MIRROR];
  const encoded = seed?.targets?.['trusted_root.json'];
  if (!encoded) {
    throw new GateError(
      'internal',
      '@sigstore/tuf seeds carry no trusted_root.json for the public-good instance',
    );
  }
  const json: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  return {
    root: validateTrustedRoot(json, 'embedded public-good trusted root'),
    info: {
      name: 'sigstore-public-good',
      source: 'embedded',
      version: `@sigstore/tuf ${tufPackage.version}`,
    },
  };
}

/** A trusted_root.json from disk, validated strictly. */
export async function trustedRootFromFile(path: string): Promise<LoadedTrustRoot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new GateError('input', `cannot read trusted root ${path}: ${describeThrown(err)}`, {
      cause: err,
      location: { file: path },
      fix: 'Check the --trusted-root flag or the `signatures.trusted-root` policy key.',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GateError('input', `trusted root ${path} is not valid JSON: ${describeThrown(err)}`, {
      cause: err,
      location: { file: path },
    });
  }
  return {
    root: validateTrustedRoot(json, path),
    info: { name: `file:${path}`, source: 'file', path },
  };
}

/**
 * Strict checks on a trusted root before it is trusted: known media type, at least one
 * certificate authority or transparency log, and every validity window with a start.
 */
export function validateTrustedRoot(json: unknown, name: string): TrustedRoot {
  const fail = (what: string): never => {
    throw new GateError('input', `trusted root ${name} is malformed: ${what}`, {
      location: { file: name },
      fix: 'Use a trusted_root.json as published by the Sigstore instance (sigstore/root-signing).',
    });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('not a JSON object');
  const obj = json as Record<string, unknown>;
  if (typeof obj.mediaType !== 'string' || !TRUSTED_ROOT_MEDIA_TYPES.has(obj.mediaType)) {
    fail(`unknown mediaType ${JSON.stringify(obj.mediaType)}`);
  }
  for (const list of [
    'tlogs',
    'certificateAuthorities',
    'ctlogs',
    'timestampAuthorities',
  ] as const) {
    const entries = obj[list];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) fail(`${list} is not a list`);
    (entries as unknown[]).forEach((entry, i) => {
      const e = entry as Record<string, unknown> | null;
      const validFor =
        list === 'tlogs' || list === 'ctlogs'
          ? ((e?.publicKey as Record<string, unknown> | undefined)?.validFor as
              Record<string, unknown> | undefined)
          : (e?.validFor as Record<string, unknown> | undefined);
      if (typeof validFor?.start !== 'string') fail(`${list}[${i}] has no validFor.start`);
    });
  }
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(json);
  } catch (err) {
    return fail(describeThrown(err));
  }
  if (root.certificateAuthorities.length === 0 && root.tlogs.length === 0) {
    fail('it lists no certificate authority and no transparency log');
  }
  return root;
}

export function trustMaterial(
  root: LoadedTrustRoot,
  keys?: Parameters<typeof toTrustMaterial>[1],
): TrustMaterial {
  try {
    return toTrustMaterial(root.root, keys);
  } catch (err) {
    throw new GateError(
      'input',
      `trusted root ${root.info.name} cannot be used: ${describeThrown(err)}`,
      {
        cause: err,
      },
    );
  }
}
