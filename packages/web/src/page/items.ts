// The key/value rows of the SealedSecret form. A value is typed (sealed as its UTF-8 bytes, never trimmed) or
// loaded from a file (sealed byte for byte); file bytes are kept only until sealing and then zeroed.
import { MAX_SECRET_BYTES } from '../seal/validate.js';
import type { SealItem } from '../seal/seal.js';
import { utf8 } from '../seal/bytes.js';
import { describeTypedValue, readFileBytes, setText } from './dom.js';

interface Row {
  readonly index: number;
  readonly root: HTMLElement;
  readonly key: HTMLInputElement;
  readonly value: HTMLTextAreaElement;
  readonly file: HTMLInputElement;
  readonly hint: HTMLElement;
  loaded: { name: string; bytes: Uint8Array } | undefined;
}

export class ItemList {
  readonly #container: HTMLElement;
  readonly #template: HTMLTemplateElement;
  readonly #rows: Row[] = [];
  #next = 0;

  constructor(container: HTMLElement, template: HTMLTemplateElement) {
    this.#container = container;
    this.#template = template;
  }

  add(): void {
    const index = this.#next++;
    const fragment = this.#template.content.cloneNode(true) as DocumentFragment;
    const root = fragment.querySelector<HTMLElement>('.item');
    const key = fragment.querySelector<HTMLInputElement>('.item-key');
    const value = fragment.querySelector<HTMLTextAreaElement>('.item-value');
    const file = fragment.querySelector<HTMLInputElement>('.item-file');
    const hint = fragment.querySelector<HTMLElement>('.item-hint');
    const remove = fragment.querySelector<HTMLButtonElement>('.item-remove');
    if (!root || !key || !value || !file || !hint || !remove)
      throw new Error('the item template is incomplete');
    const labels = fragment.querySelectorAll('label');
    for (const [i, control] of [key, value, file].entries()) {
      control.id = `item-${index}-${['key', 'value', 'file'][i] ?? ''}`;
      labels[i]?.setAttribute('for', control.id);
    }
    const row: Row = { index, root, key, value, file, hint, loaded: undefined };
    value.addEventListener('input', () => setText(hint, describeTypedValue(value.value)));
    file.addEventListener('change', () => void this.#load(row));
    remove.addEventListener('click', () => this.#remove(row));
    this.#rows.push(row);
    this.#container.append(fragment);
  }

  async #load(row: Row): Promise<void> {
    this.#forget(row);
    const chosen = row.file.files?.[0];
    if (chosen === undefined) return;
    try {
      const bytes = await readFileBytes(chosen, MAX_SECRET_BYTES);
      row.loaded = { name: chosen.name, bytes };
      row.value.value = '';
      row.value.disabled = true;
      row.value.placeholder = `the file's ${bytes.length} bytes`;
      // Like `kubectl create secret --from-file`: the file name is the default key.
      if (row.key.value === '') row.key.value = chosen.name;
      setText(row.hint, `file ${chosen.name}: ${bytes.length} bytes, sealed as they are`);
    } catch (error) {
      row.file.value = '';
      setText(row.hint, error instanceof Error ? error.message : String(error), 'error');
    }
  }

  #forget(row: Row): void {
    row.loaded?.bytes.fill(0);
    row.loaded = undefined;
    row.value.disabled = false;
    row.value.placeholder = '';
    setText(row.hint);
  }

  #remove(row: Row): void {
    this.#forget(row);
    row.root.remove();
    this.#rows.splice(this.#rows.indexOf(row), 1);
    if (this.#rows.length === 0) this.add();
  }

  /** The items as the form has them now; each points at its key field for errors. */
  items(): SealItem[] {
    return this.#rows
      .filter((row) => row.key.value !== '' || row.value.value !== '' || row.loaded !== undefined)
      .map((row) => ({
        key: row.key.value,
        value: row.loaded === undefined ? utf8(row.value.value) : row.loaded.bytes,
        field: row.key.id,
      }));
  }

  /** Forgets every value (typed and loaded); keys stay, they are not secret. */
  clearValues(): void {
    for (const row of this.#rows) {
      this.#forget(row);
      row.value.value = '';
      row.file.value = '';
    }
  }
}
