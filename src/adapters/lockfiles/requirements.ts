/**
 * pip requirements files (`requirements*.txt`). Only exact pins (`name==1.2.3`, `name===1.2.3`)
 * name a version; every other requirement (ranges, no specifier, wildcards, URLs, VCS, editable
 * installs) goes to `unresolved`. `-r`/`--requirement` includes are followed relative to the
 * including file, each file once (a loop is harmless). Hashes, markers and index options are
 * ignored. pip-compile's `# via` annotations give direct vs transitive when present.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import { describeThrown } from '../../errors.js';
import { utf8Problem } from '../../utf8.js';
import { ManifestBuilder, inputError, pep503, type ReadContext } from './common.js';

interface LogicalLine {
  text: string;
  line: number;
  /** `# via` sources that pip-compile wrote under this requirement. */
  via: string[];
}

/** Joins `\` continuations, drops comments, collects pip-compile `# via` annotations. */
function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const raw = text.split(/\r?\n/);
  let inVia = false;
  for (let i = 0; i < raw.length; i++) {
    let current = raw[i] as string;
    const start = i + 1;
    const trimmed = current.trim();
    if (trimmed.startsWith('#')) {
      const last = out[out.length - 1];
      const via = /^#\s+via\b\s*(.*)$/.exec(trimmed);
      if (via && last) {
        inVia = true;
        if (via[1]) last.via.push(via[1].trim());
      } else if (inVia && last && /^#\s{2,}\S/.test(trimmed)) {
        last.via.push(trimmed.replace(/^#\s+/, ''));
      } else inVia = false;
      continue;
    }
    inVia = false;
    while (current.endsWith('\\') && i + 1 < raw.length) {
      current = current.slice(0, -1) + ' ' + (raw[++i] as string);
    }
    // A comment starts at '#' preceded by whitespace (a '#' inside a URL fragment is not one).
    const body = current.replace(/(^|\s)#.*$/, '').trim();
    if (body) out.push({ text: body, line: start, via: [] });
  }
  return out;
}

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;
const IGNORED_OPTIONS =
  /^(-i|--index-url|--extra-index-url|--no-index|-f|--find-links|--pre|--trusted-host|--prefer-binary|--only-binary|--no-binary|--require-hashes|--use-feature|--hash|--config-settings|--global-option|--no-deps)\b/;

function isDirectVia(via: string[]): boolean {
  return via.some((v) => /^-r\s|^-c\s|\((pyproject\.toml|setup\.py|setup\.cfg)\)$|\.in$/.test(v));
}

export async function readRequirements(ctx: ReadContext): Promise<ParsedManifest> {
  const b = new ManifestBuilder(ctx.display, 'requirements.txt');
  const visited = new Set<string>();

  const readOne = async (diskPath: string, display: string, text: string): Promise<void> => {
    visited.add(path.resolve(diskPath));
    const lines = logicalLines(text);
    const annotated = lines.some((l) => l.via.length > 0);
    // An entry of an included file is located in that file.
    const unresolved = (name: string, reason: string, line: number) =>
      b.unresolved(name, reason, line, display === ctx.display ? undefined : display);
    for (const l of lines) {
      const t = l.text;
      const include = /^(-r|--requirement)(?:\s+|=)(.+)$/.exec(t);
      if (include) {
        const target = (include[2] as string).trim();
        const nextDisk = path.resolve(path.dirname(diskPath), target);
        if (visited.has(nextDisk)) continue; // already read: an include loop or a repeat
        const nextDisplay = path.posix.normalize(
          path.posix.join(path.posix.dirname(display), target.replace(/\\/g, '/')),
        );
        let nextBytes: Buffer;
        try {
          nextBytes = await readFile(nextDisk);
        } catch (err) {
          throw inputError(
            display,
            `cannot read the included requirements file '${target}': ${describeThrown(err)}`,
            {
              line: l.line,
              cause: err,
              fix: `Fix the -r path in ${display}, or commit ${nextDisplay}.`,
            },
          );
        }
        // Strict, as the file given: a damaged byte must not make a package another one.
        const problem = utf8Problem(nextBytes);
        if (problem) throw inputError(nextDisplay, problem);
        await readOne(nextDisk, nextDisplay, nextBytes.toString('utf8'));
        continue;
      }
      if (/^(-c|--constraint)(\s+|=)/.test(t)) continue; // constraints install nothing themselves
      if (/^(-e|--editable)(\s+|=)/.test(t)) {
        unresolved(
          t.replace(/^(-e|--editable)(\s+|=)/, ''),
          `an editable install (${display}:${l.line}): no registry version`,
          l.line,
        );
        continue;
      }
      if (IGNORED_OPTIONS.test(t)) continue;
      if (t.startsWith('-')) {
        throw inputError(display, `unknown pip option '${t.split(/\s/)[0] ?? t}'`, {
          line: l.line,
        });
      }
      if (/^(\.|\/|[a-z][a-z0-9+.-]*:\/\/|git\+)/i.test(t)) {
        unresolved(
          t,
          `a path or URL requirement (${display}:${l.line}): no registry version`,
          l.line,
        );
        continue;
      }
      const m = NAME.exec(t);
      if (!m) throw inputError(display, `cannot read the requirement '${t}'`, { line: l.line });
      const name = pep503(m[1] as string);
      const spec =
        (m[3] ?? '')
          .replace(/\s--hash[=\s]\S+/g, '')
          .replace(/^--hash[=\s]\S+/g, '')
          .split(';')[0]
          ?.trim() ?? '';
      if (spec.startsWith('@')) {
        unresolved(
          name,
          `a direct URL requirement (${display}:${l.line}): no registry version`,
          l.line,
        );
        continue;
      }
      const pin = /^===?\s*([^\s,*]+)$/.exec(spec);
      if (!pin) {
        unresolved(
          name,
          spec
            ? `not pinned to one version ('${spec}' in ${display}:${l.line}): pin it with ==`
            : `no version specifier (${display}:${l.line}): pin it with ==`,
          l.line,
        );
        continue;
      }
      b.add({
        ecosystem: 'PyPI',
        name,
        version: pin[1],
        direct: annotated ? isDirectVia(l.via) : undefined,
        scope: 'unknown',
        line: l.line,
        ...(display === ctx.display ? {} : { file: display }),
      });
    }
  };

  await readOne(ctx.path, ctx.display, ctx.text);
  return b.build();
}
