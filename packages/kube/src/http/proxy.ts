import type http from 'node:http';
import { isIP } from 'node:net';
import { KubeError } from '../errors.js';
import type { Env } from '../kubeconfig/types.js';
import type { TlsSettings } from './request.js';
import { withoutUserinfo } from '../text/userinfo.js';

function env(vars: Env, name: string): string {
  return vars[name.toUpperCase()] ?? vars[name.toLowerCase()] ?? '';
}

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function inCidr(host: string, cidr: string): boolean {
  const [range = '', bitsText = ''] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(host) !== 4 || isIP(range) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToNumber(host) & mask) >>> 0 === (ipv4ToNumber(range) & mask) >>> 0;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Go's httpproxy rules for NO_PROXY: `*`, IPs, CIDRs, `host`, `.domain` / `*.domain`, optional `:port`. */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isLoopback(host)) return true;
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  for (const raw of noProxy.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inCidr(host, entry)) return true;
      continue;
    }
    let entryPort = '';
    const colon = entry.lastIndexOf(':');
    if (colon > 0 && isIP(entry) === 0 && !entry.endsWith(']')) {
      entryPort = entry.slice(colon + 1);
      entry = entry.slice(0, colon);
    }
    entry = entry.replace(/^\[(.*)\]$/, '$1');
    if (entryPort !== '' && entryPort !== port) continue;
    if (isIP(entry) !== 0) {
      if (entry === host) return true;
      continue;
    }
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entry.startsWith('.')) {
      if (host.endsWith(entry)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/**
 * The proxy for a request to `target`: the kubeconfig's proxy-url (`--proxy-url`) when set, else HTTPS_PROXY /
 * HTTP_PROXY by the target's scheme unless NO_PROXY matches, as Go's ProxyFromEnvironment (loopback never proxied).
 */
export function proxyFor(target: URL, proxyUrl: string | undefined, vars: Env): URL | undefined {
  let text = proxyUrl ?? '';
  if (text === '') {
    text = env(vars, target.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY');
    if (text === '' || bypassesProxy(target, env(vars, 'NO_PROXY'))) return undefined;
  }
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`;
  try {
    return new URL(withScheme);
  } catch (cause) {
    // Go prints the text as given; a password in it is left out here.
    throw new KubeError('Config', `invalid proxy address "${withoutUserinfo(text)}"`, { cause });
  }
}

/** A pooling agent that reaches `target` through `proxy` (CONNECT for http(s) proxies, or SOCKS). */
export async function proxyAgent(
  proxy: URL,
  target: URL,
  agentOptions: http.AgentOptions,
  tls: TlsSettings,
): Promise<http.Agent> {
  const { HttpProxyAgent, HttpsProxyAgent, SocksProxyAgent } = await import('./proxy-agents.js');
  const tlsOptions = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
  if (proxy.protocol.startsWith('socks'))
    return new SocksProxyAgent(proxy, { ...agentOptions, ...tlsOptions });
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:')
    throw new KubeError('Config', `unsupported proxy scheme "${proxy.protocol.slice(0, -1)}"`);
  return target.protocol === 'https:'
    ? new HttpsProxyAgent({ ...agentOptions, ...tlsOptions, proxy })
    : new HttpProxyAgent({ ...agentOptions, proxy });
}
