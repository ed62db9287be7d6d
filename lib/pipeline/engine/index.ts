/**
 * Embedded Inngest engine: runs the app's Inngest functions durably in-process when no Inngest server is
 * configured. Build the client with `createEmbeddedClient`, then `createEmbeddedEngine({ db, client,
 * functions })` and `start()` it once per process (keep it with `getEmbeddedEngine`).
 */
import type { EmbeddedEngine } from "./engine";

export { createEmbeddedClient, createEmbeddedFetch, type EmbeddedClientOptions } from "./client";
export { createEmbeddedEngine, type EmbeddedEngine, type EmbeddedEngineOptions, type EventInput, type RunView, type RunStepView } from "./engine";
export { consoleLogger, type EngineLogger, type EngineEvent } from "./types";

// One engine per process, on globalThis: Next bundles instrumentation.ts and route handlers separately,
// and both must see the same engine.
const holder = globalThis as unknown as { __scryonEmbeddedEngine?: Promise<EmbeddedEngine> };

/**
 * The process's engine, created (and started) by `create` on first use. A failed start is not cached,
 * so the next caller tries again.
 */
export function getEmbeddedEngine(create: () => Promise<EmbeddedEngine>): Promise<EmbeddedEngine> {
  holder.__scryonEmbeddedEngine ??= create().catch((error: unknown) => {
    holder.__scryonEmbeddedEngine = undefined;
    throw error;
  });
  return holder.__scryonEmbeddedEngine;
}
