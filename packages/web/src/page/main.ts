// The sealing page. Plaintext lives only in the form fields and in memory until it is sealed; the only network
// request this script makes is GET v1/cert.pem (relative to the page). The CSP enforces that for any script.
import type { SealedSecret } from '@ssts/core';
import { utf8 } from '../seal/bytes.js';
import {
  MAX_CERTIFICATE_PEM_BYTES,
  assertNotExpired,
  importCertificate,
  matchesPin,
  type SealingKey,
} from '../seal/certificate.js';
import { CertificateError, InputError } from '../seal/errors.js';
import { CERTIFICATE_PATH, fetchCertificatePem } from '../seal/fetch-certificate.js';
import {
  renderSealedSecret,
  sealRawForm,
  sealSecretForm,
  type OutputFormat,
  type Scope,
} from '../seal/seal.js';
import { MAX_SECRET_BYTES, parseKeyValueLines } from '../seal/validate.js';
import { byId, describeTypedValue, readFileBytes, setText } from './dom.js';
import { ItemList } from './items.js';

const SCOPE_ANNOTATION: Record<Scope, string> = {
  strict: '',
  'namespace-wide': 'sealedsecrets.bitnami.com/namespace-wide: "true"',
  'cluster-wide': 'sealedsecrets.bitnami.com/cluster-wide: "true"',
};

const el = {
  origin: byId('page-origin', HTMLElement),
  path: byId('page-path', HTMLElement),
  certStatus: byId('cert-status', HTMLElement),
  certDetails: byId('cert-details', HTMLElement),
  certFingerprint: byId('cert-fingerprint', HTMLElement),
  certSha256: byId('cert-sha256', HTMLElement),
  certKey: byId('cert-key', HTMLElement),
  certExpiry: byId('cert-expiry', HTMLElement),
  certSource: byId('cert-source', HTMLElement),
  certOther: byId('cert-other', HTMLDetailsElement),
  certFile: byId('cert-file', HTMLInputElement),
  certPem: byId('cert-pem', HTMLTextAreaElement),
  certUse: byId('cert-use', HTMLButtonElement),
  certRefetch: byId('cert-refetch', HTMLButtonElement),
  pin: byId('pin', HTMLInputElement),
  pinStatus: byId('pin-status', HTMLElement),
  form: byId('seal-form', HTMLFormElement),
  name: byId('name', HTMLInputElement),
  namespace: byId('namespace', HTMLInputElement),
  scope: byId('scope', HTMLSelectElement),
  itemsSection: byId('items-section', HTMLElement),
  items: byId('items', HTMLElement),
  itemTemplate: byId('item-template', HTMLTemplateElement),
  addItem: byId('add-item', HTMLButtonElement),
  rawSection: byId('raw-section', HTMLElement),
  rawValue: byId('raw-value', HTMLTextAreaElement),
  rawFile: byId('raw-file', HTMLInputElement),
  rawHint: byId('raw-hint', HTMLElement),
  metaSection: byId('meta-section', HTMLDetailsElement),
  type: byId('type', HTMLInputElement),
  labels: byId('labels', HTMLTextAreaElement),
  annotations: byId('annotations', HTMLTextAreaElement),
  formatChoice: byId('format-choice', HTMLFieldSetElement),
  seal: byId('seal', HTMLButtonElement),
  formError: byId('form-error', HTMLElement),
  outputSection: byId('output-section', HTMLElement),
  outputNote: byId('output-note', HTMLElement),
  output: byId('output', HTMLTextAreaElement),
  copy: byId('copy', HTMLButtonElement),
  download: byId('download', HTMLButtonElement),
  copyStatus: byId('copy-status', HTMLElement),
};

const items = new ItemList(el.items, el.itemTemplate);
let sealingKey: SealingKey | undefined;
let rawFileBytes: Uint8Array | undefined;
/** The last SealedSecret (ciphertext only), so switching YAML/JSON re-renders without sealing again. */
let lastSealed: SealedSecret | undefined;
let lastOutputName = 'sealed';

function mode(): 'secret' | 'raw' {
  return el.form.querySelector<HTMLInputElement>('input[name=mode]:checked')?.value === 'raw'
    ? 'raw'
    : 'secret';
}

function format(): OutputFormat {
  return el.form.querySelector<HTMLInputElement>('input[name=format]:checked')?.value === 'json'
    ? 'json'
    : 'yaml';
}

// ---- certificate ----

/** Counts certificate loads, so that only the last one started is shown and used. */
let certificateLoads = 0;

async function loadCertificate(pem: Promise<string>, source: string): Promise<void> {
  const load = ++certificateLoads;
  sealingKey = undefined;
  el.certDetails.hidden = true;
  checkPin();
  setText(el.certStatus, `Loading the certificate from ${source}…`);
  try {
    const key = await importCertificate(await pem);
    if (load !== certificateLoads) return;
    sealingKey = key;
    el.certFingerprint.textContent = key.keyFingerprint;
    el.certSha256.textContent = key.certificateSha256;
    el.certKey.textContent = `RSA ${key.modulusBits} bits`;
    el.certSource.textContent = source;
    const days = Math.floor((key.notAfter.getTime() - Date.now()) / 86_400_000);
    const expired = days < 0;
    setText(
      el.certExpiry,
      `${key.notAfter.toISOString().replace('.000Z', 'Z')} (${expired ? 'EXPIRED' : `${days} days left`})`,
      expired ? 'error' : days < 30 ? 'warn' : undefined,
    );
    el.certDetails.hidden = false;
    setText(
      el.certStatus,
      expired
        ? 'This certificate has expired: fetch the current one.'
        : 'Ready: values are sealed for this key.',
      expired ? 'error' : 'ok',
    );
    performance.mark('certificate-ready');
  } catch (error) {
    if (load !== certificateLoads) return;
    setText(el.certStatus, `${messageOf(error)}. Load the certificate below instead.`, 'error');
    el.certOther.open = true;
  }
  checkPin();
}

function fetchFromController(): void {
  const url = new URL(CERTIFICATE_PATH, document.baseURI).href;
  void loadCertificate(fetchCertificatePem(CERTIFICATE_PATH), url);
}

/** True when the user gave an expected fingerprint and it does not match the loaded key. */
function checkPin(): boolean {
  const matches = sealingKey === undefined ? undefined : matchesPin(sealingKey, el.pin.value);
  el.pin.removeAttribute('aria-invalid');
  if (matches === undefined) setText(el.pinStatus);
  else if (matches) setText(el.pinStatus, 'The certificate matches the expected fingerprint.', 'ok');
  else {
    el.pin.setAttribute('aria-invalid', 'true');
    setText(
      el.pinStatus,
      `The certificate does NOT match: its key is ${sealingKey?.keyFingerprint ?? ''}. Sealing is blocked.`,
      'error',
    );
  }
  el.seal.disabled = sealingKey === undefined || matches === false;
  return matches === false;
}

// ---- sealing ----

function clearErrors(): void {
  setText(el.formError);
  for (const invalid of el.form.querySelectorAll('[aria-invalid=true]'))
    invalid.removeAttribute('aria-invalid');
}

function showError(error: unknown): void {
  if (error instanceof InputError) {
    const field = document.getElementById(error.field);
    field?.setAttribute('aria-invalid', 'true');
    if (field instanceof HTMLDetailsElement) field.open = true;
    else field?.closest('details')?.setAttribute('open', '');
    field?.focus();
  }
  setText(el.formError, messageOf(error), 'error');
}

function messageOf(error: unknown): string {
  if (error instanceof InputError || error instanceof CertificateError) return error.message;
  // WebCrypto errors never carry the plaintext; say what failed without guessing.
  return `sealing failed: ${error instanceof Error ? error.message : String(error)}`;
}

async function seal(): Promise<void> {
  clearErrors();
  const key = sealingKey;
  if (key === undefined || checkPin()) return;
  el.seal.disabled = true;
  performance.mark('seal-start');
  try {
    assertNotExpired(key, new Date());
    const name = el.name.value;
    const namespace = el.namespace.value;
    const scope = el.scope.value as Scope;
    if (mode() === 'raw') {
      const value = rawFileBytes ?? utf8(el.rawValue.value);
      const text = await sealRawForm({ name, namespace, scope, value }, key);
      lastSealed = undefined;
      lastOutputName = `${name || 'value'}.sealed.txt`;
      showOutput(text, rawNote(scope, name, namespace));
    } else {
      const ss = await sealSecretForm(
        {
          name,
          namespace,
          scope,
          type: el.type.value,
          labels: parseKeyValueLines('labels', el.labels.value, 'label'),
          annotations: parseKeyValueLines('annotations', el.annotations.value, 'annotation'),
          items: items.items(),
        },
        key,
      );
      lastSealed = ss;
      lastOutputName = `${name}.sealedsecret`;
      showOutput(await renderSealedSecret(ss, format()), secretNote(scope));
    }
    clearPlaintext();
    performance.mark('sealed');
  } catch (error) {
    showError(error);
  } finally {
    checkPin();
  }
}

function rawNote(scope: Scope, name: string, namespace: string): string {
  const where =
    scope === 'strict'
      ? `a SealedSecret named "${name}" in namespace "${namespace}"`
      : scope === 'namespace-wide'
        ? `a SealedSecret in namespace "${namespace}" that carries the annotation ${SCOPE_ANNOTATION[scope]}`
        : `a SealedSecret that carries the annotation ${SCOPE_ANNOTATION[scope]}`;
  return `Put this value under spec.encryptedData.<key> of ${where}. The plaintext fields were cleared.`;
}

function secretNote(scope: Scope): string {
  const rename =
    scope === 'strict'
      ? 'It unseals only under this name and namespace.'
      : scope === 'namespace-wide'
        ? 'It unseals under any name in this namespace.'
        : 'It unseals under any name in any namespace.';
  return `Commit it or kubectl apply it. ${rename} The plaintext fields were cleared.`;
}

function showOutput(text: string, note: string): void {
  el.output.value = text;
  el.outputNote.textContent = note;
  setText(el.copyStatus);
  el.outputSection.hidden = false;
  el.output.scrollIntoView({ block: 'nearest' });
}

/** Forgets every plaintext value: typed and loaded item values, the raw value. Names and labels are kept. */
function clearPlaintext(): void {
  items.clearValues();
  el.rawValue.value = '';
  el.rawFile.value = '';
  rawFileBytes?.fill(0);
  rawFileBytes = undefined;
  el.rawValue.disabled = false;
  setText(el.rawHint);
}

// ---- output ----

async function copyOutput(): Promise<void> {
  try {
    await navigator.clipboard.writeText(el.output.value);
  } catch {
    // No async clipboard (plain http, or not allowed): copy the selection the old way.
    el.output.select();
    if (!document.execCommand('copy')) {
      setText(el.copyStatus, 'Copy is not available here: select the text and copy it.', 'error');
      return;
    }
  }
  setText(el.copyStatus, 'Copied.', 'ok');
}

function downloadOutput(): void {
  const raw = lastSealed === undefined;
  const extension = raw ? '' : format() === 'json' ? '.json' : '.yaml';
  const type = raw ? 'text/plain' : format() === 'json' ? 'application/json' : 'application/yaml';
  const url = URL.createObjectURL(new Blob([el.output.value], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${lastOutputName}${extension}`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

// ---- wiring ----

function applyMode(): void {
  const raw = mode() === 'raw';
  el.itemsSection.hidden = raw;
  el.metaSection.hidden = raw;
  el.formatChoice.hidden = raw;
  el.rawSection.hidden = !raw;
}

async function loadRawFile(): Promise<void> {
  rawFileBytes?.fill(0);
  rawFileBytes = undefined;
  el.rawValue.disabled = false;
  const file = el.rawFile.files?.[0];
  if (file === undefined) return setText(el.rawHint);
  try {
    rawFileBytes = await readFileBytes(file, MAX_SECRET_BYTES);
    el.rawValue.value = '';
    el.rawValue.disabled = true;
    setText(el.rawHint, `file ${file.name}: ${rawFileBytes.length} bytes, sealed as they are`);
  } catch (error) {
    el.rawFile.value = '';
    setText(el.rawHint, messageOf(error), 'error');
  }
}

/** `#fingerprint=SHA256:…` in the link pins the key (the fragment is never sent to a server). */
function pinFromLink(): void {
  const pinned = /(?:^#|&)fingerprint=([^&]+)/.exec(location.hash)?.[1];
  if (pinned === undefined) return;
  try {
    el.pin.value = decodeURIComponent(pinned);
  } catch {
    el.pin.value = pinned;
  }
  checkPin();
}

function start(): void {
  el.origin.textContent = location.origin;
  el.path.textContent = location.pathname;
  pinFromLink();
  addEventListener('hashchange', pinFromLink);
  items.add();
  applyMode();

  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void seal();
  });
  for (const radio of el.form.querySelectorAll<HTMLInputElement>('input[name=mode]')) {
    radio.addEventListener('change', applyMode);
  }
  for (const radio of el.form.querySelectorAll<HTMLInputElement>('input[name=format]')) {
    radio.addEventListener('change', () => {
      if (lastSealed !== undefined)
        void renderSealedSecret(lastSealed, format()).then((t) => (el.output.value = t));
    });
  }
  el.addItem.addEventListener('click', () => items.add());
  el.rawValue.addEventListener('input', () => setText(el.rawHint, describeTypedValue(el.rawValue.value)));
  el.rawFile.addEventListener('change', () => void loadRawFile());
  el.pin.addEventListener('input', () => checkPin());
  el.copy.addEventListener('click', () => void copyOutput());
  el.download.addEventListener('click', downloadOutput);
  el.certRefetch.addEventListener('click', fetchFromController);
  el.certUse.addEventListener('click', () => {
    const file = el.certFile.files?.[0];
    if (file !== undefined) {
      // Refused before reading: a wrong file chosen here may be huge.
      const text = readFileBytes(file, MAX_CERTIFICATE_PEM_BYTES).then((bytes) =>
        new TextDecoder().decode(bytes),
      );
      void loadCertificate(text, `file ${file.name} (loaded by you)`);
    } else void loadCertificate(Promise.resolve(el.certPem.value), 'pasted by you');
  });
  // Leaving the page (closing the tab, navigating, or the browser putting it in the back/forward cache) clears the
  // plaintext, so it is not restored by "back" and does not linger in a hidden tab's memory.
  addEventListener('pagehide', clearPlaintext);
  fetchFromController();
}

start();
