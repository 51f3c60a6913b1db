import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { ControlPlaneError } from './errors.js';

/** A network namespace joined to the root namespace by a veth pair on a /30. */
export interface NetnsLink {
  name: string;
  hostInterface: string;
  netnsInterface: string;
  /** Root-namespace end of the veth pair (first host address of the /30). */
  hostAddress: string;
  /** Address inside the namespace (second host address of the /30). */
  netnsAddress: string;
}

export interface CreateNetnsOptions {
  /**
   * Network address of the /30 to use, e.g. "10.213.7.4". Default: a random free /30 in 10.213.0.0/16, a
   * private range reserved for these tests.
   */
  subnet?: string;
}

function ip(args: readonly string[]): string {
  try {
    return execFileSync('ip', [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new ControlPlaneError(
      'NetnsFailed',
      `ip ${args.join(' ')} failed: ${stderr.trim() || String(error)} (needs iproute2 and root/CAP_NET_ADMIN)`,
      { cause: error },
    );
  }
}

function parseIpv4(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new ControlPlaneError('NetnsFailed', `not an IPv4 address: ${address}`);
  }
  return (
    (((parts[0] as number) << 24) |
      ((parts[1] as number) << 16) |
      ((parts[2] as number) << 8) |
      (parts[3] as number)) >>>
    0
  );
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function addressesInUse(): Set<string> {
  const out = spawnSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' }).stdout ?? '';
  return new Set([...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1] as string));
}

function pickSubnet(): number {
  const used = addressesInUse();
  const base = parseIpv4('10.213.0.0');
  for (let i = 0; i < 100; i++) {
    const network = base + randomInt(0, 16_384) * 4;
    if (!used.has(formatIpv4(network + 1)) && !used.has(formatIpv4(network + 2))) return network;
  }
  throw new ControlPlaneError('NetnsFailed', 'no free /30 found in 10.213.0.0/16');
}

/** Creates a netns with a veth pair; the namespace side gets `subnet+2`, the root side `subnet+1`. */
export function createNetns(options: CreateNetnsOptions = {}): NetnsLink {
  const network = options.subnet === undefined ? pickSubnet() : parseIpv4(options.subnet);
  if (network % 4 !== 0)
    throw new ControlPlaneError('NetnsFailed', `${options.subnet} is not the start of a /30`);
  const id = randomBytes(4).toString('hex');
  const link: NetnsLink = {
    name: `ssts-${id}`,
    // Interface names are limited to 15 characters.
    hostInterface: `vs${id}h`,
    netnsInterface: `vs${id}n`,
    hostAddress: formatIpv4(network + 1),
    netnsAddress: formatIpv4(network + 2),
  };
  ip(['netns', 'add', link.name]);
  try {
    ip(['link', 'add', link.hostInterface, 'type', 'veth', 'peer', 'name', link.netnsInterface]);
    ip(['link', 'set', link.netnsInterface, 'netns', link.name]);
    ip(['addr', 'add', `${link.hostAddress}/30`, 'dev', link.hostInterface]);
    ip(['link', 'set', link.hostInterface, 'up']);
    ip(['-n', link.name, 'addr', 'add', `${link.netnsAddress}/30`, 'dev', link.netnsInterface]);
    ip(['-n', link.name, 'link', 'set', link.netnsInterface, 'up']);
    ip(['-n', link.name, 'link', 'set', 'lo', 'up']);
  } catch (error) {
    deleteNetns(link);
    throw error;
  }
  return link;
}

/** Removes the namespace and the veth pair (deleting either end removes both). Never throws. */
export function deleteNetns(link: NetnsLink): void {
  spawnSync('ip', ['link', 'del', link.hostInterface], { stdio: 'ignore' });
  spawnSync('ip', ['netns', 'del', link.name], { stdio: 'ignore' });
}

export function netnsExists(name: string): boolean {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').some((line) => line.split(' ')[0] === name);
}

export function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;
}
