/** Printed by `--version`; kept equal to package.json's version by a test. */
export const VERSION = 'v0.1.0';
