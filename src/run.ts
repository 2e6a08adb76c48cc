/** `run(config, deps)`: the one entry point the action and the CLI share. */
import type { DependenciesConfig, GateConfig } from './config/index.js';
import { checkDependencies, type DependencyPorts } from './checks/dependencies/index.js';
import {
  checkRepository,
  type RepositoryCheckConfig,
  type RepositoryPorts,
} from './checks/repository/index.js';
import { checkSignatures } from './checks/signatures/index.js';
import type { SignaturePorts } from './checks/signatures/ports.js';
import { runChecks, type PlannedCheck } from './engine.js';
import type { Report } from './types.js';

export interface Deps {
  /** Builds the signatures check's ports for this configuration (the Sigstore adapter in production). */
  signatures: (cfg: {
    workspace: string;
    trustedRoot?: string;
    tuf: 'online' | 'offline';
    tufFallback: 'none' | 'embedded';
    github: { apiUrl: string; token?: string };
  }) => SignaturePorts;
  /** Builds the dependencies check's ports (lockfile readers and advisory sources in production). */
  dependencies: (cfg: {
    workspace: string;
    dependencies: Pick<DependenciesConfig, 'paths' | 'sboms' | 'source'>;
    github: { apiUrl: string; token?: string };
  }) => DependencyPorts;
  /** Builds the repository check's ports (the GitHub adapter in production). */
  repository: (cfg: {
    github: { apiUrl: string; token?: string };
    check: RepositoryCheckConfig;
  }) => RepositoryPorts;
  now: () => Date;
  /** Deadline of each check; default 10 minutes. */
  timeoutMs?: number;
}

export async function run(config: GateConfig, deps: Deps): Promise<Report> {
  const sig = config.signatures;
  const dep = config.dependencies;
  const repo = config.repository;
  const plan: PlannedCheck[] = [
    sig
      ? {
          id: 'signatures',
          run: () =>
            checkSignatures(
              sig,
              deps.signatures({
                workspace: config.workspace,
                github: config.github,
                tuf: sig.tuf,
                tufFallback: sig.tufFallback,
                ...(sig.trustedRoot ? { trustedRoot: sig.trustedRoot } : {}),
              }),
            ),
        }
      : { id: 'signatures', skip: 'the policy has no `signatures` section' },
    dep
      ? {
          id: 'dependencies',
          run: () =>
            checkDependencies(
              { ...dep, now: deps.now() },
              deps.dependencies({
                workspace: config.workspace,
                dependencies: dep,
                github: config.github,
              }),
            ),
        }
      : { id: 'dependencies', skip: 'the policy has no `dependencies` section' },
    repo
      ? {
          id: 'repository',
          run: () => checkRepository(repo, deps.repository({ github: config.github, check: repo })),
        }
      : { id: 'repository', skip: 'the policy has no `repository` section' },
  ];
  return runChecks(config.only ? plan.filter((p) => config.only!.includes(p.id)) : plan, {
    mode: config.mode,
    subject: config.subject,
    ...(config.policy ? { policy: config.policy } : {}),
    timeoutMs: deps.timeoutMs ?? 10 * 60 * 1000,
    now: deps.now,
  });
}
