// Key continuity on the client (issue 14): kubeseal pins the certificate fingerprints it has seen, per cluster and
// controller, in a small JSON file, and accepts a new certificate silently only when the controller's
// /v1/cert-chain links it to a pinned one (core linkPath). First contact is trust on first use, with a one-line
// notice; anything else is refused unless the user says --trust-new-cert. Pure decisions plus a bounded file
// reader and an atomic writer; the verb layer wires the flag, the environment variable and the notice.
import { dirname, join } from 'node:path';
import { linkPath, parseCertChain, shortFingerprint, type VerifiedChainEntry } from '@ssts/core';
import type { ControllerClient } from '../cluster/controller-client.js';
import { CliError } from '../errors.js';
import { fetchCert, type CertFetchOptions } from '../io/cert-fetch.js';
import { printableCertSource } from '../io/cert-source.js';
import type { FileSystem } from '../io/io.js';

/** Environment variable naming the known-certificates file (the flag, `--known-certs`, wins). */
export const KNOWN_CERTS_ENV = 'SEALED_SECRETS_KNOWN_CERTS';
/** Largest known-certificates file read. */
export const MAX_KNOWN_CERTS_BYTES = 1024 * 1024;
/** Largest /v1/cert-chain answer read (core parseCertChain's own bound). */
export const MAX_CERT_CHAIN_BYTES = 1024 * 1024;
/** Fingerprints kept per controller: the newest ones (a key a month for 40 years). */
export const MAX_PINNED_PER_CONTROLLER = 512;

/** The file: per controller identity, the fingerprints seen, oldest first. */
export interface KnownCerts {
  readonly version: 1;
  readonly controllers: Readonly<Record<string, readonly string[]>>;
  /**
   * Set when the file read held an identity with a URL's user name and password (written before they were left
   * out): the caller writes the file again, so that the password does not stay on disk. Never written.
   */
  readonly redactedOnRead?: true;
}

export const EMPTY_KNOWN_CERTS: KnownCerts = { version: 1, controllers: {} };

/**
 * Where the file is: the flag, else $SEALED_SECRETS_KNOWN_CERTS, else $XDG_CONFIG_HOME/kubeseal/known-certs.json,
 * else ~/.config/kubeseal/known-certs.json.
 */
export function knownCertsPath(flag: string, env: Readonly<Record<string, string | undefined>>): string {
  if (flag !== '') return flag;
  const fromEnv = env[KNOWN_CERTS_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const config = env['XDG_CONFIG_HOME'] || join(env['HOME'] ?? '', '.config');
  return join(config, 'kubeseal', 'known-certs.json');
}

/**
 * The identity a pin is kept under: the API server and the controller's namespace/name when the certificate comes
 * through the service proxy, the URL when it comes from `--cert https://…`.
 */
export function controllerIdentity(
  source:
    { readonly server: string; readonly namespace: string; readonly name: string } | { readonly url: string },
): string {
  // A URL's user name and password (basic auth) are not part of who the controller is, and must not be printed in
  // notices or kept in the file.
  return 'url' in source
    ? printableCertSource(source.url)
    : `${printableCertSource(source.server)}#${source.namespace}/${source.name}`;
}

/**
 * An identity as written by an earlier kubeseal, without a URL's user name and password (see controllerIdentity;
 * for `<server>#<namespace>/<name>` the URL parser reads the controller part as the fragment, which it keeps).
 */
const redactIdentity = printableCertSource;

/** `https://host/v1/cert.pem` → `https://host/v1/cert-chain`; undefined when the URL does not end that way. */
export function certChainUrl(certUrl: string): string | undefined {
  return certUrl.endsWith('/v1/cert.pem')
    ? `${certUrl.slice(0, -'/v1/cert.pem'.length)}/v1/cert-chain`
    : undefined;
}

function fileError(path: string, reason: string): CliError {
  return new CliError('CERT', `cannot read the known certificates file ${path}: ${reason}`, {
    hints: [`fix or remove it (its path: --known-certs or ${KNOWN_CERTS_ENV})`],
  });
}

/** Parses the file; a missing file is empty. Malformed content is an error naming the file, never ignored. */
export async function readKnownCerts(fs: FileSystem, path: string): Promise<KnownCerts> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path, MAX_KNOWN_CERTS_BYTES);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return EMPTY_KNOWN_CERTS;
    throw fileError(path, (error as Error).message);
  }
  if (bytes.length > MAX_KNOWN_CERTS_BYTES)
    throw fileError(path, `larger than ${MAX_KNOWN_CERTS_BYTES} bytes`);
  return parseKnownCerts(bytes, path);
}

export function parseKnownCerts(bytes: Uint8Array, path: string): KnownCerts {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw fileError(path, 'not JSON');
  }
  const { version, controllers } = (value ?? {}) as Record<string, unknown>;
  if (
    version !== 1 ||
    typeof controllers !== 'object' ||
    controllers === null ||
    Array.isArray(controllers)
  ) {
    throw fileError(path, 'expected {"version": 1, "controllers": {...}}');
  }
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  let redacted = false;
  for (const [written, list] of Object.entries(controllers)) {
    const identity = redactIdentity(written);
    if (!Array.isArray(list) || !list.every((f) => typeof f === 'string' && f.length <= 128)) {
      throw fileError(
        path,
        `the entry for ${JSON.stringify(identity.slice(0, 200))} is not a list of fingerprints`,
      );
    }
    // An entry kept with a password: its pins count for the identity without it, as older than that identity's own.
    const mine = out[identity] ?? [];
    if (identity !== written) redacted = true;
    const merged = identity === written ? [...mine, ...(list as string[])] : [...(list as string[]), ...mine];
    out[identity] = [...new Set(merged)].slice(-MAX_PINNED_PER_CONTROLLER);
  }
  return { version: 1, controllers: out, ...(redacted && { redactedOnRead: true as const }) };
}

/** Writes the file atomically (temp file and rename), creating its directory with `mkdirp` first. */
export async function writeKnownCerts(
  io: { readonly fs: FileSystem; readonly mkdirp: (dir: string) => Promise<void> },
  path: string,
  known: KnownCerts,
): Promise<void> {
  try {
    await io.mkdirp(dirname(path));
    const file = { version: known.version, controllers: known.controllers };
    await io.fs.writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  } catch (error) {
    throw new CliError(
      'OUTPUT',
      `cannot write the known certificates file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** `known` with `fingerprints` appended to `identity`'s pins (deduplicated, bounded). */
export function pin(known: KnownCerts, identity: string, fingerprints: readonly string[]): KnownCerts {
  const current = known.controllers[identity] ?? [];
  const next = [
    ...current,
    ...fingerprints.filter((f, i) => !current.includes(f) && fingerprints.indexOf(f) === i),
  ];
  return {
    version: 1,
    controllers: { ...known.controllers, [identity]: next.slice(-MAX_PINNED_PER_CONTROLLER) },
  };
}

/** What to do with a certificate: use it (and maybe save new pins and print a notice), or refuse. */
export type TrustDecision =
  | { readonly kind: 'pinned' }
  | {
      readonly kind: 'first-use' | 'linked' | 'trusted-new';
      readonly known: KnownCerts;
      readonly notice: string;
    }
  | { readonly kind: 'refused'; readonly error: CliError };

export interface TrustInput {
  readonly known: KnownCerts;
  readonly identity: string;
  /** Fingerprint of the certificate about to be used. */
  readonly fingerprint: string;
  /** The controller's /v1/cert-chain, parsed and checked (core parseCertChain); undefined when unavailable. */
  readonly chain: readonly VerifiedChainEntry[] | undefined;
  /** Why there is no chain, for the refusal text (e.g. `the controller does not serve /v1/cert-chain`). */
  readonly chainProblem?: string;
  /** --trust-new-cert. */
  readonly trustNew: boolean;
}

/**
 * The decision of issue 14 item 3: a pinned fingerprint is used silently; the first certificate of a controller
 * is trusted on first use (notice); a new one reached from a pinned one by valid links is accepted and pinned,
 * with the path in the notice; anything else is refused unless --trust-new-cert.
 */
export function decideTrust(input: TrustInput): TrustDecision {
  const { known, identity, fingerprint } = input;
  const pinned = known.controllers[identity] ?? [];
  if (pinned.includes(fingerprint)) return { kind: 'pinned' };
  if (pinned.length === 0) {
    return {
      kind: 'first-use',
      known: pin(known, identity, [fingerprint]),
      notice: `notice: first contact with ${identity}: trusting certificate ${fingerprint} and remembering it`,
    };
  }
  let reason = input.chainProblem ?? 'the controller serves no certificate chain';
  if (input.chain !== undefined) {
    const result = linkPath(input.chain, new Set(pinned), fingerprint);
    if (result.ok) {
      return {
        kind: 'linked',
        known: pin(known, identity, result.path),
        notice:
          `notice: the certificate of ${identity} was renewed: ${result.path.map(shortFingerprint).join(' -> ')}` +
          ' (each signed by the key before it)',
      };
    }
    reason = result.reason;
  }
  if (input.trustNew) {
    return {
      kind: 'trusted-new',
      known: pin(known, identity, [fingerprint]),
      notice: `warning: trusting the new certificate ${fingerprint} of ${identity} because of --trust-new-cert`,
    };
  }
  return {
    kind: 'refused',
    error: new CliError(
      'CERT',
      `the certificate of ${identity} changed from ${pinned.at(-1) ?? ''} to ${fingerprint}, which no pinned ` +
        `certificate vouches for: ${reason}`,
      {
        hints: [
          `pinned: ${pinned.map(shortFingerprint).join(', ')}`,
          'if the controller really has a new key (restored, replaced), check it out of band and run again with --trust-new-cert',
        ],
      },
    ),
  };
}

/**
 * The controller's chain through the service proxy, checked; undefined with a reason when the controller has
 * none (the Go controller) or it is unusable, which decideTrust then names.
 */
export async function fetchCertChain(
  controller: ControllerClient,
): Promise<{ chain: VerifiedChainEntry[] } | { problem: string }> {
  let response;
  try {
    response = await controller.get('/v1/cert-chain', MAX_CERT_CHAIN_BYTES);
  } catch (error) {
    return { problem: `cannot fetch the certificate chain: ${(error as Error).message}` };
  }
  if (response.status === 404) return { problem: 'the controller does not serve /v1/cert-chain' };
  if (response.status !== 200)
    return { problem: `cannot fetch the certificate chain (HTTP ${response.status})` };
  try {
    return { chain: parseCertChain(response.body, { maxBytes: MAX_CERT_CHAIN_BYTES }) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/**
 * The chain for `--cert https://…/v1/cert.pem`: GET `…/v1/cert-chain` the same way the certificate was fetched
 * (node:http(s), proxy variables, --request-timeout, 1 MiB), checked; a reason instead when there is none.
 */
export async function fetchCertChainFromUrl(
  certUrl: string,
  options: CertFetchOptions,
): Promise<{ chain: VerifiedChainEntry[] } | { problem: string }> {
  const url = certChainUrl(certUrl);
  if (url === undefined) {
    return { problem: `${certUrl} does not end in /v1/cert.pem, so there is no /v1/cert-chain to ask` };
  }
  try {
    const body = await fetchCert(url, new URL(url), options);
    return { chain: parseCertChain(body, { maxBytes: MAX_CERT_CHAIN_BYTES }) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}
