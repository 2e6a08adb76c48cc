import { describe, expect, it } from '@jest/globals';
import {
  CODEOWNERS_MAX_BYTES,
  codeownersLocations,
  compilePattern,
  ownersOf,
  parseCodeowners,
} from '../src/checks/repository/codeowners.js';

/** Owners (as written) of a path, or null when no line matches. */
function owners(text: string, path: string): string[] | null {
  const m = ownersOf(parseCodeowners(text, 'CODEOWNERS').rules, path);
  return m ? m.owners.map((o) => o.text) : null;
}

// The example file of GitHub's "About code owners" page (trimmed to its rules and one comment),
// with the answers its comments give.
const DOCS_EXAMPLE = `# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
`;

describe('ownersOf, on the documentation example (last match wins)', () => {
  it.each([
    ['README.md', ['@global-owner1', '@global-owner2']],
    ['src/app.js', ['@js-owner']],
    ['cmd/main.go', ['docs@example.com']],
    ['notes/a.txt', ['@octo-org/octocats']],
    // `/build/logs/` is overridden by the later `**/logs`
    ['build/logs/deep/x.log', ['@octocat']],
    // `/docs/` (later) beats `docs/*`; both anchored at the root
    ['docs/getting-started.md', ['@doctocat']],
    ['docs/build-app/troubleshooting.md', ['@doctocat']],
    ['scripts/deploy.sh', ['@doctocat', '@octocat']],
    ['deeply/nested/logs/today.txt', ['@octocat']],
    ['lib/apps/x.py', ['@octocat']],
    ['apps/web/index.html', ['@octocat']],
    // un-owned by the last line: no owners
    ['apps/github/main.rb', []],
    ['apps/github', []],
  ])('%s → %j', (path, expected) => {
    expect(owners(DOCS_EXAMPLE, path)).toEqual(expected);
  });

  it('returns the deciding line', () => {
    const parsed = parseCodeowners(DOCS_EXAMPLE, '.github/CODEOWNERS');
    expect(parsed.problems).toEqual([]);
    expect(ownersOf(parsed.rules, 'apps/github/x')?.rule.line).toBe(13);
    expect(ownersOf(parsed.rules, '/src/a.js')?.rule.line).toBe(3);
  });
});

describe('pattern semantics', () => {
  it.each([
    // pattern, path, matches
    ['docs/*', 'docs/a.md', true],
    ['docs/*', 'docs/sub/a.md', false], // GitHub: `docs/*` does not reach into subdirectories
    ['docs/*', 'x/docs/a.md', false], // a middle slash anchors
    ['/docs/', 'docs/sub/a.md', true],
    ['/docs/', 'x/docs/a.md', false],
    ['docs/', 'x/docs/a.md', true], // only a trailing slash: any depth
    ['docs/', 'docs', false], // a trailing slash matches a directory's contents, not a file
    ['apps', 'apps', true],
    ['apps', 'src/apps/a.js', true], // a name owns the directory of that name at any depth
    ['/apps', 'src/apps/a.js', false],
    ['*.js', 'a/b/c.js', true],
    ['*.js', 'a/b/c.jsx', false],
    ['/*.js', 'c.js', true],
    ['/*.js', 'a/c.js', false],
    ['*', 'any/thing/at/all', true],
    ['**', 'any/thing', true],
    ['**/logs', 'logs/a', true],
    ['**/logs', 'a/b/logs/c', true],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b/z', true],
    ['a/**/b', 'c/a/x/b', false],
    ['src/**', 'src/a/b', true],
    ['src/**', 'src', false],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'file10.txt', false],
    ['README.md', 'readme.md', false], // case sensitive
    ['a+b(c).md', 'a+b(c).md', true], // regex metacharacters are literal
    ['a+b(c).md', 'aab(c)xmd', false],
    ['my\\ file.txt', 'dir/my file.txt', true],
    ['\\*.md', '*.md', true],
    ['\\*.md', 'x.md', false],
    ['/', 'anything', false],
    ['/a/*/c', 'a/b/c/d', true],
    ['docs/api', 'src/docs/api/x', false], // a middle slash anchors, with no trailing one too
    ['docs/**', 'docsearch.md', false],
    ['docs/**', 'docs/a/b.md', true],
  ])('%s vs %s → %s', (pattern, path, expected) => {
    expect(compilePattern(pattern).test(path)).toBe(expected);
  });
});

describe('parseCodeowners', () => {
  it('reads owners of each kind, comments, blank lines, CRLF and a BOM', () => {
    const parsed = parseCodeowners(
      '\uFEFF# comment\r\n\r\n   \r\n  *.md   @Octo-Cat  @my-org/Docs_Team.v2 a.b@example.com   # note\r\nx\t@u_short\n',
      'docs/CODEOWNERS',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.file).toBe('docs/CODEOWNERS');
    expect(parsed.tooLarge).toBe(false);
    expect(parsed.rules.map((r) => [r.line, r.pattern, r.owners])).toEqual([
      [
        4,
        '*.md',
        [
          { kind: 'user', login: 'Octo-Cat', text: '@Octo-Cat' },
          { kind: 'team', org: 'my-org', team: 'Docs_Team.v2', text: '@my-org/Docs_Team.v2' },
          { kind: 'email', email: 'a.b@example.com', text: 'a.b@example.com' },
        ],
      ],
      [5, 'x', [{ kind: 'user', login: 'u_short', text: '@u_short' }]],
    ]);
  });

  it('keeps a pattern with no owners (it un-owns), also with only a comment after it', () => {
    const parsed = parseCodeowners('* @a\n/vendor/ # nobody\n', 'CODEOWNERS');
    expect(parsed.rules[1]).toMatchObject({ pattern: '/vendor/', owners: [], line: 2 });
    expect(ownersOf(parsed.rules, 'vendor/x')?.owners).toEqual([]);
    expect(ownersOf(parsed.rules, 'src/x')?.owners.map((o) => o.text)).toEqual(['@a']);
  });

  it('returns undefined when nothing matches', () => {
    expect(owners('/src/ @a\n', 'lib/x')).toBeNull();
    expect(owners('', 'lib/x')).toBeNull();
  });

  it('reports the lines GitHub skips, with line numbers, and skips them', () => {
    const text = [
      '* @base', // 1
      '\\#file @x', // 2: escaping a leading # does not work
      '!important.txt @x', // 3: negation
      'Python/ceval*.[ch] @x', // 4: character range
      'a/***/b @x', // 5
      'trail\\', // 6: lone backslash
      '*.js @not a user', // 7: invalid owners
      '*.ts @-bad @ok', // 8: invalid owner
      '*.rb @org/team/extra', // 9
      '*.py @ok # fine', // 10
      'esc\\[x\\] @x', // 11: escaped brackets are literal, fine
    ].join('\n');
    const parsed = parseCodeowners(text, '.github/CODEOWNERS');
    expect(parsed.problems.map((p) => [p.line, p.message])).toEqual([
      [2, 'pattern \\#file: escaping a leading # with \\ does not work in CODEOWNERS'],
      [3, 'pattern !important.txt: negation with ! does not work in CODEOWNERS'],
      [4, 'pattern Python/ceval*.[ch]: [ ] character ranges do not work in CODEOWNERS'],
      [5, 'pattern a/***/b: three consecutive asterisks are not a valid pattern'],
      [6, 'pattern trail\\: ends with a lone backslash'],
      [7, 'pattern *.js: a, user are not @user, @org/team or an email address'],
      [8, 'pattern *.ts: @-bad is not @user, @org/team or an email address'],
      [9, 'pattern *.rb: @org/team/extra is not @user, @org/team or an email address'],
    ]);
    expect(parsed.problems[0]?.text).toBe('\\#file @x');
    expect(parsed.rules.map((r) => r.line)).toEqual([1, 10, 11]);
    // A skipped line does not take precedence: the base owner still applies.
    expect(ownersOf(parsed.rules, 'important.txt')?.owners.map((o) => o.text)).toEqual(['@base']);
    expect(ownersOf(parsed.rules, 'esc[x]')?.rule.line).toBe(11);
  });

  it('flags a file of 3 MB or more, which GitHub does not load', () => {
    const big = `* @a\n${'#'.repeat(CODEOWNERS_MAX_BYTES)}`;
    expect(parseCodeowners(big, 'CODEOWNERS').tooLarge).toBe(true);
  });

  it('a file of one byte under 3 MB is loaded; exactly 3 MB is not', () => {
    const sized = (bytes: number) => `* @a\n${'#'.repeat(bytes - 5)}`;
    expect(parseCodeowners(sized(CODEOWNERS_MAX_BYTES - 1), 'CODEOWNERS').tooLarge).toBe(false);
    expect(parseCodeowners(sized(CODEOWNERS_MAX_BYTES), 'CODEOWNERS').tooLarge).toBe(true);
  });

  it('a path given with a leading slash is matched as repository-relative', () => {
    expect(owners('/docs/ @writer\n', '/docs/intro.md')).toEqual(['@writer']);
  });

  it('a pattern may contain an escaped blank', () => {
    const text = 'docs\\ folder/ @writer\n';
    expect(parseCodeowners(text, 'CODEOWNERS').rules.map((r) => r.pattern)).toEqual([
      'docs\\ folder/',
    ]);
    expect(owners(text, 'docs folder/intro.md')).toEqual(['@writer']);
    expect(owners(text, 'docs/intro.md')).toBeNull();
  });

  it('refuses owner tokens that only contain a valid owner', () => {
    const parsed = parseCodeowners('* x@alice y@org/team @a@b.co a@b.co@evil\n', 'CODEOWNERS');
    expect(parsed.rules).toEqual([]);
    expect(parsed.problems.map((p) => p.message)).toEqual([
      'pattern *: x@alice, y@org/team, @a@b.co, a@b.co@evil are not @user, @org/team or an email address',
    ]);
  });

  it('lists the locations GitHub searches, in order', () => {
    expect(codeownersLocations).toEqual(['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS']);
  });
});
