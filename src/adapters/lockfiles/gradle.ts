/**
 * Gradle dependency lockfiles (`gradle.lockfile`, `buildscript-gradle.lockfile`, and the older
 * per-configuration `gradle/dependency-locks/*.lockfile`): `group:artifact:version=configurations`.
 * Scope: a compile or runtime classpath outside tests is runtime; only test configurations is dev;
 * anything else (build tools such as checkstyle or jacoco) is unknown.
 */
import path from 'node:path';
import type { ParsedManifest } from '../../checks/dependencies/model.js';
import { ManifestBuilder, inputError, type ReadContext, type Scope } from './common.js';

const ENTRY = /^([^:=\s]+):([^:=\s]+):([^:=\s]+)(?:=(.*))?$/;

function scopeOf(configurations: string[]): Scope {
  if (configurations.length === 0) return 'unknown';
  const isTest = (c: string): boolean => /test/i.test(c);
  const isClasspath = (c: string): boolean => /(compile|runtime)Classpath$/i.test(c);
  if (configurations.some((c) => isClasspath(c) && !isTest(c))) return 'runtime';
  if (configurations.every(isTest)) return 'dev';
  return 'unknown';
}

export function readGradleLockfile(ctx: ReadContext): ParsedManifest {
  const b = new ManifestBuilder(ctx.display, path.basename(ctx.display));
  ctx.text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    if (/^empty=/.test(t)) return; // configurations that resolve nothing
    const m = ENTRY.exec(t);
    if (!m)
      throw inputError(
        ctx.display,
        `cannot read '${t}' (expected group:artifact:version=configurations)`,
        { line },
      );
    const configurations = (m[4] ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    b.add({
      ecosystem: 'Maven',
      name: `${m[1] as string}:${m[2] as string}`,
      version: m[3],
      scope: scopeOf(configurations),
      line,
    });
  });
  return b.build();
}
