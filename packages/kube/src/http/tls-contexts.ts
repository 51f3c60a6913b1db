// node:tls is loaded when a client first needs it (process.getBuiltinModule), as node:https is: kubeseal's V8
// start-up snapshot holds this package.
import type tls from 'node:tls';
import type { TlsSettings } from './request.js';

/**
 * The TLS contexts of one client's connections. Unless a connection is given a `secureContext`, Node's tls.connect
 * builds one for it from `ca`/`cert`/`key` (an OpenSSL SSL_CTX with the CA parsed again): per keep-alive connection
 * that held about 0.2 MiB of native memory on Node 24 and cost CPU at every connect (README of the controller,
 * Performance). A client's CA and kubeconfig client certificate are read once when it is created, so one context
 * serves every connection. An exec plugin's certificate (handed out with each credential and rotating with it)
 * gets a context of its own, rebuilt when the plugin returns other bytes; the kubeconfig's own certificate wins
 * over it, as before (the agent's options overrode the request's).
 */
export class TlsContexts {
  readonly #base: TlsSettings;
  readonly #context: tls.SecureContext;
  #plugin:
    | { readonly cert: Buffer | undefined; readonly key: Buffer | undefined; readonly context: TlsSettings }
    | undefined;

  private constructor(base: TlsSettings, context: tls.SecureContext) {
    this.#base = base;
    this.#context = context;
  }

  /**
   * The contexts for a client with these settings, or undefined when Node refuses them (a key that does not match
   * the certificate, unreadable PEM): the client then passes the settings with every connection as before, so
   * the request fails as it always did, with tls.connect's error.
   */
  static create(base: TlsSettings): TlsContexts | undefined {
    try {
      return new TlsContexts(base, createContext(base.ca, base.cert, base.key));
    } catch {
      return undefined;
    }
  }

  /**
   * The TLS settings of one request with the credentials' certificate and key, if any: a shared `secureContext`
   * (the certificate and key still listed, so the agent pools connections per certificate as before).
   */
  settings(cert: Buffer | undefined, key: Buffer | undefined): TlsSettings {
    const own = this.#base.cert !== undefined || this.#base.key !== undefined;
    if (own || (cert === undefined && key === undefined)) return { secureContext: this.#context };
    const last = this.#plugin;
    if (last !== undefined && sameBytes(last.cert, cert) && sameBytes(last.key, key)) return last.context;
    let context: TlsSettings;
    try {
      context = { cert, key, secureContext: createContext(this.#base.ca, cert, key) };
    } catch {
      // tls.connect gets the material itself and fails with its own error, as without shared contexts.
      context = { ca: this.#base.ca, cert, key };
    }
    this.#plugin = { cert, key, context };
    return context;
  }
}

function createContext(
  ca: Buffer | undefined,
  cert: Buffer | undefined,
  key: Buffer | undefined,
): tls.SecureContext {
  return process.getBuiltinModule('node:tls').createSecureContext({
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  });
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.equals(b));
}
