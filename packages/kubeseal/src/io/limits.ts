/**
 * The most kubeseal reads from any input: a Secret or SealedSecret stream (stdin or `-f`), the `--merge-into` file,
 * a `--recovery-private-key` file and a `--raw` value. Kubernetes refuses objects over about 1.5 MiB, so 8 MiB
 * leaves room for any real input, while a runaway pipe is cut off after 8 MiB instead of filling the memory. The
 * same as the core's document bound (DEFAULT_DOCUMENT_LIMITS.maxBytes, checked by a test); not imported from there
 * because main.ts loads this before the core.
 */
export const MAX_INPUT_BYTES = 8 << 20;
export const MAX_INPUT_TEXT = '8 MiB';
