/**
 * The Secret references a kubelet would resolve before starting the Pods of an object (a Pod, or a workload with
 * `spec.template.spec`): `env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`, `volumes[].secret` and
 * `volumes[].projected.sources[].secret`, with the keys they name. There is no kubelet in the e2e environment, so
 * the docs test resolves these against the API server itself.
 */

export interface SecretReference {
  readonly namespace: string;
  readonly name: string;
  /** Keys that must exist; empty when the whole Secret is referenced. */
  readonly keys: readonly string[];
  readonly optional: boolean;
  /** Where in the object, for messages. */
  readonly where: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function podSpecOf(obj: Json): Json | undefined {
  const spec = isObject(obj['spec']) ? obj['spec'] : undefined;
  if (obj['kind'] === 'Pod') return spec;
  const template = spec !== undefined && isObject(spec['template']) ? spec['template'] : undefined;
  return template !== undefined && isObject(template['spec']) ? template['spec'] : undefined;
}

function itemKeys(items: unknown): string[] {
  return list(items).map((item) => str(item['key']));
}

export function secretReferences(obj: Json): SecretReference[] {
  const podSpec = podSpecOf(obj);
  if (podSpec === undefined) return [];
  const metadata = isObject(obj['metadata']) ? obj['metadata'] : {};
  const namespace = str(metadata['namespace']) || 'default';
  const refs: SecretReference[] = [];
  const add = (name: string, keys: string[], optional: unknown, where: string) =>
    refs.push({ namespace, name, keys, optional: optional === true, where });
  for (const field of ['initContainers', 'containers'] as const) {
    for (const container of list(podSpec[field])) {
      const at = `${field}[${str(container['name'])}]`;
      for (const env of list(container['env'])) {
        const from = isObject(env['valueFrom']) ? env['valueFrom'] : undefined;
        const ref = from !== undefined && isObject(from['secretKeyRef']) ? from['secretKeyRef'] : undefined;
        if (ref !== undefined)
          add(str(ref['name']), [str(ref['key'])], ref['optional'], `${at}.env[${str(env['name'])}]`);
      }
      for (const envFrom of list(container['envFrom'])) {
        const ref = isObject(envFrom['secretRef']) ? envFrom['secretRef'] : undefined;
        if (ref !== undefined) add(str(ref['name']), [], ref['optional'], `${at}.envFrom`);
      }
    }
  }
  for (const volume of list(podSpec['volumes'])) {
    const at = `volumes[${str(volume['name'])}]`;
    const secret = isObject(volume['secret']) ? volume['secret'] : undefined;
    if (secret !== undefined)
      add(str(secret['secretName']), itemKeys(secret['items']), secret['optional'], `${at}.secret`);
    const projected = isObject(volume['projected']) ? volume['projected'] : undefined;
    for (const source of list(projected?.['sources'])) {
      const ref = isObject(source['secret']) ? source['secret'] : undefined;
      if (ref !== undefined)
        add(str(ref['name']), itemKeys(ref['items']), ref['optional'], `${at}.projected.secret`);
    }
  }
  return refs;
}
