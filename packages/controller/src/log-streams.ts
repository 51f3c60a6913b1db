/** What the controller writes its lines to; process.stdout and process.stderr in the bin. */
export interface OutputStream {
  write(text: string): unknown;
}

/** A stream that reports a failed write with an 'error' event, as Node's process streams do. */
interface EventedStream extends OutputStream {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

export interface ClosedStream {
  readonly stream: 'stdout' | 'stderr';
  /** The error's code, e.g. EPIPE when the reader of a pipe went away. */
  readonly code: string;
}

export interface GuardedStreams {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Called once per stream that failed; later writes to it are dropped. */
  onClosed(listener: (closed: ClosedStream) => void): void;
}

const evented = (stream: OutputStream): stream is EventedStream =>
  typeof (stream as Partial<EventedStream>).on === 'function';

/**
 * stdout and stderr that outlive their reader. A write to a pipe whose reader went away fails with EPIPE, which
 * Node reports as an 'error' event; unhandled, it would end the controller, which then stops unsealing for the sake
 * of its logs (upstream, a Go program, dies of SIGPIPE there). Here the failed stream is dropped from then on, the
 * listeners hear of it once (the controller warns on the other stream), and the controller goes on working.
 * Streams without events (the tests' collectors) are returned as they are.
 */
export function guardOutputStreams(stdout: OutputStream, stderr: OutputStream): GuardedStreams {
  const listeners: ((closed: ClosedStream) => void)[] = [];
  const guard = (name: ClosedStream['stream'], stream: OutputStream): OutputStream => {
    if (!evented(stream)) return stream;
    let open = true;
    stream.on('error', (error) => {
      if (!open) return;
      open = false;
      const closed = { stream: name, code: typeof error.code === 'string' ? error.code : 'EIO' };
      for (const listener of listeners) listener(closed);
    });
    return { write: (text) => (open ? stream.write(text) : false) };
  };
  return {
    stdout: guard('stdout', stdout),
    stderr: guard('stderr', stderr),
    onClosed: (listener) => void listeners.push(listener),
  };
}
