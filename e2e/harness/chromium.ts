// Headless Chromium from Debian (scripts/setup.sh installs the `chromium` package), driven by playwright-core:
// never a downloaded browser. Shared by the browser e2e specs and the bench.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying to reach Google's hosts, which a closed network
// refuses; GPU and sandbox are unavailable to root in a container.
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumOptions {
  readonly viewport?: { width: number; height: number };
  /** Sent with every request (e.g. the Authorization that `kubectl proxy` would add). */
  readonly headers?: Record<string, string>;
  /** For a server whose certificate is signed by a CA the browser does not know (the e2e API server's). */
  readonly ignoreHTTPSErrors?: boolean;
}

export interface Chromium {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** A browser with a fresh, empty profile (its own --user-data-dir, removed by close()). */
export async function launchChromium(options: ChromiumOptions = {}): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: run scripts/setup.sh (it installs Debian's chromium package)`,
    );
  }
  // Loaded on use: the rest of the harness (cluster start-up, demo) does not need it.
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'ssts-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      ...(options.viewport && { viewport: options.viewport }),
      ...(options.headers && { extraHTTPHeaders: options.headers }),
      ...(options.ignoreHTTPSErrors && { ignoreHTTPSErrors: true }),
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
