import type { Clock } from '../src/clock.js';

/**
 * A manual clock for tests: `advance(ms)` fires due timers in order. `stepWall(ms)` moves the wall clock alone, as
 * an NTP step would; timers and `monotonicNow()` follow `advance` only.
 */
export class ManualClock implements Clock {
  #now: number;
  #wallOffset = 0;
  #timers: { at: number; seq: number; callback: () => void }[] = [];
  #seq = 0;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }
  now(): number {
    return this.#now + this.#wallOffset;
  }
  monotonicNow(): number {
    return this.#now;
  }
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return timer;
  }
  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t !== handle);
  }
  get pending(): number {
    return this.#timers.length;
  }
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.callback();
    }
    this.#now = target;
  }
}
