/** Go's `<op> <path>: <reason>` text for a failed file-system call, e.g. `open x: no such file or directory`. */
export function describeFsError(op: string, path: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    EPERM: 'operation not permitted',
  };
  const reason =
    typeof code === 'string' && reasons[code] !== undefined
      ? reasons[code]
      : error instanceof Error
        ? error.message
        : String(error);
  return `${op} ${path}: ${reason}`;
}
