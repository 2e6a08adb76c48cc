/**
 * CycloneDX JSON SBOMs (specVersion 1.2–1.6): every component, nested components included,
 * identified by its purl. Scope: `excluded` is dev, `required` runtime; `optional` (which npm
 * uses for dev dependencies) and no scope are unknown. Direct: what the subject
 * (metadata.component) depends on in the `dependencies` graph, when there is one.
 */
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import {
  ManifestBuilder,
  inputError,
  isRecord,
  jsonLines,
  type ReadContext,
  type Scope,
} from './common.js';
import { addFromPurl } from './sbom.js';

const SUPPORTED = ['1.2', '1.3', '1.4', '1.5', '1.6'];

export function readCycloneDx(ctx: ReadContext, json: Record<string, unknown>): ParsedManifest {
  const spec = json.specVersion;
  if (typeof spec !== 'string' || !SUPPORTED.includes(spec)) {
    throw inputError(
      ctx.display,
      `unsupported CycloneDX specVersion ${JSON.stringify(spec) ?? 'undefined'} (supported: ${SUPPORTED.join(', ')})`,
      { fix: 'Generate the SBOM as CycloneDX JSON 1.4–1.6, or upgrade the gate.' },
    );
  }
  const components = json.components ?? [];
  if (!Array.isArray(components)) throw inputError(ctx.display, '"components" is not an array');
  const lines = jsonLines(ctx.text);
  const b = new ManifestBuilder(ctx.display, `CycloneDX ${spec}`);

  const metadata = isRecord(json.metadata) ? json.metadata : {};
  const subject = isRecord(metadata.component) ? metadata.component : undefined;
  const subjectRef = typeof subject?.['bom-ref'] === 'string' ? subject['bom-ref'] : undefined;
  let direct: Set<string> | undefined;
  if (subjectRef && Array.isArray(json.dependencies)) {
    const edge = (json.dependencies as unknown[]).find((d) => isRecord(d) && d.ref === subjectRef);
    if (isRecord(edge) && Array.isArray(edge.dependsOn)) {
      direct = new Set(edge.dependsOn.filter((x): x is string => typeof x === 'string'));
    }
  }

  const visit = (list: unknown[], at: (string | number)[]): void => {
    list.forEach((c, i) => {
      const p = [...at, i];
      const line = lines(p);
      if (!isRecord(c))
        throw inputError(ctx.display, `component ${p.join('.')} is not an object`, { line });
      const name = typeof c.name === 'string' ? c.name : '(unnamed)';
      const label = typeof c.group === 'string' && c.group ? `${c.group}/${name}` : name;
      const scope: Scope =
        c.scope === 'excluded' ? 'dev' : c.scope === 'required' ? 'runtime' : 'unknown';
      const ref = typeof c['bom-ref'] === 'string' ? c['bom-ref'] : undefined;
      addFromPurl(b, {
        purl: typeof c.purl === 'string' && c.purl ? c.purl : undefined,
        label: typeof c.version === 'string' ? `${label}@${c.version}` : label,
        version: typeof c.version === 'string' ? c.version : undefined,
        direct: direct ? ref !== undefined && direct.has(ref) : undefined,
        scope,
        line,
      });
      if (c.components !== undefined) {
        if (!Array.isArray(c.components))
          throw inputError(ctx.display, `component ${p.join('.')}.components is not an array`, {
            line,
          });
        visit(c.components, [...p, 'components']);
      }
    });
  };
  visit(components, ['components']);
  if (subject && Array.isArray(subject.components))
    visit(subject.components, ['metadata', 'component', 'components']);
  return b.build();
}
