import type { BenchCluster } from './cluster.js';

/** Crypto numbers the controller section compares against (filled by the crypto section). */
export interface CryptoCeiling {
  readonly unsealOneCoreOpsPerSec: number;
  readonly unsealAllCoresOpsPerSec: number;
  /** What measured the all-core rate, for the reader. */
  readonly allCoresSource: string;
  readonly opensslMultiPrivateOpsPerSec?: number;
}

/** One controller run, kept for the memory and scaling sections. */
export interface ControllerRun {
  readonly scenario: 'apply' | 'startup';
  readonly objects: number;
  readonly valuesPerObject: number;
  readonly registryKeys: number;
  /** From the first create (apply) or the controller spawn (startup) to all Secrets present and Synced=True. */
  readonly syncMs: number;
  readonly objectsPerSec: number;
  /** How long creating the SealedSecrets through the API took (client side, bounded concurrency). */
  readonly createMs: number;
  readonly idleRssBytes?: number;
  readonly peakRssBytes?: number;
  readonly steadyRssBytes?: number;
  /** CPU seconds (user + system, all threads) the controller process used from its spawn to the end of the sync. */
  readonly cpuSeconds?: number;
  /**
   * CPU seconds kube-apiserver and etcd used over the same window (from the spawn, or the first create in "apply",
   * which also counts the benchmark's own creates): the share of the cores the control plane took.
   */
  readonly controlPlaneCpuSeconds?: number;
}

export interface BenchContext {
  readonly quick: boolean;
  /** `--go-runs`: the side-by-side section's cases (`off:500,default:100`), else its defaults. */
  readonly goRuns?: string;
  /** `--scale-sizes`: the scale section's object counts (`1000,5000,10000`), else its defaults. */
  readonly scaleSizes?: string;
  readonly root: string;
  readonly cores: number;
  /** Scratch directory for this run (removed at the end). */
  readonly workDir: string;
  /** bench/out: profiles and quick-mode results, ignored by git. */
  readonly outDir: string;
  log(message: string): void;
  /** Starts the local control plane on first use; later calls return the same one. */
  cluster(): Promise<BenchCluster>;
  ceiling?: CryptoCeiling;
  readonly controllerRuns: ControllerRun[];
  /** Versions learnt during the run (kube-apiserver, …), printed with the machine. */
  readonly versions: Record<string, string>;
}
