import { describe, expect, it } from "vitest";
import { InngestTestEngine } from "@inngest/test";
import { createEmbeddedClient } from "@/lib/pipeline/engine";
import { recordingLogger } from "./harness";

/**
 * Functions written for the embedded engine are ordinary Inngest functions, so `@inngest/test` runs them
 * too: fast unit tests of a function's logic, with steps mocked where needed. (It has no retries, no
 * onFailure and no real sleeps — that is what the engine tests are for.)
 */
describe("@inngest/test on an embedded-client function", () => {
  const client = createEmbeddedClient({ id: "inngest-test-app", logger: recordingLogger() });
  const summarize = client.createFunction({ id: "summarize", triggers: [{ event: "calls/transcribed" }] }, async ({ event, step }) => {
    const words = await step.run("count-words", () => String(event.data.text).split(/\s+/).filter(Boolean).length);
    await step.sleep("cool-down", "1m");
    const summary = await step.run("summarize", () => `${words} words from ${String(event.data.callId)}`);
    return { summary };
  });

  it("runs the function with real step bodies and a mocked sleep", async () => {
    const t = new InngestTestEngine({
      function: summarize,
      events: [{ name: "calls/transcribed", data: { callId: "c-7", text: "send the contract by friday" } }],
      steps: [{ id: "cool-down", handler: () => null }],
    });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ summary: "5 words from c-7" });
    expect(ctx.step.run).toHaveBeenCalledWith("count-words", expect.any(Function));
    expect(ctx.step.sleep).toHaveBeenCalledWith("cool-down", "1m");
  });

  it("runs a single step", async () => {
    const t = new InngestTestEngine({ function: summarize, events: [{ name: "calls/transcribed", data: { callId: "c-8", text: "a b c" } }] });
    const { result } = await t.executeStep("count-words");
    expect(result).toBe(3);
  });
});
