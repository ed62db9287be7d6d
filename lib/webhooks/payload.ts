import type { ActionItem, CallRecord } from "@/db/schema";
import { toActionItemJson } from "@/lib/action-items/serialize";
import { toCallJson } from "@/lib/calls/serialize";

/**
 * The `data` of each event: ids plus what a receiver needs without calling back (title, contact, summary,
 * items with owners and due dates), and links to the call's page and API for the rest.
 */

export function callLinks(publicUrl: string, callId: string) {
  return {
    page: `${publicUrl}/calls/${callId}`,
    api: `${publicUrl}/api/calls/${callId}`,
    actionItems: `${publicUrl}/api/calls/${callId}/action-items`,
    transcript: `${publicUrl}/api/calls/${callId}/transcript`,
  };
}

/** The call as `GET /api/calls/:id` answers it, with links. */
export function callJson(call: CallRecord, publicUrl: string) {
  return { ...toCallJson(call), links: callLinks(publicUrl, call.id) };
}

export function itemJson(item: ActionItem, publicUrl: string) {
  return { ...toActionItemJson(item), links: { api: `${publicUrl}/api/action-items/${item.id}`, page: `${publicUrl}/calls/${item.callRecordId}` } };
}

export function callCompletedData(call: CallRecord, summary: string | null, items: ActionItem[], publicUrl: string) {
  return { call: callJson(call, publicUrl), summary, actionItems: items.map((item) => itemJson(item, publicUrl)) };
}

export function callFailedData(call: CallRecord, publicUrl: string) {
  return { call: callJson(call, publicUrl), errorReason: call.errorReason };
}

export function actionItemData(item: ActionItem, call: CallRecord, publicUrl: string, changes?: string[]) {
  return {
    actionItem: itemJson(item, publicUrl),
    call: { id: call.id, title: call.title, contactName: call.contactName, organization: call.organization, links: callLinks(publicUrl, call.id) },
    ...(changes ? { changes } : {}),
  };
}
