import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  advisorySourceFrom,
  configFromRunOptions,
  configFromScanDeps,
  configFromVerifyArtifact,
  parseOptions,
} from '../src/config/index.js';
import { loadPolicy, parsePolicy } from '../src/config/load.js';
import { parseDuration, runOptionsSchema } from '../src/config/schema.js';
import { GateError } from '../src/errors.js';
import { thrownBy, rejectionOf } from './helpers/gate-error.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const SAN = 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main';
const SHA = '0123456789abcdef0123456789abcdef01234567';

/** A minimal valid policy; line numbers in the tests below count from it. */
const VALID = `version: 1
signatures:
  artifacts:
    - path: dist/*.tgz
  identities:
    - issuer: ${ISSUER}
      subject: ${SAN}
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'security-gate-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function policyFile(text: string): Promise<string> {
  const file = path.join(dir, `policy-${++counter}.yml`);
  await writeFile(file, text, 'utf8');
  return file;
}

/** The policy error for `text`, named `p.yml`. */
function policyError(text: string): GateError {
  return thrownBy(() => parsePolicy(text, 'p.yml'));
}

describe('loadPolicy / parsePolicy', () => {
  it('loads a valid policy and applies the defaults', async () => {
    const file = await policyFile(VALID);
    const loaded = await loadPolicy(file);
    expect(loaded.path).toBe(file);
    expect(loaded.sha256).toBe(createHash('sha256').update(VALID).digest('hex'));
    expect(loaded.policy).toEqual({
      version: 1,
      mode: 'enforce',
      signatures: {
        artifacts: [{ path: 'dist/*.tgz', source: 'bundle' }],
        identities: [{ issuer: ISSUER, subject: SAN }],
        'require-deployed-commit': false,
        tuf: 'online',
        'tuf-fallback': 'none',
      },
    });
  });

  it('accepts JSON, which is YAML', () => {
    const policy = parsePolicy(
      JSON.stringify({
        version: 1,
        mode: 'audit',
        signatures: {
          artifacts: [{ digest: `sha256:${'a'.repeat(64)}`, source: 'github-attestations' }],
          identities: [{ key: 'keys/release.pub' }],
        },
      }),
      'p.json',
    );
    expect(policy.mode).toBe('audit');
    expect(policy.signatures?.artifacts[0]).toEqual({
      digest: `sha256:${'a'.repeat(64)}`,
      source: 'github-attestations',
    });
  });

  it('refuses a missing file, naming it', async () => {
    const missing = path.join(dir, 'no-such-policy.yml');
    const err = await rejectionOf(loadPolicy(missing));
    expect(err.code).toBe('config');
    expect(err.message).toBe(`policy file not found: ${missing}`);
    expect(err.location).toEqual({ file: missing });
    expect(err.fix).toMatch(/--policy/);
  });

  it('refuses a YAML syntax error, naming the file and the line', async () => {
    const file = await policyFile(
      'version: 1\nsignatures:\n  artifacts: [\n    - path: a\n  identities: []\n',
    );
    const err = await rejectionOf(loadPolicy(file));
    expect(err.code).toBe('config');
    expect(err.message).toMatch(new RegExp(`^${escapeRe(file)}:4:\\d+: YAML syntax error: `));
    expect(err.location).toMatchObject({ file, line: 4 });
  });

  it('refuses a duplicate key, naming its line', () => {
    const err = policyError(`${VALID}version: 1\n`);
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/^p\.yml:8:1: YAML syntax error: .*unique/);
    expect(err.location).toMatchObject({ file: 'p.yml', line: 8 });
  });

  it.each([
    ['an empty file', ''],
    ['a file with only comments', '# security-gate policy\n\n'],
  ])('refuses %s', async (_name, text) => {
    const file = await policyFile(text);
    const err = await rejectionOf(loadPolicy(file));
    expect(err.code).toBe('config');
    expect(err.message).toBe(`${file}: policy file is empty; it needs at least \`version: 1\``);
    expect(err.fix).toBe('Start the file with `version: 1`.');
  });

  it('refuses a policy that is not UTF-8, naming the line of the bad byte', async () => {
    const file = path.join(dir, `latin1-${++counter}.yml`);
    await writeFile(
      file,
      Buffer.concat([Buffer.from(`${VALID}# caf`), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    const err = await rejectionOf(loadPolicy(file));
    expect(err.message).toBe(
      `${file}:8: is not valid UTF-8 (line 8, byte ${VALID.length + 5}); the file is damaged or in another encoding`,
    );
    expect(err.location).toEqual({ file, line: 8 });
    expect(err.fix).toBe('Save the policy file as UTF-8.');
  });

  it('refuses a policy path that cannot be read, with the reason', async () => {
    const err = await rejectionOf(loadPolicy(dir));
    expect(err.message).toBe(`cannot read policy file ${dir}: EISDIR`);
    expect(err.location).toEqual({ file: dir });
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    const lines = ['version: 1', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const err = policyError(lines.join('\n'));
    expect(err.message).toMatch(/^p\.yml: cannot read YAML: .*[Aa]lias/);
    expect(err.location).toEqual({ file: 'p.yml' });
  });

  it('lists the first ten problems on one screen, then how many more', () => {
    const identities = Array.from({ length: 12 }, () => `    - issuer: ${ISSUER}\n`).join('');
    const err = policyError(
      `version: 1\nsignatures:\n  artifacts:\n    - path: a\n  identities:\n${identities}`,
    );
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('p.yml: invalid policy (12 problems):');
    expect(lines).toHaveLength(12);
    expect(lines[1]).toBe(
      "  p.yml:6: key 'signatures.identities[0]': a keyless identity must say who signed: one of subject, subject-regexp, source-repository, source-repository-id, source-repository-owner, source-repository-owner-id, signer-workflow, build-workflow (an issuer alone would accept anyone it issues certificates to)",
    );
    expect(lines[10]).toMatch(/^ {2}p\.yml:15: key 'signatures\.identities\[9\]': /);
    expect(lines[11]).toBe('  … and 2 more');
    expect(err.location).toMatchObject({ file: 'p.yml', line: 6 });
    expect(err.fix).toBe(
      'See the policy reference in the README, or validate with schema/policy.schema.json.',
    );
    const ten = policyError(
      `version: 1\nsignatures:\n  artifacts:\n    - path: a\n  identities:\n${identities
        .split('\n')
        .slice(0, 10)
        .join('\n')}\n`,
    );
    expect(ten.message.split('\n')[0]).toBe('p.yml: invalid policy (10 problems):');
    expect(ten.message).not.toContain('more');
  });

  it('refuses a document that is not a mapping', () => {
    const err = policyError('- version: 1\n');
    expect(err.code).toBe('config');
    expect(err.message).toContain("p.yml:1: key '(top level)': ");
    expect(err.message).toContain('expected object');
  });

  it('refuses an unknown top-level key, naming it and its line', () => {
    const err = policyError(`${VALID}mdoe: audit\n`);
    expect(err.code).toBe('config');
    expect(err.message).toBe("p.yml: invalid policy (1 problem):\n  p.yml:8: unknown key 'mdoe'");
    expect(err.location).toEqual({ file: 'p.yml', line: 8, column: 1, key: 'mdoe' });
  });

  it('refuses a nested unknown key (a typo), naming the full key and its line', () => {
    const err = policyError(`version: 1
signatures:
  artifacts:
    - path: dist/*.tgz
  identities:
    - issuer: ${ISSUER}
      subject: ${SAN}
    - issuer: ${ISSUER}
      subjet: ${SAN}
`);
    expect(err.code).toBe('config');
    expect(err.message).toContain("  p.yml:9: unknown key 'signatures.identities[1].subjet'");
    // The first problem is the one the location points at.
    expect(err.location).toEqual({
      file: 'p.yml',
      line: 9,
      column: 7,
      key: 'signatures.identities[1].subjet',
    });
    // The typo also leaves the identity without a subject; that is said too, on the entry's line.
    expect(err.message).toContain(
      "  p.yml:8: key 'signatures.identities[1]': a keyless identity must say who signed",
    );
  });

  it('refuses `version: "1"` (a string) on its line', () => {
    const err = policyError(VALID.replace('version: 1', 'version: "1"'));
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/^ {2}p\.yml:1: key 'version': .*expected 1/m);
    expect(err.location).toMatchObject({ line: 1, key: 'version' });
  });

  it('says a missing `version` is required', () => {
    const err = policyError(VALID.replace('version: 1\n', ''));
    expect(err.code).toBe('config');
    expect(err.message).toContain("key 'version' is required");
  });

  it('refuses `identities: foo` as the wrong type (not "required"), on its line', () => {
    const err = policyError(`version: 1
signatures:
  artifacts:
    - path: dist/*.tgz
  identities: foo
`);
    expect(err.code).toBe('config');
    expect(err.message).toMatch(
      /^ {2}p\.yml:5: key 'signatures\.identities': .*expected array, received string$/m,
    );
    expect(err.message).not.toContain('required');
    expect(err.location).toMatchObject({ file: 'p.yml', line: 5, key: 'signatures.identities' });
  });

  it('refuses an empty `artifacts` list', () => {
    const err = policyError(
      VALID.replace('    - path: dist/*.tgz\n', '').replace('artifacts:', 'artifacts: []'),
    );
    expect(err.code).toBe('config');
    expect(err.message).toContain(
      "p.yml:3: key 'signatures.artifacts': list at least one artifact",
    );
  });

  it('reads the repository section with its defaults, and names a bad key with its line', () => {
    const ok = parsePolicy(
      `${VALID}repository:\n  required-approvals: 2\n  require-status-checks: [build, { name: test, app: github-actions }]\n`,
      'p.yml',
    );
    expect(ok.repository).toEqual({
      branches: [],
      'require-pull-request': true,
      'required-approvals': 2,
      'approvals-on-final-commit': true,
      'require-code-owner-approval': false,
      'require-status-checks': ['build', { name: 'test', app: 'github-actions' }],
      'require-signed-commits': false,
      'require-branch-protection': 'any',
      'cannot-see': 'block',
      'allow-bots': [],
    });
    const err = policyError(`${VALID}repository:\n  required-approvals: two\n`);
    expect(err.code).toBe('config');
    expect(err.message).toContain("p.yml:9: key 'repository.required-approvals'");
    const bad = policyError(`${VALID}repository:\n  cannot-see: ignore\n`);
    expect(bad.message).toContain("key 'repository.cannot-see'");
  });

  it.each([
    [
      'extends',
      'extends: my-org/security-gate.yml\n',
      'must be OWNER/REPO/PATH@REF (no empty, . or .. path segments), e.g. my-org/.github/security-gate.yml@<commit sha>',
    ],
  ])('refuses a malformed `%s:` with its own message', (key, section, text) => {
    const err = policyError(`${VALID}${section}`);
    expect(err.code).toBe('config');
    expect(err.message).toBe(
      `p.yml: invalid policy (1 problem):\n  p.yml:8: key '${key}': ${text}`,
    );
    expect(err.location).toMatchObject({ line: 8, key });
  });

  describe('identities', () => {
    const withIdentity = (lines: string) => `version: 1
signatures:
  artifacts:
    - path: dist/*.tgz
  identities:
${lines}`;

    it('refuses both `subject` and `subject-regexp`', () => {
      const err = policyError(
        withIdentity(
          `    - issuer: ${ISSUER}\n      subject: ${SAN}\n      subject-regexp: "https://github\\\\.com/.*"\n`,
        ),
      );
      expect(err.code).toBe('config');
      expect(err.message).toContain(
        "p.yml:6: key 'signatures.identities[0]': give `subject` (exact) or `subject-regexp` (pattern), not both",
      );
    });

    it('refuses neither `subject` nor `subject-regexp`', () => {
      const err = policyError(withIdentity(`    - issuer: ${ISSUER}\n`));
      expect(err.code).toBe('config');
      expect(err.message).toContain('a keyless identity must say who signed');
    });

    it('refuses a keyless identity without `issuer`', () => {
      const err = policyError(withIdentity(`    - subject: ${SAN}\n`));
      expect(err.code).toBe('config');
      expect(err.message).toContain('a keyless identity needs `issuer`');
    });

    it('refuses a `subject-regexp` that does not compile, on its line', () => {
      const err = policyError(
        withIdentity(`    - issuer: ${ISSUER}\n      subject-regexp: "release(\\\\.yml"\n`),
      );
      expect(err.code).toBe('config');
      expect(err.message).toContain(
        "p.yml:7: key 'signatures.identities[0].subject-regexp': is not a valid regular expression",
      );
      expect(err.location).toMatchObject({
        line: 7,
        key: 'signatures.identities[0].subject-regexp',
      });
    });

    it('refuses `key` mixed with `issuer`', () => {
      const err = policyError(
        withIdentity(`    - key: keys/release.pub\n      issuer: ${ISSUER}\n`),
      );
      expect(err.code).toBe('config');
      expect(err.message).toContain(
        "key 'signatures.identities[0]': `key` cannot be combined with issuer",
      );
    });

    it('accepts a pattern alone, and refuses `source-ref` with `source-ref-regexp`', () => {
      const policy = parsePolicy(
        withIdentity(
          `    - issuer: ${ISSUER}\n      subject-regexp: "https://github\\\\.com/acme/.*"\n      source-ref-regexp: "refs/tags/v.*"\n`,
        ),
        'p.yml',
      );
      expect(policy.signatures?.identities[0]).toMatchObject({
        'subject-regexp': 'https://github\\.com/acme/.*',
        'source-ref-regexp': 'refs/tags/v.*',
      });
      const err = policyError(
        withIdentity(
          `    - issuer: ${ISSUER}\n      subject: ${SAN}\n      source-ref: refs/heads/main\n      source-ref-regexp: "refs/tags/v.*"\n`,
        ),
      );
      expect(err.message).toContain(
        "p.yml:6: key 'signatures.identities[0]': give `source-ref` or `source-ref-regexp`, not both",
      );
    });

    it('accepts a key-only identity', () => {
      const policy = parsePolicy(withIdentity('    - key: keys/release.pub\n'), 'p.yml');
      expect(policy.signatures?.identities).toEqual([{ key: 'keys/release.pub' }]);
    });
  });

  it('refuses an artifact with neither `path` nor `digest`', () => {
    const err = policyError(
      VALID.replace('- path: dist/*.tgz', '- bundle: dist/app.sigstore.json'),
    );
    expect(err.code).toBe('config');
    expect(err.message).toContain(
      "p.yml:4: key 'signatures.artifacts[0]': each artifact needs exactly one of `path` or `digest`",
    );
  });

  it('refuses an unknown placeholder in a bundle template', () => {
    const err = policyError(
      VALID.replace(
        '- path: dist/*.tgz',
        '- path: dist/*.tgz\n      bundle: "{file}.sigstore.json"',
      ),
    );
    expect(err.code).toBe('config');
    expect(err.message).toContain(
      "p.yml:5: key 'signatures.artifacts[0].bundle': only {path}, {dir} and {name} may appear in braces",
    );
  });

  it('bundles: templates with a path, a plain file with a digest, none with the attestations API', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const artifacts = (lines: string) =>
      `version: 1\nsignatures:\n  artifacts:\n${lines}  identities:\n    - issuer: ${ISSUER}\n      subject: ${SAN}\n`;
    const ok = parsePolicy(
      artifacts(
        `    - path: dist/*.tgz\n      bundle: "{dir}/{name}.sigstore.json"\n    - path: dist/*.whl\n      bundle: "{path}.sig"\n    - digest: ${digest}\n      bundle: image.sigstore.json\n    - digest: ${digest}\n      source: github-attestations\n      repository: acme\n`,
      ),
      'p.yml',
    );
    expect(ok.signatures?.artifacts.map((a) => a.bundle ?? a.source)).toEqual([
      '{dir}/{name}.sigstore.json',
      '{path}.sig',
      'image.sigstore.json',
      'github-attestations',
    ]);
    for (const [lines, message] of [
      [
        `    - path: dist/*.tgz\n      source: github-attestations\n      bundle: x.json\n`,
        '`bundle` does not apply to `source: github-attestations`',
      ],
      [`    - path: dist/*.tgz\n      repository: acme/app\n`, '`repository` applies only to'],
      [`    - digest: ${digest}\n`, 'a `digest` entry needs `bundle` (a plain path)'],
      [
        `    - digest: ${digest}\n      bundle: "{name}.json"\n`,
        'with `digest`, `bundle` is a plain path',
      ],
    ] as const) {
      expect(policyError(artifacts(lines)).message).toContain(
        `p.yml:4: key 'signatures.artifacts[0]': ${message}`,
      );
    }
  });

  it('refuses a malformed digest', () => {
    const err = policyError(VALID.replace('- path: dist/*.tgz', '- digest: sha256:ABC'));
    expect(err.code).toBe('config');
    expect(err.message).toContain(
      "key 'signatures.artifacts[0].digest': must be sha256:<64 lowercase hex digits>",
    );
  });

  it('refuses a policy that enables no checks', () => {
    const err = policyError('version: 1\nmode: enforce\n');
    expect(err.code).toBe('config');
    expect(err.message).toBe(
      'p.yml: the policy enables no checks; a gate that checks nothing would pass anything',
    );
    expect(err.fix).toBe('Add a `signatures:`, `dependencies:` or `repository:` section.');
  });
});

describe('dependencies policy', () => {
  const env = { GITHUB_REPOSITORY: 'acme/widget', GITHUB_SHA: SHA };
  const deps = (body: string) => `version: 1\ndependencies:\n${body}`;
  const today = new Date('2026-11-23T12:00:00Z');

  it('applies the defaults', () => {
    expect(parsePolicy(deps('  source: osv\n'), 'p.yml', today).dependencies).toEqual({
      source: 'osv',
      'fail-on-severity': 'high',
      'unknown-severity': 'block',
      scopes: ['runtime'],
      'block-malicious': true,
      deny: [],
      allow: [],
    });
  });

  it('reads durations in seconds, minutes, hours and days, with or without a space', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration(' 2 h ')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    for (const bad of ['2xh', 'h', '2', '-2h', '2.5h', '2w', 'x2h', '2hh']) {
      expect(parseDuration(bad)).toBeUndefined();
    }
  });

  it.each([
    [
      'source: gitlab',
      "key 'dependencies.source': must be osv, github, osv-api:URL, osv-dir:PATH or osv-zip:PATH",
    ],
    ['source: osv-api:ftp://x', "key 'dependencies.source': must be osv"],
    ['max-age: forever', 'must be a duration like 24h'],
    ['max-age: 24hours', 'must be a duration like 24h'],
    ['max-age: about 24h', 'must be a duration like 24h'],
    ['fail-on-severity: medium', "key 'dependencies.fail-on-severity'"],
    ['scopes: [test]', "key 'dependencies.scopes[0]'"],
    [
      'allow: [{ id: GHSA-1, expires: 2027-01-01 }]',
      "key 'dependencies.allow[0].reason' is required",
    ],
    ['allow: [{ id: GHSA-1, reason: ok }]', "key 'dependencies.allow[0].expires' is required"],
    ['allow: [{ id: GHSA-1, reason: ok, expires: soon }]', 'must be a date YYYY-MM-DD'],
    ['deny: [{ package: event-stream }]', 'must be a package URL without version'],
    [
      "deny: [{ package: pkg:npm/event-stream, versions: '3.3.6 >=4.0.0' }]",
      'key \'dependencies.deny[0].versions\': "3.3.6 >=4.0.0" mixes exact versions and comparisons',
    ],
    [
      "deny: [{ package: pkg:npm/event-stream, versions: '^3.3.0' }]",
      'key \'dependencies.deny[0].versions\': "^3.3.0" is neither an exact version nor a comparison',
    ],
    [
      "deny: [{ package: pkg:npm/event-stream, versions: '>=1.0.0 ||' }]",
      "key 'dependencies.deny[0].versions': an alternative between || is empty",
    ],
  ])('refuses `%s`', (line, text) => {
    const err = thrownBy(() => parsePolicy(deps(`  ${line}\n`), 'p.yml', today));
    expect(err.code).toBe('config');
    expect(err.message).toContain(text);
  });

  it('refuses an expired waiver, naming its line and key', () => {
    const err = thrownBy(() =>
      parsePolicy(
        deps('  allow:\n    - id: GHSA-1\n      reason: ok\n      expires: 2026-11-22\n'),
        'p.yml',
        today,
      ),
    );
    expect(err.message).toBe(
      'p.yml:6: the waiver for GHSA-1 (dependencies.allow[0].expires) expired on 2026-11-22',
    );
    expect(err.location).toMatchObject({ line: 6, key: 'dependencies.allow[0].expires' });
    expect(err.fix).toBe('Fix the finding, or renew the waiver with a new reason and expiry.');
    // A waiver is good through its expiry date.
    const lastDay = parsePolicy(
      deps('  allow:\n    - id: GHSA-1\n      reason: ok\n      expires: 2026-11-23\n'),
      'p.yml',
      today,
    );
    expect(lastDay.dependencies?.allow).toHaveLength(1);
  });

  it('builds the check config, sources and durations', async () => {
    const file = await policyFile(
      deps(
        '  source: osv-dir:advisories\n  max-age: 2d\n  deny: [{ package: pkg:npm/event-stream, versions: 3.3.6 }]\n',
      ),
    );
    const config = await configFromRunOptions({ policy: file, workspace: dir }, env);
    expect(config.dependencies).toMatchObject({
      paths: [],
      source: { kind: 'osv-dir', path: 'advisories' },
      maxAgeMs: 2 * 86_400_000,
      deny: [{ package: 'pkg:npm/event-stream', versions: '3.3.6', key: 'dependencies.deny[0]' }],
    });
    expect(advisorySourceFrom('osv')).toEqual({ kind: 'osv-api', url: 'https://api.osv.dev' });
    expect(advisorySourceFrom('osv-api:http://127.0.0.1:9')).toEqual({
      kind: 'osv-api',
      url: 'http://127.0.0.1:9',
    });
    expect(advisorySourceFrom('osv-zip:all.zip')).toEqual({ kind: 'osv-zip', path: 'all.zip' });
  });

  it('scan-deps flags: one advisory source only', () => {
    const err = thrownBy(() => configFromScanDeps({ 'osv-dir': 'a', 'osv-zip': 'b' }, env));
    expect(err.message).toBe('give one advisory source, not --osv-dir and --osv-zip');
    expect(configFromScanDeps({ paths: ['x'] }, env).dependencies?.source).toEqual({
      kind: 'osv-api',
      url: 'https://api.osv.dev',
    });
  });
});

describe('configFromRunOptions', () => {
  const env = {
    GITHUB_REPOSITORY: 'acme/widget',
    GITHUB_SHA: SHA,
    GITHUB_REF: 'refs/heads/main',
  };

  it('builds the config from the policy and the runner variables', async () => {
    const file = await policyFile(VALID);
    const config = await configFromRunOptions({ policy: file, workspace: dir }, env);
    expect(config.mode).toBe('enforce');
    expect(config.subject).toEqual({
      repository: 'acme/widget',
      sha: SHA,
      ref: 'refs/heads/main',
    });
    expect(config.workspace).toBe(path.resolve(dir));
    expect(config.policy?.sha256).toBe(createHash('sha256').update(VALID).digest('hex'));
    expect(path.resolve(config.policy!.path)).toBe(file);
    expect(config.signatures).toEqual({
      artifacts: [{ path: 'dist/*.tgz', source: 'bundle' }],
      tuf: 'online',
      tufFallback: 'none',
      attestationsRepository: 'acme/widget',
      identities: [{ issuer: ISSUER, subject: SAN }],
    });
    expect(config.github).toEqual({ apiUrl: 'https://api.github.com' });
    expect(config.outputs).toEqual({});
  });

  it('reads the policy relative to the workspace', async () => {
    const file = await policyFile(VALID);
    const config = await configFromRunOptions({ policy: path.basename(file), workspace: dir }, env);
    expect(path.resolve(config.policy!.path)).toBe(file);
  });

  it('lets --repo, --sha and --ref override the runner variables', async () => {
    const file = await policyFile(VALID);
    const other = 'f'.repeat(40);
    const config = await configFromRunOptions(
      { policy: file, workspace: dir, repo: 'acme/other', sha: other, ref: 'refs/tags/v1.0.0' },
      env,
    );
    expect(config.subject).toEqual({
      repository: 'acme/other',
      sha: other,
      ref: 'refs/tags/v1.0.0',
    });
  });

  it('leaves the subject empty when nothing names it', async () => {
    const file = await policyFile(VALID);
    const config = await configFromRunOptions({ policy: file, workspace: dir }, {});
    expect(config.subject).toEqual({});
  });

  it('lets --mode override the policy mode, both ways', async () => {
    const audit = await policyFile(`${VALID}mode: audit\n`);
    expect((await configFromRunOptions({ policy: audit, workspace: dir }, env)).mode).toBe('audit');
    expect(
      (await configFromRunOptions({ policy: audit, workspace: dir, mode: 'enforce' }, env)).mode,
    ).toBe('enforce');
    const enforce = await policyFile(VALID);
    expect(
      (await configFromRunOptions({ policy: enforce, workspace: dir, mode: 'audit' }, env)).mode,
    ).toBe('audit');
  });

  it('passes the output files on', async () => {
    const file = await policyFile(VALID);
    const config = await configFromRunOptions(
      { policy: file, workspace: dir, json: 'out/r.json', markdown: 'out/r.md' },
      env,
    );
    expect(config.outputs).toEqual({ json: 'out/r.json', markdown: 'out/r.md' });
  });

  it('refuses an invalid --sha, naming the flag', async () => {
    const file = await policyFile(VALID);
    const err = await rejectionOf(
      configFromRunOptions({ policy: file, workspace: dir, sha: 'main' }, env),
    );
    expect(err.code).toBe('config');
    expect(err.message).toBe('--sha: must be a full commit SHA (40 or 64 lowercase hex)');
    expect(err.location).toEqual({ key: '--sha' });
  });

  it('refuses an invalid --mode, naming the flag (or input) and the values allowed', async () => {
    const file = await policyFile(VALID);
    const err = await rejectionOf(
      configFromRunOptions({ policy: file, workspace: dir, mode: 'warn' }, env, 'input '),
    );
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/^input mode: .*"enforce"\|"audit"/);
  });

  it('--sarif is passed on; report.sarif is relative to the workspace; --sarif overrides it', async () => {
    const plain = await policyFile(VALID);
    expect(
      (await configFromRunOptions({ policy: plain, workspace: dir, sarif: 'gate.sarif' }, env))
        .outputs,
    ).toEqual({ sarif: 'gate.sarif' });
    const withKey = await policyFile(`${VALID}report:\n  sarif: out/gate.sarif\n`);
    expect((await configFromRunOptions({ policy: withKey, workspace: dir }, env)).outputs).toEqual({
      sarif: path.resolve(dir, 'out/gate.sarif'),
    });
    expect(
      (await configFromRunOptions({ policy: withKey, workspace: dir, sarif: 'x.sarif' }, env))
        .outputs,
    ).toEqual({ sarif: 'x.sarif' });
  });

  it('report.pr-comment (default auto) and report.check-run (default false), with the run URL', async () => {
    const plain = await policyFile(VALID);
    expect((await configFromRunOptions({ policy: plain, workspace: dir }, env)).publish).toEqual({
      prComment: 'auto',
      checkRun: false,
    });
    const keys = await policyFile(`${VALID}report:\n  pr-comment: always\n  check-run: true\n`);
    const actions = {
      ...env,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: '/tmp/event.json',
      GITHUB_SERVER_URL: 'https://github.example.com/',
      GITHUB_RUN_ID: '4242',
    };
    expect((await configFromRunOptions({ policy: keys, workspace: dir }, actions)).publish).toEqual(
      {
        prComment: 'always',
        checkRun: true,
        event: { name: 'pull_request', path: '/tmp/event.json' },
        runUrl: 'https://github.example.com/acme/widget/actions/runs/4242',
      },
    );
    // A server URL that could break out of a markdown link gives no run URL at all.
    for (const server of ['https://x.example/a)b', 'javascript:alert(1)', 'https://x y'])
      expect(
        (
          await configFromRunOptions(
            { policy: keys, workspace: dir },
            { ...actions, GITHUB_SERVER_URL: server },
          )
        ).publish?.runUrl,
      ).toBeUndefined();
  });

  it('refuses wrong values of report.pr-comment and report.check-run, at their lines', () => {
    const err = policyError(
      `${VALID}report:\n  sarif: gate.sarif\n  pr-comment: yes\n  check-run: maybe\n`,
    );
    expect(err.code).toBe('config');
    expect(err.message).toContain("p.yml:10: key 'report.pr-comment'");
    expect(err.message).toContain("p.yml:11: key 'report.check-run'");
    expect(err.location).toMatchObject({ line: 10, key: 'report.pr-comment' });
    expect(policyError(`${VALID}report:\n  sarif: ''\n`).message).toContain(
      "key 'report.sarif': must not be empty",
    );
  });

  it('refuses an unknown option', async () => {
    const err = await rejectionOf(configFromRunOptions({ polcy: 'x.yml' }, env));
    expect(err.code).toBe('config');
    expect(err.message).toBe('unknown option --polcy');
  });

  it('refuses a missing policy file, naming it', async () => {
    const err = await rejectionOf(
      configFromRunOptions({ policy: 'absent.yml', workspace: dir }, env),
    );
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/^policy file not found: .*absent\.yml$/);
  });
});

describe('configFromVerifyArtifact', () => {
  const env = { GITHUB_REPOSITORY: 'acme/widget', GITHUB_SHA: SHA };
  const base = { artifact: 'app.tgz', bundle: 'app.tgz.sigstore.json' };

  it('builds a signatures-only config for a keyless identity', () => {
    const config = configFromVerifyArtifact(
      { ...base, 'certificate-identity': SAN, 'certificate-oidc-issuer': ISSUER },
      env,
    );
    expect(config.mode).toBe('enforce');
    expect(config.only).toEqual(['signatures']);
    expect(config.subject).toEqual({ repository: 'acme/widget', sha: SHA });
    expect(config.signatures).toMatchObject({
      artifacts: [],
      explicit: {
        artifact: 'app.tgz',
        target: { kind: 'file', path: 'app.tgz' },
        source: { kind: 'bundle', path: 'app.tgz.sigstore.json' },
      },
      identities: [{ issuer: ISSUER, subject: SAN }],
      identityLabels: ['--certificate-identity'],
    });
  });

  it('takes a whole-SAN regexp instead of an exact identity', () => {
    const config = configFromVerifyArtifact(
      {
        ...base,
        'certificate-identity-regexp': 'https://github\\.com/acme/.*',
        'certificate-oidc-issuer': ISSUER,
      },
      env,
    );
    expect(config.signatures?.identities).toEqual([
      { issuer: ISSUER, 'subject-regexp': 'https://github\\.com/acme/.*' },
    ]);
    expect(config.signatures?.identityLabels).toEqual(['--certificate-identity-regexp']);
  });

  it('takes --key alone', () => {
    const config = configFromVerifyArtifact({ ...base, key: 'release.pub' }, env);
    expect(config.signatures?.identities).toEqual([{ key: 'release.pub' }]);
    expect(config.signatures?.identityLabels).toEqual(['--key']);
  });

  it('refuses --key with a keyless identity', () => {
    const err = thrownBy(() =>
      configFromVerifyArtifact(
        {
          ...base,
          key: 'release.pub',
          'certificate-identity': SAN,
          'certificate-oidc-issuer': ISSUER,
        },
        env,
      ),
    );
    expect(err.code).toBe('config');
    expect(err.message).toBe(
      '--key cannot be combined with --certificate-identity, --certificate-oidc-issuer',
    );
  });

  it('refuses a keyless identity without --certificate-oidc-issuer', () => {
    const err = thrownBy(() =>
      configFromVerifyArtifact({ ...base, 'certificate-identity': SAN }, env),
    );
    expect(err.code).toBe('config');
    expect(err.message).toBe(
      '--certificate-oidc-issuer is required with --certificate-identity and --certificate-identity-regexp',
    );
  });

  it('refuses both --certificate-identity and --certificate-identity-regexp', () => {
    const err = thrownBy(() =>
      configFromVerifyArtifact(
        {
          ...base,
          'certificate-identity': SAN,
          'certificate-identity-regexp': '.*',
          'certificate-oidc-issuer': ISSUER,
        },
        env,
      ),
    );
    expect(err.code).toBe('config');
    expect(err.message).toBe(
      'give --certificate-identity (exact SAN) or --certificate-identity-regexp (whole-SAN pattern), not both',
    );
  });

  it('refuses no identity at all', () => {
    const err = thrownBy(() => configFromVerifyArtifact({ ...base }, env));
    expect(err.code).toBe('config');
    expect(err.message).toContain('say who must have signed: --certificate-identity');
  });

  it('refuses a regexp that does not compile, naming the flag', () => {
    const err = thrownBy(() =>
      configFromVerifyArtifact(
        { ...base, 'certificate-identity-regexp': '(', 'certificate-oidc-issuer': ISSUER },
        env,
      ),
    );
    expect(err.code).toBe('config');
    expect(err.message).toBe('--certificate-identity-regexp: is not a valid regular expression');
  });

  it('refuses a missing --bundle', () => {
    const err = thrownBy(() =>
      configFromVerifyArtifact({ artifact: 'app.tgz', key: 'release.pub' }, env),
    );
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/^--bundle: /);
    expect(err.location).toEqual({ key: '--bundle' });
  });
});

describe('parseOptions', () => {
  it('applies defaults', () => {
    expect(parseOptions(runOptionsSchema, {}, '--')).toEqual({
      policy: '.github/security-gate.yml',
      workspace: '.',
    });
  });

  it('names the option with the given prefix', () => {
    const err = thrownBy(() => parseOptions(runOptionsSchema, { repo: 'not a repo' }, 'input '));
    expect(err.code).toBe('config');
    expect(err.message).toBe('input repo: must be OWNER/NAME');
    expect(err.location).toEqual({ key: 'input repo' });
  });

  it('lists every problem', () => {
    const err = thrownBy(() =>
      parseOptions(runOptionsSchema, { repo: 'x', sha: 'y', extra: 1 }, '--'),
    );
    expect(err.message.split('\n').sort()).toEqual([
      '--repo: must be OWNER/NAME',
      '--sha: must be a full commit SHA (40 or 64 lowercase hex)',
      'unknown option --extra',
    ]);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
