/**
 * SPDX JSON SBOMs (SPDX-2.2 and SPDX-2.3): packages identified by an external reference of
 * category PACKAGE-MANAGER and type purl. The packages the document DESCRIBES are the subject, not
 * dependencies. Direct and scope come from the relationships with the subject when there are any
 * (DEPENDS_ON, *_DEPENDENCY_OF; DEV_/TEST_/BUILD_DEPENDENCY_OF and DEV_TOOL_OF are dev).
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  jsonLines,
  scopeClassifier,
  type ReadContext,
} from './common.js';
import { addFromPurl } from './sbom.js';

const SUPPORTED = ['SPDX-2.2', 'SPDX-2.3'];
const DEV_OF = new Set([
  'DEV_DEPENDENCY_OF',
  'TEST_DEPENDENCY_OF',
  'BUILD_DEPENDENCY_OF',
  'DEV_TOOL_OF',
  'BUILD_TOOL_OF',
  'TEST_TOOL_OF',
]);
const RUNTIME_OF = new Set([
  'DEPENDENCY_OF',
  'RUNTIME_DEPENDENCY_OF',
  'OPTIONAL_DEPENDENCY_OF',
  'PROVIDED_DEPENDENCY_OF',
  'PREREQUISITE_FOR',
]);
const DEPENDS = new Set(['DEPENDS_ON', 'HAS_PREREQUISITE', 'CONTAINS']);

export function readSpdx(ctx: ReadContext, json: Record<string, unknown>): ParsedManifest {
  const version = json.spdxVersion;
  if (typeof version !== 'string' || !SUPPORTED.includes(version)) {
    throw inputError(
      ctx.display,
      `unsupported spdxVersion ${JSON.stringify(version) ?? 'undefined'} (supported: ${SUPPORTED.join(', ')})`,
      { fix: 'Generate the SBOM as SPDX 2.3 JSON, or upgrade the gate.' },
    );
  }
  const packages = json.packages ?? [];
  if (!Array.isArray(packages)) throw inputError(ctx.display, '"packages" is not an array');
  const relationships = Array.isArray(json.relationships)
    ? json.relationships.filter(isRecord)
    : [];
  const lines = jsonLines(ctx.text);
  const b = new ManifestBuilder(ctx.display, version.replace('-', ' '));

  const described = new Set<string>(
    Array.isArray(json.documentDescribes)
      ? json.documentDescribes.filter((x): x is string => typeof x === 'string')
      : [],
  );
  for (const r of relationships) {
    if (
      r.relationshipType === 'DESCRIBES' &&
      r.spdxElementId === 'SPDXRef-DOCUMENT' &&
      typeof r.relatedSpdxElement === 'string'
    ) {
      described.add(r.relatedSpdxElement);
    }
    if (
      r.relationshipType === 'DESCRIBED_BY' &&
      r.relatedSpdxElement === 'SPDXRef-DOCUMENT' &&
      typeof r.spdxElementId === 'string'
    ) {
      described.add(r.spdxElementId);
    }
  }

  // Edges parent → child, with the kind of the relationship.
  const edges = new Map<string, Set<string>>();
  const rootKinds = new Map<string, 'runtime' | 'dev'>();
  const addEdge = (from: string, to: string, kind: 'runtime' | 'dev'): void => {
    const set = edges.get(from) ?? new Set<string>();
    set.add(to);
    edges.set(from, set);
    if (described.has(from) && rootKinds.get(to) !== 'runtime') rootKinds.set(to, kind);
  };
  for (const r of relationships) {
    const a = typeof r.spdxElementId === 'string' ? r.spdxElementId : undefined;
    const z = typeof r.relatedSpdxElement === 'string' ? r.relatedSpdxElement : undefined;
    const t = typeof r.relationshipType === 'string' ? r.relationshipType : '';
    if (!a || !z) continue;
    if (DEPENDS.has(t)) addEdge(a, z, 'runtime');
    else if (RUNTIME_OF.has(t)) addEdge(z, a, 'runtime');
    else if (DEV_OF.has(t)) addEdge(z, a, 'dev');
  }
  const graphKnown = rootKinds.size > 0;
  const scopeOf = scopeClassifier(
    {
      runtime: [...rootKinds].filter(([, k]) => k === 'runtime').map(([id]) => id),
      dev: [...rootKinds].filter(([, k]) => k === 'dev').map(([id]) => id),
    },
    (id) => edges.get(id) ?? [],
  );

  packages.forEach((p, i) => {
    const line = lines(['packages', i]);
    if (!isRecord(p)) throw inputError(ctx.display, `packages[${i}] is not an object`, { line });
    const id = typeof p.SPDXID === 'string' ? p.SPDXID : '';
    if (described.has(id)) return; // the subject of the SBOM
    const refs = Array.isArray(p.externalRefs) ? p.externalRefs.filter(isRecord) : [];
    const purls = refs
      .filter(
        (r) =>
          (r.referenceCategory === 'PACKAGE-MANAGER' ||
            r.referenceCategory === 'PACKAGE_MANAGER') &&
          r.referenceType === 'purl' &&
          typeof r.referenceLocator === 'string',
      )
      .map((r) => r.referenceLocator as string);
    const name = typeof p.name === 'string' ? p.name : id || '(unnamed)';
    const version = typeof p.versionInfo === 'string' ? p.versionInfo : undefined;
    const common = {
      label: version ? `${name}@${version}` : name,
      version,
      direct: graphKnown ? rootKinds.has(id) : undefined,
      scope: graphKnown ? scopeOf(id) : ('unknown' as const),
      line,
    };
    if (purls.length === 0) addFromPurl(b, { ...common, purl: undefined });
    for (const purl of new Set(purls)) addFromPurl(b, { ...common, purl });
  });
  return b.build();
}
