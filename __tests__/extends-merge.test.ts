/**
 * `extends`: what a repository policy may change in the organisation policy, key by key, on text
 * and without a server (extends.test.ts covers the API and the CLI). Written against the
 * survivors of mutation testing (README "Mutation testing"): each case is a loosening a
 * repository could otherwise slip past its organisation, or a tightening it must be allowed.
 */
import { describe, expect, it } from '@jest/globals';
import { parseExtends } from '../src/config/schema.js';
import { parsePolicy } from '../src/config/load.js';
import { GateError } from '../src/errors.js';

const PIN = 'c0ffee'.padEnd(40, '0');
const SPEC = `octo/.github/security-gate.yml@${PIN}`;
const ISSUER = 'https://token.actions.githubusercontent.com';

const BASE = `version: 1
signatures:
  artifacts:
    - path: dist/*.tgz
  identities:
    - issuer: ${ISSUER}
      source-repository: octo/app
  tuf: online
  provenance:
    builder-id: https://github.com/actions/runner/github-hosted
dependencies:
  paths: [package-lock.json]
  source: osv-dir:osv
  deny:
    - package: pkg:npm/event-stream
  allow:
    - id: GHSA-aaaa-bbbb-cccc
      reason: not reachable
      package: pkg:npm/left-pad
      expires: 2099-01-31
repository:
  branches: []
  require-branch-protection: any
`;

const SIGNATURES = `signatures:
  artifacts: [{ path: dist/*.tgz }]
  identities: [{ issuer: "${ISSUER}", source-repository: octo/app }]
`;

function merged(local: string, base = BASE) {
  return parsePolicy(`version: 1\nextends: ${SPEC}\n${local}`, 'local.yml', undefined, {
    spec: SPEC,
    file: SPEC,
    text: base,
  });
}

/** The key and reason of the refusal, as the user reads them. */
function refusal(local: string, base = BASE): string {
  try {
    merged(local, base);
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    const m = /key '([^']+)' loosens the organisation policy \S+: (.*)$/.exec(
      (err as GateError).message,
    );
    expect(m).not.toBeNull();
    return `${m![1]}: ${m![2]}`;
  }
  throw new Error('expected the policy to be refused');
}

describe('parseExtends', () => {
  it('reads OWNER/REPO/PATH@REF', () => {
    expect(parseExtends(`octo/.github/policies/gate.yml@${PIN}`)).toEqual({
      owner: 'octo',
      repo: '.github',
      path: 'policies/gate.yml',
      ref: PIN,
    });
  });

  it.each([
    'octo/.github/../secrets.yml@main',
    'octo/.github/./gate.yml@main',
    'octo/.github/policies//gate.yml@main',
    'octo/.github/gate.yml',
    'octo/gate.yml@main',
    'octo/.github/gate.yml@main@v2',
    'octo/.github/gate yml@main',
    ' octo/.github/gate.yml@main',
  ])('refuses %j', (text) => {
    expect(parseExtends(text)).toBeUndefined();
  });
});

describe('keys that add requirements', () => {
  it('lists of requirements are united, without duplicates', () => {
    const p = merged(`${SIGNATURES.replace('dist/*.tgz', 'dist/*.zip')}dependencies:
  paths: [package-lock.json, yarn.lock]
  deny:
    - package: pkg:npm/event-stream
    - package: pkg:npm/flatmap-stream
`);
    expect(p.signatures!.artifacts.map((a) => a.path)).toEqual(['dist/*.tgz', 'dist/*.zip']);
    expect(p.dependencies!.paths).toEqual(['package-lock.json', 'yarn.lock']);
    expect(p.dependencies!.deny.map((d) => d.package)).toEqual([
      'pkg:npm/event-stream',
      'pkg:npm/flatmap-stream',
    ]);
  });

  it('provenance: a base without it lets the repository require it', () => {
    const base = BASE.replace(
      '  provenance:\n    builder-id: https://github.com/actions/runner/github-hosted\n',
      '',
    );
    expect(base).not.toContain('provenance');
    const p = merged(`${SIGNATURES}  provenance:\n    build-type: x\n`, base);
    expect(p.signatures!.provenance).toEqual({ 'build-type': 'x' });
    expect(merged(SIGNATURES, base).signatures!.provenance).toBeUndefined();
    expect(refusal(`${SIGNATURES}  provenance: yes\n`)).toBe(
      'signatures.provenance: the base requires provenance',
    );
  });

  it('provenance: the base’s values must be kept; adding one is fine', () => {
    const p = merged(`${SIGNATURES}  provenance:
    builder-id: https://github.com/actions/runner/github-hosted
    build-type: https://actions.github.io/buildtypes/workflow/v1
`);
    expect(p.signatures!.provenance).toEqual({
      'builder-id': 'https://github.com/actions/runner/github-hosted',
      'build-type': 'https://actions.github.io/buildtypes/workflow/v1',
    });
    expect(refusal(`${SIGNATURES}  provenance:\n    builder-id: https://example.com/mine\n`)).toBe(
      'signatures.provenance.builder-id: the base requires "https://github.com/actions/runner/github-hosted", not "https://example.com/mine"',
    );
    expect(refusal(`${SIGNATURES}  provenance:\n    build-type: x\n`)).toBe(
      'signatures.provenance.builder-id: the base requires "https://github.com/actions/runner/github-hosted", not nothing',
    );
  });

  it('the Sigstore TUF mode may only move to online', () => {
    expect(refusal(`${SIGNATURES}  tuf: offline\n`)).toBe(
      'signatures.tuf: the base requires "online"; "offline" is looser',
    );
    const offline = BASE.replace('tuf: online', 'tuf: offline');
    expect(merged(`${SIGNATURES}  tuf: online\n`, offline).signatures!.tuf).toBe('online');
  });

  it('a repository may keep the organisation’s values as they are', () => {
    const p = merged(`dependencies:
  source: osv-dir:osv
repository:
  require-branch-protection: rules
`);
    expect(p.dependencies!.source).toBe('osv-dir:osv');
    expect(p.repository!['require-branch-protection']).toBe('rules');
  });
});

describe('keys that grant exceptions', () => {
  it('a waiver must stay within the base waiver’s package', () => {
    expect(
      merged(`dependencies:
  allow:
    - { id: GHSA-aaaa-bbbb-cccc, reason: r, package: pkg:npm/left-pad, expires: 2099-01-01 }
`).dependencies!.allow.map((w) => w.id),
    ).toEqual(['GHSA-aaaa-bbbb-cccc']);
    expect(
      refusal(`dependencies:
  allow:
    - { id: GHSA-aaaa-bbbb-cccc, reason: r, expires: 2099-01-01 }
`),
    ).toBe(
      'dependencies.allow[0]: the base has no waiver for "GHSA-aaaa-bbbb-cccc" that covers it',
    );
    expect(
      refusal(`dependencies:
  allow:
    - { id: GHSA-aaaa-bbbb-cccc, reason: r, package: pkg:npm/other, expires: 2099-01-01 }
`),
    ).toContain('dependencies.allow[0]: the base has no waiver');
  });

  it('an empty branch list in the base allows any ref, so any list narrows it', () => {
    expect(merged('repository:\n  branches: [main]\n').repository!.branches).toEqual(['main']);
  });

  it('a base without allow-bots counts no bot: a repository may not add one', () => {
    expect(refusal('repository:\n  allow-bots: [renovate]\n')).toBe(
      'repository.allow-bots: the base does not count approvals by ["renovate"]',
    );
  });

  it('scopes: checking more than the base is fine', () => {
    expect(merged('dependencies:\n  scopes: [runtime, dev]\n').dependencies!.scopes).toEqual([
      'runtime',
      'dev',
    ]);
  });
});

describe('keys that change no verdict, and keys the base does not set', () => {
  it('where reports go is the repository’s choice', () => {
    const p = merged('report:\n  sarif: gate.sarif\n');
    expect(p.report).toMatchObject({ sarif: 'gate.sarif' });
  });

  it('a max-age where the base sets none is the repository’s choice', () => {
    expect(merged('dependencies:\n  max-age: 2d\n').dependencies!['max-age']).toBe('2d');
  });
});

describe('equal is not looser', () => {
  const STRICT_BASE = `version: 1
signatures:
  artifacts: [{ path: dist/*.tgz }]
  identities:
    - { issuer: "${ISSUER}", source-repository: octo/app }
    - { issuer: "${ISSUER}", source-repository: octo/lib }
dependencies:
  max-age: 24h
  allow:
    - { id: GHSA-aaaa-bbbb-cccc, reason: r, expires: 2099-01-31 }
repository:
  branches: []
  required-approvals: 2
  allow-bots: [renovate]
`;

  it('the same value as the base, or a stricter one, is accepted for every ordered key', () => {
    const p = merged(
      `dependencies:
  max-age: 1d
  allow:
    - { id: GHSA-aaaa-bbbb-cccc, reason: r, expires: 2099-01-31 }
repository:
  branches: []
  required-approvals: 2
  allow-bots: [renovate]
  require-signed-commits: false
`,
      STRICT_BASE,
    );
    expect(p.dependencies!['max-age']).toBe('1d');
    expect(p.repository).toMatchObject({
      branches: [],
      'required-approvals': 2,
      'allow-bots': ['renovate'],
    });
    expect(refusal('dependencies:\n  max-age: 25h\n', STRICT_BASE)).toBe(
      'dependencies.max-age: the base accepts snapshots at most 24h old, not "25h"',
    );
    expect(refusal('dependencies:\n  max-age: soon\n', STRICT_BASE)).toBe(
      'dependencies.max-age: the base accepts snapshots at most 24h old, not "soon"',
    );
  });

  it('an identity may narrow any one of the base identities', () => {
    const p = merged(
      `signatures:
  artifacts: [{ path: dist/*.tgz }]
  identities:
    - { issuer: "${ISSUER}", source-repository: octo/lib, source-ref: refs/heads/main }
`,
      STRICT_BASE,
    );
    expect(p.signatures!.identities.map((i) => i['source-repository'])).toEqual(['octo/lib']);
  });

  it('a key the base leaves unset is the repository’s to set', () => {
    const p = merged(
      `signatures:
  artifacts: [{ path: dist/*.tgz }]
  identities: [{ issuer: "${ISSUER}", source-repository: octo/app }]
  predicate-type: https://slsa.dev/provenance/v1
`,
      STRICT_BASE,
    );
    expect(p.signatures!['predicate-type']).toBe('https://slsa.dev/provenance/v1');
  });
});

describe('more keys the base decides', () => {
  const BASE_REPORT = `version: 1
dependencies:
  allow:
    - id: GHSA-aaaa-bbbb-cccc
      reason: r
      package: pkg:npm/left-pad
      version: 1.3.0
      path: app/package-lock.json
      expires: 2099-01-31
repository:
  require-pull-request: true
report:
  sarif: org.sarif
`;

  it('the TUF fallback may not go from none to the embedded root', () => {
    expect(refusal(`${SIGNATURES}  tuf-fallback: embedded\n`)).toBe(
      'signatures.tuf-fallback: the base requires "none"; "embedded" is looser',
    );
  });

  it('a waiver must keep the base waiver’s version and lockfile', () => {
    const waiver = (extra: string) =>
      `dependencies:\n  allow:\n    - { id: GHSA-aaaa-bbbb-cccc, reason: r, package: pkg:npm/left-pad, expires: 2099-01-01${extra} }\n`;
    expect(
      merged(waiver(', version: 1.3.0, path: app/package-lock.json'), BASE_REPORT).dependencies!
        .allow,
    ).toHaveLength(1);
    expect(refusal(waiver(', path: app/package-lock.json'), BASE_REPORT)).toContain(
      'dependencies.allow[0]: the base has no waiver',
    );
    expect(refusal(waiver(', version: 1.3.0'), BASE_REPORT)).toContain(
      'dependencies.allow[0]: the base has no waiver',
    );
  });

  it('a requirement the base turns on may be stated again; reports may differ from the base’s', () => {
    const p = merged(
      'repository:\n  require-pull-request: true\nreport:\n  sarif: mine.sarif\n',
      BASE_REPORT,
    );
    expect(p.repository!['require-pull-request']).toBe(true);
    expect(p.report).toMatchObject({ sarif: 'mine.sarif' });
  });
});

describe('restating the base', () => {
  const BASE_TWO = `version: 1
dependencies:
  fail-on-severity: high
  deny:
    - package: pkg:npm/event-stream
    - package: pkg:npm/flatmap-stream
`;

  it('an ordered key at exactly the base’s value is accepted', () => {
    expect(
      merged('dependencies:\n  fail-on-severity: high\n', BASE_TWO).dependencies![
        'fail-on-severity'
      ],
    ).toBe('high');
  });

  it('a requirement the base already lists is not listed twice', () => {
    const p = merged(
      'dependencies:\n  deny:\n    - package: pkg:npm/flatmap-stream\n    - package: pkg:npm/ua-parser-js\n',
      BASE_TWO,
    );
    expect(p.dependencies!.deny.map((d) => d.package)).toEqual([
      'pkg:npm/event-stream',
      'pkg:npm/flatmap-stream',
      'pkg:npm/ua-parser-js',
    ]);
  });
});
