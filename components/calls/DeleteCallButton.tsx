"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { ApiError, deleteCall } from "./api";

/**
 * "Delete call" → a modal confirmation (native <dialog>: focus is trapped inside, Escape cancels, focus
 * returns to the button). Confirming DELETEs the call and goes back to the list.
 */
export function DeleteCallButton({ callId, title }: { callId: string; title: string }) {
  const router = useRouter();
  const triggerRef = useRef<HTMLButtonElement>(null);
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function open() {
    setError(null);
    setConfirming(true);
  }

  function cancel() {
    setConfirming(false);
    triggerRef.current?.focus();
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
      {confirming ? (
        <ConfirmDialog
          heading="Delete this call?"
          description={
            <>
              <span className="font-medium text-slate-900">{title}</span> will be deleted with its recording and everything made from it. This
              cannot be undone.
            </>
          }
          confirmLabel="Delete call"
          pendingLabel="Deleting…"
          pending={pending}
          error={error}
          onCancel={cancel}
          onConfirm={confirm}
        />
      ) : null}
    </>
  );
}
