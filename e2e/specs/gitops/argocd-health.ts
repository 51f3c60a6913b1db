/**
 * What Argo CD's built-in health assessment says about a `bitnami.com/SealedSecret`: the oracle of the Argo CD
 * tests. The rules are written down in docs/argocd.md (from Argo CD's documentation and its published health
 * check for this kind); this function states them once, without I/O, so the e2e specs can hold it against status
 * objects written by the real controller.
 */

export type ArgoCdHealth = 'Healthy' | 'Progressing' | 'Degraded';

export interface ArgoCdHealthStatus {
  readonly status: ArgoCdHealth;
  readonly message: string;
}

type Maybe<T> = T | null | undefined;

/** The parts of a SealedSecret the assessment reads (JSON null counts as absent); anything else is ignored. */
export interface SealedSecretHealthInput {
  readonly metadata?: Maybe<{
    readonly generation?: Maybe<number>;
    readonly deletionTimestamp?: Maybe<string>;
    readonly finalizers?: Maybe<readonly string[]>;
  }>;
  readonly status?: Maybe<{
    readonly observedGeneration?: Maybe<number>;
    readonly conditions?: Maybe<
      readonly {
        readonly type?: Maybe<string>;
        readonly status?: Maybe<string>;
        readonly message?: Maybe<string>;
      }[]
    >;
  }>;
}

export const WAITING_MESSAGE = 'Waiting for Sealed Secret to be decrypted';

export function argoCdSealedSecretHealth(obj: SealedSecretHealthInput): ArgoCdHealthStatus {
  // Rule 1: an object being deleted is Progressing, naming the finalizers that hold it.
  if (obj.metadata?.deletionTimestamp != null) {
    const finalizers = obj.metadata.finalizers ?? [];
    return {
      status: 'Progressing',
      message:
        finalizers.length > 0
          ? `Pending deletion; blocked by finalizers: ${finalizers.join(', ')}`
          : 'Pending deletion',
    };
  }
  // Rule 2: a condition describes the generation it was written for; until the controller has observed the
  // current one (or when either number is missing) nothing in it is trusted.
  const generation = obj.metadata?.generation;
  if (generation == null || obj.status == null || obj.status.observedGeneration !== generation) {
    return { status: 'Progressing', message: WAITING_MESSAGE };
  }
  // Rule 3: the first Synced condition that is True or False decides; Unknown is passed over.
  for (const condition of obj.status.conditions ?? []) {
    if (condition.type !== 'Synced') continue;
    if (condition.status === 'False') return { status: 'Degraded', message: condition.message ?? '' };
    if (condition.status === 'True') return { status: 'Healthy', message: condition.message ?? '' };
  }
  // Rule 4: no verdict yet.
  return { status: 'Progressing', message: WAITING_MESSAGE };
}
