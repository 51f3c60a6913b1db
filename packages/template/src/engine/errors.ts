/**
 * Error texts of the engine follow Go's text/template so that status messages read the same as with the Go
 * controller, with one deliberate difference (compat §10): they never contain a runtime value, only template
 * source text, key names and Go type names.
 */
export type TemplateErrorCode =
  | 'TEMPLATE' // the template could not be parsed or rendered (a Go-style message, or a limit)
  | 'TEMPLATE_TIME_BUDGET'; // the templates of one object ran past their wall-clock budget

/** The one error the engine throws to its callers: a stable code and a message free of runtime values. */
export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  constructor(code: TemplateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
    this.code = code;
  }
}

export function templateError(message: string, cause?: unknown): TemplateError {
  return new TemplateError('TEMPLATE', message, cause === undefined ? undefined : { cause });
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
