// `@ssts/kube/text`: small pure helpers for error text, importable without the loader or the HTTP client.
export { escapeControlCharacters, safeText } from './escape.js';
export { describeFsError } from './fs-error.js';
export { errorMessage } from './error-message.js';
export { printableUrl } from '../http/describe.js';
export { withoutUserinfo } from './userinfo.js';
