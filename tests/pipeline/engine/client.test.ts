import { afterEach, describe, expect, it } from "vitest";
import { createEmbeddedClient, createEmbeddedFetch } from "@/lib/pipeline/engine";
import { registerEventSink } from "@/lib/pipeline/engine/client";

describe("embedded Inngest client", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it("hands POST …/e/<key> to the app's engine and answers like the event API", async () => {
    const received: unknown[][] = [];
    cleanups.push(registerEventSink("client-test", { receive: async (events) => (received.push(events), events.map((_, i) => `id-${i}`)) }));
    const fetch = createEmbeddedFetch("client-test");
    const response = await fetch("http://localhost:8288/e/NO_EVENT_KEY_SET", { method: "POST", body: JSON.stringify([{ name: "a/b", data: {} }]) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ids: ["id-0"], status: 200 });
    expect(received).toEqual([[{ name: "a/b", data: {} }]]);
  });

  it("answers every other request locally: nothing reaches the network", async () => {
    const fetch = createEmbeddedFetch("client-test");
    for (const [url, method] of [
      ["https://api.inngest.com/fn/register", "POST"],
      ["https://inn.gs/e/key", "GET"],
      ["http://localhost:8288/v0/runs/123/actions", "GET"],
    ] as const) {
      const response = await fetch(url, { method });
      expect(response.status).toBe(404);
      expect((await response.json()).error).toMatch(/nothing leaves this process/);
    }
  });

  it("refuses sends when no engine runs for the app, and reports the engine's rejection", async () => {
    const fetch = createEmbeddedFetch("client-test");
    const noEngine = await fetch("http://localhost:8288/e/x", { method: "POST", body: "[]" });
    expect(noEngine.status).toBe(503);
    cleanups.push(
      registerEventSink("client-test", {
        receive: async () => {
          throw new Error("An event needs a name.");
        },
      }),
    );
    const rejected = await fetch("http://localhost:8288/e/x", { method: "POST", body: "[{}]" });
    expect(rejected.status).toBe(400);
    expect((await rejected.json()).error).toBe("An event needs a name.");
  });

  it("builds a dev-mode client whose send() goes through the hook", async () => {
    const sent: unknown[] = [];
    cleanups.push(registerEventSink("client-app", { receive: async (events) => (sent.push(...events), ["e1"]) }));
    const client = createEmbeddedClient({ id: "client-app" });
    expect(client.mode).toBe("dev");
    expect(await client.send({ name: "calls/queued", data: { callId: "c1" } })).toEqual({ ids: ["e1"] });
    expect(sent).toMatchObject([{ name: "calls/queued", data: { callId: "c1" } }]);
  });

  it("unregisters only its own sink", () => {
    const first = registerEventSink("client-test", { receive: async () => [] });
    const second = registerEventSink("client-test", { receive: async () => ["second"] });
    first(); // a stopped engine must not unhook its successor
    cleanups.push(second);
    return expect(
      createEmbeddedFetch("client-test")("http://x/e/k", { method: "POST", body: "[]" }).then((response) => response.json()),
    ).resolves.toEqual({ ids: ["second"], status: 200 });
  });
});
