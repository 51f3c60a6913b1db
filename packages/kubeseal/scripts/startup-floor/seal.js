// An offline seal reduced to its work: `--cert <file>`, a Secret as YAML on stdin, the SealedSecret as YAML
// (`yaml`, as kubeseal) on stdout, each value through kubeseal's hybrid encryption (@ssts/core) with the strict label.
import { Buffer } from 'node:buffer';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { hybridEncrypt } from '../../../core/dist/crypto/hybrid.js';
import { flag, start, WARM_UP_CERT } from './start.js';

function seal(args, stdin) {
  const key = createPublicKey(readFileSync(flag(args, 'cert')));
  const secret = parse(stdin().toString('utf8'));
  const { name, namespace } = secret.metadata;
  const label = Buffer.from(`${namespace}/${name}`);
  const values = [
    ...Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ...Object.entries(secret.stringData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')]),
  ];
  const encryptedData = Object.fromEntries(
    values.map(([k, v]) => [k, hybridEncrypt(key, v, label).toString('base64')]),
  );
  // Two objects: `yaml` would write one object met twice as an anchor and an alias.
  const metadata = () => ({ creationTimestamp: null, name, namespace });
  return stringify({
    kind: 'SealedSecret',
    apiVersion: 'bitnami.com/v1alpha1',
    metadata: metadata(),
    spec: { template: { metadata: metadata(), type: secret.type }, encryptedData },
  });
}

const WARM_UP_SECRET =
  'apiVersion: v1\nkind: Secret\nmetadata: {name: w, namespace: w}\nstringData: {a: b}\n';
start(seal, [['--cert', WARM_UP_CERT()], WARM_UP_SECRET]);
