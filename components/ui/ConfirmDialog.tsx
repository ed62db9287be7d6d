"use client";

import { useEffect, useId, useRef } from "react";
import { FormError } from "./alerts";
import { FormActions } from "./FormActions";

/**
 * A modal confirmation, shown while mounted (native <dialog>: focus stays inside; Escape and a click on the
 * backdrop cancel, except while `pending`). The safe choice, Cancel, has focus first. The dialog is closed
 * before `onCancel` runs, so the caller can put focus back where it belongs (and unmount the dialog).
 */
export function ConfirmDialog({
  heading,
  description,
  confirmLabel,
  pendingLabel,
  pending,
  error = null,
  onCancel,
  onConfirm,
}: {
  heading: string;
  description: React.ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  pending: boolean;
  error?: string | null;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const id = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);

  // Closed at once (not only on unmount): the page behind is inert while the modal is open, so the
  // caller could not put focus back on it.
  const cancel = () => {
    dialogRef.current?.close();
    onCancel();
  };

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
    };
  }, []);

  return (
    <dialog
      ref={dialogRef}
      aria-labelledby={`${id}-heading`}
      aria-describedby={`${id}-description`}
      onCancel={(event) => {
        event.preventDefault();
        if (!pending) cancel();
      }}
      onClick={(event) => {
        // A click on the backdrop (the dialog element itself, outside its panel) cancels.
        if (event.target === dialogRef.current && !pending) cancel();
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-2xl bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
    >
      <div className="p-6">
        <h2 id={`${id}-heading`} className="text-lg font-semibold">
          {heading}
        </h2>
        <p id={`${id}-description`} className="mt-2 text-sm text-slate-600">
          {description}
        </p>
        <FormError message={error} className="mt-4" />
        <FormActions
          label={confirmLabel}
          pendingLabel={pendingLabel}
          pending={pending}
          onCancel={cancel}
          onAction={onConfirm}
          tone="danger"
          size="md"
          cancelRef={cancelRef}
          className="mt-6"
        />
      </div>
    </dialog>
  );
}
