// `@ssts/template/text`: the texts other packages share with the engine, without loading it: Go byte strings and
// strconv.Quote (bounded messages), the time-budget message (unseal, the controller's watchdog), month names.
export { bytesToText, textToBytes } from './go/bytes.js';
export { quoteBytes } from './go/quote.js';
export { timeBudgetMessage } from './engine/limits.js';
export { MONTH_NAMES } from './go/calendar.js';
