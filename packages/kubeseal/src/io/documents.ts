import { DocumentError, parseDocuments as parseBounded, type InputDocument } from '@ssts/core';
import { CliError } from '../errors.js';

export type { InputDocument };

/**
 * The input stream as documents, through the core's bounded reader (size, depth, token, alias and document
 * limits enforced before parsing). Errors become INPUT errors with the core's message.
 */
export async function parseDocuments(input: Buffer | string): Promise<InputDocument[]> {
  try {
    return await parseBounded(input);
  } catch (error) {
    if (error instanceof DocumentError) throw new CliError('INPUT', error.message, { cause: error });
    throw error;
  }
}
