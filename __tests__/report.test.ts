import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { policyJsonSchema, reportJsonSchema } from '../src/config/json-schema.js';
import { checksDiagram } from '../src/report/diagram.js';
import { md } from '../src/report/escape.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { outputLine, publishReport } from '../src/report/publish.js';
import { reportSchema } from '../src/report/report-schema.js';
import { renderText } from '../src/report/text.js';
import type { ArtifactEvidence, Report } from '../src/types.js';
import { rejectionOf } from './helpers/gate-error.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ISSUER = 'https://token.actions.githubusercontent.com';
const SAN = 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main';
const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';

const verifiedArtifact: ArtifactEvidence = {
  artifact: 'dist/widget-1.4.0.tgz',
  digest: { sha256: 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c' },
  bundle: 'dist/widget-1.4.0.tgz.sigstore.json',
  bundleMediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  contentType: 'dsse',
  signer: { kind: 'certificate', subjectAlternativeName: SAN, issuer: ISSUER },
  matchedIdentity: 'identities[0]',
  predicateType: 'https://slsa.dev/provenance/v1',
  tlog: [
    {
      logIndex: '152398413',
      integratedTime: '2025-05-30T09:14:07.000Z',
      logId: 'wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=',
    },
  ],
  timestamps: [{ kind: 'transparency-log', time: '2025-05-30T09:14:07.000Z' }],
  trustRoot: { name: 'Sigstore public-good', source: 'embedded', version: '@sigstore/tuf 4.0.0' },
  verified: true,
};

const keyArtifact: ArtifactEvidence = {
  artifact: 'dist/widget-cli',
  digest: { sha256: '7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730' },
  bundle: 'dist/widget-cli.sigstore.json',
  bundleMediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  contentType: 'message-signature',
  signer: { kind: 'public-key', key: 'keys/release.pub' },
  matchedIdentity: 'identities[1]',
  timestamps: [{ kind: 'timestamp-authority', time: '2025-05-30T09:15:00.000Z' }],
  trustRoot: { name: 'custom root', source: 'file', path: 'trusted_root.json' },
  verified: true,
};

const passingReport: Report = {
  schemaVersion: 1,
  tool: { name: 'security-gate', version: '1.2.3' },
  mode: 'enforce',
  verdict: 'pass',
  blockedBy: [],
  subject: { repository: 'acme/widget', sha: SHA, ref: 'refs/heads/main' },
  policy: {
    path: '.github/security-gate.yml',
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  },
  generatedAt: '2025-06-01T12:00:00.000Z',
  checks: [
    {
      id: 'signatures',
      status: 'pass',
      summary: '2 artifacts verified',
      findings: [],
      artifacts: [verifiedArtifact, keyArtifact],
      durationMs: 412,
    },
    {
      id: 'dependencies',
      status: 'skipped',
      summary: 'not available in this version of security-gate',
      findings: [],
    },
    {
      id: 'repository',
      status: 'skipped',
      summary: 'not available in this version of security-gate',
      findings: [],
    },
  ],
};

const blockedReport: Report = {
  ...passingReport,
  verdict: 'block',
  blockedBy: ['signatures'],
  checks: [
    {
      id: 'signatures',
      status: 'fail',
      summary: '1 of 2 artifacts failed verification',
      artifacts: [
        verifiedArtifact,
        {
          artifact: 'dist/widget-1.4.0.whl',
          digest: { sha256: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae' },
          bundle: 'dist/widget-1.4.0.whl.sigstore.json',
          contentType: 'dsse',
          signer: {
            kind: 'certificate',
            subjectAlternativeName:
              'https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main',
            issuer: ISSUER,
          },
          trustRoot: { name: 'Sigstore public-good', source: 'embedded' },
          verified: false,
        },
      ],
      findings: [
        {
          rule: 'identity-mismatch',
          blocking: true,
          waived: false,
          severity: 'high',
          message:
            'dist/widget-1.4.0.whl: identity check failed: the signer is not an allowed identity',
          expected: `${SAN} (identities[0])`,
          found: 'https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main',
          fix: 'If this signer is legitimate, add it to signatures.identities (see identities[0]).',
          location: { file: 'dist/widget-1.4.0.whl.sigstore.json' },
          artifact: 'dist/widget-1.4.0.whl',
          step: 'identity',
        },
        {
          rule: 'predicate-type',
          blocking: false,
          waived: false,
          severity: 'low',
          message: 'informational: the attestation also carries an SBOM predicate',
        },
        {
          rule: 'bundle-missing',
          blocking: true,
          waived: true,
          severity: 'moderate',
          message: 'dist/widget-docs.zip has no bundle',
          fix: 'Sign the artifact in the build.',
          location: {
            file: '.github/security-gate.yml',
            line: 6,
            column: 7,
            key: 'signatures.artifacts[1]',
          },
        },
      ],
      durationMs: 530,
    },
    passingReport.checks[1]!,
    passingReport.checks[2]!,
  ],
};

const auditReport: Report = { ...blockedReport, mode: 'audit' };

describe('the report fixtures', () => {
  it('are valid reports', () => {
    for (const r of [passingReport, blockedReport, auditReport]) {
      expect(reportSchema.safeParse(r).success).toBe(true);
    }
  });
});

describe('renderMarkdown', () => {
  it('renders a passing report', () => {
    expect(renderMarkdown(passingReport)).toMatchSnapshot();
  });

  it('renders a blocked report', () => {
    const out = renderMarkdown(blockedReport);
    expect(out).toMatchSnapshot();
    expect(out.split('\n')[0]).toBe('## ⛔ security-gate: BLOCKED');
    expect(out).toContain('Blocked by: **signatures**');
  });

  it('states audit mode at the top, with the verdict it would have had', () => {
    const lines = renderMarkdown(auditReport).split('\n');
    const audit = lines.findIndex((l) => l.includes('**Audit mode**'));
    expect(audit).toBeGreaterThan(0);
    expect(audit).toBeLessThan(lines.findIndex((l) => l.startsWith('| Check |')));
    expect(audit).toBeLessThanOrEqual(3);
    expect(lines[audit]).toContain('the verdict is BLOCK, but the step does not fail');
    expect(renderMarkdown(blockedReport)).not.toContain('Audit mode');
  });
});

describe('markdown escaping', () => {
  const EVIL = [
    '[click](https://evil.example)',
    '![img](x)',
    '<img src=x onerror=alert(1)>',
    '| cell |',
    '@org/team',
    '\n# heading',
    '\r\n> quote',
    '`code` **bold** _em_ ~~strike~~',
    'https://evil.example/autolink',
    '&lt;script&gt;',
  ].join(' ');

  const hostile: Report = {
    ...blockedReport,
    subject: { repository: 'acme/widget', sha: SHA, ref: `refs/heads/${EVIL}` },
    checks: [
      {
        id: 'signatures',
        status: 'fail',
        summary: `failed: ${EVIL}`,
        artifacts: [
          {
            artifact: `dist/${EVIL}.tgz`,
            digest: { sha256: 'a'.repeat(64) },
            contentType: 'dsse',
            predicateType: EVIL,
            signer: { kind: 'certificate', subjectAlternativeName: EVIL, issuer: EVIL },
            tlog: [{ logIndex: EVIL, logId: 'x' }],
            trustRoot: { name: EVIL, source: 'file' },
            verified: false,
          },
        ],
        findings: [
          {
            rule: `rule ${EVIL}`,
            blocking: true,
            waived: false,
            severity: 'high',
            message: `message ${EVIL}`,
            expected: `expected ${EVIL}`,
            found: `found ${EVIL}`,
            fix: `fix ${EVIL}`,
          },
        ],
      },
    ],
  };
  const out = renderMarkdown(hostile);
  const lines = out.split('\n');
  // The mermaid block is fixed text chosen by check id and status (tested below); the rest is prose.
  const diagram = checksDiagram(hostile).join('\n');
  const prose = out.replace(diagram, '');

  it('opens with the verdict, then the diagram, whose labels come from no input', () => {
    expect(out.indexOf(diagram)).toBeGreaterThan(0);
    expect(out.indexOf(diagram)).toBeLessThan(out.indexOf('| Check |'));
    const benign: Report = {
      ...hostile,
      checks: hostile.checks.map((c) => ({ ...c, summary: 'ok', findings: [], artifacts: [] })),
    };
    expect(checksDiagram(benign).join('\n')).toBe(diagram);
    expect(diagram).not.toMatch(/evil|click|href|script|img/i);
  });

  it('produces no link or image', () => {
    expect(out).not.toContain('](');
    expect(out).not.toContain('![');
    expect(out).not.toMatch(/(?<!\\)\[click/);
  });

  it('produces no bare autolink', () => {
    expect(out).not.toContain('https://');
    expect(out).not.toContain('evil.example');
  });

  it('produces no HTML tag other than its own <br>', () => {
    expect(out).toContain('<br>');
    expect(out).not.toContain('<img');
    expect(prose.replace(/<br>/g, '')).not.toMatch(/[<>]/);
    expect(out).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
    // An entity in the input stays text, it does not become a tag.
    expect(out).toContain('&amp;lt;script&amp;gt;');
  });

  it('produces no mention', () => {
    // GitHub links `@name` when the `@` follows the start or a non-word character; a backslash
    // escape is gone by then, so it does not count.
    expect(out).not.toMatch(/(?:^|[^A-Za-z0-9_\\])\\?@[A-Za-z0-9]/m);
    expect(out).toContain('\\@&#8203;org/team');
  });

  it('produces no heading, quote or extra line', () => {
    const headings = lines.filter((l) => /^\s{0,3}#/.test(l));
    expect(headings).toEqual([
      '## ⛔ security-gate: BLOCKED',
      '### Artifacts',
      '### signatures: findings',
    ]);
    expect(lines.filter((l) => /^\s{0,3}>/.test(l))).toEqual([]);
    // The newline inside each value did not start a line of its own.
    expect(lines.find((l) => l.includes(': message '))).toMatch(/: message .*heading.*quote/);
    expect(lines.find((l) => l.startsWith('  - expected: '))).toMatch(/heading.*quote/);
    expect(lines.find((l) => l.startsWith('| signatures |'))).toMatch(/heading.*quote/);
  });

  it('produces no emphasis, code span or strike-through', () => {
    expect(out).toContain('\\`code\\`');
    expect(prose).not.toMatch(/(?<!\\)`/);
    expect(out).not.toContain('**bold');
    expect(out).not.toContain('_em_');
    expect(out).not.toContain('~~');
  });

  it('keeps every table row to its columns', () => {
    const checkRow = lines.find((l) => l.startsWith('| signatures |'))!;
    expect(unescapedPipes(checkRow)).toBe(4);
    const header = lines.find((l) => l.startsWith('| Artifact |'))!;
    const artifactRow = lines[lines.indexOf(header) + 2]!;
    expect(artifactRow).toContain('dist/');
    expect(unescapedPipes(header)).toBe(9);
    expect(unescapedPipes(artifactRow)).toBe(9);
  });

  it('md() escapes every markdown special and joins lines', () => {
    expect(md('a|b')).toBe('a\\|b');
    expect(md('[x](y)')).toBe('\\[x\\]\\(y\\)');
    expect(md('line 1\n# line 2')).toBe('line 1 \\# line 2');
    expect(md('<b>&')).toBe('&lt;b&gt;&amp;');
    expect(md('\\|')).toBe('\\\\\\|');
    expect(unescapedPipes(md('\\|'))).toBe(0);
  });

  it('md() breaks mentions but keeps an identity copyable', () => {
    expect(md('@org/team')).toBe('\\@&#8203;org/team');
    expect(md('cc @alice')).toBe('cc \\@&#8203;alice');
    expect(md('line\n@alice')).toBe('line \\@&#8203;alice');
    expect(md('(@alice)')).toBe('\\(\\@&#8203;alice\\)');
    expect(md('release.yml@refs/heads/main')).toBe('release\\.yml\\@refs/heads/main');
  });
});

/** `|` that GitHub reads as a cell boundary: not preceded by an odd number of backslashes. */
function unescapedPipes(line: string): number {
  let count = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') count++;
  }
  return count;
}

describe('renderText', () => {
  it('renders a passing report', () => {
    expect(renderText(passingReport)).toMatchSnapshot();
  });

  it('renders a blocked report', () => {
    const out = renderText(blockedReport);
    expect(out).toMatchSnapshot();
    expect(out.split('\n')[0]).toBe('security-gate 1.2.3: BLOCKED (blocked by signatures)');
  });

  it('states audit mode on the first line', () => {
    const first = renderText(auditReport).split('\n')[0];
    expect(first).toBe('AUDIT MODE: verdict BLOCKED, reported only; the exit status is 0.');
    expect(renderText(blockedReport)).not.toContain('AUDIT');
  });

  describe('hostile values', () => {
    const hostile: Report = {
      ...blockedReport,
      checks: [
        {
          id: 'signatures',
          status: 'fail',
          summary: 'failed\n::set-output name=verdict::pass',
          artifacts: [
            {
              artifact: 'dist/\u001b[31mred\u001b[0m.tgz\n::add-mask::secret',
              digest: { sha256: 'a'.repeat(64) },
              signer: {
                kind: 'certificate',
                subjectAlternativeName: 'x\r::error::forged annotation',
                issuer: 'i',
              },
              verified: false,
            },
          ],
          findings: [
            {
              rule: 'identity-mismatch',
              blocking: true,
              waived: false,
              severity: 'high',
              message: 'bad\n   \t::stop-commands::tok\n::warning file=a::x',
              expected: 'e\n##[set-output name=verdict;]pass',
              found: 'f ##[add-mask]secret',
              fix: 'fix\u0007\u0085\u009b31m',
              location: { file: 'policy.yml\n::notice::x', line: 3 },
            },
          ],
        },
      ],
    };
    const out = renderText(hostile);
    const lines = out.split('\n');

    it('replaces control characters', () => {
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(out).toContain('dist/?[31mred?[0m.tgz');
      expect(out).toContain('fix???31m');
    });

    it('indents every continuation line', () => {
      for (const text of [
        '::set-output',
        '::add-mask',
        '::stop-commands',
        '::warning',
        '::notice',
      ]) {
        const line = lines.find((l) => l.includes(text));
        expect(line).toBeDefined();
        expect(line).toMatch(/^ {4}/);
      }
    });

    it('leaves no line the runner would read as a workflow command', () => {
      // The runner trims leading whitespace before looking for `::`, and finds `##[` anywhere.
      for (const line of lines) expect(line.trimStart().startsWith('::')).toBe(false);
      expect(out).not.toContain('##[');
    });
  });
});

describe('publishReport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'security-gate-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the JSON and markdown files, the job summary and the step outputs', async () => {
    const out = await mkdtemp(path.join(dir, 'all-'));
    const json = path.join(out, 'reports', 'gate.json');
    const markdown = path.join(out, 'reports', 'gate.md');
    const stepSummary = path.join(out, 'step_summary');
    const stepOutput = path.join(out, 'output');
    await writeFile(stepSummary, '## earlier step\n');
    await writeFile(stepOutput, 'earlier=1\n');

    await publishReport(blockedReport, { json, markdown, stepSummary, stepOutput });

    const written: unknown = JSON.parse(await readFile(json, 'utf8'));
    expect(reportSchema.safeParse(written).success).toBe(true);
    expect(written).toEqual(blockedReport);
    expect(await readFile(markdown, 'utf8')).toBe(renderMarkdown(blockedReport));
    expect(await readFile(stepSummary, 'utf8')).toBe(
      `## earlier step\n${renderMarkdown(blockedReport)}\n`,
    );

    const outputs = parseOutputs(await readFile(stepOutput, 'utf8'));
    expect(outputs.get('earlier')).toBe('1');
    expect(outputs.get('verdict')).toBe('block');
    expect(outputs.get('blocked-by')).toBe('signatures');
    expect(outputs.get('summary')).toBe(
      [
        'signatures: fail - 1 of 2 artifacts failed verification',
        'dependencies: skipped - not available in this version of security-gate',
        'repository: skipped - not available in this version of security-gate',
      ].join('\n'),
    );
    expect(JSON.parse(outputs.get('report')!)).toEqual(blockedReport);
    expect((await readdir(path.dirname(json))).sort()).toEqual(['gate.json', 'gate.md']);
  });

  it('writes only what is asked for', async () => {
    const out = await mkdtemp(path.join(dir, 'json-only-'));
    await publishReport(passingReport, { json: path.join(out, 'r.json') });
    expect(await readdir(out)).toEqual(['r.json']);
  });

  it('keeps an output value intact when it contains delimiter-like text', async () => {
    const out = await mkdtemp(path.join(dir, 'delim-'));
    const stepOutput = path.join(out, 'output');
    const tricky: Report = {
      ...passingReport,
      checks: [
        {
          ...passingReport.checks[0]!,
          summary: 'ok\nghadelimiter_\nverdict<<EOF\npass\nEOF\nghadelimiter_00000000-0000',
        },
      ],
    };
    await publishReport(tricky, { stepOutput });
    const outputs = parseOutputs(await readFile(stepOutput, 'utf8'));
    expect([...outputs.keys()]).toEqual(['verdict', 'blocked-by', 'summary', 'report']);
    expect(outputs.get('verdict')).toBe('pass');
    expect(outputs.get('summary')).toBe(
      'signatures: pass - ok\nghadelimiter_\nverdict<<EOF\npass\nEOF\nghadelimiter_00000000-0000',
    );
    expect(JSON.parse(outputs.get('report')!)).toEqual(tricky);
  });

  it('outputLine picks a delimiter that is not in the value', () => {
    const value = 'a\nghadelimiter_x\nb';
    const text = outputLine('summary', value);
    const delimiter = /^summary<<(.+)\n/.exec(text)![1]!;
    expect(delimiter).toMatch(/^ghadelimiter_[0-9a-f-]{36}$/);
    expect(value).not.toContain(delimiter);
    expect(parseOutputs(text).get('summary')).toBe(value);
  });

  it('refuses a report path under a regular file, with a GateError and no file left behind', async () => {
    const out = await mkdtemp(path.join(dir, 'under-file-'));
    const blocker = path.join(out, 'not-a-dir');
    await writeFile(blocker, 'x');
    const target = path.join(blocker, 'report.json');
    const err = await rejectionOf(publishReport(passingReport, { json: target }));
    expect(err.code).toBe('input');
    expect(err.message).toMatch(
      new RegExp(`^cannot write the JSON report to ${escapeRe(target)}: `),
    );
    expect(err.location).toEqual({ file: target });
    expect(await readdir(out)).toEqual(['not-a-dir']);
    expect(await readFile(blocker, 'utf8')).toBe('x');
  });

  it('refuses a report path that is a directory, and removes its temporary file', async () => {
    const out = await mkdtemp(path.join(dir, 'is-dir-'));
    const target = path.join(out, 'report.md');
    await mkdir(target);
    const err = await rejectionOf(publishReport(passingReport, { markdown: target }));
    expect(err.code).toBe('input');
    expect(err.message).toMatch(/^cannot write the markdown report to /);
    expect(await readdir(out)).toEqual(['report.md']);
    expect(await readdir(target)).toEqual([]);
  });

  it('refuses an unwritable job summary with a GateError naming it', async () => {
    const out = await mkdtemp(path.join(dir, 'summary-'));
    const stepSummary = path.join(out, 'missing-dir', 'summary.md');
    const err = await rejectionOf(publishReport(passingReport, { stepSummary }));
    expect(err.code).toBe('upstream');
    expect(err.message).toMatch(
      new RegExp(
        `^cannot write the job summary \\(GITHUB_STEP_SUMMARY\\) to ${escapeRe(stepSummary)}: `,
      ),
    );
    await expect(access(stepSummary, constants.F_OK)).rejects.toThrow();
  });
});

describe('published JSON Schemas', () => {
  it('schema/policy.schema.json is generated from the policy schema (npm run build)', async () => {
    const committed: unknown = JSON.parse(
      await readFile(path.join(ROOT, 'schema/policy.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(policyJsonSchema())));
    expect(committed).toMatchObject({
      $id: 'https://github.com/security-gate/security-gate/schema/policy.schema.json',
      required: ['version'],
      additionalProperties: false,
    });
  });

  it('schema/report.schema.json is generated from the report schema (npm run build)', async () => {
    const committed: unknown = JSON.parse(
      await readFile(path.join(ROOT, 'schema/report.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(reportJsonSchema())));
    expect(committed).toMatchObject({
      $id: 'https://github.com/security-gate/security-gate/schema/report.schema.json',
      additionalProperties: false,
    });
  });
});

/** Parses GITHUB_OUTPUT the way the runner does: `name=value` or `name<<DELIM` … `DELIM`. */
function parseOutputs(text: string): Map<string, string> {
  const outputs = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`no closing delimiter for ${name}`);
      outputs.set(name!, value.join('\n'));
    } else {
      const eq = line.indexOf('=');
      if (eq < 0) throw new Error(`malformed output line: ${line}`);
      outputs.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return outputs;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
