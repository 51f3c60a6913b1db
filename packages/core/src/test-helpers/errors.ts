import { SealedSecretsError } from '../errors.js';

/** The SealedSecretsError `run` throws; any other error is rethrown, and no error at all fails the test. */
export function errorOf(run: () => unknown): SealedSecretsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SealedSecretsError) return error;
    throw error;
  }
  throw new Error('expected an error');
}
