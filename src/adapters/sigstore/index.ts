/** The Sigstore adapter: implements the signatures check's ports with files and @sigstore/verify. */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, glob, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { GateError, describeThrown } from '../../errors.js';
import { decodeUtf8Strict, notUtf8 } from '../../utf8.js';
import type {
  ArtifactTarget,
  ArtifactVerification,
  ResolvedArtifact,
  SignaturePorts,
  SignatureSource,
} from '../../checks/signatures/ports.js';
import { fetchAttestations } from '../github/attestations.js';
import { hashFile } from './digest.js';
import { githubTrustedRoot, publicGoodRoot, trustedRootFromFile } from './trust.js';
import { loadPublicKey, verifyBundles, type TrustSet } from './verify.js';

export interface SigstoreAdapterOptions {
  /** Base for relative paths in the policy (globs, bundles, keys, trusted root). */
  workspace: string;
  /** trusted_root.json to use instead of the public-good and GitHub roots. */
  trustedRoot?: string;
  /** online: refresh the public-good root through TUF; offline: the root embedded in @sigstore/tuf. */
  tuf: 'online' | 'offline';
  /** When the TUF refresh fails: use the embedded root (and say so), or fail. */
  tufFallback: 'embedded' | 'none';
  /** TUF client settings (tests point them at a local repository). */
  tufClient?: { mirrorURL?: string; tufRootPath?: string; cachePath?: string; timeoutMs?: number };
  /** The GitHub API, for `source: github-attestations`. */
  github?: { apiUrl: string; token?: string; allowInsecureBundleHosts?: string[] };
}

export function createSigstoreAdapter(options: SigstoreAdapterOptions): SignaturePorts {
  const resolveIn = (p: string) => path.resolve(options.workspace, p);
  let trust: Promise<TrustSet> | undefined;
  const loadTrust = () =>
    (trust ??= (async (): Promise<TrustSet> => {
      if (options.trustedRoot) {
        const custom = await trustedRootFromFile(resolveIn(options.trustedRoot));
        return { publicGood: custom, github: custom, custom };
      }
      const publicGood = await publicGoodRoot({
        mode: options.tuf,
        allowEmbeddedFallback: options.tufFallback === 'embedded',
        ...options.tufClient,
      });
      return {
        publicGood: {
          root: publicGood.root,
          info: { ...publicGood.info, freshness: publicGood.freshness },
        },
        github: githubTrustedRoot(),
      };
    })());
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

    exists: (p: string) => exists(resolveIn(p)),

    async verify(
      target: ArtifactTarget,
      source: SignatureSource,
      keyPaths: readonly string[],
    ): Promise<ArtifactVerification> {
      const digest =
        target.kind === 'file' ? await hashFile(resolveIn(target.path)) : { sha256: target.sha256 };
      const [bundleText, trustSet, keys] = await Promise.all([
        source.kind === 'bundle'
          ? readInput(resolveIn(source.path), 'bundle', source.path).then((b) =>
              decodeBundle(b, source.path),
            )
          : githubBundles(source, digest.sha256),
        loadTrust(),
        Promise.all(keyPaths.map(async (p) => ({ path: p, key: await loadKey(p) }))),
      ]);
      return {
        digest: { sha256: digest.sha256, ...('sha512' in digest ? { sha512: digest.sha512 } : {}) },
        // An attestations source with no attestation yields no outcome: the check says so.
        outcomes:
          source.kind === 'github-attestations' && bundleText === ''
            ? []
            : verifyBundles({
                digest,
                ...(target.kind === 'file'
                  ? { readArtifact: () => readFileSync(resolveIn(target.path)) }
                  : {}),
                bundleText,
                trust: trustSet,
                keys,
              }),
        trustRoot: (trustSet.custom ?? trustSet.publicGood).info,
      };
    },
  };

  /** The attestations GitHub stores for the artifact's digest, as JSON Lines. */
  async function githubBundles(
    source: Extract<SignatureSource, { kind: 'github-attestations' }>,
    sha256: string,
  ): Promise<string> {
    if (!options.github) {
      throw new GateError(
        'config',
        '`source: github-attestations` needs the GitHub API, and none is configured',
      );
    }
    const found = await fetchAttestations({
      apiUrl: options.github.apiUrl,
      ...(options.github.token ? { token: options.github.token } : {}),
      owner: source.owner,
      ...(source.repo ? { repo: source.repo } : {}),
      ...(source.predicateType ? { predicateType: source.predicateType } : {}),
      ...(options.github.allowInsecureBundleHosts
        ? { allowInsecureBundleHosts: options.github.allowInsecureBundleHosts }
        : {}),
      digest: { algorithm: 'sha256', hex: sha256 },
    });
    return found.map((a) => JSON.stringify(a.bundle)).join('\n');
  }
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

/** A bundle file's text; bytes that are not UTF-8 are a damaged file, not a lenient U+FFFD. */
function decodeBundle(bytes: Buffer, shown: string): string {
  const decoded = decodeUtf8Strict(bytes);
  if ('invalid' in decoded) {
    throw new GateError('input', `bundle ${shown} ${notUtf8(decoded.invalid)}`, {
      location: { file: shown, line: decoded.invalid.line },
      fix: 'Download the bundle again; Sigstore bundles are UTF-8 JSON.',
    });
  }
  return decoded.text;
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
