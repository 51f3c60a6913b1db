// One HTTP/1.1 connection to one server, for a short-lived process that sends a few requests one after another
// (kubeseal: the controller's Service, then its certificate). node:https costs such a process more than its whole
// API traffic: loading node:http(s), their agent and client machinery, and compiling their functions at first use
// (README of @ssts/kubeseal, "Start-up time"). This speaks the little of HTTP/1.1 those requests need over
// node:tls / node:net directly. It is looked up per connection (process.getBuiltinModule), like node:http(s) in
// request.ts, so a start-up snapshot may hold this module.
//
// It plugs into request.ts's exchange() in place of node:http(s)'s request(): the same deadline, inactivity bound,
// abort, body caps and one retry of a dead kept-alive connection apply, so this file only frames the bytes. What it
// does not do (no proxy tunnel, no streaming watch, no compression, no 100-continue) the caller does not ask for:
// KubeClient uses it only without a proxy and never for watches.
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type https from 'node:https';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import type { TlsSettings } from './request.js';
import {
  hasInvalidValueChar,
  hasWord,
  isDigits,
  isToken,
  lastCodingIsChunked,
  parseChunkSize,
  parseHeaderLine,
  parseStatusLine,
} from './scan.js';

/** Largest response head (status line and headers), as node:http's default --max-http-header-size. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Largest chunk-size line of a chunked body (the size in hex, maybe extensions). */
const MAX_CHUNK_LINE_BYTES = 4096;

/** Headers whose repeats node:http drops (first wins); set-cookie becomes an array, others are joined. */
const SINGLE = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** A malformed answer, with node:http's codes and first lines (describeNetworkError prints the message). */
function parseError(code: string, reason: string): Error {
  return Object.assign(new Error(`Parse Error: ${reason}`), { code });
}

function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/**
 * The response as exchange() reads it: a subset of http.IncomingMessage. Like that stream, it holds the body until
 * a 'data' listener is added (the caller gets the response first, and reads its body after a few ticks).
 */
export class ConnectionResponse extends EventEmitter {
  #flowing = false;
  readonly #held: (Buffer | null)[] = [];

  constructor(
    readonly statusCode: number,
    readonly statusMessage: string,
    readonly headers: http.IncomingHttpHeaders,
    private readonly onDestroy: () => void,
  ) {
    super();
  }

  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    super.on(event, listener as (...args: unknown[]) => void);
    if (event === 'data' && !this.#flowing) {
      this.#flowing = true;
      // After the caller's other listeners ('end'), added in the same tick.
      queueMicrotask(() => {
        for (const chunk of this.#held.splice(0)) this.#deliver(chunk);
      });
    }
    return this;
  }

  /** A body chunk, or null at its end. */
  push(chunk: Buffer | null): void {
    if (this.#flowing && this.#held.length === 0) this.#deliver(chunk);
    else this.#held.push(chunk);
  }

  #deliver(chunk: Buffer | null): void {
    if (chunk === null) this.emit('end');
    else this.emit('data', chunk);
  }

  /** Stops reading: the connection is closed (the rest of the body is never read). */
  destroy(): this {
    this.#held.length = 0;
    this.onDestroy();
    return this;
  }
}

/** The request as exchange() drives it: a subset of http.ClientRequest. */
export class ConnectionRequest extends EventEmitter {
  constructor(
    readonly reusedSocket: boolean,
    private readonly send: (body: string | Uint8Array | undefined) => void,
    private readonly onDestroy: () => void,
  ) {
    super();
  }

  end(body?: string | Uint8Array): this {
    this.send(body);
    return this;
  }

  /** Abandons the exchange: the connection is closed; `error` is the caller's own (not emitted again). */
  destroy(_error?: Error): this {
    this.onDestroy();
    return this;
  }
}

function addHeader(headers: http.IncomingHttpHeaders, name: string, value: string): void {
  const key = name.toLowerCase();
  const current = headers[key];
  if (key === 'set-cookie') headers[key] = [...(current ?? []), value];
  else if (current === undefined) headers[key] = value;
  else if (!SINGLE.has(key)) headers[key] = `${String(current)}, ${value}`;
}

interface Head {
  readonly status: number;
  readonly message: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly keepAlive: boolean;
  /** Body framing: bytes to read, 'chunked', or 'close' (until the server closes). */
  readonly body: number | 'chunked' | 'close';
}

/** Parses a response head (without its final CRLF CRLF); throws a parse error on anything malformed. */
function parseHead(text: string, method: string): Head {
  const lines = text.split('\r\n');
  const status = parseStatusLine(lines[0] ?? '');
  if (status === null) throw parseError('HPE_INVALID_CONSTANT', 'Expected HTTP/');
  const headers: http.IncomingHttpHeaders = {};
  const lengths = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const header = parseHeaderLine(lines[i] ?? '');
    // A line starting with white space (obsolete folding), without a colon or with a bad name is refused.
    if (header === null) throw parseError('HPE_INVALID_HEADER_TOKEN', 'Invalid header value char');
    const { name, value } = header;
    if (name.toLowerCase() === 'content-length') lengths.add(value);
    addHeader(headers, name, value);
  }
  const code = status.code;
  const connection = String(headers['connection'] ?? '').toLowerCase();
  const keepAlive = status.minor === '1' ? !hasWord(connection, 'close') : hasWord(connection, 'keep-alive');
  const transfer = headers['transfer-encoding'];
  let body: Head['body'];
  if (method === 'HEAD' || code === 204 || code === 304 || (code >= 100 && code < 200)) body = 0;
  else if (transfer !== undefined)
    // The last coding decides (`gzip, chunked` is chunked); any other framing is read until close.
    body = lastCodingIsChunked(transfer) ? 'chunked' : 'close';
  else if (lengths.size > 1) throw parseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length');
  else if (lengths.size === 1) {
    const [length = ''] = lengths;
    if (!isDigits(length, 15))
      throw parseError('HPE_INVALID_CONTENT_LENGTH', 'Invalid character in Content-Length');
    body = Number(length);
  } else body = 'close';
  return { status: code, message: status.message, headers, keepAlive: keepAlive && body !== 'close', body };
}

/** Frames one response out of the bytes the socket delivers; the connection feeds it and acts on what it says. */
class ResponseReader {
  #buffer: Buffer = Buffer.alloc(0);
  #head: Head | undefined;
  #left = 0;
  /** Chunked bodies: 'size' (a size line is next), 'data', 'crlf' (after a chunk), 'trailers', 'done'. */
  #chunk: 'size' | 'data' | 'crlf' | 'trailers' | 'done' = 'size';

  constructor(
    private readonly method: string,
    private readonly onHead: (head: Head) => void,
    private readonly onData: (chunk: Buffer) => void,
    private readonly onEnd: () => void,
  ) {}

  /** Consumes bytes; returns true when the response is complete. Throws a parse error. */
  push(data: Buffer): boolean {
    this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
    while (this.#head === undefined) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.#buffer.length > MAX_HEADER_BYTES)
          throw parseError('HPE_HEADER_OVERFLOW', 'Header overflow');
        return false;
      }
      if (end > MAX_HEADER_BYTES) throw parseError('HPE_HEADER_OVERFLOW', 'Header overflow');
      const head = parseHead(this.#buffer.subarray(0, end).toString('latin1'), this.method);
      this.#buffer = this.#buffer.subarray(end + 4);
      // An informational answer (100 Continue, 103 Early Hints) precedes the real one.
      if (head.status >= 100 && head.status < 200) continue;
      this.#head = head;
      this.#left = typeof head.body === 'number' ? head.body : 0;
      this.onHead(head);
      if (head.body === 0) return this.#finish();
    }
    return this.#body();
  }

  /** The server closed the connection: the end of a body read until close, else too early. */
  closed(): boolean {
    return this.#head?.body === 'close';
  }

  #finish(): boolean {
    this.onEnd();
    return true;
  }

  #take(n: number): Buffer {
    const part = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return part;
  }

  #body(): boolean {
    const head = this.#head as Head;
    if (head.body === 'close') {
      if (this.#buffer.length > 0) this.onData(this.#take(this.#buffer.length));
      return false;
    }
    if (typeof head.body === 'number') {
      if (this.#buffer.length > 0 && this.#left > 0) {
        const part = this.#take(Math.min(this.#left, this.#buffer.length));
        this.#left -= part.length;
        this.onData(part);
      }
      return this.#left === 0 ? this.#finish() : false;
    }
    for (;;) {
      if (this.#chunk === 'data') {
        if (this.#buffer.length === 0) return false;
        const part = this.#take(Math.min(this.#left, this.#buffer.length));
        this.#left -= part.length;
        this.onData(part);
        if (this.#left === 0) this.#chunk = 'crlf';
        continue;
      }
      if (this.#chunk === 'crlf') {
        if (this.#buffer.length < 2) return false;
        if (this.#buffer[0] !== 0x0d || this.#buffer[1] !== 0x0a)
          throw parseError('HPE_STRICT', 'Expected CRLF after chunk');
        this.#take(2);
        this.#chunk = 'size';
        continue;
      }
      const end = this.#buffer.indexOf('\r\n');
      const limit = this.#chunk === 'trailers' ? MAX_HEADER_BYTES : MAX_CHUNK_LINE_BYTES;
      if (end < 0) {
        if (this.#buffer.length > limit) throw parseError('HPE_HEADER_OVERFLOW', 'Chunk header overflow');
        return false;
      }
      const line = this.#take(end + 2)
        .subarray(0, end)
        .toString('latin1');
      if (this.#chunk === 'trailers') {
        if (line === '') return this.#finish();
        continue;
      }
      const size = parseChunkSize(line);
      if (size < 0) throw parseError('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size');
      this.#left = size;
      this.#chunk = this.#left === 0 ? 'trailers' : 'data';
    }
  }
}

/** Whether two optional client-certificate or key buffers hold the same bytes. */
function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}

/**
 * One connection, opened at the first request and kept for the next ones (HTTP/1.1 keep-alive), reopened when the
 * server closed it or the client certificate changed. Requests must not overlap (the caller awaits each).
 * `request` has the shape exchange() needs from node:http(s).
 */
export class HttpConnection {
  #socket: Socket | undefined;
  #ready: Promise<Socket> | undefined;
  /** Copies of the client certificate and key the open connection was made with (compared per request). */
  #cert: Buffer | undefined;
  #key: Buffer | undefined;
  #served = 0;
  #busy = false;

  constructor(
    private readonly server: URL,
    private readonly tls: TlsSettings,
  ) {}

  /** Closes the connection (a later request opens a new one). */
  close(): void {
    this.#drop();
  }

  request(url: URL, options: https.RequestOptions): ConnectionRequest {
    const method = options.method ?? 'GET';
    if (url.origin !== this.server.origin)
      throw new Error(`HttpConnection to ${this.server.origin}: asked for ${url.origin}`);
    if (this.#busy) throw new Error('HttpConnection: a request is already in flight');
    // Thrown here, as node:http's request() throws on a header that would break the framing.
    const headers = options.headers ?? {};
    if (Array.isArray(headers)) throw new TypeError('HttpConnection: headers must be an object');
    const head = requestHead(method, url, headers as http.OutgoingHttpHeaders);
    const cert = options.cert as Buffer | undefined;
    const key = options.key as Buffer | undefined;
    if (!sameBytes(cert, this.#cert) || !sameBytes(key, this.#key)) {
      this.#drop();
      // Copies: a caller that refills its buffer in place must still be seen as a new identity.
      this.#cert = cert === undefined ? undefined : Buffer.from(cert);
      this.#key = key === undefined ? undefined : Buffer.from(key);
    }
    const reused = this.#socket !== undefined && this.#served > 0;
    this.#busy = true;
    let abandoned = false;
    let socket: Socket | undefined;
    let detach = (): void => undefined;
    const req = new ConnectionRequest(
      reused,
      (body) => {
        this.#open(cert, key).then(
          (opened) => {
            if (abandoned) return;
            socket = opened;
            detach = this.#exchange(opened, method, req, () => abandoned);
            const length =
              body === undefined || head.hasLength
                ? ''
                : `Content-Length: ${typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength}\r\n`;
            opened.write(`${head.text}${length}\r\n`);
            if (body !== undefined && body.length > 0) opened.write(body);
          },
          (error: unknown) => {
            this.#busy = false;
            this.#drop();
            if (!abandoned) req.emit('error', error);
          },
        );
      },
      () => {
        if (abandoned) return;
        abandoned = true;
        detach();
        this.#busy = false;
        this.#close(socket);
      },
    );
    return req;
  }

  /** Closes `socket` (the exchange on it is over or abandoned) and forgets it when it is the kept one. */
  #close(socket: Socket | undefined): void {
    if (socket === undefined || socket === this.#socket) this.#drop();
    else socket.destroy();
  }

  /** Reads one response from the socket into `req`'s events; returns a function that detaches the listeners. */
  #exchange(socket: Socket, method: string, req: ConnectionRequest, abandoned: () => boolean): () => void {
    let res: ConnectionResponse | undefined;
    let keepAlive = false;
    let done = false;
    const finish = (keep: boolean): boolean => {
      if (done) return false;
      done = true;
      detach();
      this.#busy = false;
      if (keep && keepAlive && this.#socket === socket) {
        this.#served++;
        socket.unref();
      } else this.#close(socket);
      return !abandoned();
    };
    const fail = (error: unknown): void => {
      if (!finish(false)) return;
      if (res === undefined) req.emit('error', error);
      else res.emit('error', error);
    };
    const reader = new ResponseReader(
      method,
      (head) => {
        keepAlive = head.keepAlive;
        res = new ConnectionResponse(head.status, head.message, head.headers, () => void finish(false));
        req.emit('response', res);
      },
      (chunk) => {
        if (!done && !abandoned()) res?.push(chunk);
      },
      () => {
        if (finish(true)) res?.push(null);
      },
    );
    const onData = (chunk: Buffer): void => {
      try {
        reader.push(chunk);
      } catch (error) {
        fail(error);
      }
    };
    const onClose = (): void => {
      if (res !== undefined && reader.closed()) {
        if (finish(false)) res.push(null);
      } else fail(hangUp());
    };
    const onError = (error: Error): void => fail(error);
    function detach(): void {
      socket.off('data', onData);
      socket.off('end', onClose);
      socket.off('close', onClose);
      socket.off('error', onError);
    }
    socket.on('data', onData);
    socket.on('end', onClose);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.ref();
    return detach;
  }

  /** The open socket, or a new one once connected (TLS verified: nothing is written before). */
  #open(cert: Buffer | undefined, key: Buffer | undefined): Promise<Socket> {
    if (this.#socket !== undefined && !this.#socket.destroyed && this.#ready !== undefined)
      return this.#ready;
    const bracketed = this.server.hostname.startsWith('[') && this.server.hostname.endsWith(']');
    const host = bracketed ? this.server.hostname.slice(1, -1) : this.server.hostname;
    const https = this.server.protocol === 'https:';
    const port = Number(this.server.port !== '' ? this.server.port : https ? 443 : 80);
    const tls = this.tls;
    const socket: Socket = https
      ? process.getBuiltinModule('node:tls').connect({
          host,
          port,
          // SNI names a host, never an IP (as node:https does); verification uses the same name.
          ...(tls.servername !== undefined
            ? { servername: tls.servername }
            : isIP(host) === 0
              ? { servername: host }
              : {}),
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          ...(cert === undefined ? {} : { cert }),
          ...(key === undefined ? {} : { key }),
          rejectUnauthorized: tls.rejectUnauthorized ?? true,
          // No ALPN, as node:https: without it the server speaks HTTP/1.1, and node:tls skips converting the list.
          // Key exchange and ciphers stay Node's defaults (X25519MLKEM768 and X25519 key shares: no extra round
          // trip with any server, post-quantum with those that can; README "HTTP client").
        })
      : process.getBuiltinModule('node:net').connect({ host, port });
    socket.setNoDelay(true);
    this.#socket = socket;
    this.#served = 0;
    // An idle connection that fails or is closed by the server is forgotten; the next request opens another.
    const forget = (): void => {
      if (this.#socket === socket && !this.#busy) this.#drop();
    };
    socket.on('error', forget);
    socket.on('close', forget);
    socket.on('end', forget);
    this.#ready = new Promise<Socket>((resolve, reject) => {
      const ok = (): void => {
        socket.off('error', bad);
        resolve(socket);
      };
      const bad = (error: Error): void => {
        socket.off(https ? 'secureConnect' : 'connect', ok);
        reject(error);
      };
      socket.once(https ? 'secureConnect' : 'connect', ok);
      socket.once('error', bad);
    });
    return this.#ready;
  }

  #drop(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#ready = undefined;
    this.#served = 0;
    socket?.destroy();
  }
}

/** The request line and headers; throws on a header that would break the framing (CR, LF, NUL, bad name). */
function requestHead(
  method: string,
  url: URL,
  headers: http.OutgoingHttpHeaders,
): { text: string; hasLength: boolean } {
  if (!isToken(method))
    throw Object.assign(new TypeError(`Method must be a valid HTTP token ["${method}"]`), {
      code: 'ERR_INVALID_HTTP_TOKEN',
    });
  let text = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  let hasLength = false;
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    if (!isToken(name))
      throw Object.assign(new TypeError(`Header name must be a valid HTTP token ["${name}"]`), {
        code: 'ERR_INVALID_HTTP_TOKEN',
      });
    const lower = name.toLowerCase();
    if (lower === 'host') continue;
    if (lower === 'content-length') hasLength = true;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const line = String(value);
      if (hasInvalidValueChar(line))
        throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), {
          code: 'ERR_INVALID_CHAR',
        });
      text += `${name}: ${line}\r\n`;
    }
  }
  return { text, hasLength };
}
