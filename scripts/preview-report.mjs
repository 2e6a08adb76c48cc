// Renders the job summary and the pull request comment of sample reports (docs/preview/*.json)
// to HTML with a GFM renderer (marked) and mermaid, as GitHub shows them, into docs/preview/; with
// `--screenshot`, loads each page in headless Chromium (CHROMIUM or `chromium` on PATH), checks the
// rendered DOM (the diagram became an SVG with one node per check; no element, link, image or
// mention came from the report's text) and writes a PNG next to it.
//
//   node scripts/preview-report.mjs [--screenshot]
//
// GitHub sanitises markdown more strictly than this page does (it drops scripts, styles and most
// attributes); the check here is that our text does not even ask for them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { Marked } from 'marked';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'docs', 'preview');
const RUN_URL = 'https://github.com/acme/widget/actions/runs/12345678901';

// The renderers are TypeScript: bundle them in memory and import the result.
const bundled = await build({
  stdin: {
    contents: `export { renderMarkdown } from './src/report/markdown.ts';
      export { renderComment } from './src/report/comment.ts';
      export { reportSchema } from './src/report/report-schema.ts';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  logLevel: 'silent',
});
const { renderMarkdown, renderComment, reportSchema } = await import(
  `data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`
);

const escapeHtml = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const marked = new Marked({ gfm: true });
marked.use({
  renderer: {
    code({ text, lang }) {
      return lang === 'mermaid'
        ? `<pre class="mermaid">${escapeHtml(text)}</pre>\n`
        : `<pre><code>${escapeHtml(text)}</code></pre>\n`;
    },
  },
});

const mermaidJs = path.relative(out, path.join(root, 'node_modules/mermaid/dist/mermaid.min.js'));
const CSS = `body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;color:#1f2328;margin:0;background:#fff}
main{max-width:1012px;margin:16px auto;padding:16px 24px;border:1px solid #d1d9e0;border-radius:6px}
.frame{font-size:12px;color:#59636e;border-bottom:1px solid #d1d9e0;margin:-16px -24px 16px;padding:8px 24px;background:#f6f8fa}
h2{font-size:1.5em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em;margin:.4em 0 16px}
h3{font-size:1.25em;margin:24px 0 16px}
table{border-collapse:collapse;display:block;overflow:auto;margin:0 0 16px}
th,td{border:1px solid #d1d9e0;padding:6px 13px;vertical-align:top}
tr:nth-child(2n){background:#f6f8fa}
details{margin:0 0 16px}summary{cursor:pointer;font-weight:600;margin-bottom:8px}
blockquote{margin:0 0 16px;padding:0 1em;color:#59636e;border-left:.25em solid #d1d9e0}
pre.mermaid{background:none;text-align:center;margin:0 0 16px}
hr{border:0;border-top:1px solid #d1d9e0;margin:24px 0}
a{color:#0969da;text-decoration:none}`;

function page(title, frame, markdown) {
  const body = marked.parse(markdown);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main><div class="frame">${escapeHtml(frame)}</div>
${body}</main>
<script src="${mermaidJs}"></script>
<script>
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
mermaid.run({ querySelector: 'pre.mermaid' }).finally(() => {
  document.body.dataset.height = String(document.documentElement.scrollHeight);
  document.body.dataset.rendered = 'yes';
});
</script></body></html>
`;
}

const pages = [];
for (const name of ['blocked', 'pass']) {
  const report = reportSchema.parse(
    JSON.parse(readFileSync(path.join(out, `report-${name}.json`), 'utf8')),
  );
  const summary = renderMarkdown(report);
  const comment = renderComment(report, { runUrl: RUN_URL });
  for (const [kind, md, frame] of [
    ['summary', summary, 'Job summary — security-gate'],
    ['comment', comment, 'github-actions[bot] commented on pull request #412'],
  ]) {
    const file = path.join(out, `${kind}-${name}.html`);
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, `${kind}-${name}.md`), md);
    writeFileSync(file, page(`${kind} ${name}`, frame, md));
    pages.push({
      file,
      kind,
      name,
      checks: report.checks.length,
      runLinks: kind === 'comment' ? 1 : 0,
    });
  }
}
console.log(`Wrote ${pages.length} pages (HTML and markdown) under ${path.relative(root, out)}/`);

if (process.argv.includes('--screenshot')) {
  const chromium = process.env.CHROMIUM ?? 'chromium';
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars'];
  const problems = [];
  for (const p of pages) {
    const url = pathToFileURL(p.file).href;
    const dom = execFileSync(
      chromium,
      [...flags, '--virtual-time-budget=15000', '--window-size=1100,800', '--dump-dom', url],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 },
    );
    const main = dom.slice(dom.indexOf('<main>'), dom.indexOf('</main>'));
    const svg = main.match(/<svg[\s\S]*?<\/svg>/)?.[0] ?? '';
    const text = main.replace(/<svg[\s\S]*?<\/svg>/g, '');
    const nodes = (svg.match(/class="node [^"]*"/g) ?? []).length;
    const check = (ok, what) => ok || problems.push(`${path.basename(p.file)}: ${what}`);
    check(/data-rendered="yes"/.test(dom), 'mermaid did not finish');
    check(nodes === p.checks + 1, `the diagram has ${nodes} nodes, expected ${p.checks + 1}`);
    check(
      !/<img|<script|<[^>]+\son\w+=/i.test(text),
      'an image, script or event handler from the report',
    );
    check((text.match(/<a /g) ?? []).length === p.runLinks, 'a link that is not the run link');
    check(!/<(?:h[1-6])[^>]*>[^<]*(?:evil|click)/i.test(text), 'a heading from the report');
    const height = Number(/data-height="(\d+)"/.exec(dom)?.[1] ?? 2000);
    const png = p.file.replace(/\.html$/, '.png');
    execFileSync(
      chromium,
      [
        ...flags,
        '--virtual-time-budget=15000',
        `--window-size=1100,${Math.min(height + 16, 6000)}`,
        `--screenshot=${png}`,
        url,
      ],
      { stdio: 'ignore' },
    );
    console.log(`${path.relative(root, png)}: diagram with ${nodes} nodes, ${height}px`);
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
}
