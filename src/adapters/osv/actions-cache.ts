/**
 * Carries the OSV API record cache (the folder `osvCacheDir` names, under RUNNER_TEMP) from run to
 * run with the GitHub Actions cache, through `@actions/cache` (cache service v2 on github.com:
 * Twirp JSON calls to ACTIONS_RESULTS_URL, the archive itself to and from blob storage by signed
 * URL). Action only, and only when asked (SECURITY_GATE_ADVISORY_CACHE=actions).
 *
 * - Restore before the check: the newest entry whose key starts with
 *   `security-gate-osv-1-<hash of the API URL>-`. The archive carries a manifest
 *   (`security-gate-cache.json`: format, API URL, `savedAt`); an entry without one, for another
 *   API, saved longer ago than the max age or in the future, is deleted before the check runs.
 *   Each record file also carries the time it was fetched, which the OSV API source checks
 *   itself (src/adapters/osv/api.ts): a record fetched longer ago than the max age is fetched
 *   again, whatever the manifest says, so reuse from run to run never stretches a record's age.
 * - Save after the check, under a new key (entries are immutable), only when the check fetched
 *   something new.
 * - The cache is an optimisation: a cache service that fails, hangs (bounded by a timeout) or
 *   refuses is a miss, logged, never an error of the gate. Records still come from the API,
 *   checked against the `modified` it reports.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { DependenciesConfig } from '../../config/index.js';
import { osvCacheDir } from '../dependencies.js';
import { messageOf } from './source.js';

/** Max age of cached records when the policy sets no `dependencies.max-age`. */
export const DEFAULT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** The part of `@actions/cache` used here (a port, so tests can count calls). */
export interface CacheClient {
  isFeatureAvailable(): boolean;
  restoreCache(
    paths: string[],
    primaryKey: string,
    restoreKeys?: string[],
  ): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

export interface AdvisoryCacheOptions {
  /** The folder the OSV API source caches records in. */
  dir: string;
  /** The OSV API base URL (part of the key: records of one API are not used for another). */
  apiUrl: string;
  /** Oldest data used: the policy's `dependencies.max-age`, or 24 hours. */
  maxAgeMs: number;
  client: CacheClient;
  now: () => Date;
  /** Progress lines for the job log. */
  log: (line: string) => void;
  /** Run id and attempt, to make save keys unique. */
  runId?: string;
  /** Longest wait for a restore or a save. Default 120 s. */
  timeoutMs?: number;
}

export const MANIFEST = 'security-gate-cache.json';
const FORMAT = 1;
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const manifestSchema = z.object({
  format: z.literal(FORMAT),
  apiUrl: z.string(),
  savedAt: z.iso.datetime({ offset: true }),
});

export interface AdvisoryCache {
  /** What happened on restore, one line for the log and the report. */
  readonly restored: string;
  /** Saves the folder when the run added to it; never throws. Returns a line for the log. */
  save(): Promise<string>;
}

/** The key prefix for one API. */
export function keyPrefix(apiUrl: string): string {
  const hash = createHash('sha256').update(apiUrl).digest('hex').slice(0, 16);
  return `security-gate-osv-1-${hash}-`;
}

/** Restores the folder from the Actions cache when it can; never throws. */
export async function restoreAdvisoryCache(opts: AdvisoryCacheOptions): Promise<AdvisoryCache> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const prefix = keyPrefix(opts.apiUrl);
  let restored: string;
  try {
    const key = await withTimeout(
      opts.client.restoreCache([opts.dir], `${prefix}latest`, [prefix]),
      timeoutMs,
      'restoring the advisory cache',
    );
    if (key === undefined) restored = 'no advisory cache entry to restore';
    else {
      const problem = await checkManifest(opts);
      if (problem === undefined) restored = `advisory cache restored from ${key}`;
      else {
        await rm(opts.dir, { recursive: true, force: true });
        restored = `advisory cache entry ${key} not used: ${problem}`;
      }
    }
  } catch (err) {
    // A restore that failed half-way may have left files: start from nothing.
    await rm(opts.dir, { recursive: true, force: true }).catch(() => undefined);
    restored = `advisory cache not restored: ${messageOf(err)}`;
  }
  opts.log(`security-gate: ${restored}`);
  const before = await fingerprint(opts.dir);
  return {
    restored,
    async save(): Promise<string> {
      let line: string;
      try {
        const after = await fingerprint(opts.dir);
        if (after.size === 0 || sameFiles(before, after)) {
          line = 'advisory cache unchanged, not saved';
        } else {
          const savedAt = opts.now().toISOString();
          await writeFile(
            path.join(opts.dir, MANIFEST),
            JSON.stringify({ format: FORMAT, apiUrl: opts.apiUrl, savedAt }),
          );
          const key = `${prefix}${savedAt.replace(/[-:.]/g, '')}${opts.runId ? `-${opts.runId}` : ''}`;
          const id = await withTimeout(
            opts.client.saveCache([opts.dir], key),
            timeoutMs,
            'saving the advisory cache',
          );
          line =
            id === -1
              ? `advisory cache not saved under ${key} (the cache service refused it; see above)`
              : `advisory cache saved as ${key}`;
        }
      } catch (err) {
        line = `advisory cache not saved: ${messageOf(err)}`;
      }
      opts.log(`security-gate: ${line}`);
      return line;
    },
  };
}

/** Why the restored folder must not be used, or undefined when its manifest is fine. */
async function checkManifest(opts: AdvisoryCacheOptions): Promise<string | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(opts.dir, MANIFEST), 'utf8'));
  } catch (err) {
    return `no readable ${MANIFEST} (${messageOf(err)})`;
  }
  const m = manifestSchema.safeParse(raw);
  if (!m.success) return `${MANIFEST} is not in the expected format`;
  if (m.data.apiUrl !== opts.apiUrl) return `it holds records of ${m.data.apiUrl}`;
  const age = opts.now().getTime() - Date.parse(m.data.savedAt);
  if (age < -CLOCK_SKEW_MS) return `it claims to be saved in the future (${m.data.savedAt})`;
  if (age > opts.maxAgeMs) {
    return `saved at ${m.data.savedAt}, longer ago than the max age (${Math.round(opts.maxAgeMs / 60_000)} min)`;
  }
  return undefined;
}

/** Record files and their modification times (the manifest excluded). */
async function fingerprint(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === MANIFEST || !name.endsWith('.json')) continue;
    const info = await stat(path.join(dir, name)).catch(() => undefined);
    if (info?.isFile()) out.set(name, info.mtimeMs);
  }
  return out;
}

function sameFiles(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** The promise's value, or an error after `ms` (the promise is left to settle on its own). */
async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** `@actions/cache` itself, loaded only when the cache is used. */
export async function actionsCacheClient(): Promise<CacheClient> {
  const actionsCache = await import('@actions/cache');
  return {
    isFeatureAvailable: () => actionsCache.isFeatureAvailable(),
    restoreCache: (paths, primaryKey, restoreKeys) =>
      actionsCache.restoreCache(paths, primaryKey, restoreKeys),
    saveCache: (paths, key) => actionsCache.saveCache(paths, key),
  };
}

/**
 * The advisory cache for this run of the action, restored; undefined when it does not apply: not
 * asked for (SECURITY_GATE_ADVISORY_CACHE=actions), no dependencies check on the OSV API, or no
 * Actions cache service (ACTIONS_RUNTIME_TOKEN, and ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL).
 */
export async function advisoryCacheForRun(
  dependencies: Pick<DependenciesConfig, 'source' | 'maxAgeMs'> | undefined,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  loadClient: () => Promise<CacheClient> = actionsCacheClient,
  now: () => Date = () => new Date(),
): Promise<AdvisoryCache | undefined> {
  if (env.SECURITY_GATE_ADVISORY_CACHE !== 'actions') return undefined;
  if (dependencies?.source.kind !== 'osv-api') {
    log('security-gate: SECURITY_GATE_ADVISORY_CACHE applies to the OSV API source only; not used');
    return undefined;
  }
  let client: CacheClient | undefined;
  try {
    client = env.ACTIONS_RUNTIME_TOKEN ? await loadClient() : undefined;
  } catch (err) {
    log(`security-gate: advisory cache not used: ${messageOf(err)}`);
    return undefined;
  }
  if (client === undefined || !client.isFeatureAvailable()) {
    log('security-gate: no Actions cache service in this environment; advisory cache not used');
    return undefined;
  }
  return restoreAdvisoryCache({
    dir: osvCacheDir(env),
    apiUrl: dependencies.source.url,
    maxAgeMs: dependencies.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
    client,
    now,
    log,
    ...(env.GITHUB_RUN_ID
      ? { runId: `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}` }
      : {}),
  });
}
