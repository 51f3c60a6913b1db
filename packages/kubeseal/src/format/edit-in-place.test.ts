import { describe, expect, it } from 'vitest';
import { setEncryptedItem, setTopLevelAnnotations, unsetEncryptedItem } from './edit-in-place.js';

const YAML_FILE = `# secrets of the shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: db
data:
  b: "2"
---
# the database
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db   # same name, other kind
  namespace: shop
spec:
  encryptedData:
    # rotated 2026-01
    password: AgOLD1
    user: AgOLD2 # the login
  template:
    metadata:
      name: db
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: other, namespace: shop}
spec:
  encryptedData: {}
`;

const file = 'sealed.yaml';

/** The lines the edit changed: [removed, added]. */
function changed(before: string, after: string): [string[], string[]] {
  const a = before.split('\n');
  const b = after.split('\n');
  return [a.filter((l) => !b.includes(l)), b.filter((l) => !a.includes(l))];
}

describe('setEncryptedItem (YAML)', () => {
  it('replaces one ciphertext and nothing else', () => {
    const out = setEncryptedItem(YAML_FILE, { file, name: 'db', key: 'password', ciphertext: 'AgNEW' });
    expect(out).toBe(YAML_FILE.replace('password: AgOLD1', 'password: AgNEW'));
  });

  it('keeps a trailing comment and the quoting of the replaced value', () => {
    const text = YAML_FILE.replace('user: AgOLD2', 'user: "AgOLD2"');
    const out = setEncryptedItem(text, { file, name: 'db', key: 'user', ciphertext: 'AgNEW' });
    expect(out).toBe(text.replace('user: "AgOLD2" # the login', 'user: "AgNEW" # the login'));
  });

  it('adds a key in sorted position, before the comment of the next item', () => {
    const out = setEncryptedItem(YAML_FILE, { file, name: 'db', key: 'host', ciphertext: 'AgHOST' });
    expect(out).toBe(
      YAML_FILE.replace('    # rotated 2026-01\n', '    host: AgHOST\n    # rotated 2026-01\n'),
    );
  });

  it('adds a key after the last one (its comment stays on its line)', () => {
    const out = setEncryptedItem(YAML_FILE, { file, name: 'db', key: 'zone', ciphertext: 'AgZ' });
    expect(out).toBe(
      YAML_FILE.replace('user: AgOLD2 # the login\n', 'user: AgOLD2 # the login\n    zone: AgZ\n'),
    );
  });

  it('quotes a key that would not read back as a string', () => {
    const out = setEncryptedItem(YAML_FILE, { file, name: 'db', key: 'yes', ciphertext: 'AgY' });
    expect(changed(YAML_FILE, out)).toEqual([[], ['    "yes": AgY']]);
  });

  it('fills an empty flow mapping', () => {
    const out = setEncryptedItem(YAML_FILE, { file, name: 'other', key: 'a', ciphertext: 'AgA' });
    expect(out).toBe(YAML_FILE.replace('  encryptedData: {}\n', '  encryptedData:\n    a: AgA\n'));
  });

  it('refuses a missing or ambiguous SealedSecret', () => {
    expect(() => setEncryptedItem(YAML_FILE, { file, name: 'nope', key: 'a', ciphertext: 'x' })).toThrow(
      'sealed.yaml: no SealedSecret named nope',
    );
    const twice = `${YAML_FILE}---\n${YAML_FILE.split('---\n')[2] ?? ''}`;
    expect(() => setEncryptedItem(twice, { file, name: 'db', key: 'a', ciphertext: 'x' })).toThrow(
      'more than one SealedSecret named db',
    );
    expect(
      setEncryptedItem(twice.replace('namespace: shop\nspec', 'namespace: dev\nspec'), {
        file,
        name: 'db',
        namespace: 'dev',
        key: 'password',
        ciphertext: 'AgDEV',
      }).match(/AgDEV/g),
    ).toHaveLength(1);
  });
});

describe('unsetEncryptedItem (YAML)', () => {
  it('removes one item with its own comment', () => {
    const out = unsetEncryptedItem(YAML_FILE, { file, name: 'db', key: 'password' });
    expect(out).toBe(YAML_FILE.replace('    # rotated 2026-01\n    password: AgOLD1\n', ''));
  });

  it('leaves {} after the last item', () => {
    const once = unsetEncryptedItem(YAML_FILE, { file, name: 'db', key: 'password' });
    const twice = unsetEncryptedItem(once, { file, name: 'db', key: 'user' });
    expect(twice).toBe(YAML_FILE.replace(/ {2}encryptedData:\n[^]*?# the login\n/, '  encryptedData: {}\n'));
  });

  it('refuses an item that is not there', () => {
    expect(() => unsetEncryptedItem(YAML_FILE, { file, name: 'db', key: 'nope' })).toThrow(
      'sealed.yaml: SealedSecret db has no item nope',
    );
  });
});

const JSON_FILE = `{
  "kind": "SealedSecret",
  "apiVersion": "bitnami.com/v1alpha1",
  "metadata": {
    "name": "db",
    "namespace": "shop",
    "creationTimestamp": null
  },
  "spec": {
    "template": {
      "metadata": {
        "name": "db",
        "namespace": "shop",
        "creationTimestamp": null
      }
    },
    "encryptedData": {
      "b": "AgB",
      "d": "AgD"
    }
  }
}
`;

describe('JSON files', () => {
  it('replaces, adds in order and removes items as kubeseal writes them', () => {
    expect(setEncryptedItem(JSON_FILE, { file, name: 'db', key: 'd', ciphertext: 'AgNEW' })).toBe(
      JSON_FILE.replace('"d": "AgD"', '"d": "AgNEW"'),
    );
    expect(setEncryptedItem(JSON_FILE, { file, name: 'db', key: 'c', ciphertext: 'AgC' })).toBe(
      JSON_FILE.replace('"d": "AgD"', '"c": "AgC",\n      "d": "AgD"'),
    );
    expect(setEncryptedItem(JSON_FILE, { file, name: 'db', key: 'e', ciphertext: 'AgE' })).toBe(
      JSON_FILE.replace('"d": "AgD"', '"d": "AgD",\n      "e": "AgE"'),
    );
    expect(setEncryptedItem(JSON_FILE, { file, name: 'db', key: 'a', ciphertext: 'AgA' })).toBe(
      JSON_FILE.replace('"b": "AgB"', '"a": "AgA",\n      "b": "AgB"'),
    );
    expect(unsetEncryptedItem(JSON_FILE, { file, name: 'db', key: 'b' })).toBe(
      JSON_FILE.replace('"b": "AgB",\n      ', ''),
    );
    expect(unsetEncryptedItem(JSON_FILE, { file, name: 'db', key: 'd' })).toBe(
      JSON_FILE.replace(',\n      "d": "AgD"', ''),
    );
    const one = unsetEncryptedItem(JSON_FILE, { file, name: 'db', key: 'd' });
    expect(unsetEncryptedItem(one, { file, name: 'db', key: 'b' })).toBe(
      JSON_FILE.replace(/\{\n {6}"b": "AgB",\n {6}"d": "AgD"\n {4}\}/, '{}'),
    );
    const empty = JSON_FILE.replace(/\{\n {6}"b": "AgB",\n {6}"d": "AgD"\n {4}\}/, '{}');
    expect(setEncryptedItem(empty, { file, name: 'db', key: 'k', ciphertext: 'AgK' })).toBe(
      empty.replace('"encryptedData": {}', '"encryptedData": {"k": "AgK"}'),
    );
  });
});

describe('setTopLevelAnnotations (the seal hints of kubeseal set)', () => {
  const target = { file: 'f', name: 'db' };
  const hints = {
    'sealed-secrets-ts/sealed-with': 'SHA256:abc',
    'sealed-secrets-ts/sealed-for': 'strict p/db',
  };
  const block =
    'kind: SealedSecret\nmetadata:\n  name: db # the db\n  namespace: p\nspec:\n  encryptedData: {}\n';

  it('adds an annotations mapping in a block file and leaves a second run byte for byte alone', () => {
    const once = setTopLevelAnnotations(block, target, hints);
    expect(once).toBe(
      block.replace(
        'metadata:\n',
        'metadata:\n  annotations:\n    sealed-secrets-ts/sealed-for: strict p/db\n' +
          '    sealed-secrets-ts/sealed-with: SHA256:abc\n',
      ),
    );
    expect(setTopLevelAnnotations(once, target, hints)).toBe(once);
  });

  it('fills an empty annotations key, and writes compact JSON as compact JSON', () => {
    const empty = block.replace('metadata:\n', 'metadata:\n  annotations:\n');
    expect(setTopLevelAnnotations(empty, target, hints)).toBe(
      block.replace(
        'metadata:\n',
        'metadata:\n  annotations:\n    sealed-secrets-ts/sealed-for: strict p/db\n' +
          '    sealed-secrets-ts/sealed-with: SHA256:abc\n',
      ),
    );
    const json = '{"kind":"SealedSecret","metadata":{"name":"db"},"spec":{"encryptedData":{}}}';
    const out = setTopLevelAnnotations(json, target, hints);
    expect(JSON.parse(out)).toEqual({
      kind: 'SealedSecret',
      metadata: {
        name: 'db',
        annotations: {
          'sealed-secrets-ts/sealed-for': 'strict p/db',
          'sealed-secrets-ts/sealed-with': 'SHA256:abc',
        },
      },
      spec: { encryptedData: {} },
    });
    expect(out).not.toContain('\n');
  });

  it('refuses annotations that are not a mapping, naming the file', () => {
    const odd = block.replace('metadata:\n', 'metadata:\n  annotations: oops\n');
    expect(() => setTopLevelAnnotations(odd, target, hints)).toThrow(
      'f: metadata.annotations of db is not a mapping',
    );
  });
});
