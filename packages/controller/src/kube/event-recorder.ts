import { createHash } from 'node:crypto';
import { capMessage } from '@ssts/core';
import type { Clock } from '../clock.js';
import { isKubeError } from '@ssts/kube';
import type { KubeEvent, KubeGateway } from './kube-gateway.js';

export interface EventRecorderOptions {
  readonly gateway: Pick<KubeGateway, 'createEvent' | 'patchEvent'>;
  readonly clock: Clock;
  /** Distinct events remembered; the least recently seen is forgotten beyond this (client-go: 4096). */
  readonly maxEntries?: number;
  /** A repeat later than this after the previous one starts a new Event (client-go aggregates over 10 min). */
  readonly windowMs?: number;
}

interface Seen {
  readonly namespace: string;
  readonly name: string;
  readonly count: number;
  /** A number rather than a Date: thousands of entries are kept. */
  readonly firstTimeMs: number;
  readonly lastSeenMs: number;
}

/**
 * Aggregates repeats like client-go's event recorder (compat §3.7): an event identical to one recorded within the
 * window (same source, involved object, type, reason and message) PATCHes the existing Event's `count` and
 * `lastTimestamp` instead of creating another one. If that Event is gone (events expire after an hour by default)
 * it is created again with the running count. The cache is a bounded LRU.
 */
export class EventRecorder {
  readonly #options: EventRecorderOptions;
  readonly #maxEntries: number;
  readonly #windowMs: number;
  readonly #seen = new Map<string, Seen>();

  constructor(options: EventRecorderOptions) {
    this.#options = options;
    this.#maxEntries = Math.max(1, options.maxEntries ?? 4096);
    this.#windowMs = options.windowMs ?? 10 * 60_000;
  }

  /** Distinct events currently remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Sends `event` with its message capped (capMessage): events are published, and user text may be in it. Rejects
   * when the API refused the write. Reconciles do not call this directly: they go through the EventQueue.
   */
  async record(uncapped: KubeEvent): Promise<void> {
    const event = { ...uncapped, message: capMessage(uncapped.message) };
    const key = eventKey(event);
    const now = this.#options.clock.now();
    const previous = this.#seen.get(key);
    if (previous !== undefined && now - previous.lastSeenMs <= this.#windowMs) {
      const count = previous.count + 1;
      try {
        await this.#options.gateway.patchEvent(previous.namespace, previous.name, {
          count,
          time: event.time,
        });
        this.#remember(key, { ...previous, count, lastSeenMs: now });
        return;
      } catch (error) {
        if (!isKubeError(error, 'NotFound')) throw error;
      }
      await this.#create(key, { ...event, count, firstTime: new Date(previous.firstTimeMs) }, now);
      return;
    }
    await this.#create(key, event, now);
  }

  async #create(key: string, event: KubeEvent, now: number): Promise<void> {
    const name = await this.#options.gateway.createEvent(event);
    this.#remember(key, {
      namespace: event.namespace,
      name,
      count: event.count ?? 1,
      firstTimeMs: (event.firstTime ?? event.time).getTime(),
      lastSeenMs: now,
    });
  }

  #remember(key: string, seen: Seen): void {
    // Map iteration order is insertion order: re-inserting makes this the most recently used entry.
    this.#seen.delete(key);
    this.#seen.set(key, seen);
    while (this.#seen.size > this.#maxEntries) {
      const oldest = this.#seen.keys().next();
      if (oldest.done === true) break;
      this.#seen.delete(oldest.value);
    }
  }
}

/**
 * client-go's getEventKey, minus the fields we never set (host, fieldPath), as a SHA-256 digest: the LRU keeps
 * 4 096 of them, and the JSON (uid, message) is about 250 bytes where the digest is 44.
 */
function eventKey(event: KubeEvent): string {
  const o = event.involvedObject;
  const key = JSON.stringify([
    event.sourceComponent,
    o.apiVersion,
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    event.type,
    event.reason,
    event.message,
  ]);
  return createHash('sha256').update(key).digest('base64');
}
