import { execFileSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScope, publicKeyFingerprint, sealRawValue, type Scope } from '@ssts/core';

/** The repository of SealedSecrets that `kubeseal reencrypt` is tested on (unit and e2e). */
export const REENCRYPT_REPO = fileURLToPath(new URL('../__tests__/fixtures/reencrypt-repo', import.meta.url));

/**
 * The `git diff --unified=1` of the repository re-encrypted from OLD to NEW (their fingerprints), ciphertexts
 * scrubbed (`<ciphertext>`), `index` lines dropped, namespace `shop`: the same online and offline.
 */
export const REENCRYPT_REPO_DIFF = fileURLToPath(
  new URL('../__tests__/fixtures/reencrypt-repo.diff', import.meta.url),
);

/** One sealed item of the materialized repository, with the value it holds. */
export interface SealedItem {
  readonly file: string;
  readonly scope: Scope;
  readonly namespace: string;
  readonly name: string;
  readonly item: string;
  readonly value: string;
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

const SEAL = /^(\s*"?)([^:"\s]+)("?: *"?)\{\{seal (\S+) ([^/\s]+)\/(\S+) (\S+)\}\}/gm;

/**
 * Copies the fixture repository into `dest` (a new Git repository, one commit): `{{NS}}` becomes `namespace`,
 * `{{OLD}}` the fingerprint of `sealWith`, and each `{{seal SCOPE NS/NAME VALUE}}` VALUE sealed with `sealWith`
 * for that target. Returns the sealed items.
 */
export function materializeRepo(dest: string, namespace: string, sealWith: KeyObject): SealedItem[] {
  const items: SealedItem[] = [];
  const fingerprint = publicKeyFingerprint(sealWith);
  for (const file of filesUnder(REENCRYPT_REPO)) {
    let text = readFileSync(join(REENCRYPT_REPO, file), 'utf8');
    if (!file.endsWith('.md')) {
      text = text.replaceAll('{{NS}}', namespace).replaceAll('{{OLD}}', fingerprint);
      text = text.replace(
        SEAL,
        (
          _m,
          indent: string,
          item: string,
          colon: string,
          scopeText: string,
          ns: string,
          name: string,
          value: string,
        ) => {
          const scope = parseScope(scopeText);
          items.push({ file, scope, namespace: ns, name, item, value });
          const sealed = sealRawValue(sealWith, Buffer.from(value, 'utf8'), { namespace: ns, name, scope });
          return `${indent}${item}${colon}${sealed}`;
        },
      );
    }
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    writeFileSync(join(dest, file), text);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dest, encoding: 'utf8' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'sealed with the old key');
  return items;
}
