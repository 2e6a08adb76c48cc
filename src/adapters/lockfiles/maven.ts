/**
 * Maven pom.xml: the project's own `<dependencies>` (not dependencyManagement, plugins or
 * profiles) with literal versions. `${name}` is resolved only from this pom's `<properties>` and
 * its own project/parent coordinates; anything else (a version from a parent or BOM, a property
 * defined elsewhere, a version range) goes to `unresolved`. test/provided scope is dev.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import { describeThrown } from '../../errors.js';
import { ManifestBuilder, inputError, type ReadContext, type Scope } from './common.js';

function children(el: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

function childText(el: Element | undefined, name: string): string | undefined {
  if (!el) return undefined;
  const c = children(el, name)[0];
  const t = c?.textContent?.trim();
  return t === undefined || t === '' ? undefined : t;
}

export function readPomXml(ctx: ReadContext): ParsedManifest {
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(ctx.text, 'text/xml');
    root = doc.documentElement;
  } catch (err) {
    const locator = (err as { locator?: { lineNumber?: number } }).locator;
    throw inputError(ctx.display, `is not well-formed XML: ${describeThrown(err)}`, {
      ...(locator?.lineNumber !== undefined ? { line: locator.lineNumber } : {}),
      cause: err,
    });
  }
  if (!root || root.localName !== 'project') {
    throw inputError(
      ctx.display,
      `has root element <${root?.localName ?? '?'}>, expected <project> (not a Maven POM)`,
    );
  }

  const props = new Map<string, string>();
  const propsEl = children(root, 'properties')[0];
  if (propsEl) {
    for (let n = propsEl.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 1)
        props.set((n as Element).localName ?? '', (n as Element).textContent?.trim() ?? '');
    }
  }
  const parent = children(root, 'parent')[0];
  const own: [string, string | undefined][] = [
    ['project.version', childText(root, 'version') ?? childText(parent, 'version')],
    ['project.groupId', childText(root, 'groupId') ?? childText(parent, 'groupId')],
    ['project.artifactId', childText(root, 'artifactId')],
    ['project.parent.version', childText(parent, 'version')],
    ['project.parent.groupId', childText(parent, 'groupId')],
  ];
  for (const [k, v] of own) if (v !== undefined && !props.has(k)) props.set(k, v);

  /** Expands ${…} from this pom; undefined when something is not defined here. */
  const expand = (value: string, depth = 0): string | undefined => {
    if (depth > 10) return undefined;
    let missing = false;
    const out = value.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const v = props.get(name);
      if (v === undefined) {
        missing = true;
        return '';
      }
      return v;
    });
    if (missing) return undefined;
    return out.includes('${') ? expand(out, depth + 1) : out;
  };

  const b = new ManifestBuilder(ctx.display, 'pom.xml');
  const depsEl = children(root, 'dependencies')[0];
  if (!depsEl) return b.build();
  for (const dep of children(depsEl, 'dependency')) {
    const line = typeof dep.lineNumber === 'number' ? dep.lineNumber : undefined;
    const rawGroup = childText(dep, 'groupId');
    const rawArtifact = childText(dep, 'artifactId');
    const rawVersion = childText(dep, 'version');
    const label = `${rawGroup ?? '?'}:${rawArtifact ?? '?'}`;
    const group = rawGroup ? expand(rawGroup) : undefined;
    const artifact = rawArtifact ? expand(rawArtifact) : undefined;
    if (!group || !artifact) {
      b.unresolved(
        label,
        'groupId or artifactId is missing or uses a property this pom does not define',
        line,
      );
      continue;
    }
    const name = `${group}:${artifact}`;
    if (!rawVersion) {
      b.unresolved(
        name,
        'no <version>: managed by a parent POM or BOM, which this check does not read',
        line,
      );
      continue;
    }
    const version = expand(rawVersion);
    if (!version) {
      b.unresolved(name, `version '${rawVersion}' uses a property this pom does not define`, line);
      continue;
    }
    if (/^[[(]|[\])]$|,/.test(version)) {
      b.unresolved(name, `version '${version}' is a range, not one version`, line);
      continue;
    }
    const scopeText = childText(dep, 'scope') ?? 'compile';
    if (scopeText === 'import') continue; // only meaningful in dependencyManagement
    const scope: Scope = scopeText === 'test' || scopeText === 'provided' ? 'dev' : 'runtime';
    b.add({ ecosystem: 'Maven', name, version, direct: true, scope, line });
  }
  return b.build();
}
