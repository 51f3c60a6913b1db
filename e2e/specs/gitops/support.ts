import {
  getSealedSecret,
  plainSecret,
  sealWith,
  waitForSynced,
  type RunningController,
  type SealedSecret,
} from '../controller/support.js';

/** A strict-scope SealedSecret `ns/name` with one item, `password`, sealed for the given controller. */
export function sealedFor(
  controller: RunningController,
  ns: string,
  name: string,
  value: string,
): Promise<SealedSecret> {
  return sealWith(controller, plainSecret(ns, name, { password: value }));
}

/** The stored SealedSecret; throws when it is gone. */
export async function stored(ns: string, name: string): Promise<SealedSecret> {
  const ss = await getSealedSecret(ns, name);
  if (ss === undefined) throw new Error(`${ns}/${name} is gone`);
  return ss;
}

/** Waits until the controller has observed `generation` and written a Synced verdict for it. */
export function observed(ns: string, name: string, generation: number): Promise<SealedSecret> {
  return waitForSynced(
    ns,
    name,
    (c, ss) => c.status !== 'Unknown' && ss.status?.observedGeneration === generation,
  );
}
