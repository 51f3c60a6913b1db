export { DocumentError } from './document-error.js';
export { DEFAULT_DOCUMENT_LIMITS, formatBytes, type DocumentLimits } from './limits.js';
export { parseDocuments, type InputDocument } from './parse-documents.js';
