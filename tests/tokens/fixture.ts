import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Database } from "@/db";
import { replaceGeneratedActionItems } from "@/db/queries/action-items";
import { insertApiToken, revokeApiToken } from "@/db/queries/api-tokens";
import { insertArtifact } from "@/db/queries/artifacts";
import { createCall, transitionCallStatus } from "@/db/queries/calls";
import { insertProcessingEvent } from "@/db/queries/events";
import { upsertUserByExternalId } from "@/db/queries/users";
import { insertWebhookDeliveries } from "@/db/queries/webhooks";
import { recordVoiceConsent } from "@/db/queries/voice-profiles";
import {
  actionItems,
  apiTokens,
  callArtifacts,
  callProcessingEvents,
  callRecords,
  userVoiceProfiles,
  users,
  webhookDeliveries,
  webhookEndpoints,
  type ApiTokenScope,
  type CallRecord,
  type User,
} from "@/db/schema";
import { generateApiToken } from "@/lib/auth/api-tokens";
import { saveJsonArtifact } from "@/lib/pipeline/artifacts";
import { getPipelineDeps } from "@/lib/pipeline/deps";
import { analysisKey, originalAudioKey, transcriptNormalizedKey, type ObjectStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";

/**
 * A user who owns one of everything the API acts on (tests/tokens/*): a processed call (audio, transcript,
 * analysis, events, an action item), a failed call, a tus upload half sent, a direct Blob upload whose
 * object is in storage, consent and a voice profile — and API tokens: read, write, and a revoked one.
 */
export interface Owner {
  user: User;
  call: CallRecord;
  failedCall: CallRecord;
  itemId: string;
  tusUploadId: string;
  blobCallId: string;
  webhookId: string;
  deliveryId: string;
  tokens: Record<"read" | "write" | "revoked", string>;
  /** Strings of this owner's that must never show up in another user's answers. */
  secrets: string[];
}

export const TUS_HEADERS = { "Tus-Resumable": "1.0.0" };
export const tusMetadata = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString("base64")}`)
    .join(",");

export type RouteCall = (
  method: string,
  file: string,
  url: string,
  params?: Record<string, unknown>,
  init?: { body?: BodyInit; headers?: Record<string, string> },
) => Promise<Response>;

export async function createToken(db: Database, userId: string, scope: ApiTokenScope, name = `${scope} token`): Promise<{ id: string; token: string }> {
  const generated = generateApiToken();
  const row = await insertApiToken(db, { userId, name, scope, tokenHash: generated.tokenHash, displayPrefix: generated.displayPrefix, lastFour: generated.lastFour });
  return { id: row.id, token: generated.token };
}

let counter = 0;

/**
 * Makes an owner. `asSession(user)` signs the test's stand-in session in as the user, for the two uploads
 * made through the routes themselves (tus, Blob begin).
 */
export async function makeOwner(deps: {
  db: Database;
  storage: ObjectStorage;
  wav: Buffer;
  label: string;
  call: RouteCall;
  asSession: (user: User | null) => void;
}): Promise<Owner> {
  const { db, storage, wav } = deps;
  const tag = `${deps.label}-${++counter}-${Date.now()}`;
  const user = await upsertUserByExternalId(db, { externalUserId: `firebase-${tag}`, displayName: deps.label });
  const title = `Secret call of ${tag}`;
  const itemTitle = `Secret item of ${tag}`;
  const transcript: NormalizedTranscript = {
    version: 1,
    language: "en",
    durationSeconds: 30,
    quality: "standard",
    speakers: [
      { id: "A", label: "Speaker 1", role: "UNKNOWN", displayName: deps.label, confidence: null },
      { id: "B", label: "Speaker 2", role: "UNKNOWN", displayName: null, confidence: null },
    ],
    segments: [
      { id: "s0001", speakerId: "A", start: 1, end: 4, text: `The words of ${tag}`, words: [] },
      { id: "s0002", speakerId: "B", start: 5, end: 8, text: itemTitle, words: [] },
    ],
  };

  let processed = await createCall(db, user.id, { title, contactName: `Contact of ${tag}` });
  const audioKey = originalAudioKey(user.id, processed.id, "wav");
  const stored = await storage.put(audioKey, wav, { contentType: "audio/wav" });
  await insertArtifact(db, { callId: processed.id, artifactType: "TEMP_AUDIO", storageKey: audioKey, contentType: "audio/wav", byteSize: stored.size });
  await saveJsonArtifact({ db, storage }, { userId: user.id, callId: processed.id, type: "NORMALIZED_TRANSCRIPT_JSON", key: transcriptNormalizedKey(user.id, processed.id), value: transcript });
  await saveJsonArtifact({ db, storage }, {
    userId: user.id,
    callId: processed.id,
    type: "ANALYSIS_JSON",
    key: analysisKey(user.id, processed.id),
    value: { version: 1, provider: "local", model: "rules-v1", createdAt: new Date().toISOString(), summary: `Summary of ${tag}`, actionItems: [] },
  });
  processed = await transitionCallStatus(db, { callId: processed.id, from: "UPLOADING", to: "QUEUED" });
  processed = await transitionCallStatus(db, { callId: processed.id, from: "QUEUED", to: "PROCESSING" });
  await insertProcessingEvent(db, { callId: processed.id, userId: user.id, stage: "TRANSCRIPTION", status: "COMPLETED", provider: "local", durationMs: 1000 });
  processed = await transitionCallStatus(db, { callId: processed.id, from: "PROCESSING", to: "COMPLETED" });
  await replaceGeneratedActionItems(db, {
    callId: processed.id,
    items: [{ title: itemTitle, dueDate: "2030-03-06", priority: "high", sourceSegmentIdsJson: ["s0002"], sourceText: itemTitle, ownerSpeakerId: "A", ownerSpeakerLabel: "Speaker 1", ownerRole: "UNKNOWN" }],
  });
  const [item] = await db.select().from(actionItems).where(eq(actionItems.callRecordId, processed.id));

  let failed = await createCall(db, user.id, { title: `${title} (failed)` });
  failed = await transitionCallStatus(db, { callId: failed.id, from: "UPLOADING", to: "QUEUED" });
  failed = await transitionCallStatus(db, { callId: failed.id, from: "QUEUED", to: "PROCESSING" });
  failed = await transitionCallStatus(db, { callId: failed.id, from: "PROCESSING", to: "FAILED", errorReason: "TRANSCRIPTION_FAILED" });

  deps.asSession(user);
  try {
    const created = await deps.call("POST", "app/api/uploads/[[...path]]/route.ts", "/api/uploads", {}, {
      headers: { ...TUS_HEADERS, "Upload-Length": String(wav.byteLength), "Upload-Metadata": tusMetadata({ filename: "call.wav", title }) },
    });
    if (created.status !== 201) throw new Error(`tus create answered ${created.status}`);
    const tusUploadId = created.headers.get("location")!.split("/").pop()!;
    const half = await deps.call("PATCH", "app/api/uploads/[[...path]]/route.ts", `/api/uploads/${tusUploadId}`, { path: [tusUploadId] }, {
      headers: { ...TUS_HEADERS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      body: new Uint8Array(wav.subarray(0, 1000)),
    });
    if (half.status !== 204) throw new Error(`tus patch answered ${half.status}`);
    const begun = await deps.call("POST", "app/api/uploads/blob/begin/route.ts", "/api/uploads/blob/begin", {}, {
      body: JSON.stringify({ filename: "call.wav", size: wav.byteLength, extension: "wav", title }),
      headers: { "Content-Type": "application/json" },
    });
    if (begun.status !== 201) throw new Error(`blob begin answered ${begun.status}`);
    const { callId: blobCallId, pathname } = (await begun.json()) as { callId: string; pathname: string };
    // The bytes the browser would have sent to Blob, so that "complete" has an object to check.
    await storage.put(pathname, wav, { contentType: "audio/wav" });

    const consentVersion = ((await (await deps.call("GET", "app/api/voice-profile/route.ts", "/api/voice-profile")).json()) as { consent: { currentVersion: string } }).consent.currentVersion;
    const consentedAt = new Date();
    await recordVoiceConsent(db, { userId: user.id, version: consentVersion, at: consentedAt });
    // Made by the configured voiceprint provider, so that "find me in earlier calls" can use it.
    const { voiceprint } = await getPipelineDeps();
    await db.insert(userVoiceProfiles).values({
      userId: user.id,
      provider: voiceprint.name,
      model: voiceprint.model,
      modelVersion: voiceprint.modelVersion,
      embeddingJson: { vector: [0.1, 0.2] },
      consentVersion,
      consentedAt,
      sampleDurationSeconds: 12,
    });

    const hook = await deps.call("POST", "app/api/webhooks/route.ts", "/api/webhooks", {}, {
      body: JSON.stringify({ url: `https://93.184.216.34/hooks/${tag}`, events: ["call.completed"] }),
      headers: { "Content-Type": "application/json" },
    });
    if (hook.status !== 201) throw new Error(`webhook create answered ${hook.status}: ${await hook.text()}`);
    const { endpoint } = (await hook.json()) as { endpoint: { id: string; secret: string } };
    const [delivery] = await insertWebhookDeliveries(db, [{ endpointId: endpoint.id, userId: user.id, eventType: "call.completed", msgId: `msg_${tag}`, payload: { tag }, status: "failed" }]);

    const read = await createToken(db, user.id, "read");
    const write = await createToken(db, user.id, "write");
    const revoked = await createToken(db, user.id, "write", "revoked token");
    await revokeApiToken(db, { userId: user.id, tokenId: revoked.id });

    return {
      user,
      call: processed,
      failedCall: failed,
      itemId: item!.id,
      tusUploadId,
      blobCallId,
      webhookId: endpoint.id,
      deliveryId: delivery!.id,
      tokens: { read: read.token, write: write.token, revoked: revoked.token },
      secrets: [user.id, processed.id, failed.id, item!.id, tusUploadId, blobCallId, title, itemTitle, tag, endpoint.id, endpoint.secret, delivery!.id, read.token, write.token, revoked.token],
    };
  } finally {
    deps.asSession(null);
  }
}

async function filesUnder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (current: string) => {
    let entries: import("node:fs").Dirent[] = [];
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out[path.relative(dir, full)] = createHash("sha256").update(await fs.readFile(full)).digest("hex");
    }
  };
  await walk(dir);
  return out;
}

/** Every row and stored byte of the owner's, except when their tokens were last used (reads write that). */
export async function ownerState(db: Database, blobRoot: string, owner: Owner) {
  const id = owner.user.id;
  const sortById = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
  const calls = sortById(await db.select().from(callRecords).where(eq(callRecords.userId, id)));
  const artifacts = [];
  const items = [];
  const events = [];
  for (const call of calls) {
    artifacts.push(...(await db.select().from(callArtifacts).where(eq(callArtifacts.callId, call.id))));
    items.push(...(await db.select().from(actionItems).where(eq(actionItems.callRecordId, call.id))));
    events.push(...(await db.select().from(callProcessingEvents).where(eq(callProcessingEvents.callId, call.id))));
  }
  const tokens = (await db.select().from(apiTokens).where(eq(apiTokens.userId, id))).map((row) => ({ ...row, lastUsedAt: null, updatedAt: null }));
  return {
    user: await db.select().from(users).where(eq(users.id, id)),
    calls,
    artifacts: sortById(artifacts),
    items: sortById(items),
    events: sortById(events),
    profile: await db.select().from(userVoiceProfiles).where(eq(userVoiceProfiles.userId, id)),
    tokens: sortById(tokens),
    webhooks: sortById(await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, id))),
    deliveries: sortById(await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.userId, id))),
    objects: await filesUnder(path.join(blobRoot, "users", id)),
  };
}
