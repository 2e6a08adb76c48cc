/**
 * Version order for every OSV ecosystem the gate reads, each following that ecosystem's own
 * rules (see the file of each scheme). `parse` and `compare` throw `InvalidVersionError` for a
 * version the ecosystem's parser would reject: the caller reports it as unknown, never as safe.
 */
import type { Ecosystem, VersionScheme } from '../model.js';
import { go } from './go.js';
import { maven } from './maven.js';
import { nuget } from './nuget.js';
import { cran, hackage } from './numeric.js';
import { packagist } from './packagist.js';
import { pub } from './pub.js';
import { pypi } from './pypi.js';
import { rubygems } from './rubygems.js';
import { crates, hex, npm } from './semver.js';

export { InvalidVersionError } from './common.js';

const SCHEMES: Record<Ecosystem, VersionScheme> = {
  npm,
  PyPI: pypi,
  Go: go,
  'crates.io': crates,
  RubyGems: rubygems,
  Packagist: packagist,
  NuGet: nuget,
  Maven: maven,
  Pub: pub,
  Hex: hex,
  CRAN: cran,
  Hackage: hackage,
};

/** The version order of `ecosystem`. */
export function versionScheme(ecosystem: Ecosystem): VersionScheme {
  const scheme = SCHEMES[ecosystem];
  if (!scheme) throw new TypeError(`no version scheme for ecosystem ${JSON.stringify(ecosystem)}`);
  return scheme;
}
