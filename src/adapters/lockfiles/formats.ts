/** The supported formats: which file names each reader takes. */
import path from 'node:path';
import { readBunLock } from './bun.js';
import { readCargoLock } from './cargo.js';
import { inputError, isRecord, parseJson, type Reader } from './common.js';
import { readComposerLock } from './composer.js';
import { readCycloneDx } from './cyclonedx.js';
import { readGemfileLock } from './gemfile.js';
import { readGoMod } from './gomod.js';
import { readGradleLockfile } from './gradle.js';
import { readPomXml } from './maven.js';
import { readPackageLock } from './npm.js';
import { readNugetLock } from './nuget.js';
import { readPipfileLock } from './pipfile.js';
import { readPnpmLock } from './pnpm.js';
import { readPoetryLock } from './poetry.js';
import { readRequirements } from './requirements.js';
import { readSpdx } from './spdx.js';
import { readUvLock } from './uv.js';
import { readYarnLock } from './yarn.js';

export interface Format {
  /** Name or glob, for docs and messages. */
  pattern: string;
  matches(base: string, posixPath: string): boolean;
  read: Reader;
}

const exact =
  (...names: string[]) =>
  (base: string): boolean =>
    names.includes(base);

/** An SBOM file: CycloneDX or SPDX JSON, told apart by content. */
export const readSbom: Reader = (ctx) => {
  const json = parseJson(ctx);
  if (isRecord(json) && json.bomFormat === 'CycloneDX') return readCycloneDx(ctx, json);
  if (isRecord(json) && typeof json.spdxVersion === 'string') return readSpdx(ctx, json);
  throw inputError(
    ctx.display,
    'is neither a CycloneDX JSON BOM (bomFormat) nor an SPDX JSON document (spdxVersion)',
    {
      fix: 'Point the dependency check at a CycloneDX or SPDX JSON SBOM, or rename the file.',
    },
  );
};

const readBunBinary: Reader = (ctx) => {
  throw inputError(ctx.display, 'is the binary bun.lockb format, which the gate cannot read', {
    fix: 'Commit the text lockfile instead: `bun install --save-text-lockfile` writes bun.lock (the default since Bun 1.2).',
  });
};

export const FORMATS: Format[] = [
  { pattern: 'package-lock.json', matches: exact('package-lock.json'), read: readPackageLock },
  { pattern: 'npm-shrinkwrap.json', matches: exact('npm-shrinkwrap.json'), read: readPackageLock },
  { pattern: 'yarn.lock', matches: exact('yarn.lock'), read: readYarnLock },
  { pattern: 'pnpm-lock.yaml', matches: exact('pnpm-lock.yaml'), read: readPnpmLock },
  { pattern: 'bun.lock', matches: exact('bun.lock'), read: readBunLock },
  { pattern: 'bun.lockb', matches: exact('bun.lockb'), read: readBunBinary },
  {
    pattern: 'requirements*.txt',
    matches: (b) => /^requirements.*\.txt$/.test(b),
    read: readRequirements,
  },
  { pattern: 'poetry.lock', matches: exact('poetry.lock'), read: readPoetryLock },
  { pattern: 'uv.lock', matches: exact('uv.lock'), read: readUvLock },
  { pattern: 'Pipfile.lock', matches: exact('Pipfile.lock'), read: readPipfileLock },
  { pattern: 'go.mod', matches: exact('go.mod'), read: readGoMod },
  { pattern: 'Cargo.lock', matches: exact('Cargo.lock'), read: readCargoLock },
  { pattern: 'Gemfile.lock', matches: exact('Gemfile.lock', 'gems.locked'), read: readGemfileLock },
  { pattern: 'composer.lock', matches: exact('composer.lock'), read: readComposerLock },
  { pattern: 'packages.lock.json', matches: exact('packages.lock.json'), read: readNugetLock },
  {
    pattern: 'gradle.lockfile',
    matches: (b, p) =>
      b === 'gradle.lockfile' ||
      b === 'buildscript-gradle.lockfile' ||
      /(^|\/)dependency-locks\/[^/]+\.lockfile$/.test(p),
    read: readGradleLockfile,
  },
  { pattern: 'pom.xml', matches: exact('pom.xml'), read: readPomXml },
  {
    pattern: '*.cdx.json, bom.json, *.bom.json, *.spdx.json, sbom.json, *.sbom.json',
    matches: (b) =>
      /(\.cdx|\.spdx|\.sbom|\.bom)\.json$/.test(b) || b === 'bom.json' || b === 'sbom.json',
    read: readSbom,
  },
];

/** Supported file names and globs, for docs and messages. */
export const SUPPORTED_FILES: readonly string[] = [
  ...FORMATS.filter((f) => f.pattern !== 'bun.lockb').flatMap((f) => f.pattern.split(', ')),
  'gems.locked',
  'buildscript-gradle.lockfile',
  'gradle/dependency-locks/*.lockfile',
];

export function formatOf(file: string): Format | undefined {
  const posix = file.replace(/\\/g, '/');
  const base = path.posix.basename(posix);
  return FORMATS.find((f) => f.matches(base, posix));
}

/** Whether discovery should pick this path up (bun.lockb included, so that it is refused loudly). */
export function isSupportedFile(file: string): boolean {
  return formatOf(file) !== undefined;
}
