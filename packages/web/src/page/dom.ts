/** The element with this id, checked to be of the expected kind (the HTML and the script ship together). */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`the page is missing #${id}`);
  return element;
}

export type Tone = 'error' | 'ok' | 'warn';

/** Sets the text and its tone (a class; the element keeps its other classes). */
export function setText(element: HTMLElement, text = '', tone?: Tone): void {
  element.textContent = text;
  for (const name of ['error', 'ok', 'warn'] as const) element.classList.toggle(name, name === tone);
}

/** Reads a chosen file, refusing it before reading when it is larger than `maxBytes`. */
export async function readFileBytes(file: File, maxBytes: number): Promise<Uint8Array> {
  if (file.size > maxBytes) {
    throw new Error(`"${file.name}" is ${file.size} bytes; at most ${maxBytes} bytes can be sealed`);
  }
  return new Uint8Array(await file.arrayBuffer());
}

/** What to say about a typed value that users often do not mean (it is still sealed exactly as typed). */
export function describeTypedValue(value: string): string {
  if (value === '') return '';
  const bytes = new TextEncoder().encode(value).length;
  const notes = [`${bytes} byte${bytes === 1 ? '' : 's'}`];
  if (/\n$/.test(value)) notes.push('ends with a newline (kept)');
  else if (/\s$/.test(value)) notes.push('ends with a space (kept)');
  if (/^\s/.test(value)) notes.push('starts with a space (kept)');
  return notes.join(' · ');
}
