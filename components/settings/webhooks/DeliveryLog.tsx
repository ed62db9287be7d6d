"use client";

import { useCallback, useEffect, useState } from "react";
import { RelativeTime } from "@/components/calls/RelativeTime";
import { ApiError } from "@/components/lib/http-client";
import { ActionAlert } from "@/components/ui/alerts";
import { listDeliveries, sendAgain, type DeliveryJson } from "./api";

const STATUS = {
  pending: { label: "Pending", className: "bg-amber-100 text-amber-900" },
  succeeded: { label: "Delivered", className: "bg-emerald-100 text-emerald-900" },
  failed: { label: "Failed", className: "bg-red-100 text-red-900" },
} as const;

const SMALL_BUTTON = "rounded-lg border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 shadow-sm hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500";

/** An endpoint's delivery log, newest first: status, HTTP code, attempts, time; details and "Send again" per row. */
export function DeliveryLog({ endpointId, endpointActive }: { endpointId: string; endpointActive: boolean }) {
  const [items, setItems] = useState<DeliveryJson[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const [sending, setSending] = useState<string | null>(null);

  const load = useCallback(
    async (cursor: string | null) => {
      setLoading(true);
      setError(null);
      try {
        const page = await listDeliveries(endpointId, cursor);
        setItems((current) => (cursor && current ? [...current, ...page.items] : page.items));
        setNextCursor(page.nextCursor);
      } catch (caught) {
        setError(caught instanceof ApiError ? caught.message : "The delivery log could not be loaded.");
      } finally {
        setLoading(false);
      }
    },
    [endpointId],
  );

  // The first page, when the log is opened (state is set in the callbacks, not in the effect itself).
  useEffect(() => {
    let cancelled = false;
    listDeliveries(endpointId, null).then(
      (page) => {
        if (cancelled) return;
        setItems(page.items);
        setNextCursor(page.nextCursor);
        setLoading(false);
      },
      (caught: unknown) => {
        if (cancelled) return;
        setError(caught instanceof ApiError ? caught.message : "The delivery log could not be loaded.");
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [endpointId]);

  async function resend(delivery: DeliveryJson) {
    setSending(delivery.id);
    setRowError(null);
    try {
      const updated = await sendAgain(endpointId, delivery.id);
      setItems((current) => current?.map((row) => (row.id === updated.id ? updated : row)) ?? null);
    } catch (caught) {
      setRowError(caught instanceof ApiError ? caught.message : "It could not be sent again. Try again.");
    } finally {
      setSending(null);
    }
  }

  return (
    <section aria-label="Delivery log" className="mt-3 rounded-xl border border-slate-200 bg-slate-50 p-3" data-testid="delivery-log">
      <div className="flex items-center justify-between gap-2">
        <h4 className="text-sm font-semibold text-slate-900">Delivery log</h4>
        <button type="button" onClick={() => void load(null)} disabled={loading} className={SMALL_BUTTON}>
          {loading ? "Loading…" : "Refresh"}
        </button>
      </div>
      <ActionAlert message={error} actionLabel="Try again" onAction={() => void load(null)} className="mt-2" />
      <ActionAlert message={rowError} actionLabel="Dismiss" onAction={() => setRowError(null)} className="mt-2" />
      {items === null ? (
        loading ? (
          <p className="mt-2 text-sm text-slate-600" role="status">
            Loading deliveries…
          </p>
        ) : null
      ) : items.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600" data-testid="no-deliveries">
          Nothing sent yet. Deliveries appear here when a call completes or fails, or an action item changes.
        </p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {items.map((delivery) => {
            const status = STATUS[delivery.status];
            const at = delivery.lastAttemptAt ?? delivery.createdAt;
            return (
              <li key={delivery.id} className="p-3 text-sm" data-testid="delivery-row">
                <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                  <span className="font-mono text-xs font-semibold text-slate-900">{delivery.eventType}</span>
                  <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${status.className}`}>{status.label}</span>
                  <span className="text-slate-700">{delivery.lastStatusCode ? `HTTP ${delivery.lastStatusCode}` : delivery.attempts > 0 ? "No answer" : "Not sent yet"}</span>
                  <span className="text-slate-600">
                    {delivery.attempts} {delivery.attempts === 1 ? "attempt" : "attempts"}
                  </span>
                  <RelativeTime iso={at} className="text-slate-600" />
                  <button
                    type="button"
                    onClick={() => void resend(delivery)}
                    disabled={delivery.status === "pending" || !endpointActive || sending === delivery.id}
                    aria-label={`Send ${delivery.eventType} again`}
                    title={!endpointActive ? "Turn the endpoint on to send again" : delivery.status === "pending" ? "Still being sent" : undefined}
                    className={`${SMALL_BUTTON} ml-auto`}
                  >
                    {sending === delivery.id ? "Sending…" : "Send again"}
                  </button>
                </div>
                {delivery.status === "pending" && delivery.nextAttemptAt ? (
                  <p className="mt-1 text-xs text-slate-600">
                    Next attempt <RelativeTime iso={delivery.nextAttemptAt} />
                  </p>
                ) : null}
                {delivery.lastError ? <p className="mt-1 break-words text-xs text-red-800">{delivery.lastError}</p> : null}
                <details className="mt-1">
                  <summary className="cursor-pointer text-xs text-slate-600 hover:text-slate-900">Details</summary>
                  <dl className="mt-1 grid gap-1 text-xs">
                    <div>
                      <dt className="inline font-medium text-slate-700">webhook-id: </dt>
                      <dd className="inline break-all font-mono">{delivery.webhookId}</dd>
                    </div>
                    {delivery.responseExcerpt ? (
                      <div>
                        <dt className="font-medium text-slate-700">Answer (first KB)</dt>
                        <dd>
                          <pre className="mt-0.5 max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-2 font-mono">{delivery.responseExcerpt}</pre>
                        </dd>
                      </div>
                    ) : null}
                    <div>
                      <dt className="font-medium text-slate-700">Payload</dt>
                      <dd>
                        <pre className="mt-0.5 max-h-60 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-2 font-mono">{JSON.stringify(delivery.payload, null, 2)}</pre>
                      </dd>
                    </div>
                  </dl>
                </details>
              </li>
            );
          })}
        </ul>
      )}
      {nextCursor ? (
        <button type="button" onClick={() => void load(nextCursor)} disabled={loading} className={`${SMALL_BUTTON} mt-2`}>
          {loading ? "Loading…" : "Load older deliveries"}
        </button>
      ) : null}
    </section>
  );
}
