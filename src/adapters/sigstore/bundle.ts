/** Reading Sigstore bundle files: one bundle (JSON) or several (JSON Lines). */
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
  type Bundle,
} from '@sigstore/bundle';
import { describeThrown } from '../../errors.js';

/** The bundle versions this gate knows. Any other media type is refused. */
export const KNOWN_BUNDLE_MEDIA_TYPES: readonly string[] = [
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
];

export type ParsedBundle =
  | { ok: true; bundle: Bundle; mediaType: string; line?: number }
  | { ok: false; step: 'bundle-parse' | 'bundle-version'; message: string; line?: number };

/**
 * Splits a bundle file into bundles. A file that is one JSON value is one bundle; otherwise each
 * non-empty line must be one (JSON Lines, as the GitHub attestations API and `gh` write them).
 */
export function parseBundleFile(text: string): ParsedBundle[] {
  const trimmed = text.trim();
  if (trimmed === '')
    return [{ ok: false, step: 'bundle-parse', message: 'the bundle file is empty' }];
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch (err) {
    // JSON Lines only when the first line is a JSON value of its own; otherwise one broken document.
    const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
    if (!isJson(first)) {
      return [
        {
          ok: false,
          step: 'bundle-parse',
          message: `the bundle file is not valid JSON: ${describeThrown(err)}`,
        },
      ];
    }
    const lines = text.split('\n');
    const parsed: ParsedBundle[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        parsed.push(toBundle(JSON.parse(line) as unknown, i + 1));
      } catch (err) {
        parsed.push({
          ok: false,
          step: 'bundle-parse',
          line: i + 1,
          message: `line ${i + 1} is not valid JSON: ${describeThrown(err)}`,
        });
      }
    });
    return parsed;
  }
  return [toBundle(whole)];
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function toBundle(json: unknown, line?: number): ParsedBundle {
  const at = line === undefined ? {} : { line };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, step: 'bundle-parse', message: 'a bundle must be a JSON object', ...at };
  }
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string') {
    return { ok: false, step: 'bundle-parse', message: 'the bundle has no mediaType', ...at };
  }
  if (!KNOWN_BUNDLE_MEDIA_TYPES.includes(mediaType)) {
    return {
      ok: false,
      step: 'bundle-version',
      message: `unknown bundle media type ${JSON.stringify(mediaType.length > 100 ? `${mediaType.slice(0, 100)}…` : mediaType)}; known: ${KNOWN_BUNDLE_MEDIA_TYPES.join(', ')}`,
      ...at,
    };
  }
  try {
    const bundle = bundleFromJSON(json);
    const inconsistent = inclusionProofProblem(bundle);
    if (inconsistent) {
      return { ok: false, step: 'bundle-parse', message: `invalid bundle: ${inconsistent}`, ...at };
    }
    return { ok: true, bundle, mediaType, ...at };
  } catch (err) {
    const fields = (err as { fields?: unknown } | null)?.fields;
    const detail =
      Array.isArray(fields) && fields.length > 0
        ? ` (missing or invalid: ${fields.join(', ')})`
        : '';
    const message = `invalid bundle: ${describeThrown(err)}${detail}`;
    return {
      ok: false,
      step: 'bundle-parse',
      // A library message may quote a value whole (a 100,000-element list): one screen.
      message: message.length > 500 ? `${message.slice(0, 500)}…` : message,
      ...at,
    };
  }
}

/**
 * An inclusion proof's `treeSize` and `rootHash` are unsigned copies of what its signed checkpoint
 * says; @sigstore/verify checks the proof against the checkpoint only. A bundle whose copies
 * disagree with the checkpoint (or whose checkpoint is not a note of origin, size and hash) is
 * inconsistent: refused, rather than verified on the half that happens to be signed. (Found by
 * the property tests: `treeSize: null` in a real bundle still verified.)
 */
function inclusionProofProblem(bundle: Bundle): string | undefined {
  for (const [i, entry] of bundle.verificationMaterial.tlogEntries.entries()) {
    const proof = entry.inclusionProof;
    // Legacy v0.1/v0.2 proofs may carry no checkpoint: their inclusion rests on the SET.
    if (!proof?.checkpoint) continue;
    const where = `verificationMaterial.tlogEntries[${i}].inclusionProof`;
    const [, size, hash] = proof.checkpoint.envelope.split('\n');
    if (size === undefined || hash === undefined || !/^\d+$/.test(size)) {
      return `${where}.checkpoint is not a signed note of origin, tree size and root hash`;
    }
    if (proof.treeSize !== size) {
      return `${where}.treeSize ${JSON.stringify(proof.treeSize.slice(0, 40))} is not the checkpoint's tree size ${size}`;
    }
    if (Buffer.from(proof.rootHash).toString('base64') !== hash) {
      return `${where}.rootHash is not the checkpoint's root hash`;
    }
  }
  return undefined;
}
