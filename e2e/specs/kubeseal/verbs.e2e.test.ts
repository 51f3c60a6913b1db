import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { decode, getSecret, waitForSynced, type SealedSecret } from '../controller/support.js';
import {
  applySealedSecret,
  expectOk,
  kubeseal,
  secretYaml,
  useOurController,
  writeKubeconfigFile,
  type ProxiedController,
} from './support.js';

// Issue 15: the verbs against our controller behind the service proxy, and what they write unsealed by it.

let ns: string;
let controller: ProxiedController;
let dir: string;
let kubeconfig: string;

const fixture = useOurController('kubeseal-verbs-', { args: ['--key-renew-period', '0'] });

beforeAll(async () => {
  ({ ns, controller, dir } = fixture);
  kubeconfig = writeKubeconfigFile(dir, 'kubeconfig', { namespace: ns });
});

/** A verb first, then the cluster flags. */
const verb = (words: readonly string[], args: readonly string[], input?: string) =>
  kubeseal([...words, ...args, '--kubeconfig', kubeconfig, '--controller-namespace', ns], {
    ...(input === undefined ? {} : { input }),
  });

describe('kubeseal verbs online', () => {
  it('cert fetch prints the certificate, cert show describes it', async () => {
    expect(expectOk(await verb(['cert', 'fetch'], []), 'cert fetch')).toBe(await controller.certPem());
    const shown = expectOk(await verb(['cert', 'show'], []), 'cert show');
    // The controller's default --my-cn is empty, and so are its certificate's DNs.
    expect(shown).toMatch(/^Subject: {4}\(empty\)\nIssuer: {5}\(empty\)\n/);
    expect(shown).toMatch(/\nPublic key: RSA \d{4} bits\nSHA-256: {4}([0-9A-F]{2}:){31}[0-9A-F]{2}\n$/);
  });

  it('seal, set, unset and validate edit one file; the controller unseals exactly the items it holds', async () => {
    const file = join(dir, 'sealed.yaml');
    const sealed = expectOk(
      await verb(['seal'], ['-o', 'yaml'], secretYaml('app', undefined, { user: 'admin', old: 'gone' })),
      'seal',
    );
    writeFileSync(file, `# app credentials\n${sealed}`);
    expectOk(await verb(['set'], ['app', 'password', '-f', file, '--from-literal', 's3cr3t']), 'set');
    expectOk(await verb(['set'], ['app', 'user', '-f', file], 'root'), 'set from stdin');
    // unset needs no cluster: it takes only -f and -n.
    expectOk(await kubeseal(['unset', 'app', 'old', '-f', file]), 'unset');
    expect(expectOk(await verb(['validate'], ['-f', file]), 'validate')).toBe('');

    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# app credentials\n---\n')).toBe(true);
    const [doc] = parseAllDocuments(text);
    const ss = doc?.toJS() as SealedSecret;
    // seal and set wrote the seal hints (issue 14); they stay on the SealedSecret, never on the Secret.
    expect(ss.metadata.annotations?.['sealed-secrets-ts/sealed-for']).toBe(`strict ${ns}/app`);
    expect(ss.metadata.annotations?.['sealed-secrets-ts/sealed-with']).toMatch(/^SHA256:/);
    await applySealedSecret(ss);
    const synced = await waitForSynced(ns, 'app', (c) => c.status !== 'Unknown');
    expect(synced.status?.conditions?.[0]?.status, JSON.stringify(synced.status)).toBe('True');
    const secret = await getSecret(ns, 'app');
    expect(decode(secret?.data)).toEqual({ password: 's3cr3t', user: 'root' });
    expect(
      Object.keys(secret?.metadata.annotations ?? {}).filter((k) => k.startsWith('sealed-secrets-ts/')),
    ).toEqual([]);
  });
});
