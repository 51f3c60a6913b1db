import {
  buildCertChain,
  linkAnnotations,
  signCertificateLink,
  type CertChain,
  type CertificateLink,
  type KeyEntry,
  type KeyRing,
} from '@ssts/core';

/** A new key's link to the key it succeeds, and the key Secret annotations that carry it. */
export interface PreviousKeyLink {
  readonly link: CertificateLink;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Key continuity (issue 14, format in core keys/continuity.ts and the README): the sealing key signs the
 * certificate of the key that replaces it. None for the first key. A signing failure (never seen: the key is a
 * loaded RSA key) only loses the link, never the new key.
 */
export function linkFromPrevious(
  previous: KeyEntry | undefined,
  certificatePem: string,
): PreviousKeyLink | { readonly error: unknown } | undefined {
  if (previous === undefined) return undefined;
  try {
    const link = signCertificateLink(previous, certificatePem);
    return { link, annotations: linkAnnotations(link) };
  } catch (error) {
    return { error };
  }
}

/**
 * The keys oldest first by ordering time (compat §4.4), registration order on ties, with the sealing key last
 * (on a tie it is the first registered), as /v1/cert-chain and /v1/keys list them.
 */
export function keysOldestFirst(ring: KeyRing): KeyEntry[] {
  const sealing = ring.latest();
  const ordered = ring
    .all()
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.orderingTime.getTime() - b.entry.orderingTime.getTime() || a.index - b.index)
    .map(({ entry }) => entry)
    .filter((entry) => entry !== sealing);
  return sealing === undefined ? ordered : [...ordered, sealing];
}

/** The body of GET /v1/cert-chain: every loaded key's certificate, oldest first, with its link when it has one. */
export function certChainOf(ring: KeyRing): CertChain {
  return buildCertChain(
    keysOldestFirst(ring).map((entry) => ({
      fingerprint: entry.fingerprint,
      certificatePem: entry.certificate.pem,
      link: entry.link,
    })),
  );
}
