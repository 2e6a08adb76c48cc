/**
 * Reads what is being shipped: lockfiles and SBOMs, one reader per format, detected from the
 * file's name (and, for SBOMs, its content). Every reader fails closed: a file that cannot be
 * read, an unknown format version or a structurally wrong file is a GateError('input') naming the
 * file (and line); an entry without a usable version is reported in `unresolved`, never dropped.
 */
import { readFile } from 'node:fs/promises';
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import { GateError, describeThrown } from '../../errors.js';
import { decodeUtf8Strict, notUtf8 } from '../../utf8.js';
import { inputError, type ReadContext } from './common.js';
import { SUPPORTED_FILES, formatOf, readSbom } from './formats.js';

export { discoverManifests } from './discover.js';
export { SUPPORTED_FILES } from './formats.js';

/** Reads one file; the format is detected from its name (and content where needed). */
export async function readManifest(
  file: string,
  options: { displayPath?: string } = {},
): Promise<ParsedManifest> {
  const display = options.displayPath ?? file;
  let format = formatOf(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw inputError(display, `cannot read the file: ${describeThrown(err)}`, {
      cause: err,
      fix: 'Check the path given to the dependency check (and that the lockfile is committed).',
    });
  }
  // Strict: a lenient decoder would turn damaged bytes into U+FFFD, a name no advisory matches.
  const decoded = decodeUtf8Strict(bytes);
  if ('invalid' in decoded) {
    throw inputError(display, notUtf8(decoded.invalid), {
      line: decoded.invalid.line,
      fix: `Regenerate ${display} with its package manager (lockfiles and SBOMs are UTF-8).`,
    });
  }
  let text = decoded.text;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!format && /\.json$/i.test(file))
    format = { pattern: '*.json', matches: () => true, read: readSbom };
  if (!format) {
    throw inputError(
      display,
      `is not a supported lockfile or SBOM (supported: ${SUPPORTED_FILES.join(', ')})`,
      {
        fix: 'Point the dependency check at a supported lockfile or a CycloneDX/SPDX JSON SBOM.',
      },
    );
  }
  const ctx: ReadContext = { path: file, display, text };
  try {
    return await format.read(ctx);
  } catch (err) {
    if (err instanceof GateError) throw err;
    // A reader bug or a library error is still this file's failure: never zero packages.
    throw inputError(display, `cannot be read: ${describeThrown(err)}`, { cause: err });
  }
}
