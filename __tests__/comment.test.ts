/**
 * The pull request comment and the job summary as markdown (src/report/comment.ts, markdown.ts,
 * diagram.ts): snapshots, escaping, the 65,536-character limit and the link when cut.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { renderCheckRun } from '../src/report/check-run.js';
import { COMMENT_LIMIT, COMMENT_MARKER, renderComment } from '../src/report/comment.js';
import { checksDiagram } from '../src/report/diagram.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { reportSchema } from '../src/report/report-schema.js';
import type { Finding, Report } from '../src/types.js';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const RUN_URL = 'https://github.com/acme/widget/actions/runs/4242';

function advisory(i: number, extra: Partial<Finding> = {}): Finding {
  return {
    rule: 'advisory',
    blocking: true,
    waived: false,
    severity: i % 2 ? 'critical' : 'high',
    message: `lib-${i}@1.0.${i} is affected by GHSA-test-${String(i).padStart(4, '0')}`,
    fix: `Upgrade lib-${i} to 1.1.0 or later.`,
    location: { file: 'package-lock.json', line: 10 + i },
    package: {
      ecosystem: 'npm',
      name: `lib-${i}`,
      version: `1.0.${i}`,
      purl: `pkg:npm/lib-${i}@1.0.${i}`,
    },
    advisory: {
      id: `GHSA-test-${String(i).padStart(4, '0')}`,
      ids: [`GHSA-test-${String(i).padStart(4, '0')}`],
      aliases: [`CVE-2026-${1000 + i}`],
      severity: i % 2 ? 'critical' : 'high',
      score: i % 2 ? 9.8 : 7.5,
      fixed: ['1.1.0'],
    },
    ...extra,
  };
}

/** Dependencies blocked by 12 advisories (plus a waived and an informational one), repository error. */
const blocked: Report = {
  schemaVersion: 1,
  tool: { name: 'security-gate', version: '1.2.3' },
  mode: 'enforce',
  verdict: 'block',
  blockedBy: ['dependencies', 'repository'],
  subject: { repository: 'acme/widget', sha: SHA, ref: 'refs/heads/main' },
  policy: { path: '.github/security-gate.yml', sha256: 'e3b0c44298fc1c149afbf4c8996fb924' },
  generatedAt: '2026-12-01T12:00:00.000Z',
  checks: [
    {
      id: 'signatures',
      status: 'pass',
      summary: '1 artifact verified',
      findings: [],
      artifacts: [
        {
          artifact: 'dist/widget-1.4.0.tgz',
          digest: { sha256: 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c' },
          contentType: 'dsse',
          predicateType: 'https://slsa.dev/provenance/v1',
          signer: {
            kind: 'certificate',
            subjectAlternativeName:
              'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main',
            issuer: 'https://token.actions.githubusercontent.com',
          },
          trustRoot: { name: 'Sigstore public-good', source: 'embedded' },
          verified: true,
        },
      ],
    },
    {
      id: 'dependencies',
      status: 'fail',
      summary: '12 advisories block (fail-on-severity high)',
      findings: [
        advisory(100, {
          blocking: false,
          severity: 'low',
          message: 'lib-100@1.0.100: low severity',
        }),
        advisory(101, { waived: true, fix: undefined }),
        ...Array.from({ length: 12 }, (_, i) => advisory(i)),
      ].map((f) => (f.fix === undefined ? (({ fix: _f, ...rest }) => rest)(f) : f)),
    },
    {
      id: 'repository',
      status: 'error',
      summary: 'could not evaluate: GitHub REST API failed after 4 attempts',
      findings: [
        {
          rule: 'check-error',
          blocking: true,
          waived: false,
          severity: 'unknown',
          message: 'GitHub REST API failed after 4 attempts: HTTP 502',
        },
      ],
    },
  ],
};

const passing: Report = {
  ...blocked,
  verdict: 'pass',
  blockedBy: [],
  checks: [
    blocked.checks[0]!,
    { id: 'dependencies', status: 'pass', summary: 'no advisories', findings: [] },
    { id: 'repository', status: 'skipped', summary: 'no repository section', findings: [] },
  ],
};

describe('fixtures', () => {
  it('are valid reports', () => {
    for (const r of [blocked, passing]) expect(reportSchema.safeParse(r).success).toBe(true);
  });
});

describe('renderComment', () => {
  it('renders a blocked report (snapshot)', () => {
    expect(renderComment(blocked, { runUrl: RUN_URL })).toMatchSnapshot();
  });

  it('renders a passing report (snapshot)', () => {
    expect(renderComment(passing, { runUrl: RUN_URL })).toMatchSnapshot();
  });

  it('opens with the marker and the verdict, then the diagram, then the tables', () => {
    const text = renderComment(blocked, { runUrl: RUN_URL });
    const lines = text.split('\n');
    expect(lines[0]).toBe(COMMENT_MARKER);
    expect(lines[1]).toBe('## ⛔ security-gate: BLOCKED');
    const diagram = text.indexOf('```mermaid');
    expect(diagram).toBeGreaterThan(0);
    expect(diagram).toBeLessThan(text.indexOf('| Check | Status | Summary |'));
    expect(text.indexOf('| Check | Status | Summary |')).toBeLessThan(
      text.indexOf('### Dependencies'),
    );
  });

  it('shows 10 blocking findings, the 11th on in a collapsed block, and the rest collapsed', () => {
    const text = renderComment(blocked, { runUrl: RUN_URL });
    const section = text.slice(text.indexOf('### Dependencies'), text.indexOf('### Repository'));
    const [open, ...collapsed] = section.split('<details>');
    expect(open!.match(/^\| ⛔ /gm)).toHaveLength(10);
    expect(collapsed).toHaveLength(2);
    expect(collapsed[0]).toMatch(/^<summary>2 more blocking<\/summary>/);
    expect(collapsed[1]).toMatch(/^<summary>2 findings that do not block/);
    // Critical ones come first.
    expect(open!.indexOf('lib\\-1\\@')).toBeLessThan(open!.indexOf('lib\\-0\\@'));
    expect(open!.indexOf('lib\\-0\\@')).toBeGreaterThan(0);
  });

  it('every blocking finding says how to fix it, even when the finding has no `fix`', () => {
    const text = renderComment(blocked);
    for (const row of text.split('\n').filter((l) => l.startsWith('| ⛔ '))) {
      const fix = row.split(/(?<!\\)\|/)[4]!.trim();
      expect(fix).not.toBe('—');
      expect(fix.length).toBeGreaterThan(10);
    }
    expect(text).toContain('The check could not evaluate\\: fix the cause');
    // And the job summary too.
    const summary = renderMarkdown(blocked);
    expect(summary).toContain('  - fix: The check could not evaluate\\: fix the cause');
  });

  it('ends with a link to the workflow run, and without one when no run URL is known', () => {
    expect(renderComment(passing, { runUrl: RUN_URL })).toMatch(
      /full report: \[the job summary of this workflow run\]\(https:\/\/github\.com\/acme\/widget\/actions\/runs\/4242\)$/,
    );
    expect(renderComment(passing)).not.toContain('](');
    // A URL that could break out of the link is not used.
    expect(
      renderComment(passing, { runUrl: 'https://x.example/a)[evil](https://evil' }),
    ).not.toContain('evil');
  });

  it('is cut to fit the limit, and a cut comment ends with the link to the full job summary', () => {
    const huge: Report = {
      ...blocked,
      checks: [
        {
          ...blocked.checks[1]!,
          findings: Array.from({ length: 2_000 }, (_, i) =>
            advisory(i, { message: `${'long message '.repeat(20)}${i}` }),
          ),
        },
      ],
    };
    const text = renderComment(huge, { runUrl: RUN_URL });
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(text.length).toBeGreaterThan(COMMENT_LIMIT - 2_000);
    const last = text.split('\n').at(-1)!;
    expect(last).toMatch(/^\*\*Cut to fit GitHub's limit\*\*: \d+ findings are not shown\./);
    expect(last.endsWith(`[the job summary of this workflow run](${RUN_URL})`)).toBe(true);
    const shown = (text.match(/^\| ⛔ /gm) ?? []).length;
    expect(last).toContain(`${2_000 - shown} findings are not shown`);
    // Every <details> that was opened is closed.
    expect(text.split('<details>').length).toBe(text.split('</details>').length);
  });

  it('stays within any limit it is given, whatever the findings (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 3_000 }), { maxLength: 60 }),
        fc.integer({ min: 2_000, max: 40_000 }),
        (messages, limit) => {
          const r: Report = {
            ...blocked,
            checks: [
              {
                ...blocked.checks[1]!,
                findings: messages.map((m, i) => advisory(i, { message: m, fix: m })),
              },
            ],
          };
          const text = renderComment(r, { runUrl: RUN_URL, limit });
          expect(text.length).toBeLessThanOrEqual(limit);
          expect(text.split('<details>').length).toBe(text.split('</details>').length);
          expect(text.endsWith(`(${RUN_URL})`)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('escapes everything from inputs: no link, image, HTML, mention, heading or extra cell', () => {
    const EVIL =
      '[click](https://evil.example) ![i](x) <img src=x onerror=alert(1)> </details> | cell | @org/team \n# h `c` <!-- security-gate -->';
    const hostile: Report = {
      ...blocked,
      subject: { repository: 'acme/widget', sha: SHA, ref: EVIL },
      checks: [
        {
          id: 'dependencies',
          status: 'fail',
          summary: EVIL,
          findings: [
            advisory(1, {
              rule: EVIL,
              message: EVIL,
              expected: EVIL,
              found: EVIL,
              fix: EVIL,
              package: { ecosystem: 'npm', name: EVIL, version: EVIL, purl: 'pkg:npm/x@1' },
            }),
            ...Array.from({ length: 12 }, (_, i) => advisory(i, { message: EVIL })),
          ],
        },
      ],
    };
    const text = renderComment(hostile, { runUrl: RUN_URL });
    const prose = text.replace(checksDiagram(hostile).join('\n'), '');
    // Our own HTML only: the marker once, details/summary/br.
    const tags = prose.match(/<[^>]*>/g) ?? [];
    expect(new Set(tags)).toEqual(
      new Set([COMMENT_MARKER, '<br>', '<details>', '</details>', '<summary>', '</summary>']),
    );
    expect(prose.split(COMMENT_MARKER)).toHaveLength(2);
    expect(prose).not.toMatch(/(?<!\\)\[click/);
    expect(prose.match(/\]\(/g)).toHaveLength(1); // the run link
    expect(prose).not.toMatch(/(?:^|[^A-Za-z0-9_\\])\\?@[A-Za-z0-9]/m);
    expect(prose.split('\n').filter((l) => /^\s{0,3}#/.test(l))).toEqual([
      '## ⛔ security-gate: BLOCKED',
      expect.stringMatching(/^### Dependencies/),
    ]);
    for (const row of prose.split('\n').filter((l) => l.startsWith('| ⛔ ')))
      expect(unescapedPipes(row)).toBe(5);
    expect(prose).not.toMatch(/(?<!\\)`/);
  });

  it('the check run summary is the comment without marker and diagram, within 65,535', () => {
    const out = renderCheckRun(blocked, { root: '/w', workspace: '/w', cwd: '/w' });
    expect(out.output.summary.startsWith('## ⛔ security-gate: BLOCKED')).toBe(true);
    expect(out.output.summary).not.toContain('```mermaid');
    expect(out.output.summary).not.toContain(COMMENT_MARKER);
    expect(out.conclusion).toBe('failure');
    expect(out.output.title).toBe('Blocked by dependencies, repository');
  });
});

describe('the job summary', () => {
  it('renders a blocked report with the diagram and a fix for every blocking finding (snapshot)', () => {
    expect(renderMarkdown(blocked)).toMatchSnapshot();
  });

  it('audit mode: the diagram says the block is not enforced', () => {
    const diagram = checksDiagram({ ...blocked, mode: 'audit' }).join('\n');
    expect(diagram).toContain('verdict["⛔ BLOCK<br/>(audit mode: not enforced)"]:::verdictAudit');
    expect(checksDiagram(blocked).join('\n')).toContain('verdict["⛔ BLOCKED"]:::verdictBlock');
  });

  it('a check id or status outside the schema is left out of the diagram, not written', () => {
    const odd = {
      ...passing,
      checks: [
        ...passing.checks,
        { id: 'x"]; click c0 "https://evil', status: 'pass', summary: '', findings: [] },
        { id: 'signatures', status: 'pass"]:::x', summary: '', findings: [] },
      ],
    } as unknown as Report;
    const diagram = checksDiagram(odd).join('\n');
    expect(diagram).not.toContain('evil');
    expect(diagram).not.toContain(':::x');
    expect(diagram.match(/^ {2}c\d+\[/gm)).toHaveLength(3);
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
