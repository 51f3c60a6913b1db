/**
 * Bounds on an untrusted stream of YAML or JSON documents, checked before (or while) it is parsed so that a hostile
 * input costs bounded time and memory and never reaches a recursive step of the parser with a deep structure.
 */
export interface DocumentLimits {
  /** Size of the whole input in bytes (UTF-8). */
  readonly maxBytes: number;
  /** Nesting of collections (a top-level object is depth 1). Kubernetes objects stay well under 30. */
  readonly maxDepth: number;
  /** Documents in one stream. */
  readonly maxDocuments: number;
  /**
   * Lexical tokens of a YAML stream. The YAML lexer costs about 1 µs a token, so this bounds the parse time of
   * many tiny scalars; an honest object uses a handful of tokens per key (long base64 values are one token).
   */
  readonly maxYamlTokens: number;
  /** Alias dereferences while converting YAML to values (the billion-laughs bound). */
  readonly maxAliasCount: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxBytes: 8 << 20,
  maxDepth: 100,
  maxDocuments: 10_000,
  maxYamlTokens: 500_000,
  maxAliasCount: 100,
};

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10 && bytes % (1 << 10) === 0) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} bytes`;
}
