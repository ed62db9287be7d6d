import { InngestTestEngine } from "@inngest/test";
import { describe, expect, it } from "vitest";
import { createProcessCallFunction } from "@/inngest/functions/process-call";
import { CALL_QUEUED } from "@/inngest/events";
import { createEmbeddedClient } from "@/lib/pipeline/engine";
import type { PipelineDeps } from "@/lib/pipeline/stages";

/**
 * The process-call function's orchestration under @inngest/test, with every step mocked: which steps run,
 * in which order, with diarization and transcription side by side. (The stages themselves, retries and
 * onFailure run for real in process-call.test.ts on the embedded engine.)
 */
describe("process-call orchestration (@inngest/test)", () => {
  const client = createEmbeddedClient({ id: "process-call-unit" });
  const noDeps = async () => ({}) as PipelineDeps;
  const fn = createProcessCallFunction(client, noDeps);
  const event = { name: CALL_QUEUED, data: { callId: "8a3f0b0e-6d1c-4b8e-9a7e-1f2d3c4b5a69", userId: "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b" } };
  const stepIds = ["begin", "audio-prep", "diarization", "transcription", "normalization", "analysis", "cleanup", "complete", "webhooks"];
  const mocked = (overrides: Record<string, () => unknown> = {}) =>
    stepIds.map((id) => ({ id, handler: overrides[id] ?? (() => (id === "audio-prep" ? { durationSeconds: 12.5, channels: 1 } : null)) }));

  it("runs the stages in order, with diarization and transcription in parallel, and returns the duration", async () => {
    const t = new InngestTestEngine({ function: fn, events: [event], steps: mocked() });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ callId: event.data.callId, durationSeconds: 12.5 });
    const order = (ctx.step.run as unknown as { mock: { calls: [string][] } }).mock.calls.map(([id]) => id);
    expect(order.slice(0, 2)).toEqual(["begin", "audio-prep"]);
    expect(order.slice(2, 4).sort()).toEqual(["diarization", "transcription"]);
    expect(order.slice(4)).toEqual(["normalization", "analysis", "cleanup", "complete", "webhooks"]);
  });

  it("refuses an event whose payload is not a call", async () => {
    const t = new InngestTestEngine({ function: fn, events: [{ name: CALL_QUEUED, data: { callId: "nope" } }], steps: mocked() });
    const { error } = await t.execute();
    expect(error).toBeTruthy();
  });
});
