/** Writing report files: whole or not at all (temp file, then rename). */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GateError, describeThrown } from '../errors.js';

export async function writeFileAtomic(file: string, content: string, what: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, content, 'utf8');
    await rename(tmp, file);
  } catch (err) {
    // Best effort: when the folder cannot be made (ENOTDIR), removing fails too; report the write.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new GateError('input', `cannot write the ${what} to ${file}: ${describeThrown(err)}`, {
      cause: err,
      location: { file },
    });
  }
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
