import { MONTH_NAMES } from '@ssts/template/text';

/** Go's `January 2, 2006` layout, in UTC. */
export function formatGoDate(date: Date): string {
  return `${MONTH_NAMES[date.getUTCMonth()] ?? ''} ${date.getUTCDate()}, ${date.getUTCFullYear()}`;
}
