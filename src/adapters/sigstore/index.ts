/** The Sigstore adapter: implements the signatures check's ports with files and @sigstore/verify. */
import { createHash, type KeyObject } from 'node:crypto';
import { access, glob, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { GateError, describeThrown } from '../../errors.js';
import type {
  ArtifactVerification,
  ResolvedArtifact,
  SignaturePorts,
} from '../../checks/signatures/ports.js';
import { embeddedPublicGoodRoot, trustedRootFromFile, type LoadedTrustRoot } from './trust.js';
import { loadPublicKey, verifyBundles } from './verify.js';

export interface SigstoreAdapterOptions {
  /** Base for relative paths in the policy (globs, bundles, keys, trusted root). */
  workspace: string;
  /** trusted_root.json to use instead of the embedded public-good root. */
  trustedRoot?: string;
}

export function createSigstoreAdapter(options: SigstoreAdapterOptions): SignaturePorts {
  const resolveIn = (p: string) => path.resolve(options.workspace, p);
  let trustRoot: Promise<LoadedTrustRoot> | undefined;
  const loadTrustRoot = () =>
    (trustRoot ??= options.trustedRoot
      ? trustedRootFromFile(resolveIn(options.trustedRoot))
      : Promise.resolve().then(embeddedPublicGoodRoot));
  const keyCache = new Map<string, Promise<KeyObject>>();
  const loadKey = (p: string) => {
    let k = keyCache.get(p);
    if (!k) keyCache.set(p, (k = loadPublicKey(resolveIn(p))));
    return k;
  };

  return {
    async resolve(pattern: string, bundleTemplate: string): Promise<ResolvedArtifact[]> {
      // Node's own glob (*, **, ?, [..], {a,b}); only regular files count as artifacts.
      const files: string[] = [];
      for await (const match of glob(pattern, { cwd: options.workspace })) {
        if ((await stat(resolveIn(match)).catch(() => undefined))?.isFile()) files.push(match);
      }
      files.sort();
      return Promise.all(
        files.map(async (artifact) => {
          const bundle = expandBundleTemplate(bundleTemplate, artifact);
          return { artifact, bundle, bundleExists: await exists(resolveIn(bundle)) };
        }),
      );
    },

    async verify(
      artifact: string,
      bundle: string,
      keyPaths: readonly string[],
    ): Promise<ArtifactVerification> {
      const [artifactBytes, bundleText, root, keys] = await Promise.all([
        readInput(resolveIn(artifact), 'artifact', artifact),
        readInput(resolveIn(bundle), 'bundle', bundle).then((b) => b.toString('utf8')),
        loadTrustRoot(),
        Promise.all(keyPaths.map(async (p) => ({ path: p, key: await loadKey(p) }))),
      ]);
      return {
        digest: {
          sha256: createHash('sha256').update(artifactBytes).digest('hex'),
          sha512: createHash('sha512').update(artifactBytes).digest('hex'),
        },
        outcomes: verifyBundles({ artifact: artifactBytes, bundleText, trustRoot: root, keys }),
        trustRoot: root.info,
      };
    },
  };
}

/** `{path}` is the artifact path, `{dir}` its folder, `{name}` its file name. */
export function expandBundleTemplate(template: string, artifact: string): string {
  return template
    .replaceAll('{path}', artifact)
    .replaceAll('{dir}', path.dirname(artifact))
    .replaceAll('{name}', path.basename(artifact));
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

async function readInput(p: string, what: 'artifact' | 'bundle', shown: string): Promise<Buffer> {
  try {
    return await readFile(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    throw new GateError(
      'input',
      code === 'ENOENT'
        ? `${what} file not found: ${shown}`
        : `cannot read ${what} ${shown}: ${describeThrown(err)}`,
      { cause: err, location: { file: shown } },
    );
  }
}
