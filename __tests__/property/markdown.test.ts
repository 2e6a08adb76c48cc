/**
 * Property: markdown injection (threat model: a package name, advisory title or SAN written by an
 * attacker lands in a release manager's job summary). For any string, `md()` leaves no markdown
 * special unescaped, no HTML, no line break, no mention, and loses nothing: unescaping gives the
 * input back (line breaks as spaces). The example-based tests are in report.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { md } from '../../src/report/escape.js';
import { runs, seed } from './mutate.js';

const SPECIALS = new Set('\\`*_{}[]()#+-.!|~@:'.split(''));

/** Markdown specials not escaped by a backslash, once md()'s own entities are taken out. */
function unescaped(out: string): string[] {
  const text = out.replace(/&(?:amp|lt|gt|#8203);/g, '');
  const found: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') i++;
    else if (SPECIALS.has(c) || c === '<' || c === '>' || c === '&') found.push(c);
  }
  return found;
}

function unescape(out: string): string {
  return out
    .replace(/\\@&#8203;/g, '@')
    .replace(/\\(.)/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc
    .array(
      fc.constantFrom(
        '[x](https://evil.example)',
        '![i](x)',
        '<img src=x onerror=alert(1)>',
        '<!--',
        '| a | b |',
        '@org/team',
        '\n# h',
        '\r\n> q',
        '`c`',
        '**b**',
        '~~s~~',
        '&lt;',
        '&#64;',
        '\\',
        '\\|',
        'https://evil.example',
        '::error::x',
        '\u202e',
        '\u0000',
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.join('')),
);

describe('md(): no markdown from inputs', () => {
  it('escapes every special, keeps one line, and loses nothing', () => {
    fc.assert(
      fc.property(hostileText, (s) => {
        const out = md(s);
        expect(unescaped(out)).toEqual([]);
        expect(out).not.toMatch(/[\r\n]/);
        expect(unescape(out)).toBe(s.replace(/\r\n|\r|\n/g, ' '));
      }),
      { numRuns: runs(1000), seed: seed() },
    );
  });
});
