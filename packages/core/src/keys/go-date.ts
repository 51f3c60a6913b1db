import { MONTH_NAMES } from '@ssts/template/text';

// Go's month names: one copy, in the template engine's calendar (its dates need them; nothing below it does).
export { MONTH_NAMES };

/** Go's `January 2, 2006` layout, in UTC. */
export function formatGoDate(date: Date): string {
  return `${MONTH_NAMES[date.getUTCMonth()] ?? ''} ${date.getUTCDate()}, ${date.getUTCFullYear()}`;
}
