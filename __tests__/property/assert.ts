/** What every hostile input must end in: a parse, or a GateError naming the file, one screen long. */
import { expect } from '@jest/globals';
import { GateError, formatError } from '../../src/errors.js';

/** A stack frame as V8 prints it. */
const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|<anonymous>\)?)$/m;

/**
 * `thrown` must be a GateError whose message names `file`, and whose rendering (what the CLI and
 * the action print) is one screen without a stack trace.
 */
export function expectCleanError(thrown: unknown, file: string, what: string): GateError {
  if (!(thrown instanceof GateError)) {
    throw new Error(
      `${what}: expected a GateError naming ${file}, got ${String(thrown)}${
        thrown instanceof Error ? `\n${thrown.stack}` : ''
      }`,
    );
  }
  expect({ what, message: thrown.message.slice(0, 500) }).toEqual({
    what,
    message: expect.stringContaining(file),
  });
  expectOneScreen(formatError(thrown), what);
  return thrown;
}

/** At most 40 lines and 4,000 characters, no stack frame. */
export function expectOneScreen(text: string, what: string): void {
  const lines = text.split('\n').length;
  if (lines > 40 || text.length > 4000 || STACK_FRAME.test(text)) {
    throw new Error(
      `${what}: message is not one screen without a stack (${lines} lines, ${text.length} chars):\n${text.slice(0, 1500)}`,
    );
  }
}
