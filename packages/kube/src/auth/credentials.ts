import { KubeError } from '../errors.js';
import { describeFsError } from '../text/fs-error.js';
import type { ReadFile } from '../kubeconfig/types.js';
import { monotonicMs } from '../clock.js';

/** What a request needs from the credentials: headers and, for exec plugins handing out certificates, TLS. */
export interface AppliedCredentials {
  readonly headers: Readonly<Record<string, string>>;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** How requests authenticate. */
export interface Credentials {
  /** Describes the method for diagnostics (`token`, `tokenFile`, `basic`, `exec`, …), never the secret. */
  readonly kind: string;
  apply(): Promise<AppliedCredentials>;
  /** The server answered 401: drop cached tokens so the next request reads them again (client-go does this). */
  invalidate(): void;
}

const NONE: AppliedCredentials = { headers: {} };

export const noCredentials: Credentials = {
  kind: 'none',
  apply: () => Promise.resolve(NONE),
  invalidate: () => undefined,
};

export function bearerToken(token: string): Credentials {
  const applied: AppliedCredentials = { headers: { Authorization: `Bearer ${token}` } };
  return { kind: 'token', apply: () => Promise.resolve(applied), invalidate: () => undefined };
}

export function basicAuth(username: string, password: string): Credentials {
  const applied: AppliedCredentials = {
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  };
  return { kind: 'basic', apply: () => Promise.resolve(applied), invalidate: () => undefined };
}

/** client-go re-reads a token file at most once a minute (projected service-account tokens rotate). */
export const TOKEN_FILE_REFRESH_MS = 60_000;
/** A token file larger than this is not a token. */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/** A bearer token read from a file, re-read every TOKEN_FILE_REFRESH_MS and after a 401. */
export function tokenFile(path: string, readFile: ReadFile, now: () => number = monotonicMs): Credentials {
  let applied: AppliedCredentials | undefined;
  let readAt = -Infinity;
  let reading: Promise<AppliedCredentials> | undefined;
  const read = async (): Promise<AppliedCredentials> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw new KubeError(
        'Unauthorized',
        `cannot read the token file: ${describeFsError('open', path, cause)}`,
        {
          cause,
        },
      );
    }
    if (bytes.length > MAX_TOKEN_FILE_BYTES)
      throw new KubeError(
        'Unauthorized',
        `the token file ${path} is larger than ${MAX_TOKEN_FILE_BYTES} bytes`,
      );
    const token = bytes.toString('utf8').trim();
    applied = token === '' ? NONE : { headers: { Authorization: `Bearer ${token}` } };
    readAt = now();
    return applied;
  };
  return {
    kind: 'tokenFile',
    apply: () => {
      if (applied !== undefined && now() - readAt < TOKEN_FILE_REFRESH_MS) return Promise.resolve(applied);
      reading ??= read().finally(() => (reading = undefined));
      return reading;
    },
    invalidate: () => {
      readAt = -Infinity;
    },
  };
}
