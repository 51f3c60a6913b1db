// The cause lines of the built kubeseal (issue 14 item 4), against our controller behind the service proxy and
// with its backed-up key: each of the three situations ("sealed for prod/db, found at staging/db"; "sealed with key
// X which the controller does not have (it has …)"; "sealed namespace-wide but the annotation says strict"), sealed
// with the seal hints and without them (then kubeseal tries the other scopes' labels: /v1/verify for --validate,
// the keys for --recovery-unseal), in `--validate` and `--recovery-unseal`. Also `validate --offline` with no
// kubeconfig at all. The controller side (status, events) is e2e/specs/controller/key-inventory.e2e.test.ts.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSelfSignedCertificate,
  parseCertificatePem,
  publicKeyFingerprint,
  type SealedSecret,
} from '@ssts/core';
import {
  backupList,
  expectOk,
  keySecrets,
  kubeseal,
  secretYaml,
  useOurController,
  writeKubeconfigFile,
  type ProxiedController,
} from './support.js';

const VALUE = 'hunter2-cause-lines';
const NAMESPACE_WIDE = 'sealedsecrets.bitnami.com/namespace-wide';
const short = (fp: string) => `SHA256:${fp.slice(7, 15)}…`;

let ns: string;
let controller: ProxiedController;
let dir: string;
let kubeconfig: string;
let certFile: string;
let strangerCert: string;
let backup: string;
let own: string;
let stranger: string;

const fixture = useOurController('kubeseal-causes-', { args: ['--key-renew-period', '0'] });

beforeAll(async () => {
  ({ ns, controller, dir } = fixture);
  kubeconfig = writeKubeconfigFile(dir, 'kubeconfig');
  const pem = await controller.certPem();
  own = publicKeyFingerprint(parseCertificatePem(pem).publicKey);
  certFile = join(dir, 'cert.pem');
  writeFileSync(certFile, pem);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  stranger = publicKeyFingerprint(publicKey);
  strangerCert = join(dir, 'stranger.pem');
  writeFileSync(
    strangerCert,
    createSelfSignedCertificate({
      privateKey,
      publicKey,
      commonName: 'another-cluster',
      notBefore: new Date(Date.now() - 86_400_000),
      validityMs: 86_400_000 * 365,
      serial: new Uint8Array(16).fill(9),
    }),
  );
  backup = join(dir, 'backup.json');
  writeFileSync(backup, backupList(await keySecrets(ns)));
}, 120_000);

/** Seals prod/db with `cert` (hints unless `plain`), optionally namespace-wide, with the built kubeseal. */
async function seal(options: { cert?: string; plain?: boolean; scope?: string }): Promise<SealedSecret> {
  const args = ['seal', '--cert', options.cert ?? certFile, '-o', 'json'];
  if (options.plain === true) args.push('--no-seal-hints');
  if (options.scope !== undefined) args.push('--scope', options.scope);
  const out = expectOk(await kubeseal(args, { input: secretYaml('db', 'prod', { pw: VALUE }) }), 'seal');
  return JSON.parse(out) as SealedSecret;
}

const movedToStaging = (ss: SealedSecret): SealedSecret => ({
  ...ss,
  metadata: { ...ss.metadata, namespace: 'staging' },
});
const annotationRemoved = (ss: SealedSecret): SealedSecret => ({
  ...ss,
  metadata: {
    ...ss.metadata,
    annotations: Object.fromEntries(
      Object.entries(ss.metadata.annotations ?? {}).filter(([k]) => k !== NAMESPACE_WIDE),
    ),
  },
});

interface Situation {
  readonly name: string;
  readonly make: () => Promise<SealedSecret>;
  /** The cause line of --validate, of --recovery-unseal; undefined: nothing can be said. */
  readonly validate: string | undefined;
  readonly recovery: string | undefined;
}

const SITUATIONS: Situation[] = [
  {
    name: 'moved, with hints',
    make: async () => movedToStaging(await seal({})),
    validate: 'sealed for prod/db, found at staging/db',
    recovery: 'sealed for prod/db, found at staging/db',
  },
  {
    // Without hints no other scope's label opens it, and the old place cannot be guessed: no cause line.
    name: 'moved, without hints',
    make: async () => movedToStaging(await seal({ plain: true })),
    validate: undefined,
    recovery: undefined,
  },
  {
    name: 'unknown key, with hints',
    make: () => seal({ cert: strangerCert }),
    // Getters: the fingerprints are known once beforeAll has run.
    get validate() {
      return `sealed with key ${short(stranger)} which the controller does not have (it has ${short(own)})`;
    },
    get recovery() {
      return `sealed with key ${short(stranger)} which the given keys do not have (it has ${short(own)})`;
    },
  },
  {
    name: 'unknown key, without hints',
    make: () => seal({ cert: strangerCert, plain: true }),
    validate: undefined,
    recovery: undefined,
  },
  {
    name: 'scope annotation removed, with hints',
    make: async () => annotationRemoved(await seal({ scope: 'namespace-wide' })),
    validate: 'sealed namespace-wide but the annotation says strict',
    recovery: 'sealed namespace-wide but the annotation says strict',
  },
  {
    // The fallback: the namespace-wide label opens it.
    name: 'scope annotation removed, without hints',
    make: async () => annotationRemoved(await seal({ scope: 'namespace-wide', plain: true })),
    validate: 'sealed namespace-wide but the annotation says strict',
    recovery: 'sealed namespace-wide but the annotation says strict',
  },
];

describe('kubeseal cause lines against our controller', () => {
  it.each(SITUATIONS)('$name: --validate and --recovery-unseal', async (situation) => {
    const ss = await situation.make();
    const hinted = ss.metadata.annotations?.['sealed-secrets-ts/sealed-for'] !== undefined;
    expect(hinted).toBe(situation.name.endsWith('with hints'));
    const file = join(dir, `${situation.name.replaceAll(/[^a-z]+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(ss));

    const validated = await kubeseal([
      '--validate',
      '-f',
      file,
      '--kubeconfig',
      kubeconfig,
      '--controller-namespace',
      ns,
    ]);
    expect(validated.code).toBe(1);
    expect(validated.stdout).toBe('');
    expect(validated.stderr).toBe(
      `error: unable to decrypt sealed secret: db\n${situation.validate === undefined ? '' : `cause: ${situation.validate}\n`}`,
    );

    const recovered = await kubeseal(['--recovery-unseal', '--recovery-private-key', backup, '-f', file]);
    expect(recovered.code).toBe(1);
    expect(recovered.stdout).toBe('');
    const lines = recovered.stderr.split('\n');
    expect(lines[0]).toBe('error: no key could decrypt secret (pw)');
    expect(lines[1]).toMatch(/^hint: no key could decrypt any item; tried 1 key with scope strict /);
    expect(lines.filter((l) => l.startsWith('cause: '))).toEqual(
      situation.recovery === undefined ? [] : [`cause: ${situation.recovery}`],
    );
    expect(`${validated.stderr}${recovered.stderr}`).not.toContain(VALUE);
  });

  it('the same object put back where it was sealed passes both', async () => {
    const file = join(dir, 'good.json');
    writeFileSync(file, JSON.stringify(await seal({})));
    expect(
      await kubeseal(['--validate', '-f', file, '--kubeconfig', kubeconfig, '--controller-namespace', ns]),
    ).toEqual({ code: 0, stdout: '', stderr: '' });
    const recovered = await kubeseal(['--recovery-unseal', '--recovery-private-key', backup, '-f', file]);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toContain(Buffer.from(VALUE).toString('base64'));
  });
});

describe('kubeseal validate --offline, with no kubeconfig and no home', () => {
  it('passes the good file and names the reason of each bad one', async () => {
    const noCluster = { KUBECONFIG: join(dir, 'nowhere', 'config'), HOME: '' };
    const good = join(dir, 'offline-good.json');
    writeFileSync(good, JSON.stringify(await seal({})));
    expect(
      await kubeseal(['validate', '--offline', '--cert-set', certFile, '-f', good], { env: noCluster }),
    ).toEqual({ code: 0, stdout: '', stderr: '' });

    const bad = join(dir, 'offline-bad.json');
    const docs = [
      movedToStaging(await seal({})),
      await seal({ cert: strangerCert }),
      annotationRemoved(await seal({ scope: 'namespace-wide' })),
      await seal({ plain: true }),
    ];
    writeFileSync(bad, docs.map((d) => JSON.stringify(d)).join('\n'));
    const res = await kubeseal(['validate', '--offline', '--cert-set', certFile, '-f', bad], {
      env: noCluster,
    });
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n')).toEqual([
      'error: 4 of 4 SealedSecrets failed the offline validation against 1 pinned certificate',
      'document 1 (staging/db): sealed for prod/db, found at staging/db (SEALED_ELSEWHERE)',
      `document 2 (prod/db): sealed with key ${short(stranger)} which the certificate set does not have (it has ${short(own)}) (UNKNOWN_KEY)`,
      'document 3 (prod/db): sealed namespace-wide but the annotation says strict (SCOPE_MISMATCH)',
      'document 4 (prod/db): it has no seal hints (sealed-secrets-ts/sealed-with, sealed-secrets-ts/sealed-for): ' +
        'sealed with --no-seal-hints or by another kubeseal, so its key and target cannot be checked offline (NO_HINTS)',
      '',
    ]);
  });
});
