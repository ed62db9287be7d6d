"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { ApiError, deleteCall } from "./api";

/**
 * "Delete call" → a modal confirmation (native <dialog>: focus is trapped inside, Escape cancels, focus
 * returns to the button). Confirming DELETEs the call and goes back to the list.
 */
export function DeleteCallButton({ callId, title }: { callId: string; title: string }) {
  const router = useRouter();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function open() {
    setError(null);
    dialogRef.current?.showModal();
    // The safe choice has focus first.
    cancelRef.current?.focus();
  }

  function close() {
    dialogRef.current?.close();
  }

  async function confirm() {
    setPending(true);
    setError(null);
    try {
      await deleteCall(callId);
    } catch (caught) {
      // Already gone (another tab): the outcome the user asked for.
      if (!(caught instanceof ApiError && caught.status === 404)) {
        setError(caught instanceof ApiError ? caught.message : "The call could not be deleted. Try again.");
        setPending(false);
        return;
      }
    }
    router.replace("/calls");
    router.refresh();
  }

  return (
    <>
      <button
        ref={triggerRef}
        type="button"
        onClick={open}
        className="inline-flex items-center gap-1.5 rounded-lg border border-red-200 bg-white px-3 py-1.5 text-sm font-medium text-red-700 shadow-sm hover:bg-red-50"
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-4 w-4">
          <path d="M4 6h12M8 6V4h4v2M6 6l1 10h6l1-10" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        Delete
      </button>
      <dialog
        ref={dialogRef}
        aria-labelledby="delete-call-heading"
        aria-describedby="delete-call-description"
        onCancel={(event) => {
          // Escape does nothing while the delete is in flight.
          if (pending) event.preventDefault();
        }}
        onClose={() => triggerRef.current?.focus()}
        onClick={(event) => {
          // A click on the backdrop (the dialog element itself, outside its panel) cancels.
          if (event.target === dialogRef.current && !pending) close();
        }}
        className="m-auto w-[calc(100%-2rem)] max-w-md rounded-2xl bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
      >
        <div className="p-6">
          <h2 id="delete-call-heading" className="text-lg font-semibold">
            Delete this call?
          </h2>
          <p id="delete-call-description" className="mt-2 text-sm text-slate-600">
            <span className="font-medium text-slate-900">{title}</span> will be deleted with its recording and everything made
            from it. This cannot be undone.
          </p>
          {error ? (
            <p role="alert" className="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
              {error}
            </p>
          ) : null}
          <div className="mt-6 flex justify-end gap-3">
            <button
              ref={cancelRef}
              type="button"
              onClick={close}
              disabled={pending}
              className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60"
            >
              Cancel
            </button>
            <button
              type="button"
              onClick={confirm}
              disabled={pending}
              aria-busy={pending}
              className="rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-red-700 disabled:cursor-wait disabled:opacity-70"
            >
              {pending ? "Deleting…" : "Delete call"}
            </button>
          </div>
        </div>
      </dialog>
    </>
  );
}
