#!/usr/bin/env node
// Stops the control plane recorded by `pnpm cluster:up` (by PID, SIGTERM then SIGKILL) and removes its files.
import { rmSync } from 'node:fs';
import { readClusterState, removeClusterState, stopControlPlanePids } from '../e2e/dist/harness/index.js';

const state = readClusterState();
if (state === undefined) {
  console.log('cluster:down: no cluster recorded; nothing to stop');
} else {
  await stopControlPlanePids(state.pids, state.commands);
  rmSync(state.dir, { recursive: true, force: true });
  removeClusterState();
  console.log(`cluster:down: stopped ${state.server} (pids ${Object.values(state.pids).join(', ')})`);
}
