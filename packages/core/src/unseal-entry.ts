// `@ssts/core/unseal`: the unseal path alone, for worker threads. It loads neither the key/certificate code
// (node-forge) nor sealing; the template engine is still loaded only when an object has templates.
export { SealedSecretsError, UnsealError } from './errors.js';
export type { CoreErrorCode, ItemFailure, UnsealDiagnostics } from './errors.js';
export {
  hybridDecrypt,
  hybridDecryptAsync,
  rsaOaepDecryptionKey,
  type RsaOaepDecryptionKey,
} from './crypto/hybrid.js';
export {
  DEFAULT_TEMPLATE_TIME_BUDGET_MS,
  NO_KEY_COULD_DECRYPT,
  rendersTemplates,
  templateTimeBudgetError,
  unsealSealedSecret,
  type UnsealOptions,
  type ValueDecryptor,
} from './unseal/unseal.js';
export type { SealedSecret, Secret } from './model/types.js';
export {
  diagnoseUnsealFailure,
  firstFailedCiphertext,
  isDecryptFailure,
  keysProbe,
  unsealFailureText,
  type Finding,
} from './unseal/diagnose.js';
