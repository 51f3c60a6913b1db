import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ControlPlaneError } from './errors.js';
import type { NetnsLink } from './netns.js';
import { startProcess, tailFile, type ManagedProcess } from './processes.js';
import { waitFor } from './wait-for.js';

// A byte pipe: listens on argv[1] and connects every client to argv[2]; both are JSON net options, either
// {"path": unix socket} or {"host", "port"}. Prints "listening" once bound.
const PIPE_SCRIPT = `
const net = require('node:net');
const [listen, target] = process.argv.slice(1).map((a) => JSON.parse(a));
net.createServer((client) => {
  const upstream = net.connect(target);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
}).listen(listen, () => console.log('listening'));
`;

export interface NetnsForward {
  stop(): Promise<void>;
}

/**
 * Makes 127.0.0.1:<port> inside the network namespace reach 127.0.0.1:<port> of the root namespace, so a
 * process in the netns can use the same kubeconfig (and the serving certificate's 127.0.0.1 SAN) as the tests.
 * The hop between namespaces is a unix socket in `dir`: file-system based, so no listener is opened on any
 * non-loopback address.
 */
export async function forwardLoopbackPortIntoNetns(
  link: NetnsLink,
  port: number,
  dir: string,
): Promise<NetnsForward> {
  // Named after the netns too: several replicas' forwards may share `dir`, and each must wait for its own
  // processes' "listening" (not a log line of another replica's) and keep its own socket.
  const tag = `${link.name}-${port}`;
  const socketPath = join(dir, `fwd-${tag}.sock`);
  const started: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((p) => p.stop(2_000)));
    rmSync(socketPath, { force: true });
  };
  try {
    const relay = startProcess({
      name: `relay-${tag}`,
      command: process.execPath,
      args: [
        '-e',
        PIPE_SCRIPT,
        JSON.stringify({ path: socketPath }),
        JSON.stringify({ host: '127.0.0.1', port }),
      ],
      logPath: join(dir, `relay-${tag}.log`),
    });
    started.push(relay);
    await waitListening(relay);
    const inside = startProcess({
      name: `netns-forward-${tag}`,
      command: 'ip',
      args: [
        'netns',
        'exec',
        link.name,
        process.execPath,
        '-e',
        PIPE_SCRIPT,
        JSON.stringify({ host: '127.0.0.1', port }),
        JSON.stringify({ path: socketPath }),
      ],
      logPath: join(dir, `netns-forward-${tag}.log`),
    });
    started.push(inside);
    await waitListening(inside);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

async function waitListening(proc: ManagedProcess): Promise<void> {
  const outcome = await waitFor(
    () => {
      if (!proc.isRunning()) return 'exited' as const;
      return existsSync(proc.logPath) && readFileSync(proc.logPath, 'utf8').includes('listening')
        ? 'ok'
        : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 50, description: `${proc.name} to listen` },
  );
  if (outcome === 'exited') {
    throw new ControlPlaneError('NetnsFailed', `${proc.name} exited: ${tailFile(proc.logPath, 20)}`);
  }
}
