/** Small message blocks shared by the forms and panels. */

/** A form's error (role=alert), or nothing. */
export function FormError({ message, className = "" }: { message: string | null; className?: string }) {
  if (!message) return null;
  return (
    <p role="alert" className={`${className} rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800`}>
      {message}
    </p>
  );
}

/** An error (role=alert) with one small button beside it (Dismiss, Try again), or nothing. */
export function ActionAlert({
  message,
  actionLabel,
  onAction,
  className = "",
  testId,
}: {
  message: string | null;
  actionLabel: string;
  onAction: () => void;
  /** Spacing around the block. */
  className?: string;
  testId?: string;
}) {
  if (!message) return null;
  return (
    <div role="alert" className={`${className} flex items-start justify-between gap-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900`} data-testid={testId}>
      <p>{message}</p>
      <button type="button" onClick={onAction} className="shrink-0 rounded px-1 text-xs font-medium underline hover:text-red-700">
        {actionLabel}
      </button>
    </div>
  );
}

/** A visually hidden live region: screen readers read `message` out when it changes. */
export function Announcement({ message, testId }: { message: string; testId?: string }) {
  return (
    <p role="status" aria-live="polite" className="sr-only" data-testid={testId}>
      {message}
    </p>
  );
}
