import { CliError } from '../errors.js';
import { emitGoYaml } from './go-yaml.js';
import type { Ordered } from './ordered.js';

export { renderJson } from './json.js';
import { renderJson } from './json.js';

export type OutputFormat = 'json' | 'yaml';

/** `-o` (case-insensitive); a `-w` file ending in .yaml/.yml forces YAML (compat §6.1). */
export function resolveFormat(format: string, outputPath: string | undefined): OutputFormat {
  if (outputPath !== undefined && /\.ya?ml$/i.test(outputPath)) return 'yaml';
  const lower = format.toLowerCase();
  if (lower === 'json' || lower === 'yaml') return lower;
  throw new CliError('OUTPUT', `unsupported output format: ${format}`);
}

/** YAML as upstream kubeseal writes it: `---`, then the document as go-yaml v2 writes it (see go-yaml.ts). */
export function renderYamlSync(value: Ordered): string {
  return `---\n${emitGoYaml(value)}`;
}

/** Promise-returning form kept for callers written when the YAML library was loaded lazily. */
export async function renderYaml(value: Ordered): Promise<string> {
  return renderYamlSync(value);
}

export async function renderDocument(value: Ordered, format: OutputFormat): Promise<string> {
  return format === 'json' ? renderJson(value) : renderYamlSync(value);
}
