import {
  checkConstraints,
  newConstraints,
  newVersion,
  SemverError,
  SemverVersion,
  type VersionData,
} from '../go/semver.js';
import { asFuncError, str, type FuncTable } from './types.js';

/** Masterminds/semver errors become the call's error (upstream's texts, never the input). */
const guarded = <T>(f: () => T): T => asFuncError(SemverError, f);

export const SEMVER: FuncTable = {
  semver: {
    params: ['string'],
    call: ([v]) => guarded(() => new SemverVersion(newVersion(str(v)))),
  },
  semverCompare: {
    params: ['string', 'string'],
    call: ([c, v], ctx) =>
      guarded(() => {
        const constraints = newConstraints(str(c), (units) => ctx.charge(units));
        const version: VersionData = newVersion(str(v));
        return checkConstraints(constraints, version);
      }),
  },
};
