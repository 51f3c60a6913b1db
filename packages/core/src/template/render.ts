import { notImplemented } from '../errors.js';

/**
 * Renders one `spec.template.data` entry: a documented subset of Go text/template + sprig (compat §2.7). The data
 * context `.` maps each encryptedData key to its decrypted bytes. Throws SealedSecretsError TEMPLATE with a
 * Go-like message (e.g. `template: foo:1: function "bar" not defined`) that never contains a decrypted value.
 */
export function renderTemplate(
  name: string,
  source: string,
  context: ReadonlyMap<string, Uint8Array>,
): Buffer {
  return notImplemented(`renderTemplate(${name}, ${source.length}, ${context.size})`);
}
