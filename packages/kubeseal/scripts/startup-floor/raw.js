// `--raw` reduced to its work: `--cert <file> --namespace <ns> --name <name>`, the value on stdin, base64 of
// kubeseal's hybrid encryption (RSA-OAEP-SHA256 of an AES-256-GCM session key, @ssts/core) with the strict label.
import { Buffer } from 'node:buffer';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hybridEncrypt } from '../../../core/dist/crypto/hybrid.js';
import { flag, start, WARM_UP_CERT } from './start.js';

function raw(args, stdin) {
  const key = createPublicKey(readFileSync(flag(args, 'cert')));
  const label = Buffer.from(`${flag(args, 'namespace')}/${flag(args, 'name')}`);
  return `${hybridEncrypt(key, stdin(), label).toString('base64')}\n`;
}

start(raw, [['--cert', WARM_UP_CERT(), '--namespace', 'w', '--name', 'w'], 'warm-up']);
