import { CliError } from '../errors.js';
import type { Ordered } from './go-order.js';

export type OutputFormat = 'json' | 'yaml';

/** `-o` (case-insensitive); a `-w` file ending in .yaml/.yml forces YAML (compat §6.1). */
export function resolveFormat(format: string, outputPath: string | undefined): OutputFormat {
  if (outputPath !== undefined && /\.ya?ml$/i.test(outputPath)) return 'yaml';
  const lower = format.toLowerCase();
  if (lower === 'json' || lower === 'yaml') return lower;
  throw new CliError('OUTPUT', `unsupported output format: ${format}`);
}

/** Go's encoding/json escapes these even inside pretty output; only strings can contain them. */
function escapeLikeGo(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON: 2-space indent and a trailing newline. */
export function renderJson(value: Ordered): string {
  return `${escapeLikeGo(JSON.stringify(value, null, 2))}\n`;
}

/** YAML as Go's JSON→YAML path writes it: `---` first, keys sorted, unindented sequences, no line folding. */
export async function renderYaml(value: Ordered): Promise<string> {
  const { stringify } = await import('../io/yaml.js');
  return `---\n${stringify(value, { sortMapEntries: true, lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false })}`;
}

export async function renderDocument(value: Ordered, format: OutputFormat): Promise<string> {
  return format === 'json' ? renderJson(value) : renderYaml(value);
}
