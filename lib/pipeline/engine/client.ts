import { Inngest, type ClientOptions } from "inngest";

/**
 * The Inngest client for embedded mode. It is a normal client (`isDev: true`, so the serve handler runs
 * unsigned requests) whose `fetch` never reaches the network: `POST …/e/<key>` — what `inngest.send()`
 * and `step.sendEvent()` do — is answered here and handed to the embedded engine of the same app id;
 * every other URL the SDK might try gets a local 404.
 *
 * The engine is found through `globalThis` by app id, not through this client object, because Next
 * bundles instrumentation and route handlers separately: each bundle has its own client instance, and
 * both must reach the one engine started at boot.
 */

export interface EventSink {
  /** Accepts raw events as the SDK sent them; resolves with their ids (in order). */
  receive(events: unknown[]): Promise<string[]>;
}

const holder = globalThis as unknown as { __scryonEmbeddedInngestSinks?: Map<string, EventSink> };
const sinks = (): Map<string, EventSink> => (holder.__scryonEmbeddedInngestSinks ??= new Map());

/** Routes the app's event sends to `sink`. Returns an unregister function that only removes this sink. */
export function registerEventSink(appId: string, sink: EventSink): () => void {
  sinks().set(appId, sink);
  return () => {
    if (sinks().get(appId) === sink) sinks().delete(appId);
  };
}

export type EmbeddedClientOptions = Omit<ClientOptions, "isDev" | "fetch" | "baseUrl" | "eventKey" | "signingKey" | "signingKeyFallback">;

/** An Inngest client whose sends go to the embedded engine and nowhere else. */
export function createEmbeddedClient<const T extends EmbeddedClientOptions>(options: T) {
  return new Inngest({ ...options, isDev: true as const, fetch: createEmbeddedFetch(options.id) });
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** The `fetch` given to the embedded client. Exported for tests and for clients built by hand. */
export function createEmbeddedFetch(appId: string): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : null;
    const url = new URL(request ? request.url : String(input));
    const method = (init?.method ?? request?.method ?? "GET").toUpperCase();

    if (method !== "POST" || !/\/e\/[^/]+$/.test(url.pathname)) {
      return json({ error: `The embedded Inngest engine does not serve ${method} ${url.pathname}; nothing leaves this process.` }, 404);
    }
    const sink = sinks().get(appId);
    if (!sink) return json({ status: 503, error: `No embedded Inngest engine is running for app "${appId}".` }, 503);

    let events: unknown;
    try {
      const raw = init?.body ?? (request ? await request.text() : "");
      events = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw as ArrayBuffer));
    } catch {
      return json({ status: 400, error: "Event payload is not JSON." }, 400);
    }
    try {
      const ids = await sink.receive(Array.isArray(events) ? events : [events]);
      return json({ ids, status: 200 }, 200);
    } catch (error) {
      return json({ status: 400, error: error instanceof Error ? error.message : String(error) }, 400);
    }
  };
}
