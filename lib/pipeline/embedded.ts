import "server-only";
import { getDb } from "@/db";
import { getInngest } from "@/inngest/client";
import { getFunctions } from "@/inngest/functions";
import { loadEnv } from "@/lib/env";
import { createEmbeddedEngine, getEmbeddedEngine } from "./engine";

/** Starts the in-process Inngest engine once per process (embedded mode only). */
export async function startEmbeddedPipeline(): Promise<void> {
  const env = loadEnv();
  if (env.pipeline.mode !== "embedded") return;
  await getEmbeddedEngine(async () => {
    const engine = createEmbeddedEngine({
      db: await getDb(),
      client: getInngest(),
      functions: getFunctions(),
      // PGlite allows one process per data dir, so this engine is the only one on it.
      exclusive: !env.databaseUrl,
    });
    await engine.start();
    return engine;
  });
}
