import { SHELLS, flag, type CommandDef, type FlagTable } from '@ssts/flags';
import { FLAGS, KUBECTL_FLAGS } from './flags.js';

/** Some of the upstream flags, with their definitions (one definition per flag, whatever the verb). */
function pick<const K extends keyof typeof FLAGS>(...names: K[]): Pick<typeof FLAGS, K> {
  return Object.fromEntries(names.map((name) => [name, FLAGS[name]])) as Pick<typeof FLAGS, K>;
}

/** Where the certificate comes from: `--cert`, else the controller found through the kubeconfig. */
const CERT_SOURCE = {
  ...pick('cert', 'controller-namespace', 'controller-name', 'kubeconfig'),
  // Key continuity (issue 14): hidden, so every help text and completion stays as it was; README documents them.
  ...pick('known-certs', 'trust-new-cert'),
  ...KUBECTL_FLAGS,
  help: FLAGS.help,
} satisfies FlagTable;

/** In each verb's `--help`, the flags that only say how to reach the controller come last, under their own heading. */
const CLUSTER_SECTION = [
  {
    title: 'Cluster flags (how to reach the controller)',
    names: ['controller-namespace', 'controller-name', 'kubeconfig', ...Object.keys(KUBECTL_FLAGS)],
  },
];

/** The verbs that seal add the hints unless told not to (the upstream command line only with `--seal-hints`). */
const NO_SEAL_HINTS = {
  'no-seal-hints': flag.bool('Do not add the sealed-with and sealed-for hint annotations'),
} satisfies FlagTable;

/** The key of the update tags (`seal --update`, `edit`): a file outside Git, never a value on the command line. */
const UPDATE_KEY = {
  'update-key-file': flag.string(
    'The key of the update tags, a file kept out of Git (make one with: openssl rand -base64 32)',
    { complete: 'file' },
  ),
} satisfies FlagTable;

export const SEAL_FLAGS = {
  ...pick('secret-file', 'sealed-secret-file', 'format', 'scope', 'allow-empty-data', 'merge-into'),
  update: flag.string(
    'Seal again into this SealedSecret file in place, keeping the ciphertext of unchanged values',
    { complete: 'file', env: false },
  ),
  ...UPDATE_KEY,
  ...NO_SEAL_HINTS,
  ...CERT_SOURCE,
} satisfies FlagTable;

const EDITED_FILE = {
  'secret-file': { ...FLAGS['secret-file'], usage: 'The SealedSecret file to edit in place (YAML or JSON)' },
} satisfies FlagTable;

export const SET_FLAGS = {
  ...EDITED_FILE,
  'from-file': { ...FLAGS['from-file'], usage: 'File holding the value (default: stdin)' },
  'from-literal': flag.string(
    'The value itself (it shows in the shell history: prefer --from-file or stdin)',
    {
      env: false,
    },
  ),
  ...NO_SEAL_HINTS,
  ...CERT_SOURCE,
} satisfies FlagTable;

export const UNSET_FLAGS = {
  ...EDITED_FILE,
  namespace: KUBECTL_FLAGS.namespace,
  help: FLAGS.help,
} satisfies FlagTable;

export const EDIT_FLAGS = {
  ...EDITED_FILE,
  'recovery-private-key': {
    ...FLAGS['recovery-private-key'],
    usage:
      'Private key file(s) that decrypt the SealedSecret: PEM, or key Secrets / v1 Lists in JSON or YAML',
  },
  cert: {
    ...FLAGS.cert,
    usage:
      'Seal the changed values for this certificate (default: the public key of the key that decrypted them)',
  },
  ...UPDATE_KEY,
  ...NO_SEAL_HINTS,
  namespace: KUBECTL_FLAGS.namespace,
  help: FLAGS.help,
} satisfies FlagTable;

export const CERT_FETCH_FLAGS = { ...pick('sealed-secret-file'), ...CERT_SOURCE } satisfies FlagTable;
export const CERT_SHOW_FLAGS = CERT_SOURCE;
export const VALIDATE_FLAGS = {
  ...pick('secret-file'),
  offline: flag.bool('Check without a cluster: structure, seal hints and sealing key against --cert-set'),
  'cert-set': flag.string(
    'With --offline: a PEM file of the pinned certificates, or a directory of *.pem/*.crt',
    {
      complete: 'file',
    },
  ),
  ...pick('controller-namespace', 'controller-name', 'kubeconfig'),
  ...KUBECTL_FLAGS,
  help: FLAGS.help,
} satisfies FlagTable;
export const COMPLETION_FLAGS = { help: FLAGS.help } satisfies FlagTable;
export const CHECK_FLAGS = COMPLETION_FLAGS;

/** The flags that reach the controller, without `--cert` (the key verbs need the cluster itself). */
const CLUSTER_ONLY = {
  ...pick('controller-namespace', 'controller-name', 'kubeconfig'),
  ...KUBECTL_FLAGS,
  help: FLAGS.help,
} satisfies FlagTable;

export const KEYS_FLAGS = {
  output: flag.oneOf(['table', 'json'], 'must be one of: table, json', 'Output format: table or json', {
    short: 'o',
    default: 'table',
  }),
  ...CLUSTER_ONLY,
} satisfies FlagTable;

export const REENCRYPT_FLAGS = {
  'secret-file': {
    ...FLAGS['secret-file'],
    usage: 'A SealedSecret file, or a directory whose *.yaml, *.yml and *.json files are rewritten in place',
  },
  'dry-run': flag.bool(
    'List what would be re-encrypted (file, document, name, old key -> new key); write nothing',
  ),
  all: flag.bool(
    'Online: also send those that seem to use the newest key already (by their status, or their sealed-with hint)',
  ),
  'recovery-private-key': {
    ...FLAGS['recovery-private-key'],
    usage:
      'Offline (with --cert and PATHs): private key file(s) that decrypt the files, PEM or key Secrets / v1 Lists',
  },
  cert: { ...FLAGS.cert, usage: 'Offline (with --recovery-private-key): the certificate to re-encrypt to' },
  ...NO_SEAL_HINTS,
  ...CLUSTER_ONLY,
  namespace: {
    ...KUBECTL_FLAGS.namespace,
    usage:
      'Only the SealedSecrets of this namespace (default: every namespace); also the kubeconfig namespace',
  },
} satisfies FlagTable;

/**
 * kubeseal's verbs (issue 15), beside the upstream flag set: a command line whose first word is one of these runs
 * the verb; any other command line (in particular one starting with a flag) is dispatched exactly as upstream.
 */
export const COMMANDS = {
  name: 'kubeseal',
  summary: 'Seal Kubernetes Secrets so that only the controller in the cluster can decrypt them.',
  description:
    "Every upstream flag keeps working: 'kubeseal --help' lists them. The verbs below do the same work with\n" +
    'one command each, and edit SealedSecret files in place.',
  flags: FLAGS,
  commands: [
    {
      name: 'seal',
      summary: 'Seal Secrets (stdin or -f) into SealedSecrets (stdout or -w)',
      flags: SEAL_FLAGS,
      flagSections: CLUSTER_SECTION,
      examples: [
        'kubectl create secret generic db --from-literal=password=s3cr3t --dry-run=client -o yaml | kubeseal seal -o yaml',
        'kubeseal seal -f secret.yaml -w sealed.yaml --cert cert.pem',
        'kubeseal seal -f new-items.yaml --merge-into sealed.yaml',
        'kubeseal seal --update sealed.yaml -f secret.yaml --update-key-file ~/.config/kubeseal/update.key',
      ],
    },
    {
      name: 'set',
      summary: 'Add or replace one item of a SealedSecret file, leaving every other byte as it was',
      args: [{ name: 'NAME' }, { name: 'KEY' }],
      flags: SET_FLAGS,
      flagSections: CLUSTER_SECTION,
      description:
        'NAME is the SealedSecret (metadata.name) in the file given with -f; the value comes from --from-file,\n' +
        '--from-literal or stdin, and is sealed with the scope, name and namespace of that SealedSecret.',
      examples: [
        'kubeseal set db password -f sealed.yaml --from-file password.txt',
        'printf \'%s\' "$TOKEN" | kubeseal set api token -f sealed.yaml --cert cert.pem',
      ],
    },
    {
      name: 'unset',
      summary: 'Remove one item of a SealedSecret file, leaving every other byte as it was',
      args: [{ name: 'NAME' }, { name: 'KEY' }],
      flags: UNSET_FLAGS,
      examples: ['kubeseal unset db old-password -f sealed.yaml'],
    },
    {
      name: 'edit',
      summary:
        'Decrypt a SealedSecret with the backed-up private key, edit it in $EDITOR, seal the changed values',
      args: [{ name: 'NAME' }],
      flags: EDIT_FLAGS,
      description:
        'For operators who hold the private key backup. The values go to $EDITOR (else $VISUAL, else vi) in a\n' +
        'file of mode 0600 in a private temporary folder, which is overwritten and removed on exit, on error and\n' +
        'on SIGTERM/SIGHUP. Only changed, added or removed items change in the file. Needs a terminal on stdin.',
      examples: [
        'kubeseal edit db -f sealed.yaml --recovery-private-key backup.key',
        'EDITOR=nano kubeseal edit db -f sealed.yaml --recovery-private-key keys.yaml --cert cert.pem',
      ],
    },
    {
      name: 'cert',
      summary: "The controller's certificate",
      commands: [
        {
          name: 'fetch',
          summary: "Print the controller's certificate (or write it with -w)",
          flags: CERT_FETCH_FLAGS,
          flagSections: CLUSTER_SECTION,
          examples: [
            'kubeseal cert fetch -w cert.pem',
            'kubeseal cert fetch --controller-namespace sealed-secrets',
          ],
        },
        {
          name: 'show',
          summary: 'Describe the certificate: subject, validity, key size and SHA-256 fingerprint',
          flags: CERT_SHOW_FLAGS,
          flagSections: CLUSTER_SECTION,
          examples: ['kubeseal cert show', 'kubeseal cert show --cert cert.pem'],
        },
      ],
    },
    {
      name: 'validate',
      summary: 'Ask the controller whether it can decrypt SealedSecrets (stdin or -f)',
      flags: VALIDATE_FLAGS,
      flagSections: CLUSTER_SECTION,
      examples: [
        'kubeseal validate -f sealed.yaml',
        'kubeseal validate --offline --cert-set certs/ -f sealed.yaml',
      ],
    },
    {
      name: 'keys',
      summary: "The controller's keys: which SealedSecrets still need each one, and which can be retired",
      flags: KEYS_FLAGS,
      flagSections: CLUSTER_SECTION,
      description:
        'Asks the controller (GET /v1/keys, through the service proxy) for its key inventory. A key that does not\n' +
        'seal and that no SealedSecret needs any more can be retired (a human act: see the controller README).',
      examples: ['kubeseal keys', 'kubeseal keys -o json --controller-namespace sealed-secrets'],
    },
    {
      name: 'reencrypt',
      summary: "Re-encrypt SealedSecrets (the cluster's, or files in a tree) to the controller's newest key",
      args: [{ name: '[PATH...]', complete: 'file' }],
      flags: REENCRYPT_FLAGS,
      flagSections: CLUSTER_SECTION,
      description:
        'Without PATH or -f: every SealedSecret in the cluster (or in -n NAMESPACE) goes through the controller\n' +
        '(/v1/rotate, one at a time, waiting out its rate limit) and only its values are written back. With paths\n' +
        '(files, or directories searched for *.yaml, *.yml and *.json): the files are rewritten in place. Then it\n' +
        'says which old keys no SealedSecret needs any more. A progress bar is drawn when stderr is a terminal.\n' +
        'Only the ciphertexts and the seal-hint annotations change; a file is replaced atomically, and a file\n' +
        'whose SealedSecrets already use the newest key (by their sealed-with hint) is not written: an\n' +
        'interrupted run can simply be run again.\n' +
        'Offline, with --recovery-private-key and --cert: the files are decrypted in memory with the backed-up\n' +
        "keys and sealed to the certificate (e.g. another cluster's), without any cluster.\n" +
        '--dry-run lists what would change and writes nothing; it exits 0 when every file could be read and\n' +
        'decided (changes or not) and 1 when one could not.',
      examples: [
        'kubeseal reencrypt',
        'kubeseal reencrypt -n prod',
        'kubeseal reencrypt deploy/ && git diff --stat',
        'kubeseal reencrypt -f sealed.yaml',
        'kubeseal reencrypt deploy/ --dry-run',
        'kubeseal reencrypt deploy/ --recovery-private-key old-keys.yaml --cert new-cluster.pem',
      ],
    },
    {
      name: 'check',
      summary: 'Find plain Secrets (and kustomize secretGenerators) before they reach Git',
      args: [{ name: '[PATH...]', complete: 'file' }],
      flags: CHECK_FLAGS,
      description:
        'Reads each file named, and the *.yaml, *.yml and *.json files under each directory named (default: the\n' +
        'current one; .git, .hg, .svn and node_modules are skipped, symbolic links inside a tree are not followed).\n' +
        'Prints FILE:LINE: REASON on stdout for every Secret with data or stringData (YAML or JSON, in a List, in any\n' +
        'document of a file) and every secretGenerator with literals, env files or files. SealedSecrets and Secrets\n' +
        'without values pass. A file that cannot be read as YAML or JSON (too large, too deep, not UTF-8) is named\n' +
        'on stderr. Exit code: 0 when every file was read and none holds a plain Secret, 1 otherwise, 2 on a bad\n' +
        'command line. Values are never printed, only the names of their items.',
      examples: ['kubeseal check', 'kubeseal check deploy/ apps/shop/secret.json'],
    },
    {
      name: 'help',
      summary: "Describe the verbs, or one verb ('kubeseal --help' lists the upstream flags)",
      args: [{ name: '[COMMAND...]' }],
      flags: COMPLETION_FLAGS,
      examples: ['kubeseal help', 'kubeseal help cert show'],
    },
    {
      name: 'completion',
      summary: 'Print the shell completion script (bash, zsh or fish)',
      args: [{ name: 'SHELL', complete: SHELLS }],
      flags: COMPLETION_FLAGS,
      examples: [
        'source <(kubeseal completion bash)',
        'kubeseal completion zsh > "${fpath[1]}/_kubeseal"',
        'kubeseal completion fish > ~/.config/fish/completions/kubeseal.fish',
      ],
    },
  ],
} as const satisfies CommandDef;

export type VerbName = (typeof COMMANDS.commands)[number]['name'];

export function isVerb(word: string | undefined): boolean {
  return COMMANDS.commands.some((c) => c.name === word);
}
