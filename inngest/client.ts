import { Inngest } from "inngest";
import { loadEnv } from "@/lib/env";
import { createEmbeddedClient } from "@/lib/pipeline/engine/client";

export const INNGEST_APP_ID = "scryon";

/**
 * The app's Inngest client. With INNGEST_EVENT_KEY/INNGEST_SIGNING_KEY set it talks to Inngest Cloud or a
 * self-hosted `inngest start` (INNGEST_BASE_URL); otherwise it is the embedded client, whose sends go to
 * the in-process engine and nowhere else.
 */
function createClient() {
  const pipeline = loadEnv().pipeline;
  if (pipeline.mode === "inngest") {
    return new Inngest({
      id: INNGEST_APP_ID,
      eventKey: pipeline.eventKey,
      signingKey: pipeline.signingKey,
      ...(pipeline.baseUrl ? { baseUrl: pipeline.baseUrl } : {}),
    });
  }
  return createEmbeddedClient({ id: INNGEST_APP_ID });
}

const holder = globalThis as unknown as { __scryonInngest?: Inngest.Any };

/** Built on first use, not at import: `next build` evaluates route modules without the runtime config. */
export function getInngest(): Inngest.Any {
  holder.__scryonInngest ??= createClient();
  return holder.__scryonInngest;
}
