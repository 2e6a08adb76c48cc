/** The dependencies check's ports: lockfile and SBOM readers, advisory sources, version order. */
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DependencyPorts } from '../checks/dependencies/index.js';
import type { ParsedManifest } from '../checks/dependencies/model.js';
import { versionScheme } from '../checks/dependencies/versions/index.js';
import type { DependenciesConfig } from '../config/index.js';
import { GateError } from '../errors.js';
import { discoverManifests, readManifest, SUPPORTED_FILES } from './lockfiles/index.js';
import { githubAdvisories } from './github/advisories.js';
import { osvApi } from './osv/api.js';
import { osvDir } from './osv/dir.js';
import type { AdvisorySource } from './osv/source.js';
import { osvZip } from './osv/zip.js';

export interface DependencyAdapterOptions {
  workspace: string;
  dependencies: Pick<DependenciesConfig, 'paths' | 'sboms' | 'source' | 'maxAgeMs'>;
  /** The GitHub API, for `source: github`. */
  github?: { apiUrl: string; token?: string };
}

export function createDependencyPorts(options: DependencyAdapterOptions): DependencyPorts {
  const { workspace } = options;
  const { paths, sboms, source, maxAgeMs } = options.dependencies;
  const resolveIn = (p: string) => path.resolve(workspace, p);
  const shown = (abs: string) => path.relative(workspace, abs) || abs;
  let advisories: Promise<AdvisorySource> | undefined;
  return {
    async manifests(): Promise<ParsedManifest[]> {
      const files: string[] = [];
      const roots = paths.length === 0 && sboms.length === 0 ? [workspace] : paths.map(resolveIn);
      for (const root of roots) {
        const info = await stat(root).catch(() => undefined);
        if (!info) {
          throw new GateError('input', `no such file or folder: ${shown(root)}`, {
            location: { file: shown(root) },
            fix: 'Check dependencies.paths (or the scan-deps PATH arguments).',
          });
        }
        const found = info.isDirectory() ? await discoverManifests([root], workspace) : [root];
        if (found.length === 0) {
          // Zero lockfiles is never "zero vulnerable packages".
          throw new GateError('input', `no lockfile or manifest found under ${shown(root)}`, {
            location: { file: shown(root) },
            fix: `Point dependencies.paths at the lockfiles being shipped (supported: ${SUPPORTED_FILES.join(', ')}).`,
          });
        }
        files.push(...found);
      }
      files.push(...sboms.map(resolveIn));
      const unique = [...new Set(files)];
      return Promise.all(unique.map((f) => readManifest(f, { displayPath: shown(f) })));
    },
    advisories: () =>
      (advisories ??=
        source.kind === 'github'
          ? Promise.resolve(
              githubAdvisories(options.github ?? { apiUrl: 'https://api.github.com' }),
            )
          : source.kind === 'osv-api'
            ? Promise.resolve(
                osvApi(source.url, {
                  cacheDir: osvCacheDir(),
                  // Cached records (also those restored by the Actions cache) are no older than max-age.
                  ...(maxAgeMs !== undefined ? { cacheMaxAgeMs: maxAgeMs } : {}),
                }),
              )
            : source.kind === 'osv-dir'
              ? osvDir(resolveIn(source.path))
              : osvZip(resolveIn(source.path))),
    scheme: versionScheme,
  };
}

/**
 * Records fetched from the OSV API, reused while the API reports the same `modified` (and, in the
 * action, carried across runs by the Actions cache: src/adapters/osv/actions-cache.ts).
 */
export function osvCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.RUNNER_TEMP || tmpdir(), 'security-gate', 'osv-cache');
}
