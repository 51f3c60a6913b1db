import { assertCertificateNotExpired, parseCertificatePem, type ParsedCertificate } from '@ssts/core';
import { KubeconfigLoader, type Env, type ResolvedNamespace } from '@ssts/kube/kubeconfig';
import type { ControllerClient } from './cluster/controller-client.js';
import { kubeAccessOptions, kubeconfigError } from './cluster/kube-options.js';
import type { Plan } from './dispatch.js';
import { CliError } from './errors.js';
import { resolveFormat, type OutputFormat } from './format/render.js';
import { isNetworkCert, readCertFromSource } from './io/cert-source.js';
import type { CertOrigin } from './keys/cert-trust.js';
import type { Io } from './io/io.js';
import { MAX_INPUT_BYTES } from './io/limits.js';
import type { CliOptions } from './program.js';

/** RSA keys below this size are warned about (NIST SP 800-131A: 2048 bits minimum since 2014). */
const MIN_RSA_BITS = 2048;

/** Collects a command's output: straight to stdout, or held back for `-w` until the command has succeeded. */
export class OutputSink {
  readonly #io: Io;
  readonly #path: string | undefined;
  readonly #chunks: Buffer[] = [];
  constructor(io: Io, path: string | undefined) {
    this.#io = io;
    this.#path = path;
  }
  get path(): string | undefined {
    return this.#path;
  }
  write(chunk: string | Uint8Array): void {
    if (this.#path === undefined) this.#io.stdout.write(chunk);
    else this.#chunks.push(Buffer.from(chunk));
  }
  /** Writes the `-w` file atomically, only if the mode produced output. */
  async commit(): Promise<void> {
    if (this.#path === undefined || this.#chunks.length === 0) return;
    try {
      await this.#io.fs.writeFileAtomic(this.#path, Buffer.concat(this.#chunks));
    } catch (error) {
      throw new CliError('OUTPUT', `cannot write ${this.#path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/** Everything a mode needs; cluster access and the kubeconfig are loaded lazily and at most once. */
export class RunContext {
  readonly options: CliOptions;
  readonly plan: Plan;
  readonly io: Io;
  readonly env: Env;
  readonly output: OutputSink;
  readonly #fileInput: Buffer | undefined;
  #kubeconfig: KubeconfigLoader | undefined;
  #controller: Promise<ControllerClient> | undefined;
  #namespace: Promise<ResolvedNamespace> | undefined;
  #parsed: { readonly bytes: Buffer; readonly cert: ParsedCertificate } | undefined;

  constructor(args: { options: CliOptions; plan: Plan; io: Io; env: Env; fileInput: Buffer | undefined }) {
    this.options = args.options;
    this.plan = args.plan;
    this.io = args.io;
    this.env = args.env;
    this.#fileInput = args.fileInput;
    this.output = new OutputSink(
      args.io,
      args.plan.output.kind === 'file' ? args.plan.output.path : undefined,
    );
  }

  /** The `-f` file's bytes (read up front), else stdin; more than MAX_INPUT_BYTES is left for the reader to refuse. */
  async readInput(): Promise<Buffer> {
    return this.#fileInput ?? this.io.stdin.readAll(MAX_INPUT_BYTES);
  }

  /** The output format, validated when first needed (upstream checks it only when printing). */
  format(): OutputFormat {
    return resolveFormat(this.options.format, this.output.path);
  }

  /** One loader per run: the online modes read and parse the kubeconfig once for the client and the namespace. */
  #kubeconfigLoader(): KubeconfigLoader {
    this.#kubeconfig ??= new KubeconfigLoader(kubeAccessOptions(this.io.fs, this.options, this.env));
    return this.#kubeconfig;
  }

  controller(): Promise<ControllerClient> {
    return this.#connect(false);
  }

  /** The one controller client of the run; the first call says whether the certificate is what it asks first. */
  #connect(certificateFirst: boolean): Promise<ControllerClient> {
    this.#controller ??= import('./cluster/connect.js').then(({ connectController }) =>
      connectController(this.io.fs, this.options, this.env, this.#kubeconfigLoader(), { certificateFirst }),
    );
    return this.#controller;
  }

  namespace(): Promise<ResolvedNamespace> {
    this.#namespace ??= this.#kubeconfigLoader()
      .namespace()
      .catch((error: unknown) => {
        throw kubeconfigError(error);
      });
    return this.#namespace;
  }

  /** Compat §6.3 step 10: `--cert` if given, else the controller's `/v1/cert.pem`. */
  async certificateBytes(): Promise<Buffer> {
    const fetch = { requestTimeout: this.options.requestTimeout, env: this.env };
    if (this.options.cert !== '') {
      const bytes = await readCertFromSource(this.options.cert, this.io.fs, fetch);
      // Issue 14: a certificate from the network is pinned; a local file is the user's own trust.
      if (isNetworkCert(this.options.cert))
        await this.#checkContinuity({ kind: 'url', url: this.options.cert, fetch }, bytes);
      return bytes;
    }
    const controller = await this.#connect(true);
    const bytes = await controller.fetchCertificate();
    await this.#checkContinuity(
      {
        kind: 'controller',
        controller,
        namespace: this.options.controllerNamespace,
        name: this.options.controllerName,
      },
      bytes,
    );
    return bytes;
  }

  async #checkContinuity(origin: CertOrigin, bytes: Buffer): Promise<void> {
    let parsed: ParsedCertificate;
    try {
      parsed = this.#parse(bytes);
    } catch {
      // Not a certificate: nothing to pin; the caller's parser gives upstream's error.
      return;
    }
    const { checkCertContinuity } = await import('./keys/cert-trust.js');
    await checkCertContinuity(
      this.io,
      this.env,
      { knownCerts: this.options.knownCerts, trustNewCert: this.options.trustNewCert },
      origin,
      bytes,
      parsed,
    );
  }

  /** `bytes` parsed once per run: the pin check and certificate() share it (X.509 and key decoding, start-up time). */
  #parse(bytes: Buffer): ParsedCertificate {
    if (this.#parsed?.bytes !== bytes)
      this.#parsed = { bytes, cert: parseCertificatePem(bytes.toString('utf8')) };
    return this.#parsed.cert;
  }

  /** Compat §6.3 step 11: first CERTIFICATE block, RSA, not expired; a warning on stderr below 2048 bits. */
  async certificate(): Promise<ParsedCertificate> {
    const cert = this.#parse(await this.certificateBytes());
    assertCertificateNotExpired(cert, this.io.now());
    const bits = cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      this.io.stderr.write(
        `warning: the certificate's RSA key has only ${bits} bits (under ${MIN_RSA_BITS}): it can be factored and ` +
          "everything sealed with it read; sealing anyway, but ask the cluster's admin to rotate the controller's key\n",
      );
    }
    return cert;
  }
}
