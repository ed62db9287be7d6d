/** Shapes shared by the engine's modules. */

export interface EngineLogger {
  debug(message: string, details?: unknown): void;
  info(message: string, details?: unknown): void;
  warn(message: string, details?: unknown): void;
  error(message: string, details?: unknown): void;
}

/** Warnings and errors to the console; debug/info are dropped unless a logger is given. */
export const consoleLogger: EngineLogger = {
  debug: () => {},
  info: () => {},
  warn: (message, details) => console.warn(message, ...(details === undefined ? [] : [details])),
  error: (message, details) => console.error(message, ...(details === undefined ? [] : [details])),
};

/** An event as functions receive it (SDK spec §1.3.4). */
export interface EngineEvent {
  id: string;
  name: string;
  data: Record<string, unknown>;
  ts: number;
  user?: Record<string, unknown>;
  v?: string;
  [key: string]: unknown;
}

/** Events the engine emits itself; user code may not send names in this namespace. */
export const SYSTEM_EVENT_PREFIX = "inngest/";
export const FUNCTION_FAILED_EVENT = "inngest/function.failed";
export const FUNCTION_INVOKED_EVENT = "inngest/function.invoked";
export const SCHEDULED_TIMER_EVENT = "inngest/scheduled.timer";
