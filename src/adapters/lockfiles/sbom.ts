/** What the CycloneDX and SPDX readers share: a package from a purl, or an unresolved entry. */
import { pep503, type ManifestBuilder, type Scope } from './common.js';
import { identityFromPurl } from './purl.js';

export function addFromPurl(
  b: ManifestBuilder,
  entry: {
    purl: string | undefined;
    label: string;
    version: string | undefined;
    direct: boolean | undefined;
    scope: Scope;
    line: number | undefined;
  },
): void {
  if (!entry.purl) {
    b.unresolved(
      entry.label,
      'no package URL (purl): the ecosystem and name cannot be known',
      entry.line,
    );
    return;
  }
  const id = identityFromPurl(entry.purl, pep503);
  if (!id.ok) {
    b.unresolved(entry.label, id.reason, entry.line);
    return;
  }
  b.add({
    ecosystem: id.ecosystem,
    name: id.name,
    version: id.version ?? entry.version,
    direct: entry.direct,
    scope: entry.scope,
    line: entry.line,
    missingVersionReason: `no version in the package URL or the entry (${entry.purl})`,
  });
}
