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
      .replace(MARKDOWN_SPECIALS, (c) => `\\${c}`)
      .replace(/\r\n|\r|\n/g, ' ')
      // GitHub finds @mentions in the rendered text, after backslash escapes are gone: a zero-width
      // space after `@` keeps `@org/team` from notifying anyone.
      .replace(/@/g, '@&#8203;')
  );
}
