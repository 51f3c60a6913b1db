// Injected before raw.js or seal.js (esbuild's `inject`): evaluates kubeseal's whole snapshot script, warm-up
// included, so the snapshot holds kubeseal's heap, but drops kubeseal's main function, so that the minimal command
// runs instead. Separates what kubeseal's larger heap costs at start-up from what its own run-time work costs.
import { startupSnapshot } from 'node:v8';

const setMain = startupSnapshot.setDeserializeMainFunction;
startupSnapshot.setDeserializeMainFunction = () => undefined;
try {
  // A require, not an import: an import would be evaluated before the line above. esbuild bundles it in place.
  // eslint-disable-next-line no-undef, @typescript-eslint/no-require-imports
  require('../../dist/snapshot/kubeseal.cjs');
} finally {
  startupSnapshot.setDeserializeMainFunction = setMain;
}
