"use client";

import { useEffect } from "react";

/** The token list could not be loaded (the database failed): say so, and offer to try again. */
export default function ApiTokensError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div>
      <h2 className="text-lg font-semibold">API tokens</h2>
      <div role="alert" className="mt-4 rounded-2xl border border-red-200 bg-red-50 px-6 py-8 text-center text-red-900">
        <p className="font-medium">Your API tokens could not be loaded.</p>
        <p className="mt-1 text-sm">Your tokens still work as before. Try again in a moment.</p>
        <button
          type="button"
          onClick={reset}
          className="mt-4 rounded-lg bg-white px-4 py-2 text-sm font-semibold text-red-800 shadow-sm ring-1 ring-inset ring-red-200 hover:bg-red-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700"
        >
          Try again
        </button>
      </div>
    </div>
  );
}
