/**
 * Escaping for GitHub-flavoured markdown. Everything that comes from inputs (artifact names,
 * identities, messages) goes through `md()` so it cannot add links, images, HTML, headings,
 * mentions or table cells to a release manager's view.
 */
const MARKDOWN_SPECIALS = /[\\`*_{}[\]()#+\-.!|~@:]/g;

export function md(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // GitHub finds @mentions in the rendered text, after backslash escapes are gone: a zero-width
      // space after an `@` that could start one (not after a letter, digit or `_`) keeps
      // `@org/team` from notifying anyone, while `…release.yml@refs/heads/main` stays copyable.
      .replace(MARKDOWN_SPECIALS, (c, offset: number, whole: string) =>
        c === '@' && !/[A-Za-z0-9_]/.test(whole[offset - 1] ?? '') ? '\\@&#8203;' : `\\${c}`,
      )
      .replace(/\r\n|\r|\n/g, ' ')
  );
}
