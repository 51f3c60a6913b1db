import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLAGS, formatUsage } from './flags.js';
import { parseCommandLine, type CliOptions } from './program.js';
import { VERSION } from './version.js';

function parse(argv: string[], env: Record<string, string> = {}): CliOptions {
  const result = parseCommandLine(argv, env);
  if (result.kind !== 'ok') throw new Error(`unexpected usage error: ${result.message}`);
  return result.options;
}

function usageError(argv: string[], env: Record<string, string> = {}): string {
  const result = parseCommandLine(argv, env);
  if (result.kind !== 'usage-error') throw new Error('expected a usage error');
  return result.message;
}

describe('parseCommandLine', () => {
  it('has upstream defaults', () => {
    const o = parse([]);
    expect(o).toMatchObject({
      cert: '',
      controllerNamespace: 'kube-system',
      controllerName: 'sealed-secrets-controller',
      format: 'json',
      formatExplicit: false,
      scope: 'strict',
      raw: false,
      fromFile: [],
      recoveryPrivateKey: [],
      insecureSkipTlsVerify: false,
      requestTimeout: '0',
    });
  });

  it('accepts --flag value, --flag=value and shorthands with attached or = values', () => {
    expect(parse(['--cert', 'a.pem']).cert).toBe('a.pem');
    expect(parse(['--cert=a.pem']).cert).toBe('a.pem');
    expect(parse(['-o', 'yaml']).format).toBe('yaml');
    expect(parse(['-oyaml']).format).toBe('yaml');
    expect(parse(['-o=yaml']).format).toBe('yaml');
    expect(parse(['-w', 'out.json', '-f', 'in.json'])).toMatchObject({
      sealedSecretFile: 'out.json',
      secretFile: 'in.json',
    });
  });

  it.each([
    ['--raw=false', false],
    ['--raw=true', true],
    ['--raw=1', true],
    ['--raw=F', false],
  ])('parses Go bool syntax %s', (arg, expected) => {
    expect(parse([arg]).raw).toBe(expected);
  });

  it('lets the command line override a bool from the environment', () => {
    expect(parse([], { SEALED_SECRETS_RAW: 'true' }).raw).toBe(true);
    expect(parse(['--raw=false'], { SEALED_SECRETS_RAW: 'true' }).raw).toBe(false);
  });

  it('reads SEALED_SECRETS_* defaults and lets flags win', () => {
    const env = {
      SEALED_SECRETS_CERT: 'env.pem',
      SEALED_SECRETS_CONTROLLER_NAMESPACE: 'ss',
      SEALED_SECRETS_FORMAT: 'yaml',
      SEALED_SECRETS_NAMESPACE: 'envns',
      SEALED_SECRETS_RECOVERY_PRIVATE_KEY: 'a.key,b.key',
    };
    expect(parse([], env)).toMatchObject({
      cert: 'env.pem',
      controllerNamespace: 'ss',
      format: 'yaml',
      formatExplicit: true,
      namespace: 'envns',
      recoveryPrivateKey: ['a.key', 'b.key'],
    });
    expect(parse(['--cert', 'cli.pem', '-o', 'json', '--recovery-private-key', 'c.key'], env)).toMatchObject({
      cert: 'cli.pem',
      format: 'json',
      recoveryPrivateKey: ['c.key'],
    });
  });

  it('ignores klog flags in the environment but accepts them on the command line', () => {
    expect(parse(['-v', '5', '--logtostderr'], { SEALED_SECRETS_V: 'x' }).cert).toBe('');
  });

  it('splits string slices on commas and accumulates repeats; stringArray does not split', () => {
    expect(
      parse(['--recovery-private-key', 'a,b', '--recovery-private-key', 'c']).recoveryPrivateKey,
    ).toEqual(['a', 'b', 'c']);
    expect(parse(['--as-group', 'a,b', '--as-group', 'c']).asGroup).toEqual(['a,b', 'c']);
  });

  it.each(['ns/', 'namespace/', 'namespaces/', 'NS/', 'Namespaces/'])(
    'strips the %s prefix of -n',
    (prefix) => {
      expect(parse(['-n', `${prefix}team`]).namespace).toBe('team');
    },
  );

  it('treats --rotate as --re-encrypt, and -h as --help', () => {
    expect(parse(['--rotate']).reEncrypt).toBe(true);
    expect(parse(['-h']).help).toBe(true);
  });

  it('accepts the client-go override flags', () => {
    const o = parse([
      '--context=c',
      '--cluster=k',
      '--user=u',
      '--server=https://x',
      '--token=t',
      '--as=me',
      '--as-uid=1',
      '--insecure-skip-tls-verify',
      '--request-timeout=5s',
      '--tls-server-name=s',
      '--proxy-url=http://p',
      '--disable-compression',
    ]);
    expect(o).toMatchObject({
      context: 'c',
      cluster: 'k',
      user: 'u',
      server: 'https://x',
      token: 't',
      as: 'me',
      asUid: '1',
      insecureSkipTlsVerify: true,
      requestTimeout: '5s',
      tlsServerName: 's',
      proxyUrl: 'http://p',
      disableCompression: true,
    });
  });

  it('reports pflag-style usage errors', () => {
    expect(usageError(['--nope'])).toBe('unknown flag: --nope');
    expect(usageError(['-x'])).toBe("unknown shorthand flag: 'x' in -x");
    expect(usageError(['--cert'])).toBe('flag needs an argument: --cert');
    expect(usageError(['--validate=yes'])).toBe(
      'invalid argument "yes" for "--validate" flag: strconv.ParseBool: parsing "yes": invalid syntax',
    );
    expect(usageError(['--scope', 'global'])).toBe(
      'invalid argument "global" for "--scope" flag: must be one of: strict, namespace-wide, cluster-wide',
    );
    expect(usageError([], { SEALED_SECRETS_SCOPE: 'bad' })).toContain('must be one of');
  });

  it('names an unknown long flag without its value, and refuses bad flag syntax, as pflag does', () => {
    expect(usageError(['--template=foo'])).toBe('unknown flag: --template');
    expect(usageError(['--template', 'foo'])).toBe('unknown flag: --template');
    expect(usageError(['-x=foo'])).toBe("unknown shorthand flag: 'x' in -x=foo");
    expect(usageError(['---x'])).toBe('bad flag syntax: ---x');
    expect(usageError(['--=x'])).toBe('bad flag syntax: --=x');
    // A flag's separate value is never a flag, whatever it looks like.
    expect(parseCommandLine(['--name', '---x'], {})).toMatchObject({ kind: 'ok', options: { name: '---x' } });
  });
});

describe('formatUsage', () => {
  it('lists every visible flag once, sorted, pflag style', () => {
    const usage = formatUsage('kubeseal');
    expect(usage.startsWith('Usage of kubeseal:\n')).toBe(true);
    const visible = Object.entries(FLAGS)
      .filter(([, f]) => f.hidden !== true)
      .map(([name]) => name);
    for (const name of visible) expect(usage).toContain(`--${name}`);
    expect(usage).toContain('  -o, --format string');
    expect(usage).toContain('(default "kube-system")');
    const names = [...usage.matchAll(/^ {2}(?:-\w, | {4})--([\w-]+)/gm)].map((m) => m[1] ?? '');
    expect(names).toEqual([...names].sort());
    expect(names).toHaveLength(visible.length);
  });
});

describe('VERSION', () => {
  it('is the package version with a v prefix', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(`v${pkg.version}`);
  });
});
