/** Production dependencies of `run`: the real adapters. */
import { createDependencyPorts } from './adapters/dependencies.js';
import { createSigstoreAdapter } from './adapters/sigstore/index.js';
import type { Deps } from './run.js';

export function productionDeps(): Deps {
  return {
    signatures: (cfg) => createSigstoreAdapter(cfg),
    dependencies: (cfg) => createDependencyPorts(cfg),
    now: () => new Date(),
  };
}
