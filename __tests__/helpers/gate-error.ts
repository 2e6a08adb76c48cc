/** The GateError a call throws (or a promise rejects with); fails the test if there is none. */
import { expect } from '@jest/globals';
import { GateError } from '../../src/errors.js';

export function thrownBy(fn: () => unknown): GateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('expected a GateError, but nothing was thrown');
}

export async function rejectionOf(promise: Promise<unknown>): Promise<GateError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('expected a GateError, but the promise resolved');
}
