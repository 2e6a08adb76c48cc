/** Production dependencies of `run`: the real adapters. */
import { createDependencyPorts } from './adapters/dependencies.js';
import { createRepositoryPorts } from './adapters/github/repository.js';
import { createSigstoreAdapter } from './adapters/sigstore/index.js';
import type { Deps } from './run.js';

export function productionDeps(): Deps {
  return {
    signatures: (cfg) => createSigstoreAdapter(cfg),
    dependencies: (cfg) => createDependencyPorts(cfg),
    repository: (cfg) => createRepositoryPorts(cfg),
    now: () => new Date(),
  };
}
