import { runCommand } from './exec.js';

/** One `openssl speed rsa<bits>` result; "private" is RSA sign/s (a private-key operation, like OAEP decrypt). */
export interface OpensslRsaSpeed {
  readonly bits: number;
  readonly privateOpsPerSec: number;
  readonly publicOpsPerSec: number;
  /** OpenSSL >= 3.2 also measures RSA encrypt/decrypt; absent on 3.0/3.1. */
  readonly decryptOpsPerSec?: number;
  readonly encryptOpsPerSec?: number;
  /** Number of processes (`-multi`), 1 without it. */
  readonly processes: number;
}

export class OpensslSpeedError extends Error {
  readonly code = 'OPENSSL_SPEED_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OpensslSpeedError';
  }
}

/**
 * Parses `openssl speed -mr` output. The `+F2:<index>:<bits>:<sign/s>:<verify/s>[:<encr/s>:<decr/s>]` line not
 * prefixed by `Got:` is the total (with `-multi`, the children's own lines are echoed as `Got: +F2:...`).
 */
export function parseOpensslSpeedRsa(output: string, bits: number, processes = 1): OpensslRsaSpeed {
  let last: number[] | undefined;
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith('+F2:')) continue;
    const fields = line.slice('+F2:'.length).split(':');
    if (Number(fields[1]) !== bits) continue;
    const values = fields.slice(2).map(Number);
    if (values.length < 2 || values.some((v) => !Number.isFinite(v))) continue;
    last = values;
  }
  if (last === undefined) {
    throw new OpensslSpeedError(
      `no "+F2:…:${bits}:…" line in openssl speed output; is this openssl speed -mr output?`,
    );
  }
  const [sign, verify, encrypt, decrypt] = last as [number, number, number?, number?];
  return {
    bits,
    privateOpsPerSec: sign,
    publicOpsPerSec: verify,
    ...(encrypt === undefined ? {} : { encryptOpsPerSec: encrypt }),
    ...(decrypt === undefined ? {} : { decryptOpsPerSec: decrypt }),
    processes,
  };
}

export interface OpensslSpeedOptions {
  bits: number;
  seconds: number;
  /** `-multi <processes>` when > 1. */
  processes?: number;
  openssl?: string;
}

/** Runs `openssl speed -mr -seconds S [-multi P] rsa<bits>` (it measures sign and verify, S seconds each). */
export async function runOpensslSpeedRsa(options: OpensslSpeedOptions): Promise<OpensslRsaSpeed> {
  const processes = options.processes ?? 1;
  const args = ['speed', '-mr', '-seconds', String(options.seconds)];
  if (processes > 1) args.push('-multi', String(processes));
  args.push(`rsa${options.bits}`);
  const command = options.openssl ?? 'openssl';
  // Sign, verify (and on >= 3.2 encrypt, decrypt) each take `seconds`; allow generous slack on a loaded machine.
  const result = await runCommand(command, args, { timeoutMs: options.seconds * 4 * 1000 + 60_000 });
  if (result.code !== 0) {
    throw new OpensslSpeedError(
      `${command} ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim().slice(0, 200)}`,
    );
  }
  return parseOpensslSpeedRsa(result.stdout, options.bits, processes);
}

export async function opensslVersion(openssl = 'openssl'): Promise<string> {
  const result = await runCommand(openssl, ['version'], { timeoutMs: 10_000 });
  return result.code === 0 ? result.stdout.trim() : 'unavailable';
}
