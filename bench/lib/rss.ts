import { readFileSync } from 'node:fs';

/** Resident set size and its high-water mark of a live process, from /proc/<pid>/status (Linux). */
export interface RssReading {
  readonly rssBytes: number;
  readonly hwmBytes: number;
}

/** Parses the VmRSS and VmHWM lines (kB) of /proc/<pid>/status. */
export function parseProcStatus(status: string): RssReading | undefined {
  const kb = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  };
  const rss = kb('VmRSS');
  const hwm = kb('VmHWM');
  return rss === undefined || hwm === undefined ? undefined : { rssBytes: rss, hwmBytes: hwm };
}

export function readRss(pid: number): RssReading | undefined {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs`; `peak` is the larger of the sampled maximum and VmHWM. */
export class RssSampler {
  #timer: NodeJS.Timeout | undefined;
  #peak = 0;
  #last: RssReading | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.stop();
    this.#peak = 0;
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    this.#timer.unref();
  }

  sample(): RssReading | undefined {
    const reading = readRss(this.pid);
    if (reading !== undefined) {
      this.#last = reading;
      this.#peak = Math.max(this.#peak, reading.rssBytes);
    }
    return reading;
  }

  /** The highest RSS sampled since start(). VmHWM is not used: it covers the whole process life. */
  get peakBytes(): number {
    return this.#peak;
  }

  get last(): RssReading | undefined {
    return this.#last;
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
