import "server-only";
import type { Database } from "@/db";
import { listCallActionItems } from "@/db/queries/action-items";
import { getCall } from "@/db/queries/calls";
import type { ActionItem } from "@/db/schema";
import { getInngest } from "@/inngest/client";
import type { StoredAnalysis } from "@/lib/analysis/types";
import { loadEnv } from "@/lib/env";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import type { ObjectStorage } from "@/lib/storage";
import { emitSafely, type WebhookEmitter } from "./emit";
import { actionItemData, callCompletedData, callFailedData } from "./payload";

/**
 * Where the app's events become webhook events. Each function only enqueues (lib/webhooks/emit.ts) and
 * never throws: the call or the edit that caused it has been committed already and must not fail now.
 */

/** The emitter of the app's own Inngest client (or of the given one: a pipeline function sends with the client it runs on). */
export function inngestWebhookEmitter(client?: { send(events: unknown): Promise<unknown> }): WebhookEmitter {
  return {
    send: (events) => (client ?? getInngest()).send(events),
    publicUrl: () => loadEnv().publicUrl,
  };
}

interface NotifyDeps {
  db: Database;
  storage: ObjectStorage;
  webhooks?: WebhookEmitter | undefined;
}

const emitterOf = (deps: { webhooks?: WebhookEmitter | undefined }) => deps.webhooks ?? inngestWebhookEmitter();

/**
 * `call.completed` once a run has completed the call: its summary and action items. `runKey` is the run's
 * event id, so each processing (upload, retry, re-analysis) is one event, however often the step runs.
 * Items the analysis created in this run are announced as `action_item.created` too.
 */
export async function notifyCallCompleted(deps: NotifyDeps, ref: { userId: string; callId: string }, runKey: string): Promise<void> {
  const emitter = emitterOf(deps);
  try {
    const call = await getCall(deps.db, ref);
    if (!call || call.status !== "COMPLETED") return;
    const items = await listCallActionItems(deps.db, ref);
    await emitSafely(deps.db, emitter, {
      userId: ref.userId,
      type: "call.completed",
      key: runKey,
      occurredAt: call.updatedAt,
      data: async (publicUrl) => {
        const analysis = await loadJsonArtifact<StoredAnalysis>(deps, { ...ref, type: "ANALYSIS_JSON" }).catch(() => null);
        return callCompletedData(call, analysis?.summary ?? null, items, publicUrl);
      },
    });
    for (const item of items) await notifyActionItemCreated({ ...deps, webhooks: emitter }, ref.userId, item);
  } catch (error) {
    console.warn(`[webhooks] could not queue call.completed for call ${ref.callId}:`, error instanceof Error ? error.message : error);
  }
}

/** `call.failed` once a run has given the call up (`runKey`: the failed run's event id). */
export async function notifyCallFailed(deps: { db: Database; webhooks?: WebhookEmitter | undefined }, ref: { userId: string; callId: string }, runKey: string): Promise<void> {
  try {
    const call = await getCall(deps.db, ref);
    if (!call || call.status !== "FAILED") return;
    await emitSafely(deps.db, emitterOf(deps), {
      userId: ref.userId,
      type: "call.failed",
      key: runKey,
      occurredAt: call.updatedAt,
      data: async (publicUrl) => callFailedData(call, publicUrl),
    });
  } catch (error) {
    console.warn(`[webhooks] could not queue call.failed for call ${ref.callId}:`, error instanceof Error ? error.message : error);
  }
}

async function emitItemEvent(
  deps: { db: Database; webhooks?: WebhookEmitter | undefined },
  userId: string,
  item: ActionItem,
  type: "action_item.created" | "action_item.updated" | "action_item.completed",
  key: string,
  options: { changes?: string[]; onlyEndpointsCreatedBy?: Date } = {},
): Promise<void> {
  try {
    await emitSafely(deps.db, emitterOf(deps), {
      userId,
      type,
      key,
      occurredAt: type === "action_item.created" ? item.createdAt : item.updatedAt,
      onlyEndpointsCreatedBy: options.onlyEndpointsCreatedBy,
      // Read only when some endpoint takes the event: an edit without webhooks costs one indexed query.
      data: async (publicUrl) => {
        const call = await getCall(deps.db, { userId, callId: item.callRecordId });
        if (!call) throw new Error("the call of the item is gone");
        return actionItemData(item, call, publicUrl, options.changes);
      },
    });
  } catch (error) {
    console.warn(`[webhooks] could not queue ${type} for item ${item.id}:`, error instanceof Error ? error.message : error);
  }
}

/**
 * `action_item.created`, once per item (the key is its id): also for generated items, announced when
 * their call completes; endpoints added after the item was created do not get it.
 */
export function notifyActionItemCreated(deps: { db: Database; webhooks?: WebhookEmitter | undefined }, userId: string, item: ActionItem): Promise<void> {
  return emitItemEvent(deps, userId, item, "action_item.created", item.id, { onlyEndpointsCreatedBy: item.createdAt });
}

/** `action_item.completed` when an edit marks it done, else `action_item.updated` with the fields that changed. */
export function notifyActionItemChanged(
  deps: { db: Database; webhooks?: WebhookEmitter | undefined },
  userId: string,
  before: ActionItem,
  after: ActionItem,
): Promise<void> {
  const completed = after.status === "DONE" && before.status !== "DONE";
  const fields = ["title", "description", "dueDate", "priority", "status", "snoozedUntil", "ownerSpeakerId", "ownerDisplayName", "ownerRole"] as const;
  const changes = fields.filter((field) => String(before[field] instanceof Date ? (before[field] as Date).toISOString() : before[field]) !== String(after[field] instanceof Date ? (after[field] as Date).toISOString() : after[field]));
  return emitItemEvent(deps, userId, after, completed ? "action_item.completed" : "action_item.updated", `${after.id}:${after.updatedAt.toISOString()}`, {
    changes: changes.map((field) => (field.startsWith("owner") ? "owner" : field)).filter((field, index, all) => all.indexOf(field) === index),
  });
}
