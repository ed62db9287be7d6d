"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { usePolling } from "@/components/hooks/use-polling";
import { useResettableState } from "@/components/hooks/use-resettable-state";
import { useRestoreFocus } from "@/components/hooks/use-restore-focus";
import { ActionAlert, Announcement } from "@/components/ui/alerts";
import type { CallStatus } from "@/db/schema";
import type { ActionItemJson } from "@/lib/action-items/types";
import { groupItems, ownerInputOf, type SpeakerOption } from "./action-item-model";
import { ActionItemForm, type ActionItemDraft } from "./ActionItemForm";
import { ActionItemRow } from "./ActionItemRow";
import { createActionItem, errorMessage, fetchCallActionItems, reanalyzeCall, type CallActionItemsJson, type SummaryJson } from "./api";
import { useCallWorkspace } from "./call-workspace";
import { useActionItems } from "./use-action-items";
import { useViewerClock } from "./use-clock";

const POLL_MS = 3000;
const IN_PROGRESS: readonly CallStatus[] = ["QUEUED", "PROCESSING"];

const PROVIDER_NAMES: Record<string, string> = {
  local: "Scryon's local analyzer",
  "openai-compatible": "an OpenAI-compatible model",
  anthropic: "Anthropic",
};

export interface CallActionItemsProps {
  callId: string;
  status: CallStatus;
  /** The analysis stage failed on its last run. */
  analysisFailed: boolean;
  /** The server's date for the first render (the browser's takes over after hydration). */
  serverToday: string;
  initial: CallActionItemsJson;
}

/**
 * The call page's Summary card and Action items panel. While the call is queued or processing it polls
 * `GET /api/calls/:id/action-items` every 3 s, so the summary and items show up as soon as the analysis
 * stage writes them. A speaker renamed in the transcript reloads the items (their owners follow).
 */
export function CallActionItems({ callId, status, analysisFailed, serverToday, initial }: CallActionItemsProps) {
  const workspace = useCallWorkspace();
  const [data, setData] = useResettableState(initial);

  usePolling(
    async (signal) => {
      try {
        const fresh = await fetchCallActionItems(callId);
        if (signal.aborted) return;
        setData((current) => (sameData(current, fresh) ? current : fresh));
      } catch {
        // The next poll tries again; the page's header reports a lost session or call.
      }
    },
    { enabled: IN_PROGRESS.includes(status), intervalMs: POLL_MS },
  );

  // Once processing has finished without a summary on the page, read the API once more: a page refresh
  // rendered while the last stages were still running must not leave the panel empty.
  const finishedWithoutSummary = (status === "COMPLETED" || status === "FAILED") && data.summary === null;
  useEffect(() => {
    if (!finishedWithoutSummary) return;
    let stopped = false;
    fetchCallActionItems(callId)
      .then((fresh) => {
        if (!stopped && fresh.summary !== null) setData(fresh);
      })
      .catch(() => undefined);
    return () => {
      stopped = true;
    };
  }, [finishedWithoutSummary, callId, setData]);

  // Owners follow a renamed speaker: fetch the items again after each speaker edit.
  const speakersVersion = workspace?.speakersVersion ?? 0;
  useEffect(() => {
    if (speakersVersion === 0) return;
    let stopped = false;
    fetchCallActionItems(callId)
      .then((fresh) => {
        if (!stopped) setData(fresh);
      })
      .catch(() => undefined);
    return () => {
      stopped = true;
    };
  }, [speakersVersion, callId, setData]);

  return (
    <>
      <SummaryCard callId={callId} summary={data.summary} status={status} analysisFailed={analysisFailed} />
      <ActionItemsPanel callId={callId} status={status} analysed={data.summary !== null} analysisFailed={analysisFailed} serverToday={serverToday} serverItems={data.items} />
    </>
  );
}

function sameData(a: CallActionItemsJson, b: CallActionItemsJson): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function Spinner() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" className="h-4 w-4 shrink-0 animate-spin text-brand-600 motion-reduce:animate-none">
      <circle cx="12" cy="12" r="9" stroke="currentColor" strokeOpacity="0.25" strokeWidth="3" />
      <path d="M21 12a9 9 0 0 0-9-9" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}

function SummaryCard({ callId, summary, status, analysisFailed }: { callId: string; summary: SummaryJson | null; status: CallStatus; analysisFailed: boolean }) {
  const router = useRouter();
  const [reanalyzing, setReanalyzing] = useState(false);
  const [reanalyzeError, setReanalyzeError] = useState<string | null>(null);
  async function analyseAgain() {
    setReanalyzing(true);
    setReanalyzeError(null);
    try {
      await reanalyzeCall(callId);
      // The page renders the call as QUEUED again: the header, the timeline and this card follow it live.
      router.refresh();
    } catch (error) {
      setReanalyzeError(errorMessage(error, "The analysis could not be started again."));
    } finally {
      setReanalyzing(false);
    }
  }
  let body: React.ReactNode;
  if (summary && summary.text.trim()) {
    body = (
      <>
        <p className="whitespace-pre-line text-sm leading-6 text-slate-800" data-testid="summary-text">
          {summary.text}
        </p>
        <p className="mt-3 text-xs text-slate-500" data-testid="summary-provider">
          Summarised by {PROVIDER_NAMES[summary.provider] ?? summary.provider} · {summary.model}
        </p>
      </>
    );
  } else if (summary) {
    body = <Note testId="summary-empty">There was nothing to summarise: no words were found in this recording.</Note>;
  } else if (IN_PROGRESS.includes(status)) {
    body = (
      <Note testId="summary-pending">
        <span className="flex items-center gap-2">
          <Spinner />
          Not analysed yet. The summary appears here as soon as processing reaches the analysis step.
        </span>
      </Note>
    );
  } else if (status === "UPLOADING") {
    body = <Note testId="summary-pending">The summary appears once the recording has uploaded and been processed.</Note>;
  } else if (analysisFailed || status === "FAILED") {
    body = (
      <Note testId="summary-failed" tone="error">
        {analysisFailed ? "Analysis failed, so there is no summary." : "Processing did not finish, so this call was not analysed."} Retrying processing
        from the call&apos;s timeline will try again.
      </Note>
    );
  } else {
    body = <Note testId="summary-missing">This call has not been analysed, so there is no summary.</Note>;
  }
  return (
    <section aria-labelledby="summary-heading" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="summary">
      <div className="flex items-center justify-between gap-3">
        <h2 id="summary-heading" className="text-base font-semibold">
          Summary
        </h2>
        {status === "COMPLETED" ? (
          <button
            type="button"
            onClick={analyseAgain}
            disabled={reanalyzing}
            title="Make the summary and action items again. Items you edited, snoozed, completed or added are kept."
            className="rounded-lg border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60"
          >
            {reanalyzing ? "Starting…" : "Analyse again"}
          </button>
        ) : null}
      </div>
      {reanalyzeError ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {reanalyzeError}
        </p>
      ) : null}
      {/* Polite: the summary arriving while processing is read out once. */}
      <div className="mt-3" aria-live="polite">
        {body}
      </div>
    </section>
  );
}

function Note({ children, testId, tone = "muted" }: { children: React.ReactNode; testId: string; tone?: "muted" | "error" }) {
  return (
    <div
      className={`rounded-xl border border-dashed px-4 py-4 text-sm ${tone === "error" ? "border-red-200 bg-red-50 text-red-900" : "border-slate-200 bg-slate-50 text-slate-600"}`}
      data-testid={testId}
    >
      {children}
    </div>
  );
}

function ActionItemsPanel({
  callId,
  status,
  analysed,
  analysisFailed,
  serverToday,
  serverItems,
}: {
  callId: string;
  status: CallStatus;
  analysed: boolean;
  analysisFailed: boolean;
  serverToday: string;
  serverItems: ActionItemJson[];
}) {
  const workspace = useCallWorkspace();
  const clock = useViewerClock(serverToday);
  const speakers: SpeakerOption[] = workspace?.speakers ?? [];
  const userName = workspace?.userName ?? null;
  const list = useActionItems(serverItems, () => ({ now: new Date(), speakers, userName }));
  const { active, done } = groupItems(list.items, list.keepInPlace);
  const [showDone, setShowDone] = useState(false);
  const [adding, setAdding] = useState(false);
  const { ref: addRef, focusOnClose: focusAddOnClose } = useRestoreFocus<HTMLButtonElement>(adding);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const closeAdd = useCallback(() => {
    focusAddOnClose();
    setAdding(false);
  }, [focusAddOnClose]);

  async function add(draft: ActionItemDraft): Promise<string | null> {
    try {
      const item = await createActionItem(callId, {
        title: draft.title,
        description: draft.description.trim() || null,
        dueDate: draft.dueDate || null,
        priority: draft.priority,
        owner: ownerInputOf(draft.owner),
      });
      list.added(item);
      closeAdd();
      return null;
    } catch (error) {
      return `The action item could not be added. ${errorMessage(error, "Try again.")}`;
    }
  }

  const revealSegment = workspace?.revealSegment ?? null;
  const onSource = revealSegment
    ? (item: ActionItemJson) => {
        const segment = item.sourceSegmentIds[0];
        if (segment && revealSegment(segment)) list.announce(`Playing the words “${item.title}” came from.`);
      }
    : undefined;

  async function onDelete(item: ActionItemJson) {
    const deleted = await list.remove(item);
    if (deleted) headingRef.current?.focus();
    return deleted;
  }

  const rowProps = {
    clock,
    speakers,
    onPatch: (item: ActionItemJson, patch: Parameters<typeof list.update>[1]) => void list.update(item, patch),
    onDelete,
    onSource,
  };
  const openCount = list.items.filter((item) => item.status === "OPEN").length;
  const empty = list.items.length === 0;
  const waiting = !analysed && (IN_PROGRESS.includes(status) || status === "UPLOADING");

  const addButton = (
    <button
      ref={addRef}
      type="button"
      onClick={() => setAdding(true)}
      aria-expanded={adding}
      className="inline-flex items-center gap-1.5 rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="2" className="h-4 w-4">
        <path d="M10 4v12M4 10h12" strokeLinecap="round" />
      </svg>
      Add action item
    </button>
  );

  return (
    <section aria-labelledby="action-items-heading" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="action-items">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="action-items-heading" ref={headingRef} tabIndex={-1} className="flex items-center gap-2 text-base font-semibold focus:outline-none focus-visible:outline-2">
          Action items
          {openCount > 0 ? (
            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-700" data-testid="action-items-open-count">
              {openCount} open
            </span>
          ) : null}
        </h2>
        {!empty || adding ? addButton : null}
      </div>

      <Announcement message={list.announcement} testId="action-items-announcement" />
      <ActionAlert message={list.error} actionLabel="Dismiss" onAction={list.dismissError} className="mt-3" testId="action-items-error" />

      {adding ? (
        <div className="mt-3 rounded-xl border border-brand-200 bg-brand-50/40 p-3">
          <ActionItemForm item={null} speakers={speakers} label="Add action item" submitLabel="Add" busyLabel="Adding…" onSubmit={add} onCancel={closeAdd} />
        </div>
      ) : null}

      {empty ? (
        adding ? null : (
          <div className="mt-3 rounded-xl border border-dashed border-slate-200 bg-slate-50 px-4 py-5 text-sm text-slate-600" data-testid="action-items-empty">
            {waiting ? (
              <p className="flex items-center gap-2">
                <Spinner />
                Action items appear here once processing has run.
              </p>
            ) : analysed ? (
              <p>No action items were found in this call.</p>
            ) : analysisFailed || status === "FAILED" ? (
              <p>The call was not analysed, so no action items were found.</p>
            ) : (
              <p>This call has no action items.</p>
            )}
            <div className="mt-3">{addButton}</div>
          </div>
        )
      ) : (
        <>
          {active.length > 0 ? (
            <ul className="mt-3 space-y-2" aria-label="Open action items">
              {active.map((item) => (
                <ActionItemRow key={item.id} item={item} {...rowProps} />
              ))}
            </ul>
          ) : (
            <p className="mt-3 text-sm text-slate-600">Everything here is done.</p>
          )}
          {done.length > 0 ? (
            <div className="mt-4 border-t border-slate-100 pt-3">
              <button
                type="button"
                aria-expanded={showDone}
                aria-controls={showDone ? "action-items-done" : undefined}
                onClick={() => setShowDone((shown) => !shown)}
                className="inline-flex items-center gap-1 rounded-md px-1 py-0.5 text-sm font-medium text-slate-700 hover:bg-slate-100"
              >
                <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="2" className={`h-4 w-4 transition-transform motion-reduce:transition-none ${showDone ? "rotate-90" : ""}`}>
                  <path d="m8 5 5 5-5 5" strokeLinecap="round" strokeLinejoin="round" />
                </svg>
                Done ({done.length})
              </button>
              {showDone ? (
                <ul id="action-items-done" className="mt-2 space-y-2" aria-label="Done action items">
                  {done.map((item) => (
                    <ActionItemRow key={item.id} item={item} {...rowProps} />
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
        </>
      )}
      <p className="mt-4 text-right text-xs">
        <Link href={`/action-items?call=${encodeURIComponent(callId)}&status=all`} className="font-medium text-brand-700 underline-offset-2 hover:underline">
          Open in the action-item inbox
        </Link>
      </p>
    </section>
  );
}
