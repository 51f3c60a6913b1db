import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { KubeEvent } from './kube-gateway.js';

/** Where reconciles put their events: never waits for the API server. */
export interface EventSink {
  record(event: KubeEvent): void;
}

export interface EventQueueOptions {
  /** Sends one event (the EventRecorder, which aggregates repeats); a rejection is logged. */
  readonly send: (event: KubeEvent) => Promise<void>;
  readonly log: Logger;
  /** Events waiting or in flight; beyond it new events are dropped (client-go's broadcaster queues 1000). */
  readonly maxPending?: number;
  /** Events sent at once (the client's rate limiter paces them further). */
  readonly concurrency?: number;
}

/**
 * Defers events off the reconcile path, as client-go's event broadcaster does (`Eventf` only queues, a goroutine
 * sends): a reconcile does not wait for an event round trip. Events of one involved object are sent in the order
 * they were recorded (the recorder needs an Event's name before it can count a repeat); different objects go in
 * parallel, at most `concurrency` at a time. A full queue drops the new event and logs it, like client-go.
 */
export class EventQueue implements EventSink {
  readonly #options: EventQueueOptions;
  readonly #maxPending: number;
  readonly #concurrency: number;
  /** The last queued send per involved object (uid), so the next one chains behind it. */
  readonly #tails = new Map<string, Promise<void>>();
  readonly #slotWaiters: (() => void)[] = [];
  #pending = 0;
  #inFlight = 0;
  #dropped = 0;

  constructor(options: EventQueueOptions) {
    this.#options = options;
    this.#maxPending = Math.max(1, options.maxPending ?? 1000);
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** Events waiting or in flight. */
  get pending(): number {
    return this.#pending;
  }

  /** Events dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  record(event: KubeEvent): void {
    if (this.#pending >= this.#maxPending) {
      this.#dropped++;
      // Logged once per 100 drops: a flood of events must not become a flood of log lines.
      if (this.#dropped % 100 === 1) {
        this.#options.log.warn(
          { reason: event.reason, dropped: this.#dropped, maxPending: this.#maxPending },
          'Event queue full, dropping events',
        );
      }
      return;
    }
    this.#pending++;
    const key = `${event.involvedObject.namespace}/${event.involvedObject.name}/${event.involvedObject.uid}`;
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const sent = previous.then(() => this.#sendInSlot(event));
    this.#tails.set(key, sent);
    void sent.then(() => {
      this.#pending--;
      if (this.#tails.get(key) === sent) this.#tails.delete(key);
    });
  }

  /** Resolves once every event recorded so far was sent (or failed), or after `timeoutMs` when given. */
  async flush(timeoutMs?: number): Promise<void> {
    const drained = (async () => {
      while (this.#tails.size > 0) await Promise.all(this.#tails.values());
    })();
    if (timeoutMs === undefined) return drained;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  async #sendInSlot(event: KubeEvent): Promise<void> {
    if (this.#inFlight < this.#concurrency) this.#inFlight++;
    // A finished send hands its slot straight to the next waiter, so the count never overshoots.
    else await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
    try {
      await this.#options.send(event);
    } catch (error) {
      this.#options.log.warn({ reason: event.reason, error: errorMessage(error) }, 'Cannot record an event');
    } finally {
      const next = this.#slotWaiters.shift();
      if (next === undefined) this.#inFlight--;
      else next();
    }
  }
}
