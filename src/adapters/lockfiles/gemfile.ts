/**
 * Gemfile.lock (and gems.locked). Specs under GEM sections are packages, their platform suffix
 * (`1.14.0-x86_64-linux`) stripped; GIT specs and PATH specs from another directory go to
 * `unresolved`; PATH specs at `remote: .` are the project itself. DEPENDENCIES gives direct.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import { ManifestBuilder, inputError, type ReadContext } from './common.js';

const SECTIONS = new Set([
  'GEM',
  'GIT',
  'PATH',
  'PLUGIN SOURCE',
  'PLATFORMS',
  'DEPENDENCIES',
  'RUBY VERSION',
  'BUNDLED WITH',
  'CHECKSUMS',
]);

export function readGemfileLock(ctx: ReadContext): ParsedManifest {
  const specs: { section: string; remote: string; name: string; version: string; line: number }[] =
    [];
  const direct = new Set<string>();
  let section: string | undefined;
  let remote = '';
  let inSpecs = false;
  let sawDependencies = false;
  ctx.text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const indent = raw.length - raw.trimStart().length;
    if (indent === 0) {
      if (!SECTIONS.has(raw.trim())) {
        throw inputError(ctx.display, `unknown section '${raw.trim()}'`, {
          line,
          fix: 'Regenerate it with `bundle lock`, or upgrade the gate if Bundler added a section.',
        });
      }
      section = raw.trim();
      if (section === 'DEPENDENCIES') sawDependencies = true;
      remote = '';
      inSpecs = false;
      return;
    }
    if (!section) throw inputError(ctx.display, 'indented line before any section', { line });
    const body = raw.trim();
    if (section === 'DEPENDENCIES' && indent === 2) {
      const m = /^([^\s!(]+)(!)?/.exec(body);
      if (m) direct.add(m[1] as string);
      return;
    }
    if (!['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE'].includes(section)) return;
    if (indent === 2) {
      const kv = /^([a-z_]+):\s*(.*)$/.exec(body);
      if (!kv) throw inputError(ctx.display, `cannot read '${body}' in ${section}`, { line });
      if (kv[1] === 'remote') remote = kv[2] ?? '';
      inSpecs = kv[1] === 'specs';
      return;
    }
    if (indent === 4 && inSpecs) {
      const m = /^(\S+) \(([^)]+)\)$/.exec(body);
      if (!m) throw inputError(ctx.display, `cannot read the spec '${body}'`, { line });
      specs.push({ section, remote, name: m[1] as string, version: m[2] as string, line });
      return;
    }
    if (indent === 6 && inSpecs) return; // a spec's own dependency requirement
    throw inputError(ctx.display, `unexpected indentation (${indent} spaces) in ${section}`, {
      line,
    });
  });

  const b = new ManifestBuilder(ctx.display, 'Gemfile.lock');
  for (const s of specs) {
    if (s.section === 'PATH' && (s.remote === '.' || s.remote === './')) continue; // the project itself
    if (s.section !== 'GEM') {
      b.unresolved(
        s.name,
        `from a ${s.section} source (${s.remote}), not from a gem server: its version cannot be matched against advisories`,
        s.line,
      );
      continue;
    }
    // A RubyGems version has no '-': what follows the first one is the platform.
    const version = s.version.split('-')[0];
    b.add({
      ecosystem: 'RubyGems',
      name: s.name,
      version,
      direct: sawDependencies ? direct.has(s.name) : undefined,
      scope: 'unknown',
      line: s.line,
    });
  }
  return b.build();
}
