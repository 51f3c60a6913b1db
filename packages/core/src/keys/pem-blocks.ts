/** One PEM block, decoded. Blocks whose body is not valid base64 are skipped, as Go's pem.Decode does. */
export interface PemBlock {
  readonly type: string;
  /** RFC 1421 headers (e.g. `Proc-Type` of an encrypted key) were present. */
  readonly hasHeaders: boolean;
  readonly der: Buffer;
}

const BLOCK = /-----BEGIN ([^\r\n]*?)-----([\s\S]*?)-----END \1-----/g;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, type = '', rawBody = ''] = match;
    const lines = rawBody.split(/\r?\n/);
    const hasHeaders = lines.some((line) => line.includes(':'));
    const body = lines
      .filter((line) => !line.includes(':'))
      .join('')
      .replace(/\s+/g, '');
    if (!BASE64.test(body)) continue;
    blocks.push({ type, hasHeaders, der: Buffer.from(body, 'base64') });
  }
  return blocks;
}
