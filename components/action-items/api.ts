import { ApiError, requestJson as request } from "@/components/lib/http-client";
import type { ActionItemJson, OwnerInput } from "@/lib/action-items/types";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import type { ActionItemPatchBody } from "./action-item-model";

/** Client-side calls to the action-item and speaker APIs; failures are `ApiError`s (components/lib/http-client.ts). */

export { ApiError };

export interface SummaryJson {
  text: string;
  provider: string;
  model: string;
  createdAt: string;
}

export interface CallActionItemsJson {
  summary: SummaryJson | null;
  items: ActionItemJson[];
}

export type SpeakerJson = NormalizedTranscript["speakers"][number];

const callPath = (callId: string) => `/api/calls/${encodeURIComponent(callId)}`;
const itemPath = (itemId: string) => `/api/action-items/${encodeURIComponent(itemId)}`;

export function fetchCallActionItems(callId: string): Promise<CallActionItemsJson> {
  return request<CallActionItemsJson>(`${callPath(callId)}/action-items`);
}

export interface NewActionItemBody {
  title: string;
  description?: string | null;
  dueDate?: string | null;
  priority?: "low" | "medium" | "high";
  owner?: OwnerInput;
}

export async function createActionItem(callId: string, body: NewActionItemBody): Promise<ActionItemJson> {
  return (await request<{ item: ActionItemJson }>(`${callPath(callId)}/action-items`, { method: "POST", body: JSON.stringify(body) })).item;
}

export async function patchActionItem(itemId: string, patch: ActionItemPatchBody): Promise<ActionItemJson> {
  return (await request<{ item: ActionItemJson }>(itemPath(itemId), { method: "PATCH", body: JSON.stringify(patch) })).item;
}

export function deleteActionItem(itemId: string): Promise<void> {
  return request<void>(itemPath(itemId), { method: "DELETE" });
}

export async function fetchInbox(url: string): Promise<{ items: ActionItemJson[]; nextCursor: string | null }> {
  return request<{ items: ActionItemJson[]; nextCursor: string | null }>(url);
}

export async function patchSpeaker(callId: string, speakerId: string, edit: { displayName?: string | null; isMe?: boolean }): Promise<SpeakerJson[]> {
  return (
    await request<{ speakers: SpeakerJson[] }>(`${callPath(callId)}/speakers/${encodeURIComponent(speakerId)}`, {
      method: "PATCH",
      body: JSON.stringify(edit),
    })
  ).speakers;
}

/** Several speaker edits in one request: all saved, or none. */
export async function patchSpeakers(callId: string, edits: { speakerId: string; body: { displayName?: string | null; isMe?: boolean } }[]): Promise<SpeakerJson[]> {
  return (
    await request<{ speakers: SpeakerJson[] }>(`${callPath(callId)}/speakers`, {
      method: "PATCH",
      body: JSON.stringify({ edits: edits.map((edit) => ({ speakerId: edit.speakerId, ...edit.body })) }),
    })
  ).speakers;
}

/** A call's speakers (for the owner choices of an item edited outside its call page). */
export async function fetchCallSpeakers(callId: string): Promise<SpeakerJson[]> {
  return (await request<{ speakers: SpeakerJson[] }>(`${callPath(callId)}/speakers`)).speakers;
}

/** Makes the summary and action items again; the call goes back to QUEUED. */
export async function reanalyzeCall(callId: string): Promise<void> {
  const response = await fetch(`/api/calls/${encodeURIComponent(callId)}/reanalyze`, { method: "POST" });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? "The analysis could not be started again.");
  }
}

/** A readable sentence for an error, with field problems when the server gave them. */
export function errorMessage(error: unknown, fallback: string): string {
  if (!(error instanceof ApiError)) return fallback;
  if (error.details?.length) return `${error.message} ${error.details.map((issue) => `${issue.path ? `${issue.path}: ` : ""}${issue.message}`).join(" ")}`;
  return error.message;
}
