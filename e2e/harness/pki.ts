import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlPlaneError } from './errors.js';

/** A static bearer token accepted by kube-apiserver via --token-auth-file. */
export interface StaticUser {
  /** e.g. "admin" or "system:serviceaccount:<ns>:<name>" (RBAC matches SA subjects by this user name). */
  user: string;
  groups?: readonly string[];
}

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  tokenFile: string;
  /** user name -> bearer token, including "admin". */
  tokens: Record<string, string>;
}

export const ADMIN_USER = 'admin';

function openssl(cwd: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new ControlPlaneError(
      'PkiFailed',
      `openssl ${args.join(' ')} failed (is the openssl CLI installed?)`,
      {
        cause: error,
      },
    );
  }
}

function csvField(value: string): string {
  return /[",\s]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** ECDSA P-256 CA, a serving cert for 127.0.0.1/localhost, a service-account key pair and static tokens. */
export function generatePki(dir: string, users: readonly StaticUser[] = []): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=ssts-e2e-ca',
    '-days',
    '7',
    '-out',
    'ca.crt',
  ]);
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'apiserver.key']);
  openssl(dir, ['req', '-new', '-key', 'apiserver.key', '-subj', '/CN=localhost', '-out', 'apiserver.csr']);
  writeFileSync(
    join(dir, 'serving.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
      'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'apiserver.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '7',
    '-extfile',
    'serving.ext',
    '-out',
    'apiserver.crt',
  ]);
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key']);
  openssl(dir, ['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);

  const all: StaticUser[] = [{ user: ADMIN_USER, groups: ['system:masters'] }, ...users];
  const tokens: Record<string, string> = {};
  const lines: string[] = [];
  all.forEach((u, index) => {
    if (tokens[u.user] !== undefined) return;
    const token = randomBytes(24).toString('hex');
    tokens[u.user] = token;
    const groups = (u.groups ?? []).join(',');
    lines.push([token, csvField(u.user), `uid-${index}`, ...(groups ? [`"${groups}"`] : [])].join(','));
  });
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${lines.join('\n')}\n`, { mode: 0o600 });

  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
    tokenFile,
    tokens,
  };
}
