import { execFileSync } from 'node:child_process';
import { scrubCiphertexts } from './independent-crypto.js';

/** `git diff` of the working tree in `repo`: ciphertexts scrubbed (they are random), without the `index` lines. */
export function scrubbedGitDiff(repo: string): string {
  const diff = execFileSync('git', ['diff', '--no-color', '--unified=1'], { cwd: repo, encoding: 'utf8' });
  return scrubCiphertexts(diff)
    .split('\n')
    .filter((line) => !line.startsWith('index '))
    .join('\n');
}
