import { capMessage } from '@ssts/core';
import {
  pino,
  stdTimeFunctions,
  type DestinationStream,
  type Logger,
  type LevelWithSilent,
  type LoggerOptions,
} from 'pino';

export type { Logger } from 'pino';

export interface LogOptions {
  /** slog syntax, case-insensitive: DEBUG, INFO, WARN, ERROR, optionally `+N`/`-N`; invalid → INFO. */
  readonly level: string;
  /** `json` → JSON lines; anything else → slog-like `key=value` text (compat §3.10). */
  readonly format: string;
  /** true: info and below to stdout, warn and above to stderr; false: everything to stderr. */
  readonly infoToStdout: boolean;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Never log secret material, even when a whole object slips into a log call (STYLE §3.14). */
export const REDACT_PATHS = [
  'data',
  'stringData',
  'encryptedData',
  'privateKey',
  '*.data',
  '*.stringData',
  '*.encryptedData',
  '*.privateKey',
  '*.*.data',
  '*.*.stringData',
  '*.*.encryptedData',
  '*.*.privateKey',
  'spec.template.data',
  '*.spec.template.data',
];

/**
 * Bound of one logged string (message or field). Larger than the status/event bound so a certificate PEM (logged
 * when a key is generated, as upstream; about 6 KiB for RSA-16384) stays whole, small enough that no request can
 * make a log line large.
 */
export const LOG_VALUE_LIMIT_BYTES = 8 * 1024;
/** Bound of all strings of one record together, and of the values (nodes) kept from a logged object. */
export const LOG_RECORD_LIMIT_BYTES = 16 * 1024;
const LOG_NODES = 256;
const LOG_DEPTH = 4;
/** Even with the record's budget spent, a string keeps this much, so every field still says what it was. */
const LOG_MIN_BYTES = 64;

interface Budget {
  bytes: number;
  nodes: number;
}

/**
 * A log record with every string capped by capMessage (the same function as status, events and HTTP answers):
 * each at LOG_VALUE_LIMIT_BYTES, all together at about LOG_RECORD_LIMIT_BYTES; objects are cut after LOG_DEPTH
 * levels and LOG_NODES values. Errors become `{type, message}`.
 */
export function capLogRecord(record: Record<string, unknown>): Record<string, unknown> {
  return capValue(record, 0, { bytes: LOG_RECORD_LIMIT_BYTES, nodes: LOG_NODES }) as Record<string, unknown>;
}

function capString(text: string, budget: Budget): string {
  const capped = capMessage(text, Math.max(LOG_MIN_BYTES, Math.min(LOG_VALUE_LIMIT_BYTES, budget.bytes)));
  budget.bytes -= capped.length;
  return capped;
}

function capValue(value: unknown, depth: number, budget: Budget): unknown {
  if (typeof value === 'string') return capString(value, budget);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: capString(value.message, budget) };
  if (depth >= LOG_DEPTH) return Array.isArray(value) ? '[array]' : '[object]';
  const entries: [string, unknown][] = [];
  let omitted = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (budget.nodes <= 0) {
      omitted++;
      continue;
    }
    budget.nodes--;
    entries.push([key, (value as Record<string, unknown>)[key]]);
  }
  if (Array.isArray(value)) {
    const items = entries.map(([, item]) => capValue(item, depth + 1, budget));
    if (omitted > 0) items.push(`... [${omitted} more items]`);
    return items;
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) result[capString(key, budget)] = capValue(item, depth + 1, budget);
  if (omitted > 0) result['...'] = `${omitted} more entries`;
  return result;
}

const SLOG_LEVELS: Record<string, number> = { DEBUG: -4, INFO: 0, WARN: 4, ERROR: 8 };

/** Maps an slog level expression to the nearest pino threshold. */
export function pinoLevel(text: string): LevelWithSilent {
  const match = /^(DEBUG|INFO|WARN|ERROR)([+-]\d+)?$/i.exec(text.trim());
  const base = match === null ? 0 : (SLOG_LEVELS[(match[1] ?? 'INFO').toUpperCase()] ?? 0);
  const threshold = base + (match?.[2] === undefined ? 0 : Number(match[2]));
  if (threshold <= -4) return 'debug';
  if (threshold <= 0) return 'info';
  if (threshold <= 4) return 'warn';
  if (threshold <= 8) return 'error';
  return 'fatal';
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'DEBUG',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'ERROR',
};
const WARN = 40;

/** Formats one pino JSON record as an slog TextHandler line: `time=… level=INFO msg="…" key=value`. */
export function toTextLine(record: Record<string, unknown>): string {
  const { time, level, msg, pid: _pid, hostname: _hostname, ...rest } = record;
  const parts = [
    `time=${new Date(typeof time === 'number' ? time : Date.now()).toISOString()}`,
    `level=${LEVEL_NAMES[typeof level === 'number' ? level : 30] ?? 'INFO'}`,
    `msg=${quote(typeof msg === 'string' ? msg : '')}`,
  ];
  for (const [key, value] of Object.entries(rest)) {
    parts.push(`${key}=${quote(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))}`);
  }
  return `${parts.join(' ')}\n`;
}

function quote(text: string): string {
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

function splitDestination(options: LogOptions): DestinationStream {
  const json = options.format === 'json';
  return {
    write(line: string): void {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        options.stderr.write(line);
        return;
      }
      const level = typeof record['level'] === 'number' ? record['level'] : 30;
      const out = options.infoToStdout && level < WARN ? options.stdout : options.stderr;
      out.write(json ? line : toTextLine(record));
    },
  };
}

/** Redaction and size bounds shared by the root logger and the audit logger. */
const BOUNDED: LoggerOptions = {
  base: null,
  redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
  formatters: {
    level: (_label, number) => ({ level: number }),
    log: capLogRecord,
  },
  hooks: {
    logMethod(args, method) {
      const capped = args.map((arg: unknown) =>
        typeof arg === 'string' ? capMessage(arg, LOG_VALUE_LIMIT_BYTES) : arg,
      ) as Parameters<typeof method>;
      method.apply(this, capped);
    },
  },
};

/** The controller's root logger (pino; also handed to fastify). */
export function createLogger(options: LogOptions): Logger {
  return pino({ ...BOUNDED, level: pinoLevel(options.level) }, splitDestination(options));
}

/**
 * The audit trail's logger (audit/audit-log.ts, docs/audit.md): JSON lines with an ISO 8601 `time`, always at
 * info, so neither `--log-level=ERROR` nor `--log-format text` hides or reshapes them. They go where info lines go
 * (stdout with --log-info-stdout, the default; stderr otherwise), interleaved with the other lines.
 */
export function createAuditLogger(options: Omit<LogOptions, 'level' | 'format'>): Logger {
  return pino(
    { ...BOUNDED, level: 'info', timestamp: stdTimeFunctions.isoTime },
    splitDestination({ ...options, level: 'INFO', format: 'json' }),
  );
}
