// Pure (no Node built-ins): the browser page and seal hints read fingerprints without node:crypto.

/** An OpenSSH-style SHA-256 fingerprint (compat §1.6): `SHA256:` and 43 characters of unpadded standard base64. */
export function isFingerprint(text: string): boolean {
  return /^SHA256:[A-Za-z0-9+/]{43}$/.test(text);
}
