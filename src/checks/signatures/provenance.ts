/**
 * SLSA provenance (v1 and v0.2) as GitHub Actions and slsa-github-generator write it: the fields a
 * promotion decision needs, read defensively from the statement's predicate (JSON of unknown shape).
 */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';

export interface Provenance {
  version: 'v1' | 'v0.2';
  builderId?: string;
  buildType?: string;
  /** e.g. https://github.com/OWNER/REPO */
  sourceRepositoryUri?: string;
  /** e.g. refs/heads/main */
  sourceRef?: string;
  /** git commit SHA the build ran on */
  sourceCommit?: string;
  /** workflow file path, e.g. .github/workflows/release.yml */
  workflowPath?: string;
  repositoryId?: string;
  repositoryOwnerId?: string;
  eventName?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** `git+https://github.com/o/r@refs/heads/main` → uri and ref. */
function splitGitUri(uri: string | undefined): { repo?: string; ref?: string } {
  if (!uri?.startsWith('git+')) return {};
  const rest = uri.slice(4);
  const at = rest.lastIndexOf('@');
  return at < 0 ? { repo: rest } : { repo: rest.slice(0, at), ref: rest.slice(at + 1) };
}

/** Reads SLSA provenance; undefined when the predicate type is not SLSA provenance. */
export function readProvenance(
  predicateType: string | undefined,
  predicate: unknown,
): Provenance | undefined {
  const p = obj(predicate);
  if (predicateType === SLSA_PROVENANCE_V1) {
    const def = obj(p.buildDefinition);
    const workflow = obj(obj(def.externalParameters).workflow);
    const github = obj(obj(def.internalParameters).github);
    const deps = Array.isArray(def.resolvedDependencies) ? def.resolvedDependencies.map(obj) : [];
    const source = deps.find((d) => str(d.uri)?.startsWith('git+')) ?? {};
    const git = splitGitUri(str(source.uri));
    return prune({
      version: 'v1' as const,
      builderId: str(obj(obj(p.runDetails).builder).id),
      buildType: str(def.buildType),
      sourceRepositoryUri: str(workflow.repository) ?? git.repo,
      sourceRef: str(workflow.ref) ?? git.ref,
      sourceCommit: str(obj(source.digest).gitCommit) ?? str(obj(source.digest).sha1),
      workflowPath: str(workflow.path),
      repositoryId: str(github.repository_id),
      repositoryOwnerId: str(github.repository_owner_id),
      eventName: str(github.event_name),
    });
  }
  if (predicateType === SLSA_PROVENANCE_V02) {
    const invocation = obj(p.invocation);
    const config = obj(invocation.configSource);
    const git = splitGitUri(str(config.uri));
    const env = obj(invocation.environment);
    return prune({
      version: 'v0.2' as const,
      builderId: str(obj(p.builder).id),
      buildType: str(p.buildType),
      sourceRepositoryUri: git.repo,
      sourceRef: git.ref,
      sourceCommit: str(obj(config.digest).sha1) ?? str(obj(config.digest).gitCommit),
      workflowPath: str(config.entryPoint),
      eventName: str(env.github_event_name),
    });
  }
  return undefined;
}

function prune(o: { [K in keyof Provenance]: Provenance[K] | undefined }): Provenance {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined),
  ) as unknown as Provenance;
}
