// Key continuity wired into every place kubeseal obtains a certificate from the network (issue 14 item 3): the
// controller through the service proxy, and `--cert http(s)://…`. A local `--cert` file (or file:// URL) is the
// user's own trust and is never pinned. Loaded only on those paths, so offline sealing does not pay for it.
import { parseCertificatePem, publicKeyFingerprint, type ParsedCertificate } from '@ssts/core';
import type { Env } from '@ssts/kube/kubeconfig';
import type { ControllerClient } from '../cluster/controller-client.js';
import type { CertFetchOptions } from '../io/cert-fetch.js';
import type { Io } from '../io/io.js';
import {
  KNOWN_CERTS_ENV,
  controllerIdentity,
  decideTrust,
  fetchCertChain,
  fetchCertChainFromUrl,
  knownCertsPath,
  readKnownCerts,
  writeKnownCerts,
} from './known-certs.js';

/** Where a certificate came from, as far as pinning is concerned. */
export type CertOrigin =
  | {
      readonly kind: 'controller';
      readonly controller: ControllerClient;
      readonly namespace: string;
      readonly name: string;
    }
  | { readonly kind: 'url'; readonly url: string; readonly fetch: CertFetchOptions };

export interface TrustOptions {
  /** `--known-certs` ('' = the environment variable, else the default under the user's config directory). */
  readonly knownCerts: string;
  /** `--trust-new-cert`. */
  readonly trustNewCert: boolean;
}

/** The known-certificates file, or undefined when there is no flag, no variable and no home to put it in. */
function filePath(flag: string, env: Env): string | undefined {
  const anywhere = flag !== '' || !!env[KNOWN_CERTS_ENV] || !!env['XDG_CONFIG_HOME'] || !!env['HOME'];
  return anywhere ? knownCertsPath(flag, env) : undefined;
}

function identityOf(origin: CertOrigin): string {
  if (origin.kind === 'url') return controllerIdentity({ url: origin.url });
  const server = origin.controller.server ?? 'unknown-server';
  return controllerIdentity({ server, namespace: origin.namespace, name: origin.name });
}

/**
 * Checks `certificate` against the pins of its origin and returns normally when it may be used: silently when
 * pinned or linked to a pin by the controller's signed chain, with a one-line notice on first use or with
 * --trust-new-cert (the pins are then saved). Throws the refusal (CliError CERT) otherwise. Bytes that are not a
 * certificate are left to the caller, whose parser gives upstream's error. `parsed`, when given, is `certificate`
 * already parsed (the caller's own copy, so that it is decoded once).
 */
export async function checkCertContinuity(
  io: Io,
  env: Env,
  options: TrustOptions,
  origin: CertOrigin,
  certificate: Buffer,
  parsed?: ParsedCertificate,
): Promise<void> {
  let fingerprint: string;
  try {
    fingerprint = publicKeyFingerprint(
      (parsed ?? parseCertificatePem(certificate.toString('utf8'))).publicKey,
    );
  } catch {
    return;
  }
  const path = filePath(options.knownCerts, env);
  const known =
    path === undefined ? { version: 1 as const, controllers: {} } : await readKnownCerts(io.fs, path);
  const identity = identityOf(origin);
  const pinned = known.controllers[identity] ?? [];
  // The chain is asked for only when it can change the answer: a known controller showing a new certificate.
  const needsChain = pinned.length > 0 && !pinned.includes(fingerprint);
  const fetched = !needsChain
    ? undefined
    : origin.kind === 'controller'
      ? await fetchCertChain(origin.controller)
      : await fetchCertChainFromUrl(origin.url, origin.fetch);
  const decision = decideTrust({
    known,
    identity,
    fingerprint,
    chain: fetched !== undefined && 'chain' in fetched ? fetched.chain : undefined,
    ...(fetched !== undefined && 'problem' in fetched && { chainProblem: fetched.problem }),
    trustNew: options.trustNewCert,
  });
  if (decision.kind === 'refused') throw decision.error;
  // A renewal the controller's own signatures vouch for is accepted without a word (issue 14).
  if (decision.kind !== 'linked' && decision.kind !== 'pinned') io.stderr.write(`${decision.notice}\n`);
  // A pinned certificate changes nothing, unless the file still held a password in an identity (then rewritten).
  if (path === undefined || (decision.kind === 'pinned' && known.redactedOnRead !== true)) return;
  const next = decision.kind === 'pinned' ? known : decision.known;
  try {
    await writeKnownCerts(
      { fs: io.fs, mkdirp: (dir) => io.fs.mkdirp?.(dir) ?? Promise.resolve() },
      path,
      next,
    );
  } catch (error) {
    // A read-only home (a CI container) must not stop sealing: this run's decision stands, it is just not kept.
    io.stderr.write(`warning: ${(error as Error).message}; the certificate is trusted for this run only\n`);
  }
}
