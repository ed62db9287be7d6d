"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { useOnValueChange } from "@/components/hooks/use-resettable-state";
import { usePolling } from "@/components/hooks/use-polling";
import type { CallStatus } from "@/db/schema";
import { buildTimeline, formatDuration, type StageState, type TimelineEvent } from "./timeline-model";

const POLL_MS = 2000;

const STATE_STYLE: Record<StageState, { dot: string; text: string; label: string }> = {
  waiting: { dot: "border-2 border-slate-300 bg-white", text: "text-slate-500", label: "Waiting" },
  running: { dot: "bg-brand-500 animate-pulse", text: "text-brand-700", label: "Running" },
  retrying: { dot: "bg-amber-500 animate-pulse", text: "text-amber-800", label: "Retrying" },
  done: { dot: "bg-emerald-500", text: "text-emerald-800", label: "Done" },
  skipped: { dot: "bg-slate-400", text: "text-slate-600", label: "Already done" },
  failed: { dot: "bg-red-600", text: "text-red-800", label: "Failed" },
};

/** Every stage with status, provider, duration, attempts and errors in plain words; live while the call is processed. */
export function ProcessingTimeline({ callId, initialStatus, initialEvents }: { callId: string; initialStatus: CallStatus; initialEvents: TimelineEvent[] }) {
  const [status, setStatus] = useState(initialStatus);
  const [events, setEvents] = useState(initialEvents);
  // A server render with news (the call queued again from elsewhere on the page) replaces what is shown;
  // one that only repeats the status leaves the polled events alone.
  useOnValueChange(initialStatus, () => {
    setStatus(initialStatus);
    setEvents(initialEvents);
  });
  const [stale, setStale] = useState(false);
  const [retrying, setRetrying] = useState(false);
  const [retryError, setRetryError] = useState<string | null>(null);
  const router = useRouter();
  const shownStatus = useRef(initialStatus);
  const live = status === "QUEUED" || status === "PROCESSING" || status === "UPLOADING";

  // The header's status chip is server-rendered: refresh it when processing moves the call on.
  useEffect(() => {
    if (shownStatus.current !== status) {
      shownStatus.current = status;
      router.refresh();
    }
  }, [status, router]);

  async function retry() {
    setRetrying(true);
    setRetryError(null);
    try {
      const response = await fetch(`/api/calls/${callId}/retry`, { method: "POST" });
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      if (!response.ok) throw new Error(body?.error?.message ?? "The retry could not be started.");
      setStatus("QUEUED");
    } catch (error) {
      setRetryError(error instanceof Error ? error.message : "The retry could not be started.");
    } finally {
      setRetrying(false);
    }
  }

  usePolling(
    async (signal) => {
      try {
        const response = await fetch(`/api/calls/${callId}/events`, { cache: "no-store" });
        if (!response.ok) throw new Error(String(response.status));
        const body = (await response.json()) as { callStatus: CallStatus; events: TimelineEvent[] };
        if (signal.aborted) return;
        setEvents(body.events);
        setStatus(body.callStatus);
        setStale(false);
      } catch {
        if (!signal.aborted) setStale(true);
      }
    },
    { enabled: live, intervalMs: POLL_MS },
  );

  const rows = buildTimeline(events, status);
  return (
    <section aria-labelledby="timeline-heading" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
      <h2 id="timeline-heading" className="text-base font-semibold">
        Processing timeline
      </h2>
      {status === "QUEUED" ? <p className="mt-1 text-sm text-slate-600">Waiting to be processed.</p> : null}
      {status === "FAILED" ? (
        <div className="mt-3 rounded-xl bg-red-50 px-3 py-3">
          <p className="text-sm text-red-900">Processing stopped. Finished stages are kept; a retry starts where it failed.</p>
          <button
            type="button"
            onClick={retry}
            disabled={retrying}
            className="mt-2 rounded-lg bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60"
          >
            {retrying ? "Starting…" : "Retry processing"}
          </button>
          {retryError ? (
            <p role="alert" className="mt-2 text-xs text-red-900">
              {retryError}
            </p>
          ) : null}
        </div>
      ) : null}
      {stale ? (
        <p role="status" className="mt-2 text-xs text-amber-800">
          Could not refresh the timeline; retrying.
        </p>
      ) : null}
      <ol className="mt-4 space-y-3" aria-live="polite">
        {rows.map((row) => {
          const style = STATE_STYLE[row.state];
          return (
            <li key={row.stage} className="flex gap-3" data-testid={`stage-${row.stage}`} data-state={row.state}>
              <span aria-hidden="true" className={`mt-1.5 h-2.5 w-2.5 shrink-0 rounded-full ${style.dot}`} />
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-baseline justify-between gap-x-2">
                  <span className="text-sm font-medium">{row.label}</span>
                  <span className={`text-xs font-medium ${style.text}`}>{style.label}</span>
                </div>
                <p className="text-xs text-slate-500">
                  {[row.provider, formatDuration(row.durationMs), row.attempts > 1 ? `${row.attempts} attempts` : null].filter(Boolean).join(" · ")}
                </p>
                {row.error ? (
                  <p className={`mt-1 text-xs ${row.state === "failed" ? "text-red-800" : "text-amber-800"}`}>{row.error}</p>
                ) : null}
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
