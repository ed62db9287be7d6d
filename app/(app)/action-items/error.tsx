"use client";

import { useEffect } from "react";

/** The inbox could not be loaded (the database or storage failed): say so, and offer to try again. */
export default function ActionItemsError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">Action items</h1>
      <div role="alert" className="mt-6 rounded-2xl border border-red-200 bg-red-50 px-6 py-8 text-center text-red-900">
        <p className="font-medium">The action items could not be loaded.</p>
        <p className="mt-1 text-sm">Nothing was lost. Try again in a moment.</p>
        <button
          type="button"
          onClick={reset}
          className="mt-4 rounded-lg bg-white px-4 py-2 text-sm font-semibold text-red-800 shadow-sm ring-1 ring-inset ring-red-200 hover:bg-red-100"
        >
          Try again
        </button>
      </div>
    </div>
  );
}
