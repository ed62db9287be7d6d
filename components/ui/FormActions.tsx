"use client";

import type { Ref } from "react";

const CANCEL_CLASS = {
  sm: "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60",
  md: "rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60",
} as const;

const ACTION_CLASS = {
  primary: {
    sm: "rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 disabled:cursor-wait disabled:opacity-70",
    md: "rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 disabled:cursor-wait disabled:opacity-70",
  },
  danger: {
    sm: "rounded-lg bg-red-600 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-red-700 disabled:cursor-wait disabled:opacity-70",
    md: "rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-red-700 disabled:cursor-wait disabled:opacity-70",
  },
} as const;

/**
 * A form's or dialog's closing buttons, right-aligned: Cancel, then the action. Both are disabled while
 * `pending`, and the action shows `pendingLabel` and is aria-busy. Without `onAction` the action submits
 * its form.
 */
export function FormActions({
  label,
  pendingLabel,
  pending,
  onCancel,
  onAction,
  tone = "primary",
  size = "sm",
  cancelRef,
  className = "",
}: {
  label: string;
  pendingLabel: string;
  pending: boolean;
  onCancel: () => void;
  onAction?: () => void;
  tone?: keyof typeof ACTION_CLASS;
  size?: keyof typeof CANCEL_CLASS;
  cancelRef?: Ref<HTMLButtonElement>;
  /** Spacing around the row. */
  className?: string;
}) {
  return (
    <div className={`${className} flex flex-wrap justify-end ${size === "sm" ? "gap-2" : "gap-3"}`}>
      <button ref={cancelRef} type="button" onClick={onCancel} disabled={pending} className={CANCEL_CLASS[size]}>
        Cancel
      </button>
      <button type={onAction ? "button" : "submit"} onClick={onAction} disabled={pending} aria-busy={pending} className={ACTION_CLASS[tone][size]}>
        {pending ? pendingLabel : label}
      </button>
    </div>
  );
}
