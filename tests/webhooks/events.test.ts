import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createCall, getCall, transitionCallStatus } from "@/db/queries/calls";
import { listCallActionItems } from "@/db/queries/action-items";
import { listWebhookDeliveries } from "@/db/queries/webhooks";
import { upsertUserByExternalId } from "@/db/queries/users";
import type { WebhookEndpoint } from "@/db/schema";
import { callQueuedEvent } from "@/inngest/events";
import { createDeliverWebhookFunction } from "@/inngest/functions/deliver-webhook";
import { createProcessCallFunction } from "@/inngest/functions/process-call";
import { addActionItem, changeActionItem } from "@/lib/action-items/service";
import type { AnalysisProvider } from "@/lib/analysis/types";
import { receiveMultipartUpload } from "@/lib/calls/multipart-upload";
import { errorFromStatus } from "@/lib/pipeline/errors";
import { sweep } from "@/lib/pipeline/sweeper";
import type { PipelineDeps } from "@/lib/pipeline/stages";
import type { DiarizationProvider, TranscriptionProvider, VoiceprintProvider } from "@/lib/speech/types";
import { createLocalStorage } from "@/lib/storage";
import type { WebhookDeliveryDeps } from "@/lib/webhooks/deliver";
import type { WebhookEmitter } from "@/lib/webhooks/emit";
import { WEBHOOK_EVENT_TYPES } from "@/lib/webhooks/events";
import { addEndpoint } from "@/lib/webhooks/service";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";
import { startEngine, startReceiver, verifyBySpec, type Receiver } from "./helpers";

/**
 * The app's events as webhooks: a call processed by the real process-call function (instant fake
 * providers) emits call.completed with its summary and items, a call that fails emits call.failed, action
 * item edits emit updated/completed, added items created — each to its owner's endpoints only, signed, and
 * never at the cost of the call.
 */

const diarization: DiarizationProvider = {
  name: "fake-diarizer",
  async diarize(audio) {
    return {
      speakers: [{ id: "S1", label: "Speaker 1" }, { id: "S2", label: "Speaker 2" }],
      segments: [
        { speaker: "S1", start: 0, end: audio.durationSeconds / 2 },
        { speaker: "S2", start: audio.durationSeconds / 2, end: audio.durationSeconds },
      ],
    };
  },
};
const transcription: TranscriptionProvider = {
  name: "fake-asr",
  async transcribe() {
    return {
      language: "en",
      quality: "draft",
      words: [
        { text: "proposal", start: 0.1, end: 0.4, confidence: 0.9 },
        { text: "invoice", start: 1.2, end: 1.6, confidence: 0.8 },
      ],
    };
  },
};
const voiceprint: VoiceprintProvider = {
  name: "fake-voice",
  model: "fake-model",
  modelVersion: "1",
  threshold: 0.5,
  enroll: async () => ({ embedding: [1] }),
  identify: async (_audio, result) => result.speakers.map((speaker) => ({ speaker: speaker.id, userId: null, score: 0 })),
};
const analysisFaults: Error[] = [];
const analysis: AnalysisProvider = {
  name: "fake-analysis",
  model: "fake-1",
  async analyze({ transcript }) {
    const fault = analysisFaults.shift();
    if (fault) throw fault;
    return {
      summary: `Discussed ${transcript.segments.map((segment) => segment.text).join(" and ")}`,
      actionItems: transcript.segments.map((segment, index) => ({
        title: `Send the ${segment.text}`,
        description: null,
        dueDate: index === 0 ? "2026-12-11" : null,
        priority: "high" as const,
        ownerSpeakerId: segment.speakerId,
        sourceSegmentIds: [segment.id],
        sourceText: segment.text,
      })),
    };
  },
};

interface Body {
  type: string;
  timestamp: string;
  data: Record<string, unknown> & {
    call: { id: string; title: string; contactName: string | null; errorReason: string | null; links: Record<string, string> };
    summary?: string | null;
    actionItems?: { id: string; title: string; dueDate: string | null; owner: { speakerId: string | null; label: string | null; role: string }; links: { api: string } }[];
    actionItem?: { id: string; title: string; status: string; completedAt: string | null };
    changes?: string[];
  };
}

describe.each(databaseKinds())("webhook events from the app on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let receiver: Receiver;
  let world: Awaited<ReturnType<typeof startEngine>>;
  let audio: Buffer;
  let pipelineDeps: PipelineDeps;
  let alice: { id: string; endpoint: WebhookEndpoint };
  let bob: { id: string; endpoint: WebhookEndpoint };
  /** The pipeline's emitter: the engine's, or (one test) one whose enqueue fails. */
  const emitterHolder: { current: WebhookEmitter | null } = { current: null };
  const deliveryDeps: WebhookDeliveryDeps = { db: null as never, timeoutMs: 5_000, allowPrivate: true, disableAfterFailures: 0, retryDelaysMs: [0] };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    deliveryDeps.db = t.db;
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-webhook-events-"));
    audio = await fs.readFile(await makeAudio("wav", { durationSeconds: 2 }));
    receiver = await startReceiver();
    pipelineDeps = {
      db: t.db,
      storage: createLocalStorage(path.join(root, "blob")),
      workRoot: path.join(root, "work"),
      diarization,
      transcription,
      voiceprint,
      analysis,
      voiceConsentVersion: "v1",
      timeZone: "UTC",
      audioRetentionDays: 30,
    };
    const proxy: WebhookEmitter = { send: (events) => emitterHolder.current!.send(events), publicUrl: () => emitterHolder.current!.publicUrl() };
    world = await startEngine(t.db, (client) => [createProcessCallFunction(client, async () => pipelineDeps, proxy), createDeliverWebhookFunction(client, async () => deliveryDeps)]);
    const makeUser = async (name: string) => {
      const id = (await upsertUserByExternalId(t.db, { externalUserId: `webhook-events-${name}-${kind}`, displayName: name })).id;
      const endpoint = await addEndpoint({ db: t.db, allowPrivate: true, webhooks: world.emitter }, { userId: id, input: { url: receiver.url(`/${name}`), events: [...WEBHOOK_EVENT_TYPES] } });
      return { id, endpoint };
    };
    alice = await makeUser("alice");
    bob = await makeUser("bob");
  }, 60_000);
  afterAll(async () => {
    await world?.engine.stop();
    await receiver?.close();
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    receiver.reset();
    emitterHolder.current = world.emitter;
  });

  const received = (who: "alice" | "bob") =>
    receiver.requests.filter((request) => request.path === `/${who}`).map((request) => ({ request, body: JSON.parse(request.body) as Body }));

  async function processCall(fields: Record<string, string> = {}) {
    const form = new FormData();
    for (const [key, value] of Object.entries({ title: "Acme renewal", contactName: "Dana Scully", ...fields })) form.append(key, value);
    form.append("file", new Blob([new Uint8Array(audio)]), "call.wav");
    const call = await receiveMultipartUpload(new Request("http://localhost/api/calls", { method: "POST", body: form }), alice.id, { ...pipelineDeps, maxUploadBytes: 10 * 1024 * 1024 }, path.join(root, "uploads"));
    await world.engine.send(callQueuedEvent({ callId: call.id, userId: alice.id }));
    await world.idle();
    return (await getCall(t.db, { userId: alice.id, callId: call.id }))!;
  }

  it("a completed call sends call.completed with title, contact, summary, items with owners and due dates, and links; each new item as action_item.created", async () => {
    const call = await processCall();
    expect(call.status).toBe("COMPLETED");
    const got = received("alice");
    expect(got.map(({ body }) => body.type).sort()).toEqual(["action_item.created", "action_item.created", "call.completed"]);
    for (const { request } of got) expect(verifyBySpec(alice.endpoint.secret, request)).toBe(true);

    const completed = got.find(({ body }) => body.type === "call.completed")!.body;
    expect(completed.data.call).toMatchObject({
      id: call.id,
      title: "Acme renewal",
      contactName: "Dana Scully",
      links: { page: `https://scryon.example/calls/${call.id}`, api: `https://scryon.example/api/calls/${call.id}`, actionItems: `https://scryon.example/api/calls/${call.id}/action-items` },
    });
    expect(completed.data.summary).toBe("Discussed proposal and invoice");
    const items = await listCallActionItems(t.db, { userId: alice.id, callId: call.id });
    expect(completed.data.actionItems!.map((item) => ({ id: item.id, title: item.title, dueDate: item.dueDate, speaker: item.owner.speakerId, label: item.owner.label, api: item.links.api }))).toEqual(
      items.map((item) => ({ id: item.id, title: item.title, dueDate: item.dueDate, speaker: item.ownerSpeakerId, label: item.ownerSpeakerLabel, api: `https://scryon.example/api/action-items/${item.id}` })),
    );
    expect(completed.data.actionItems!.map((item) => [item.title, item.dueDate])).toEqual([
      ["Send the proposal", "2026-12-11"],
      ["Send the invoice", null],
    ]);
    const created = got.filter(({ body }) => body.type === "action_item.created").map(({ body }) => body.data.actionItem!.id);
    expect(created.sort()).toEqual(items.map((item) => item.id).sort());
    // Bob's endpoint hears nothing of Alice's call.
    expect(received("bob")).toEqual([]);
    expect((await listWebhookDeliveries(t.db, { userId: bob.id, endpointId: bob.endpoint.id })).items).toEqual([]);
  });

  it("a call whose processing fails sends call.failed with the reason", async () => {
    analysisFaults.push(errorFromStatus(400, "Analysis"));
    const call = await processCall({ title: "Broken call" });
    expect(call.status).toBe("FAILED");
    const got = received("alice");
    expect(got.map(({ body }) => body.type)).toEqual(["call.failed"]);
    expect(got[0]!.body.data.call).toMatchObject({ id: call.id, title: "Broken call", errorReason: call.errorReason });
    expect(call.errorReason).toBeTruthy();
    expect(got[0]!.body.data.errorReason).toBe(call.errorReason);
    expect(received("bob")).toEqual([]);
  });

  it("a call the sweeper marks FAILED (STALLED) sends call.failed too", async () => {
    let call = await createCall(t.db, alice.id, { title: "Stuck call" });
    call = await transitionCallStatus(t.db, { callId: call.id, from: "UPLOADING", to: "QUEUED" });
    call = await transitionCallStatus(t.db, { callId: call.id, from: "QUEUED", to: "PROCESSING" });
    const later = new Date(Date.now() + 3 * 60 * 60_000);
    const result = await sweep({ db: t.db, storage: pipelineDeps.storage, webhooks: world.emitter }, { now: later, stallAfterMs: 2 * 60 * 60_000, eventRetentionMs: 365 * 24 * 60 * 60_000, audioRetentionDays: 0 });
    expect(result.stalled).toBe(1);
    await world.idle();
    const got = received("alice");
    expect(got.map(({ body }) => [body.type, body.data.call.id, body.data.errorReason])).toEqual([["call.failed", call.id, "STALLED"]]);
    expect(received("bob")).toEqual([]);
  });

  it("edits, done and added items send action_item.updated, .completed and .created to their owner only", async () => {
    const call = await processCall({ title: "Items call" });
    receiver.reset();
    const [item] = await listCallActionItems(t.db, { userId: alice.id, callId: call.id });
    const deps = { db: t.db, storage: pipelineDeps.storage, webhooks: world.emitter };

    await changeActionItem(deps, { userId: alice.id, itemId: item!.id, input: { title: "Send the signed proposal", dueDate: "2026-12-18" } });
    await world.idle();
    let got = received("alice");
    expect(got.map(({ body }) => body.type)).toEqual(["action_item.updated"]);
    expect(got[0]!.body.data.actionItem).toMatchObject({ id: item!.id, title: "Send the signed proposal" });
    expect(got[0]!.body.data.changes!.sort()).toEqual(["dueDate", "title"]);
    expect(got[0]!.body.data.call).toMatchObject({ id: call.id, title: "Items call" });

    receiver.reset();
    await changeActionItem(deps, { userId: alice.id, itemId: item!.id, input: { status: "DONE" } });
    await world.idle();
    got = received("alice");
    expect(got.map(({ body }) => body.type)).toEqual(["action_item.completed"]);
    expect(got[0]!.body.data.actionItem!.status).toBe("DONE");
    expect(got[0]!.body.data.actionItem!.completedAt).toBeTruthy();

    receiver.reset();
    const added = await addActionItem(deps, { userId: alice.id, callId: call.id, input: { title: "Book the follow-up" } });
    await world.idle();
    got = received("alice");
    expect(got.map(({ body }) => [body.type, body.data.actionItem!.id])).toEqual([["action_item.created", added.id]]);
    for (const { request } of got) expect(verifyBySpec(alice.endpoint.secret, request)).toBe(true);
    expect(received("bob")).toEqual([]);
  });

  it("a webhook never fails the call: an enqueue that throws is logged and the call still completes", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    emitterHolder.current = { send: async () => Promise.reject(new Error("queue down")), publicUrl: () => "https://scryon.example" };
    try {
      const call = await processCall({ title: "Queue down" });
      expect(call.status).toBe("COMPLETED");
      expect(warn.mock.calls.some((args) => String(args[0]).startsWith("[webhooks] could not queue call.completed") && String(args[1]).includes("queue down"))).toBe(true);
      // Nothing about secrets in what was logged.
      expect(JSON.stringify(warn.mock.calls)).not.toContain(alice.endpoint.secret);
    } finally {
      warn.mockRestore();
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it("a receiver that fails does not touch the call either", async () => {
    receiver.plan({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    const call = await processCall({ title: "Receiver down" });
    expect(call.status).toBe("COMPLETED");
    const log = (await listWebhookDeliveries(t.db, { userId: alice.id, endpointId: alice.endpoint.id })).items;
    const delivery = log.find((row) => row.eventType === "call.completed" && (row.payload as Body).data.call.id === call.id);
    expect(delivery).toMatchObject({ status: "failed", attempts: 2, lastStatusCode: 500 });
  });
});
