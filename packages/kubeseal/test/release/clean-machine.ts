import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encryptionLabelText,
  keyEntryFromSecret,
  keysDecryptor,
  parseDocuments,
  parseSealedSecret,
  secretsFromDocument,
  unsealSealedSecret,
  type Secret,
} from '@ssts/core';
import { readJsonFixture, VECTOR_4096_DIR } from '@ssts/test-utils';
import { expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';

/** A Secret as a user would seal it; its values come back from unsealing. */
const SECRET_YAML = `apiVersion: v1
kind: Secret
metadata:
  name: release-check
  namespace: release
type: Opaque
stringData:
  username: admin
  password: correct horse battery staple
`;

const EXEC_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users:
- name: u
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: never-run, interactiveMode: Never}
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
`;

export interface CommandOutput {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A stand-in for a machine without the repository: an empty HOME, a working directory and a PATH of its own
 * (outside the repository), and copies of the controller's certificate, a key backup and a SealedSecret.
 * `dispose()` removes it.
 */
export class CleanMachine {
  readonly root = mkdtempSync(join(tmpdir(), 'kubeseal-release-'));
  readonly home = join(this.root, 'home');
  readonly cwd = join(this.root, 'work');
  readonly cert = join(this.cwd, 'tls.crt');
  /** A kubeconfig whose user authenticates with an exec plugin: the case that always needs client-node. */
  readonly execKubeconfig = join(this.cwd, 'exec-kubeconfig.yaml');

  constructor() {
    mkdirSync(this.home);
    mkdirSync(this.cwd);
    for (const file of ['tls.crt', 'key-backup.json', 'sealed-strict.json'])
      copyFileSync(join(VECTOR_4096_DIR, file), join(this.cwd, file));
    writeFileSync(this.execKubeconfig, EXEC_KUBECONFIG);
  }

  path(...segments: string[]): string {
    return join(this.root, ...segments);
  }

  /** Runs `command` with only PATH and HOME set, from the machine's working directory. */
  run(command: string, args: readonly string[], path: string, input = ''): CommandOutput {
    const result = spawnSync(command, [...args], {
      cwd: this.cwd,
      env: { PATH: path, HOME: this.home },
      input,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.error !== undefined) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function backupKeys() {
  return secretsFromDocument(readJsonFixture('vectors', 'sealedsecret-4096', 'key-backup.json')).map((s) =>
    keyEntryFromSecret(s),
  );
}

/** Unseals kubeseal's output with the controller's core and the fixture key backup. */
async function unsealWithKeyBackup(sealedYaml: string): Promise<Secret> {
  const [document, ...rest] = await parseDocuments(sealedYaml);
  if (document === undefined || rest.length > 0) throw new Error('expected one SealedSecret document');
  const keys = backupKeys();
  const sealed = parseSealedSecret(document.value, { requireTypeMeta: true });
  return unsealSealedSecret(sealed, { decrypt: keysDecryptor(keys), keyCount: keys.length });
}

/** The data that unsealing SECRET_YAML's seal must give back. */
const EXPECTED_DATA = {
  password: Buffer.from('correct horse battery staple').toString('base64'),
  username: Buffer.from('admin').toString('base64'),
};

/**
 * The checks every delivery must pass on a clean machine, as `it` blocks: `--version`, an offline seal that the
 * controller's core unseals, `--raw`, and `--recovery-unseal` of a fixture. `kubeseal()` runs the installed command.
 */
export function offlineChecks(kubeseal: (args: readonly string[], input?: string) => CommandOutput): void {
  it('prints its version', () => {
    expect(kubeseal(['--version'])).toStrictEqual({
      status: 0,
      stdout: `kubeseal version: ${VERSION}\n`,
      stderr: '',
    });
  });

  it('seals offline into a SealedSecret that the controller core unseals', async () => {
    const r = kubeseal(['--cert', 'tls.crt', '-o', 'yaml'], SECRET_YAML);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const secret = await unsealWithKeyBackup(r.stdout);
    expect(secret.metadata.name).toBe('release-check');
    expect(secret.data).toStrictEqual(EXPECTED_DATA);
  });

  it('seals one value with --raw for its namespace and name', async () => {
    const r = kubeseal(['--raw', '--cert', 'tls.crt', '-n', 'release', '--name', 'release-check'], 'value');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const label = Buffer.from(encryptionLabelText('release', 'release-check', 'strict'));
    const plaintext = await keysDecryptor(backupKeys())(Buffer.from(r.stdout, 'base64'), label);
    expect(Buffer.from(plaintext).toString('utf8')).toBe('value');
    // Every run draws its own session key: nothing random may be frozen into a start-up snapshot.
    const again = kubeseal(
      ['--raw', '--cert', 'tls.crt', '-n', 'release', '--name', 'release-check'],
      'value',
    );
    expect(again.status).toBe(0);
    expect(again.stdout.slice(0, 100)).not.toBe(r.stdout.slice(0, 100));
  });

  it('validates offline against a certificate set (issue 14), with no kubeconfig', () => {
    const sealed = kubeseal(['seal', '--cert', 'tls.crt', '-o', 'yaml'], SECRET_YAML);
    expect(sealed.status, sealed.stderr).toBe(0);
    expect(kubeseal(['validate', '--offline', '--cert-set', 'tls.crt'], sealed.stdout)).toStrictEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
    const moved = kubeseal(
      ['validate', '--offline', '--cert-set', 'tls.crt'],
      sealed.stdout.replaceAll('namespace: release', 'namespace: elsewhere'),
    );
    expect(moved.status).toBe(1);
    expect(moved.stderr).toContain('sealed for release/release-check, found at elsewhere/release-check');
  });

  it('recovers a Secret offline with a key backup', () => {
    const r = kubeseal([
      '--recovery-unseal',
      '--recovery-private-key',
      'key-backup.json',
      '-f',
      'sealed-strict.json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const secret = JSON.parse(r.stdout) as Secret;
    expect(secret.data).toStrictEqual(readJsonFixture('vectors', 'sealedsecret-4096', 'expected-data.json'));
  });

  it('renders spec.template.data when recovering (the template engine and its RE2 regular expressions)', () => {
    const sealed = readJsonFixture<{ spec: Record<string, unknown> }>(
      'vectors',
      'sealedsecret-4096',
      'sealed-strict.json',
    );
    const templated = {
      ...sealed,
      spec: {
        ...sealed.spec,
        template: {
          data: { greeting: '{{ .username | upper }}:{{ regexReplaceAll "[aeiou]" "abcde" "X" }}' },
        },
      },
    };
    const r = kubeseal(
      ['--recovery-unseal', '--recovery-private-key', 'key-backup.json'],
      JSON.stringify(templated),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const secret = JSON.parse(r.stdout) as Secret;
    expect(secret.data?.greeting).toBe(Buffer.from('ADMIN:XbcdX').toString('base64'));
  });
}
