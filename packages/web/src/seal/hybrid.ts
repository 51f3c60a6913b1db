// Compat §1.1 with WebCrypto: u16be(len(R)) ‖ R = RSA-OAEP-SHA256(K, label) ‖ AES-256-GCM(K, zero nonce, P) ‖ tag.
import { view } from './bytes.js';

const SESSION_KEY_BYTES = 32;
// Safe only because every value gets a fresh session key (compat §1.1).
const ZERO_NONCE = new Uint8Array(12);

export async function hybridEncrypt(
  publicKey: CryptoKey,
  plaintext: Uint8Array,
  label: Uint8Array,
): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const sessionKey = globalThis.crypto.getRandomValues(new Uint8Array(SESSION_KEY_BYTES));
  try {
    const rsaBlock = new Uint8Array(
      await subtle.encrypt({ name: 'RSA-OAEP', label: view(label) }, publicKey, sessionKey),
    );
    const aesKey = await subtle.importKey('raw', sessionKey, { name: 'AES-GCM' }, false, ['encrypt']);
    // WebCrypto appends the 16-byte tag to the ciphertext: Go's Seal layout.
    const sealed = new Uint8Array(
      await subtle.encrypt({ name: 'AES-GCM', iv: ZERO_NONCE }, aesKey, view(plaintext)),
    );
    if (rsaBlock.length > 0xffff) throw new Error('the RSA block does not fit the wire format');
    const out = new Uint8Array(2 + rsaBlock.length + sealed.length);
    out[0] = rsaBlock.length >>> 8;
    out[1] = rsaBlock.length & 255;
    out.set(rsaBlock, 2);
    out.set(sealed, 2 + rsaBlock.length);
    return out;
  } finally {
    sessionKey.fill(0);
  }
}
