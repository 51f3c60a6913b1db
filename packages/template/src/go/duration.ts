// Go's Duration.String: one copy, in @ssts/flags (the lowest package, no dependencies; it prints flag defaults).
export { formatGoDuration, formatGoDurationNs as formatDurationNs } from '@ssts/flags/go-duration';
