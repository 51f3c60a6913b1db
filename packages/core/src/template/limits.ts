/** Resource limits: templates are untrusted input evaluated inside the controller. */
export const LIMITS = {
  /** Rendered output of one template, in bytes. */
  maxOutputBytes: 1 << 20,
  /** Any single string produced by a function, in bytes. */
  maxValueBytes: 1 << 20,
  /** Elements of any list produced by a function. */
  maxListItems: 100_000,
  /** Evaluated commands plus range iterations. */
  maxSteps: 1_000_000,
  /** Total bytes (strings) and elements (lists, maps) produced by functions during one execution. */
  maxAllocUnits: 64 << 20,
} as const;
