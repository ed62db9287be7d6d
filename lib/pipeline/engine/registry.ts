import { compileExpression, type CompiledExpression } from "./expression";
import type { SyncedFunctionConfig } from "./protocol";
import type { EngineLogger } from "./types";

/** What the engine needs to know about one function, read from the SDK's sync answer. */
export interface FunctionSpec {
  /** Composite id `<appId>-<functionId>`, as used in `fnId` and `step.invoke`. */
  id: string;
  name: string;
  eventTriggers: { event: string; expression: CompiledExpression | null }[];
  crons: string[];
  /** `retries + 1` (SDK default: 3 retries). */
  maxAttempts: number;
  concurrency: { limit: number; key: CompiledExpression | null; scope: string }[];
}

/** The SDK's default when a function sets no `retries`. */
const DEFAULT_RETRIES = 3;

// Flow-control options this engine does not implement; a function using them still runs, without them.
const UNSUPPORTED_OPTIONS = ["batchEvents", "cancel", "debounce", "idempotency", "priority", "rateLimit", "singleton", "throttle", "timeouts"];

export function buildRegistry(configs: SyncedFunctionConfig[], logger: EngineLogger): Map<string, FunctionSpec> {
  const registry = new Map<string, FunctionSpec>();
  for (const config of configs) {
    const unsupported = UNSUPPORTED_OPTIONS.filter((key) => (config as Record<string, unknown>)[key] != null);
    if (unsupported.length) {
      logger.warn(`Embedded Inngest engine: function "${config.id}" uses ${unsupported.join(", ")}, which the embedded engine ignores.`);
    }
    const eventTriggers: FunctionSpec["eventTriggers"] = [];
    const crons: string[] = [];
    for (const trigger of config.triggers) {
      if ("cron" in trigger) crons.push(trigger.cron);
      else eventTriggers.push({ event: trigger.event, expression: trigger.expression ? compileExpression(trigger.expression, ["event"]) : null });
    }
    const retries = config.steps.step?.retries?.attempts ?? DEFAULT_RETRIES;
    const rawConcurrency = config.concurrency == null ? [] : Array.isArray(config.concurrency) ? config.concurrency : [config.concurrency];
    const concurrency = rawConcurrency
      .map((option) => (typeof option === "number" ? { limit: option, key: null, scope: "fn" } : { ...option, key: option.key ?? null, scope: option.scope ?? "fn" }))
      .filter((option) => option.limit > 0)
      .map((option) => ({ limit: option.limit, scope: option.scope, key: option.key ? compileExpression(option.key, ["event"]) : null }));
    registry.set(config.id, { id: config.id, name: config.name ?? config.id, eventTriggers, crons, maxAttempts: Math.max(0, retries) + 1, concurrency });
  }
  return registry;
}

function nameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** Functions an event starts: a trigger with this name (or a matching `prefix/*`) whose `if` holds. */
export function functionsForEvent(registry: Map<string, FunctionSpec>, event: { name: string }): FunctionSpec[] {
  return [...registry.values()].filter((fn) =>
    fn.eventTriggers.some((trigger) => nameMatches(trigger.event, event.name) && (!trigger.expression || trigger.expression.test({ event }))),
  );
}

/**
 * The concurrency groups a run of `fn` occupies while one of its steps executes. A key groups runs by the
 * value of its expression on the run's event; `env`/`account` scopes share a group across functions.
 */
export function concurrencyGroups(fn: FunctionSpec, event: unknown): { group: string; limit: number }[] {
  return fn.concurrency.map((option, index) => {
    const keyValue = option.key ? JSON.stringify(option.key.value({ event }) ?? null) : "";
    const group = option.scope === "fn" ? `fn:${fn.id}:${index}:${keyValue}` : `${option.scope}:${option.key?.source ?? ""}:${keyValue}`;
    return { group, limit: option.limit };
  });
}
