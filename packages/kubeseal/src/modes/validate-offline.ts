import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { readDocuments } from '../io/documents.js';
import { sealedSecretFromDocument, withoutTemplateNulls } from './sealed-input.js';

/**
 * `kubeseal validate --offline --cert-set <file or dir>` (issue 14 item 5): every SealedSecret of the input is
 * checked without a cluster (no kubeconfig is read): its structure, its seal hints against where it is and how it
 * is annotated, and its sealing key against the pinned certificates. Silent when all pass (like `validate`); else
 * one line per problem, `<document>: <reason> (<CODE>)`, and exit status 1.
 */
export async function runValidateOffline(ctx: RunContext, certSet: string): Promise<void> {
  const { fs } = ctx.io;
  // Loaded here: it reaches the HTTP client's module (io/cert-fetch.ts), which run-mode.ts must not load eagerly.
  const { readCertificateSet, validateOffline } = await import('../keys/offline-validate.js');
  const pinned = await readCertificateSet(
    fs,
    certSet,
    (dir) => fs.listDir?.(dir) ?? Promise.resolve(undefined),
  );
  const documents = await readDocuments(await ctx.readInput(), 'sealed-secrets');
  if (documents.length === 0) {
    throw new CliError('INPUT', 'no sealed secrets found. Ensure the input is valid and UTF-8 encoded');
  }
  const lines: string[] = [];
  let failed = 0;
  for (const doc of documents) {
    let problems: string[];
    let where = `document ${doc.index}`;
    try {
      const ss = sealedSecretFromDocument({ ...doc, value: withoutTemplateNulls(doc.value) });
      const { name = '', namespace } = ss.metadata;
      where = `${where} (${namespace === undefined || namespace === '' ? name : `${namespace}/${name}`})`;
      problems = (await validateOffline(ss, pinned)).map((p) => `${where}: ${p.text} (${p.code})`);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      // The structure is wrong: the message already names the document.
      problems = [`${error.message} (STRUCTURE)`];
    }
    if (problems.length > 0) failed++;
    lines.push(...problems);
  }
  if (failed > 0) {
    throw new CliError(
      'INPUT',
      `${failed} of ${documents.length} SealedSecrets failed the offline validation against ${pinned.length} pinned certificate${pinned.length === 1 ? '' : 's'}`,
      { hints: lines },
    );
  }
}
