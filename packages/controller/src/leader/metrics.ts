import { Counter, Gauge, type Registry } from 'prom-client';
import type { LeadershipChange } from './elector.js';

/** Leader-election metrics, registered only when leader election is on (a single replica's /metrics is upstream's). */
export class LeaderMetrics {
  readonly leader: Gauge;
  readonly transitions: Counter<'transition'>;

  constructor(registry: Registry) {
    this.leader = new Gauge({
      name: 'sealed_secrets_controller_leader',
      help: 'Whether this replica holds the leader Lease (1) or not (0)',
      registers: [registry],
    });
    this.leader.set(0);
    this.transitions = new Counter({
      name: 'sealed_secrets_controller_leader_transitions_total',
      help: 'Leadership changes of this replica: acquired the Lease, lost it (renewal failed), released it (stop)',
      labelNames: ['transition'],
      registers: [registry],
    });
    for (const transition of ['acquired', 'lost', 'released']) this.transitions.inc({ transition }, 0);
  }

  observe(change: LeadershipChange): void {
    this.leader.set(change === 'acquired' ? 1 : 0);
    this.transitions.inc({ transition: change });
  }
}
