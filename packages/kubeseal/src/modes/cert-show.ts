import { X509Certificate } from 'node:crypto';
import { parseCertificatePem } from '@ssts/core';
import type { RunContext } from '../context.js';

const DAY_MS = 86_400_000;

/** Node gives no subject/issuer text for an empty DN (the controller's default, like upstream's `--my-cn`). */
const dn = (text: string | undefined): string =>
  text === undefined || text === '' ? '(empty)' : text.replaceAll('\n', ', ');

/** `kubeseal cert show`: what the certificate is and until when it is valid (an expired one is shown, not refused). */
export async function runCertShow(ctx: RunContext): Promise<void> {
  const cert = parseCertificatePem((await ctx.certificateBytes()).toString('utf8'));
  const x509 = new X509Certificate(cert.pem);
  const now = ctx.io.now().getTime();
  const left = cert.notAfter.getTime() - now;
  const validity =
    left < 0
      ? `EXPIRED ${Math.floor(-left / DAY_MS)} days ago`
      : now < cert.notBefore.getTime()
        ? 'not valid yet'
        : `expires in ${Math.floor(left / DAY_MS)} days`;
  const rows: [string, string][] = [
    ['Subject', dn(x509.subject)],
    ['Issuer', dn(x509.issuer)],
    ['Serial', x509.serialNumber],
    ['Not before', cert.notBefore.toISOString()],
    ['Not after', `${cert.notAfter.toISOString()} (${validity})`],
    ['Public key', `RSA ${cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 0} bits`],
    ['SHA-256', x509.fingerprint256],
  ];
  ctx.output.write(rows.map(([k, v]) => `${`${k}:`.padEnd(12)}${v}\n`).join(''));
}
