/**
 * The webhook event types (Standard Webhooks style: full-stop delimited, `[a-z_.]`). Pure: the settings page
 * uses the same list for its checkboxes.
 */
export const WEBHOOK_EVENT_TYPES = [
  "call.completed",
  "call.failed",
  "action_item.created",
  "action_item.updated",
  "action_item.completed",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "call.completed": "A call finished processing (summary and action items)",
  "call.failed": "A call's processing failed",
  "action_item.created": "An action item was added",
  "action_item.updated": "An action item was edited, snoozed or reopened",
  "action_item.completed": "An action item was marked done",
};

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
