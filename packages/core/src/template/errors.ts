import { SealedSecretsError } from '../errors.js';

/**
 * Error texts of the engine follow Go's text/template so that status messages read the same as with the Go
 * controller, with one deliberate difference (compat §10): they never contain a runtime value, only template
 * source text, key names and Go type names.
 */
export function templateError(message: string, cause?: unknown): SealedSecretsError {
  return new SealedSecretsError('TEMPLATE', message, cause === undefined ? undefined : { cause });
}

/** Thrown inside a function implementation; the executor prefixes `error calling <name>: `. */
export class FuncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuncError';
  }
}

/** Thrown by the executor with the Go-style location/context already in the message. */
export class ExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecError';
  }
}

/** Thrown by the lexer/parser with the Go-style `template: name:line: ` prefix already in the message. */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}
