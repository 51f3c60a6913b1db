// Go's Duration.String: one copy, in the flag layer (it prints flag defaults); the template budget message uses it.
export { formatGoDuration } from '@ssts/flags';
