export { DocumentError } from './document-error.js';
export { DEFAULT_DOCUMENT_LIMITS, formatBytes, type DocumentLimits } from './limits.js';
export { parseDocuments, type InputDocument, type ParseDocumentsOptions } from './parse-documents.js';
export { formatGoFloat, GoScalar, resolveGoPlain, type GoPlainKind } from './go-scalars.js';
export { parseJsonDocument, splitJsonStream, type JsonPart } from './json-stream.js';
