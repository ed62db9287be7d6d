import { sql } from "drizzle-orm";
import type { InngestFunction } from "inngest";
import type { Database } from "@/db/client";
import { createEmbeddedClient, createEmbeddedEngine, type EmbeddedEngine, type EmbeddedEngineOptions, type EngineLogger } from "@/lib/pipeline/engine";

/** A clock the test moves by hand: backoff, sleeps, timeouts and cron never wait on real time. */
export class FakeClock {
  private ms: number;
  constructor(start = "2030-01-01T00:00:00.000Z") {
    this.ms = Date.parse(start);
  }
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Keeps the SDK's and the engine's expected error logs out of the test output, but available to assert on. */
export function recordingLogger(): EngineLogger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    debug: () => {},
    info: () => {},
    warn: (message) => warnings.push(message),
    error: (message, details) => errors.push(`${message} ${details instanceof Error ? details.stack : JSON.stringify(details ?? "")}`),
  };
}

export const APP_ID = "engine-test";

/** The embedded client the tests define their functions on (quiet SDK logger). */
export function testClient() {
  return createEmbeddedClient({ id: APP_ID, logger: recordingLogger() });
}

export async function resetPipelineTables(db: Database): Promise<void> {
  await db.execute(sql`truncate pipeline.events, pipeline.runs, pipeline.run_steps, pipeline.jobs cascade`);
}

export interface Harness {
  engine: EmbeddedEngine;
  clock: FakeClock;
  logger: ReturnType<typeof recordingLogger>;
}

/** A started engine on a fake clock, stopped by `stopAll()` in afterEach. */
export function makeHarness(running: EmbeddedEngine[]) {
  return async function start(
    db: Database,
    client: ReturnType<typeof testClient>,
    functions: InngestFunction.Any[],
    options: Partial<EmbeddedEngineOptions> & { clock?: FakeClock } = {},
  ): Promise<Harness> {
    const clock = options.clock ?? new FakeClock();
    const logger = recordingLogger();
    const engine = createEmbeddedEngine({ db, client, functions, now: clock.now, pollIntervalMs: 50, logger, ...options });
    running.push(engine);
    await engine.start();
    return { engine, clock, logger };
  };
}

const openGates = new Set<() => void>();

/** A promise the test resolves by hand, to hold a step body mid-flight. */
export function gate(): { promise: Promise<void>; open(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const open = () => {
    openGates.delete(open);
    resolve();
  };
  openGates.add(open);
  return { promise, open };
}

/** Opens every gate left shut (a failed test), so stopping the engine does not wait forever. */
export function openAllGates(): void {
  for (const open of [...openGates]) open();
}
