import "server-only";
import type { Database } from "@/db";
import {
  disableWebhookEndpoint,
  getDeliveryWithEndpoint,
  recordDeliveryAttempt,
  recordEndpointFailure,
  recordEndpointSuccess,
  settleDelivery,
} from "@/db/queries/webhooks";
import { stripUnsafeText } from "@/lib/validation/input";
import type { LookupAll } from "./address";
import { sendWebhook, type SendOutcome } from "./send";
import { webhookHeaders } from "./signature";

export interface WebhookDeliveryDeps {
  db: Database;
  timeoutMs: number;
  allowPrivate: boolean;
  /** Deliveries given up in a row before an endpoint is turned off (0 = never). */
  disableAfterFailures: number;
  /** The wait before attempt 2, 3, …; its length + 1 is the number of attempts. */
  retryDelaysMs: number[];
  /** Clock for the log's times and the next attempt; signatures always use the real time (receivers check it). */
  now?: () => Date;
  lookup?: LookupAll;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The Standard Webhooks example schedule, cut at ~18 h: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h. */
export const DEFAULT_RETRY_DELAYS_MS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR];

/** A Retry-After longer than this is not waited for beyond it. */
const MAX_RETRY_AFTER_MS = 24 * HOUR;

export type AttemptResult = { done: true; status: "succeeded" | "failed" | "skipped" } | { done: false; nextAttemptAt: string };

interface Verdict {
  ok: boolean;
  retryable: boolean;
  statusCode: number | null;
  error: string | null;
  excerpt: string | null;
  retryAfterMs: number | null;
  /** The receiver asked to stop (410 Gone): the endpoint is turned off. */
  gone: boolean;
}

/**
 * What an answer means (Standard Webhooks, "Delivery success and failure"): 2xx is success; 5xx, 408, 429,
 * timeouts and connection errors are retried; a redirect is not followed and, like any other 4xx, will not
 * change by retrying; 410 Gone turns the endpoint off.
 */
export function judgeOutcome(outcome: SendOutcome): Verdict {
  const none = { statusCode: null, excerpt: null, retryAfterMs: null, gone: false };
  switch (outcome.kind) {
    case "timeout":
    case "network":
      return { ...none, ok: false, retryable: true, error: outcome.error };
    case "blocked":
      return { ...none, ok: false, retryable: false, error: outcome.error };
    case "response": {
      const status = outcome.status;
      const base = { statusCode: status, excerpt: stripUnsafeText(outcome.excerpt) || null, retryAfterMs: outcome.retryAfterMs, gone: false };
      if (status >= 200 && status < 300) return { ...base, ok: true, retryable: false, error: null };
      if (status === 410) return { ...base, ok: false, retryable: false, gone: true, error: "The receiver answered 410 Gone." };
      if (status >= 500 || status === 408 || status === 429) return { ...base, ok: false, retryable: true, error: `HTTP ${status}` };
      if (status >= 300 && status < 400) return { ...base, ok: false, retryable: false, error: `HTTP ${status}: redirects are not followed; point the endpoint at the final URL.` };
      return { ...base, ok: false, retryable: false, error: `HTTP ${status}` };
    }
  }
}

function withJitter(delayMs: number): number {
  return Math.round(delayMs * (0.9 + Math.random() * 0.2));
}

/**
 * One attempt of one delivery (`attempt` counts from 0 within the current run). Records the attempt in the
 * delivery log, and says whether the run is done or when to try again. A delivery that is no longer pending
 * (settled by another run, or its endpoint deleted) is left alone.
 */
export async function attemptDelivery(deps: WebhookDeliveryDeps, request: { userId: string; deliveryId: string }, attempt: number): Promise<AttemptResult> {
  const now = deps.now ?? (() => new Date());
  const found = await getDeliveryWithEndpoint(deps.db, request);
  if (!found || found.delivery.status !== "pending") return { done: true, status: "skipped" };
  const { delivery, endpoint } = found;
  if (!endpoint.active) {
    await settleDelivery(deps.db, { deliveryId: delivery.id, status: "failed", error: "Not sent: the endpoint is turned off." });
    return { done: true, status: "failed" };
  }

  const body = JSON.stringify(delivery.payload);
  const outcome = await sendWebhook({
    url: endpoint.url,
    headers: webhookHeaders(endpoint.secret, delivery.msgId, body, new Date()),
    body,
    timeoutMs: deps.timeoutMs,
    allowPrivate: deps.allowPrivate,
    lookup: deps.lookup,
  });
  const verdict = judgeOutcome(outcome);
  const at = now();
  const record = { lastStatusCode: verdict.statusCode, lastError: verdict.error, responseExcerpt: verdict.excerpt, lastAttemptAt: at };

  if (verdict.ok) {
    await recordDeliveryAttempt(deps.db, { deliveryId: delivery.id, record: { ...record, status: "succeeded", nextAttemptAt: null } });
    await recordEndpointSuccess(deps.db, endpoint.id);
    return { done: true, status: "succeeded" };
  }
  if (verdict.retryable && attempt < deps.retryDelaysMs.length) {
    const delay = Math.max(withJitter(deps.retryDelaysMs[attempt]!), Math.min(verdict.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    const nextAttemptAt = new Date(at.getTime() + delay);
    const updated = await recordDeliveryAttempt(deps.db, { deliveryId: delivery.id, record: { ...record, status: "pending", nextAttemptAt } });
    if (!updated) return { done: true, status: "skipped" };
    return { done: false, nextAttemptAt: nextAttemptAt.toISOString() };
  }
  const updated = await recordDeliveryAttempt(deps.db, { deliveryId: delivery.id, record: { ...record, status: "failed", nextAttemptAt: null } });
  if (!updated) return { done: true, status: "skipped" };
  if (verdict.gone) {
    await disableWebhookEndpoint(deps.db, { endpointId: endpoint.id, reason: "The receiver answered 410 Gone (it asks for no more deliveries).", now: at });
  } else {
    await recordEndpointFailure(deps.db, {
      endpointId: endpoint.id,
      disableAfter: deps.disableAfterFailures,
      reason: `${deps.disableAfterFailures} deliveries in a row failed (last: ${verdict.error ?? "failed"}).`,
      now: at,
    });
  }
  return { done: true, status: "failed" };
}

/** The run itself failed (not an attempt): the delivery is given up so the log does not show it pending forever. */
export async function abandonDelivery(db: Database, request: { deliveryId: string }): Promise<void> {
  await settleDelivery(db, { deliveryId: request.deliveryId, status: "failed", error: "Delivery stopped by an internal error; use Send again." });
}
