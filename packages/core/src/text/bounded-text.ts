import { bytesToText, quoteBytes, textToBytes } from '@ssts/template/text';

/**
 * How much of a user-supplied string a message shows: Go's text/template cuts its error context the same way
 * (`fmt.Sprintf("%.20s...", context)` in parse.Tree.ErrorContext).
 */
export const QUOTED_TEXT_RUNES = 20;

/** Bound of a message that reaches a status, an event or an HTTP answer (the events API caps a note at 1 KiB). */
export const MESSAGE_LIMIT_BYTES = 1024;

/**
 * User-supplied text for a message: Go's `%q` of its first `maxRunes` code points, then `...` when there was
 * more (`"aaaaaaaaaaaaaaaaaaaa"...`). Control characters are escaped, so the result is one line. Never reads
 * further into `text` than it shows.
 */
export function quoteUserText(text: string, maxRunes: number = QUOTED_TEXT_RUNES): string {
  let end = 0;
  let runes = 0;
  while (end < text.length && runes < maxRunes) {
    const unit = text.charCodeAt(end);
    const pair = unit >= 0xd800 && unit <= 0xdbff && end + 1 < text.length;
    const next = pair ? text.charCodeAt(end + 1) : 0;
    end += pair && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    runes++;
  }
  const quoted = bytesToText(quoteBytes(textToBytes(text.slice(0, end))));
  return end < text.length ? `${quoted}...` : quoted;
}

/**
 * Caps a message at `maxBytes` bytes of UTF-8 (default MESSAGE_LIMIT_BYTES), cut on a character boundary and
 * ending with `... [N more bytes]`. The one function every edge (status, events, logs, HTTP answers) uses.
 */
export function capMessage(text: string, maxBytes: number = MESSAGE_LIMIT_BYTES): string {
  // At most 3 bytes per UTF-16 code unit: short texts need no measuring.
  if (text.length * 3 <= maxBytes) return text;
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= maxBytes) return text;
  const suffix = (kept: number): string => `... [${total - kept} more bytes]`;
  const room = Math.max(0, maxBytes - Buffer.byteLength(suffix(0)));
  // Each code unit encodes to at least one byte, so the first `room` units hold at least `room` bytes.
  let units = room;
  const last = text.charCodeAt(units - 1);
  if (last >= 0xd800 && last <= 0xdbff) units--; // never half a surrogate pair
  const head = Buffer.from(text.slice(0, units), 'utf8');
  let cut = Math.min(room, head.length);
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && cut < head.length && ((head[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return `${head.subarray(0, cut).toString('utf8')}${suffix(cut)}`;
}
