import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helm.js';

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions (comments dropped, line continuations joined). */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const [op = '', ...rest] = line.split(/\s+/);
    const instruction = { op: op.toUpperCase(), args: rest.join(' ') };
    if (instruction.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ from: m?.[1] ?? '', name: m?.[2], instructions: [] });
    } else if (stages.length === 0 && instruction.op === 'ARG') {
      const [k = '', v = ''] = instruction.args.split('=');
      args.set(k, v);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

const expand = (image: string, args: Map<string, string>): string =>
  image.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, a: string | undefined, b: string | undefined) => args.get(a ?? b ?? '') ?? '',
  );

/** Workspace package directories (pnpm-workspace.yaml: packages/* and e2e). */
function workspacePackages(): string[] {
  const pkgs = readdirSync(join(repoRoot, 'packages'))
    .map((d) => `packages/${d}`)
    .filter((d) => existsSync(join(repoRoot, d, 'package.json')));
  return [...pkgs, 'e2e'];
}

const IMAGES: [file: string, pkg: string, entry: string][] = [
  ['docker/controller.Dockerfile', '@ssts/controller', '/app/bin/sealed-secrets-controller.js'],
  ['docker/kubeseal.Dockerfile', '@ssts/kubeseal', '/app/bin/kubeseal.js'],
];

describe.each(IMAGES)('%s', (file, pkg, entry) => {
  const { args, stages } = parseDockerfile(readFileSync(join(repoRoot, file), 'utf8'));
  const build = stages[0] as Stage;
  const runtime = stages.at(-1) as Stage;
  const runs = (s: Stage): string[] => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
  const copies = (s: Stage): string[] => s.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);

  it('is multi-stage and every stage is based on Node 24', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(expand(s.from, args)).toMatch(/^(docker\.io\/(library\/)?)?node:24[.-]/);
  });

  it('builds with the frozen lockfile and deploys only production dependencies of the package', () => {
    expect(runs(build)).toContainEqual(expect.stringMatching(/pnpm install --frozen-lockfile/));
    expect(runs(build)).toContainEqual(expect.stringMatching(/^pnpm build$/));
    const deploy = runs(build).find((r) => r.includes(' deploy '));
    expect(deploy).toMatch(new RegExp(`--filter ${pkg} deploy .*--prod`));
  });

  it('copies every workspace manifest before the install (or the frozen install fails)', () => {
    const copied = copies(build).join('\n');
    for (const dir of workspacePackages()) expect(copied, dir).toContain(`${dir}/package.json`);
  });

  it('final stage: only the deployed output from the build stage, never its node_modules or sources', () => {
    const fromBuild = copies(runtime).filter((c) => c.includes('--from='));
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const c of fromBuild) {
      expect(c).toMatch(/--from=build\b/);
      expect(c).toMatch(/\s\/out\//);
    }
    expect(copies(runtime).filter((c) => !c.includes('--from='))).toEqual([]);
    expect(copies(runtime).join('\n')).not.toMatch(/\/src\/node_modules|\/src\/packages/);
    expect(runs(runtime).join('\n')).not.toMatch(/\b(pnpm|npm|yarn)\s+(install|add|ci|i)\b/);
  });

  it('final stage runs as the non-root user 1001', () => {
    const users = runtime.instructions.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.at(-1)).toMatch(/^1001(:1001)?$/);
  });

  it(`final stage entrypoint is node ${entry} in exec form`, () => {
    const ep = runtime.instructions.filter((i) => i.op === 'ENTRYPOINT').at(-1);
    expect(JSON.parse(ep?.args ?? 'null')).toEqual(['node', entry]);
    expect(runtime.instructions.find((i) => i.op === 'ENV')?.args).toMatch(/NODE_ENV=production/);
  });
});

describe('.dockerignore', () => {
  it('keeps local dependencies, build outputs and git history out of the build context', () => {
    const lines = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git']) expect(lines).toContain(entry);
  });

  it('keeps everything the build stage copies by name', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const f of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', '.npmrc', 'packages', 'e2e']) {
      expect(ignored).not.toContain(f);
    }
  });
});
