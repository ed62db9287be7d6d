"use client";

import { useEffect, useRef, useState } from "react";

/**
 * The secret of a token just created, shown this once with a copy button. Focus moves here so that screen
 * readers announce it; "Done" forgets the secret (it is never fetched again).
 */
export function NewTokenNotice({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(token);
      setCopied("yes");
    } catch {
      // No clipboard permission (or an insecure origin): select the text so Ctrl+C works.
      inputRef.current?.select();
      setCopied("failed");
    }
  }

  return (
    <section aria-labelledby="new-token-heading" className="rounded-2xl border border-emerald-300 bg-emerald-50 p-4 sm:p-6" data-testid="new-token">
      <h3 id="new-token-heading" ref={headingRef} tabIndex={-1} className="text-base font-semibold text-emerald-950 focus:outline-none">
        Copy your new token “{name}” now
      </h3>
      <p className="mt-1 text-sm text-emerald-900">
        <strong>You won’t see it again.</strong> Scryon keeps only a fingerprint of it. If you lose it, revoke it and create another.
      </p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row">
        <label htmlFor="new-token-value" className="sr-only">
          Your new API token
        </label>
        <input
          id="new-token-value"
          ref={inputRef}
          readOnly
          value={token}
          onFocus={(event) => event.currentTarget.select()}
          spellCheck={false}
          className="min-w-0 flex-1 rounded-lg border border-emerald-300 bg-white px-3 py-2 font-mono text-sm text-slate-900"
          data-testid="new-token-value"
        />
        <button
          type="button"
          onClick={copy}
          className="rounded-lg bg-emerald-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700"
        >
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      <p role="status" aria-live="polite" className="mt-2 min-h-5 text-sm text-emerald-900">
        {copied === "yes" ? "Copied to the clipboard." : copied === "failed" ? "Copying is not allowed here: the token is selected, press Ctrl+C (⌘C)." : ""}
      </p>
      <p className="mt-2 text-sm text-emerald-900">
        Use it as <code className="rounded bg-white/70 px-1 font-mono text-xs">Authorization: Bearer scy_…</code> — see the{" "}
        <a href="/api/openapi.json" className="font-medium underline hover:text-emerald-700">
          API description
        </a>
        .
      </p>
      <div className="mt-3 flex justify-end">
        <button
          type="button"
          onClick={onDone}
          className="rounded-lg border border-emerald-300 bg-white px-4 py-2 text-sm font-medium text-emerald-900 hover:bg-emerald-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700"
        >
          I’ve copied it
        </button>
      </div>
    </section>
  );
}
