import { KubeError, type StatusCause } from '@ssts/kube';

/** Causes named in a withheld message; the rest are counted. */
const NAMED_CAUSES = 8;

/**
 * The error of a refused Secret write (create or update), as it may be published: the Secret's name, the HTTP status
 * and the Status reason, and each cause's field path and reason, but never the API server's message.
 *
 * Why the text is dropped rather than searched: the body we sent holds decrypted values (or a private key, for key
 * and webhook CA Secrets), and the API server quotes what it was sent. Validation quotes label values, annotation
 * and data keys, finalizers and the Secret type (`metadata.labels: Invalid value: "<value>"`; on the legacy
 * `spec.data` path all of these are sealed), the first byte of a `.dockerconfigjson` that is not JSON
 * (`invalid character 'Q' …`), and an admission webhook or ValidatingAdmissionPolicy may put anything of the
 * object into its denial, transformed in ways no search for the values would catch. Any status and reason can
 * carry such a text (a webhook chooses its own), so every answer of the API server is withheld alike.
 *
 * The code, status and retry delay stay, so callers still classify by them (AlreadyExists, Conflict, an immutable
 * target's Invalid). Transport failures (no answer: Network, Timeout) never quote the body and pass through, like
 * any other error; the cause is dropped everywhere (a JSON parse error of the answer would quote the Secret).
 */
export function secretWriteError(verb: 'create' | 'update', name: string, error: unknown): unknown {
  if (!(error instanceof KubeError)) return error;
  if (error.status === undefined) {
    return new KubeError(error.code, error.message, {
      ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }),
    });
  }
  const causes = describeCauses(error.causes);
  const message =
    `cannot ${verb} Secret ${JSON.stringify(name)}: the API server answered ${error.status} ` +
    `${error.reason ?? error.code}${causes === '' ? '' : ` (${causes})`}; ` +
    "its message is withheld, as it can quote the Secret's values";
  return new KubeError(error.code, message, {
    status: error.status,
    ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }),
    ...(error.reason !== undefined && { reason: error.reason }),
    causes: error.causes,
  });
}

/** `field: Reason` per distinct cause, the first NAMED_CAUSES of them, then how many more. */
function describeCauses(causes: readonly StatusCause[]): string {
  const distinct = [
    ...new Set(
      causes.map((c) => (c.field === '' ? c.reason : c.reason === '' ? c.field : `${c.field}: ${c.reason}`)),
    ),
  ].filter((text) => text !== '');
  const named = distinct.slice(0, NAMED_CAUSES).join(', ');
  return distinct.length > NAMED_CAUSES ? `${named} and ${distinct.length - NAMED_CAUSES} more` : named;
}
