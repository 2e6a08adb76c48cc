/** Production dependencies of `run`: the real adapters. */
import { createSigstoreAdapter } from './adapters/sigstore/index.js';
import type { Deps } from './run.js';

export function productionDeps(): Deps {
  return { signatures: (cfg) => createSigstoreAdapter(cfg), now: () => new Date() };
}
