import { serve } from "inngest/edge";
import { serializeError, type Inngest, type InngestFunction } from "inngest";
import { z } from "zod";

/**
 * The engine's side of the Inngest SDK protocol (SDK spec §4.3 sync, §4.4 call requests, §5 steps),
 * spoken in-process to the app's own `serve()` handler: a `Request` goes in, a `Response` comes out,
 * nothing touches the network.
 */

// The edge adapter resolves the URL against the Host header, so both must be present.
const HOST = "embedded-engine.local";
const SERVE_URL = `http://${HOST}/api/inngest`;

/** Functions as the SDK reports them in an in-band sync (the same config Inngest Cloud receives). */
const functionConfigSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  triggers: z
    .array(z.union([z.object({ event: z.string(), expression: z.string().nullish() }), z.object({ cron: z.string() })]))
    .default([]),
  steps: z.record(z.string(), z.looseObject({ retries: z.object({ attempts: z.number() }).nullish() })).default({}),
  concurrency: z
    .union([
      z.number(),
      z.object({ limit: z.number(), key: z.string().nullish(), scope: z.string().nullish() }),
      z.array(z.object({ limit: z.number(), key: z.string().nullish(), scope: z.string().nullish() })),
    ])
    .nullish(),
});
export type SyncedFunctionConfig = z.infer<typeof functionConfigSchema>;

const syncBodySchema = z.object({ functions: z.array(functionConfigSchema) });

/** One op of a 206 answer (SDK spec §5.1.1). */
const opSchema = z.looseObject({
  id: z.string(),
  op: z.string(),
  name: z.string().nullish(),
  displayName: z.string().nullish(),
  opts: z.record(z.string(), z.unknown()).nullish(),
  data: z.unknown().optional(),
  error: z.unknown().optional(),
});
export type Op = z.infer<typeof opSchema>;

export interface CallRequest {
  functionId: string;
  /** "step" to run/discover the function, or the hashed id of a planned step to run just that step. */
  stepId: string;
  runId: string;
  event: unknown;
  /** Memoized results by hashed step id, and the hashes in completion order. */
  steps: Record<string, unknown>;
  stack: string[];
  attempt: number;
  maxAttempts: number;
  disableImmediateExecution: boolean;
}

export type CallOutcome =
  /** 200: the function returned. */
  | { kind: "complete"; data: unknown }
  /** 206: ops to act on; `retryAt` from a RetryAfterError on a StepError. */
  | { kind: "ops"; ops: Op[]; retryAt: string | null }
  /** Anything else: the function (or the handler) failed. */
  | { kind: "error"; error: SerializedError; retriable: boolean; retryAt: string | null };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  [key: string]: unknown;
}

export interface ProtocolClient {
  sync(): Promise<SyncedFunctionConfig[]>;
  call(request: CallRequest): Promise<CallOutcome>;
}

/** Errors in the shape the SDK sends and expects back (`{ name, message, stack, __serialized }`). */
export function toSerializedError(value: unknown, fallbackMessage: string): SerializedError {
  if (value instanceof Error) return serializeError(value) as unknown as SerializedError;
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const message = typeof record.message === "string" ? record.message : typeof record.error === "string" ? record.error : fallbackMessage;
    return { ...record, name: typeof record.name === "string" ? record.name : "Error", message };
  }
  return { name: "Error", message: typeof value === "string" && value ? value : fallbackMessage };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createProtocolClient({ client, functions }: { client: Inngest.Any; functions: InngestFunction.Any[] }): ProtocolClient {
  const handler = serve({ client, functions });

  return {
    async sync() {
      // An in-band sync (PUT with x-inngest-sync-kind: in_band) makes the SDK answer with its function
      // configs instead of posting them to an Inngest server.
      const response = await handler(
        new Request(SERVE_URL, {
          method: "PUT",
          headers: { host: HOST, "content-type": "application/json", "x-inngest-sync-kind": "in_band" },
          body: JSON.stringify({ url: SERVE_URL }),
        }),
      );
      const body = await readJson(response);
      const parsed = syncBodySchema.safeParse(body);
      if (response.status !== 200 || !parsed.success) {
        throw new Error(
          `The Inngest serve handler refused the embedded engine's in-band sync (status ${response.status}). ` +
            `Is INNGEST_ALLOW_IN_BAND_SYNC set to false? ${JSON.stringify(body).slice(0, 300)}`,
        );
      }
      return parsed.data.functions;
    },

    async call(request) {
      const url = new URL(SERVE_URL);
      url.searchParams.set("fnId", request.functionId);
      url.searchParams.set("stepId", request.stepId);
      // No ctx.fn_id: that would switch the SDK to checkpointing against the Inngest API.
      const body = {
        event: request.event,
        events: [request.event],
        steps: request.steps,
        ctx: {
          run_id: request.runId,
          attempt: request.attempt,
          max_attempts: request.maxAttempts,
          disable_immediate_execution: request.disableImmediateExecution,
          use_api: false,
          stack: { stack: request.stack, current: request.stack.length },
        },
        version: 2,
      };
      let response: Response;
      try {
        response = await handler(
          new Request(url, { method: "POST", headers: { host: HOST, "content-type": "application/json" }, body: JSON.stringify(body) }),
        );
      } catch (error) {
        // The handler answers errors itself; a throw here is unexpected and treated as retriable.
        return { kind: "error", error: toSerializedError(error, "The serve handler threw"), retriable: true, retryAt: null };
      }
      const payload = await readJson(response);
      const retryAt = response.headers.get("retry-after");

      if (response.status === 200) return { kind: "complete", data: payload };
      if (response.status === 206) {
        const ops = z.array(opSchema).safeParse(payload);
        if (ops.success) return { kind: "ops", ops: ops.data, retryAt };
        return {
          kind: "error",
          error: { name: "ProtocolError", message: `Unreadable ops from the SDK: ${JSON.stringify(payload).slice(0, 300)}` },
          retriable: false,
          retryAt: null,
        };
      }
      // 500 = retriable unless the SDK says otherwise; 400 + x-inngest-no-retry = NonRetriableError or
      // last attempt. Other statuses (401/404/405) mean the request itself is wrong: retrying won't help.
      const noRetry = response.headers.get("x-inngest-no-retry") === "true";
      const retriable = response.status >= 500 && !noRetry;
      return { kind: "error", error: toSerializedError(payload, `The function failed with status ${response.status}`), retriable, retryAt };
    },
  };
}
