// Generates the README's reference tables from their sources of truth, so they cannot drift:
// action inputs/outputs from action.yml, policy keys from schema/policy.schema.json (itself
// generated from src/config/schema.ts). `--check` fails when the README is not up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = path.join(root, 'README.md');
const cell = (s) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();

function actionTables() {
  const action = parse(readFileSync(path.join(root, 'action.yml'), 'utf8'));
  const inputs = Object.entries(action.inputs ?? {}).map(
    ([name, i]) =>
      `| \`${name}\` | ${i.default === undefined || i.default === '' ? '' : `\`${i.default}\``} | ${cell(i.description)} |`,
  );
  const outputs = Object.entries(action.outputs ?? {}).map(
    ([name, o]) => `| \`${name}\` | ${cell(o.description)} |`,
  );
  return {
    inputs: ['| Input | Default | Description |', '|---|---|---|', ...inputs].join('\n'),
    outputs: ['| Output | Description |', '|---|---|', ...outputs].join('\n'),
  };
}

function policyTable() {
  const schema = JSON.parse(readFileSync(path.join(root, 'schema', 'policy.schema.json'), 'utf8'));
  const rows = [];
  const typeOf = (s) =>
    s.const !== undefined
      ? `\`${JSON.stringify(s.const)}\``
      : s.enum
        ? s.enum.map((e) => `\`${e}\``).join(' \\| ')
        : s.type === 'array'
          ? `list of ${s.items?.type === 'object' ? 'entries' : (s.items?.type ?? 'values')}`
          : (s.type ?? '');
  const walk = (s, prefix, required) => {
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      if (key === '$schema') continue;
      const name = prefix ? `${prefix}.${key}` : key;
      const def = prop.default === undefined ? '' : `\`${JSON.stringify(prop.default)}\``;
      rows.push(
        `| \`${name}\` | ${typeOf(prop)} | ${required.includes(key) ? 'yes' : ''} | ${def} | ${cell(prop.description)} |`,
      );
      if (prop.type === 'object') walk(prop, name, prop.required ?? []);
      if (prop.type === 'array' && prop.items?.type === 'object')
        walk(prop.items, `${name}[]`, prop.items.required ?? []);
    }
  };
  walk(schema, '', schema.required ?? []);
  return ['| Key | Type | Required | Default | Meaning |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

const sections = { ...actionTables(), policy: policyTable() };
const before = readFileSync(readmePath, 'utf8');
let after = before;
for (const [name, table] of Object.entries(sections)) {
  const re = new RegExp(
    `(<!-- BEGIN GENERATED: ${name} -->\\n)[\\s\\S]*?(<!-- END GENERATED: ${name} -->)`,
  );
  if (!re.test(after)) {
    console.error(
      `README.md has no <!-- BEGIN GENERATED: ${name} --> … <!-- END GENERATED: ${name} --> block`,
    );
    process.exit(1);
  }
  after = after.replace(re, `$1${table}\n$2`);
}
// Prettier owns the README's formatting (npm run format:check); format the result the same way.
after = await format(after, { ...(await resolveConfig(readmePath)), filepath: readmePath });
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error(
      'README.md reference tables are out of date: run "npm run docs" and commit README.md.',
    );
    process.exit(1);
  }
  console.log('README.md reference tables are up to date.');
} else if (after !== before) {
  writeFileSync(readmePath, after);
  console.log('README.md reference tables updated.');
}
