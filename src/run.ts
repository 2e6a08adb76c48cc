/** `run(config, deps)`: the one entry point the action and the CLI share. */
import type { GateConfig } from './config/index.js';
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
  now: () => Date;
  /** Deadline of each check; default 10 minutes. */
  timeoutMs?: number;
}

export async function run(config: GateConfig, deps: Deps): Promise<Report> {
  const sig = config.signatures;
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
    { id: 'dependencies', skip: 'not available in this version of security-gate' },
    { id: 'repository', skip: 'not available in this version of security-gate' },
  ];
  return runChecks(config.only ? plan.filter((p) => config.only!.includes(p.id)) : plan, {
    mode: config.mode,
    subject: config.subject,
    ...(config.policy ? { policy: config.policy } : {}),
    timeoutMs: deps.timeoutMs ?? 10 * 60 * 1000,
    now: deps.now,
  });
}
