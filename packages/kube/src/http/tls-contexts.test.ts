import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppliedCredentials, Credentials } from '../auth/credentials.js';
import { KubeClient } from '../client.js';
import type { RestConfig } from '../kubeconfig/client-config.js';
import { kubeErrorOf } from '../test-helpers/servers.js';
import { TlsContexts } from './tls-contexts.js';

// A CA, a server certificate for 127.0.0.1 and two client certificates (alice, bob) it signed (openssl, EC P-256,
// valid until 2126): test-helpers/tls/.
const pem = (name: string): Buffer => readFileSync(new URL(`../test-helpers/tls/${name}`, import.meta.url));
const ca = pem('ca.crt');

/** An HTTPS server asking for a client certificate; it answers with the client's CN and counts connections. */
let server: Server;
let url: URL;
let connections = 0;
beforeAll(async () => {
  server = createServer(
    { key: pem('server.key'), cert: pem('server.crt'), ca, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const cn = typeof peer.subject?.CN === 'string' ? peer.subject.CN : '';
      // Answers after a pause, so that requests sent together each need a connection of their own.
      setTimeout(() => res.end(JSON.stringify({ cn, authorized: socket.authorized })), 20);
    },
  );
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function config(tls: RestConfig['tls'], credentials: Credentials): RestConfig {
  return { server: url, tls, credentials, impersonation: {}, proxyUrl: undefined, source: 'kubeconfig' };
}

/** Credentials handing out a certificate, like an exec plugin; `use` switches it (a rotation). */
function pluginLike(first: string): Credentials & { use(name: string): void } {
  let applied: AppliedCredentials;
  const use = (name: string): void => {
    // New Buffers each time, as the plugin's answer is read again.
    applied = { headers: {}, cert: Buffer.from(pem(`${name}.crt`)), key: Buffer.from(pem(`${name}.key`)) };
  };
  use(first);
  return { kind: 'exec', apply: () => Promise.resolve(applied), invalidate: () => undefined, use };
}

const noCredentials: Credentials = {
  kind: 'none',
  apply: () => Promise.resolve({ headers: {} }),
  invalidate: () => undefined,
};

type Answer = { cn: string; authorized: boolean };

describe('KubeClient TLS: one context for every connection', () => {
  it("verifies the server with the kubeconfig's CA and presents its client certificate on every connection", async () => {
    const client = await KubeClient.create(
      config({ ca, cert: pem('alice.crt'), key: pem('alice.key') }, noCredentials),
    );
    const before = connections;
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.json<Answer>('GET', '/whoami')));
    expect(answers).toEqual(Array.from({ length: 8 }, () => ({ cn: 'alice', authorized: true })));
    expect(connections - before).toBe(8);
    // The connections are kept and reused.
    await client.json('GET', '/again');
    expect(connections - before).toBe(8);
    client.close();
  });

  it('refuses a server its CA did not sign (no context built without the CA)', async () => {
    const client = await KubeClient.create(
      config({ cert: pem('alice.crt'), key: pem('alice.key') }, noCredentials),
    );
    const error = await kubeErrorOf(client.json('GET', '/whoami'));
    expect(error.code).toBe('Network');
    expect(error.message).toContain('certificate signed by unknown authority');
    client.close();
  });

  it("uses a plugin's certificate, and its new one after a rotation on new connections", async () => {
    const credentials = pluginLike('alice');
    const client = await KubeClient.create(config({ ca }, credentials));
    expect(await client.json<Answer>('GET', '/whoami')).toEqual({ cn: 'alice', authorized: true });
    credentials.use('bob');
    const answers = await Promise.all(Array.from({ length: 3 }, () => client.json<Answer>('GET', '/whoami')));
    expect(answers).toEqual(Array.from({ length: 3 }, () => ({ cn: 'bob', authorized: true })));
    credentials.use('alice');
    expect(await client.json<Answer>('GET', '/whoami')).toEqual({ cn: 'alice', authorized: true });
    client.close();
  });

  it("keeps the kubeconfig's own client certificate over a plugin's, as before", async () => {
    const client = await KubeClient.create(
      config({ ca, cert: pem('alice.crt'), key: pem('alice.key') }, pluginLike('bob')),
    );
    expect(await client.json<Answer>('GET', '/whoami')).toEqual({ cn: 'alice', authorized: true });
    client.close();
  });

  it('hands out one context while the material is the same, a new one when it changes', () => {
    const contexts = TlsContexts.create({ ca });
    if (contexts === undefined) throw new Error('no contexts');
    const own = contexts.settings(undefined, undefined);
    expect(own.secureContext).toBeDefined();
    expect(contexts.settings(undefined, undefined).secureContext).toBe(own.secureContext);
    const alice = contexts.settings(pem('alice.crt'), pem('alice.key'));
    expect(alice.secureContext).not.toBe(own.secureContext);
    expect(contexts.settings(pem('alice.crt'), pem('alice.key')).secureContext).toBe(alice.secureContext);
    expect(contexts.settings(pem('bob.crt'), pem('bob.key')).secureContext).not.toBe(alice.secureContext);
  });

  it('leaves material Node refuses to tls.connect, which fails each request with its own error, as before', async () => {
    expect(TlsContexts.create({ ca, cert: pem('alice.crt'), key: pem('bob.key') })).toBeUndefined();
    const mismatched = await KubeClient.create(
      config({ ca, cert: pem('alice.crt'), key: pem('bob.key') }, noCredentials),
    );
    await expect(mismatched.json('GET', '/whoami')).rejects.toThrow(/key values mismatch/);
    mismatched.close();
    const contexts = TlsContexts.create({ ca });
    expect(contexts?.settings(pem('alice.crt'), pem('bob.key'))).toEqual({
      ca,
      cert: pem('alice.crt'),
      key: pem('bob.key'),
    });
  });
});
