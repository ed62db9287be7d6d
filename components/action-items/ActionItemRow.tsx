"use client";

import Link from "next/link";
import { useId, useRef, useState } from "react";
import { useRestoreFocus } from "@/components/hooks/use-restore-focus";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import type { ActionItemJson } from "@/lib/action-items/types";
import { changedFields, describeDue, isMine, ownerName, PRIORITY_LABEL, type ActionItemPatchBody, type SpeakerOption } from "./action-item-model";
import { ActionItemForm, type ActionItemDraft } from "./ActionItemForm";
import { actionButtonClass, SnoozeMenu } from "./SnoozeMenu";
import { describeSnoozedUntil, toIsoWithOffset } from "./snooze-model";
import type { ViewerClock } from "./use-clock";

const PRIORITY_CLASS = {
  high: "bg-rose-50 text-rose-700 ring-rose-200",
  medium: "bg-amber-50 text-amber-800 ring-amber-200",
  low: "bg-slate-50 text-slate-600 ring-slate-200",
} as const;

const DUE_CLASS = {
  none: "text-slate-500",
  overdue: "font-semibold text-red-700",
  today: "font-medium text-amber-800",
  soon: "text-slate-700",
  later: "text-slate-700",
  done: "text-slate-500",
} as const;

export interface ActionItemRowProps {
  item: ActionItemJson;
  clock: ViewerClock;
  /** Owner choices for the edit form (the call's speakers). */
  speakers: readonly SpeakerOption[];
  /** Loads the speakers before the edit form opens (the inbox, which has no transcript at hand). */
  loadSpeakers?: (callId: string) => Promise<readonly SpeakerOption[]>;
  /** Shows the call the item came from (the inbox). */
  showCall?: boolean;
  onPatch: (item: ActionItemJson, patch: ActionItemPatchBody) => void;
  onDelete: (item: ActionItemJson) => Promise<boolean>;
  /** Plays the item's source in the transcript; absent when there is no transcript on the page. */
  onSource?: ((item: ActionItemJson) => void) | undefined;
}

/**
 * One action item: a done checkbox, title, owner, due date, priority and status, its source words, and
 * Edit (inline form), Snooze (menu), Reopen and Delete (with confirmation).
 */
export function ActionItemRow({ item, clock, speakers, loadSpeakers, showCall, onPatch, onDelete, onSource }: ActionItemRowProps) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [editSpeakers, setEditSpeakers] = useState<readonly SpeakerOption[] | null>(null);
  const [loadingSpeakers, setLoadingSpeakers] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const { ref: editRef, focusOnClose: focusEditOnClose } = useRestoreFocus<HTMLButtonElement>(editing);
  const deleteRef = useRef<HTMLButtonElement>(null);

  const done = item.status === "DONE";
  const snoozed = item.status === "SNOOZED";
  const due = describeDue(item.dueDate, clock.today, item.status);
  const mine = isMine(item.owner);
  const owner = ownerName(item.owner);
  const pendingId = item.id.startsWith("temp-");

  async function startEditing() {
    if (loadSpeakers && editSpeakers === null) {
      setLoadingSpeakers(true);
      const loaded = await loadSpeakers(item.callId).catch(() => [] as SpeakerOption[]);
      setEditSpeakers(loaded);
      setLoadingSpeakers(false);
    }
    setEditing(true);
  }

  function closeEditor() {
    focusEditOnClose();
    setEditing(false);
  }

  function save(draft: ActionItemDraft): null {
    const patch = changedFields(item, draft);
    closeEditor();
    if (Object.keys(patch).length > 0) onPatch(item, patch);
    return null;
  }

  if (editing) {
    return (
      <li className="rounded-xl border border-brand-200 bg-brand-50/40 p-3" data-testid="action-item" data-item-id={item.id} data-status={item.status}>
        <ActionItemForm
          item={item}
          speakers={editSpeakers ?? speakers}
          label={`Edit action item “${item.title}”`}
          submitLabel="Save"
          busyLabel="Saving…"
          onSubmit={save}
          onCancel={closeEditor}
        />
      </li>
    );
  }

  return (
    <li
      className={`group rounded-xl border p-3 ${due.overdue ? "border-red-200 bg-red-50/40" : "border-slate-200 bg-white"} ${done ? "opacity-80" : ""}`}
      data-testid="action-item"
      data-item-id={item.id}
      data-status={item.status}
      data-overdue={due.overdue ? "true" : undefined}
      aria-labelledby={`${id}-title`}
    >
      <div className="flex items-start gap-3">
        <input
          id={`${id}-done`}
          type="checkbox"
          checked={done}
          disabled={pendingId}
          onChange={(event) => onPatch(item, { status: event.target.checked ? "DONE" : "OPEN" })}
          aria-label={`Done: ${item.title}`}
          className="mt-0.5 h-5 w-5 shrink-0 cursor-pointer rounded border-slate-300 accent-brand-600"
        />
        <div className="min-w-0 flex-1">
          <p id={`${id}-title`} className={`break-words font-medium leading-snug ${done ? "text-slate-500 line-through" : "text-slate-900"}`} data-testid="action-item-title">
            {item.title}
          </p>
          <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs">
            <span className="inline-flex items-center gap-1 text-slate-700" data-testid="action-item-owner">
              <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-3.5 w-3.5 text-slate-400">
                <circle cx="10" cy="7" r="3" />
                <path d="M4 17c.8-3 3.2-4.5 6-4.5s5.2 1.5 6 4.5" strokeLinecap="round" />
              </svg>
              <span className="sr-only">Owner: </span>
              {mine && owner === "You" ? null : <span className={item.owner.role === "UNKNOWN" && owner === "Unassigned" ? "italic text-slate-500" : ""}>{owner}</span>}
              {mine ? <span className="rounded-full bg-brand-100 px-1.5 py-px font-semibold text-brand-700">You</span> : null}
            </span>
            <span className={`inline-flex items-center gap-1 ${DUE_CLASS[due.tone]}`} data-testid="action-item-due">
              <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-3.5 w-3.5 opacity-70">
                <rect x="3.5" y="4.5" width="13" height="12" rx="2" />
                <path d="M3.5 8.5h13M7 3v3M13 3v3" strokeLinecap="round" />
              </svg>
              {due.overdue ? <span className="rounded bg-red-100 px-1 py-px text-[0.7rem] uppercase tracking-wide">Overdue</span> : null}
              <span>{due.text}</span>
            </span>
            <span className={`rounded-full px-1.5 py-px font-medium ring-1 ring-inset ${PRIORITY_CLASS[item.priority]}`} data-testid="action-item-priority">
              {PRIORITY_LABEL[item.priority]}
              <span className="sr-only"> priority</span>
            </span>
            {done ? (
              <span className="rounded-full bg-emerald-50 px-1.5 py-px font-medium text-emerald-700 ring-1 ring-inset ring-emerald-200" data-testid="action-item-status">
                Done
              </span>
            ) : snoozed && item.snoozedUntil ? (
              <span className="rounded-full bg-violet-50 px-1.5 py-px font-medium text-violet-700 ring-1 ring-inset ring-violet-200" data-testid="action-item-status">
                {clock.local ? describeSnoozedUntil(item.snoozedUntil, new Date(clock.now)) : `${describeSnoozedUntil(item.snoozedUntil, new Date(clock.now), "UTC")} UTC`}
              </span>
            ) : (
              <span className="sr-only" data-testid="action-item-status">
                Open
              </span>
            )}
          </div>
          {item.description ? <p className="mt-1.5 whitespace-pre-line break-words text-sm text-slate-600">{item.description}</p> : null}
          {showCall && item.call ? (
            <p className="mt-1.5 text-xs text-slate-500">
              From{" "}
              <Link href={`/calls/${encodeURIComponent(item.call.id)}`} className="font-medium text-brand-700 underline-offset-2 hover:underline" data-testid="action-item-call">
                {item.call.title}
              </Link>
            </p>
          ) : null}
          {item.sourceText ? (
            onSource && item.sourceSegmentIds.length > 0 ? (
              <button
                type="button"
                onClick={() => onSource(item)}
                data-source-segment={item.sourceSegmentIds[0]}
                className="mt-2 flex w-full max-w-2xl items-start gap-2 rounded-lg border-l-2 border-slate-300 bg-slate-50 px-2 py-1.5 text-left text-xs text-slate-600 hover:border-brand-500 hover:bg-brand-50"
              >
                <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="mt-px h-3.5 w-3.5 shrink-0 text-brand-600">
                  <path d="M6 4.5v11l9-5.5-9-5.5Z" />
                </svg>
                <span className="line-clamp-2 italic">
                  <span className="sr-only">Source: play </span>“{item.sourceText}”
                </span>
              </button>
            ) : (
              <p className="mt-2 line-clamp-2 max-w-2xl border-l-2 border-slate-300 bg-slate-50 px-2 py-1.5 text-xs italic text-slate-600">
                <span className="sr-only">Source: </span>“{item.sourceText}”
              </p>
            )
          ) : null}
          <div className="mt-2 flex flex-wrap items-center gap-1">
            <button ref={editRef} type="button" onClick={startEditing} disabled={pendingId || loadingSpeakers} className={actionButtonClass}>
              <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-3.5 w-3.5">
                <path d="m13.5 3.5 3 3L7 16H4v-3l9.5-9.5Z" strokeLinejoin="round" />
              </svg>
              {loadingSpeakers ? "Loading…" : "Edit"}
              <span className="sr-only"> “{item.title}”</span>
            </button>
            {!done ? <SnoozeMenu itemTitle={item.title} onSnooze={(at) => onPatch(item, { status: "SNOOZED", snoozedUntil: toIsoWithOffset(at) })} /> : null}
            {done || snoozed ? (
              <button type="button" onClick={() => onPatch(item, { status: "OPEN" })} className={actionButtonClass}>
                <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-3.5 w-3.5">
                  <path d="M4 10a6 6 0 1 0 2-4.5M4 4v3h3" strokeLinecap="round" strokeLinejoin="round" />
                </svg>
                Reopen<span className="sr-only"> “{item.title}”</span>
              </button>
            ) : null}
            <button ref={deleteRef} type="button" onClick={() => setConfirming(true)} disabled={pendingId} className={`${actionButtonClass} hover:!bg-red-50 hover:!text-red-700`}>
              <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-3.5 w-3.5">
                <path d="M4 6h12M8 6V4h4v2M6 6l1 10h6l1-10" strokeLinecap="round" strokeLinejoin="round" />
              </svg>
              Delete<span className="sr-only"> “{item.title}”</span>
            </button>
          </div>
        </div>
      </div>
      {confirming ? (
        <ConfirmDialog
          heading="Delete this action item?"
          description={
            <>
              <span className="font-medium text-slate-900">“{item.title}”</span> will be deleted. This cannot be undone.
            </>
          }
          confirmLabel="Delete item"
          pendingLabel="Deleting…"
          pending={deleting}
          onCancel={() => {
            setConfirming(false);
            deleteRef.current?.focus();
          }}
          onConfirm={async () => {
            setDeleting(true);
            const deleted = await onDelete(item);
            setDeleting(false);
            setConfirming(false);
            if (!deleted) deleteRef.current?.focus();
          }}
        />
      ) : null}
    </li>
  );
}
