"use client";

import { useId, useRef, useState } from "react";

const BUTTON = "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500";

/** The endpoint's signing secret: hidden until asked for, with a copy button (receivers need it to verify). */
export function SecretField({ secret, label }: { secret: string; label: string }) {
  const id = useId();
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      // No clipboard here (an insecure origin, a denied permission): show and select it for Ctrl+C.
      setShown(true);
      requestAnimationFrame(() => inputRef.current?.select());
      setCopied("failed");
    }
  }

  return (
    <div>
      <label htmlFor={`${id}-secret`} className="block text-xs font-medium uppercase tracking-wide text-slate-500">
        Signing secret
      </label>
      <div className="mt-1 flex flex-col gap-2 sm:flex-row">
        <input
          id={`${id}-secret`}
          ref={inputRef}
          readOnly
          value={shown ? secret : `whsec_${"•".repeat(24)}`}
          aria-label={`Signing secret of ${label}${shown ? "" : " (hidden)"}`}
          onFocus={(event) => shown && event.currentTarget.select()}
          spellCheck={false}
          className="min-w-0 flex-1 rounded-lg border border-slate-300 bg-slate-50 px-3 py-1.5 font-mono text-xs text-slate-900"
          data-testid="endpoint-secret"
        />
        <div className="flex gap-2">
          <button type="button" onClick={() => setShown((value) => !value)} aria-pressed={shown} className={BUTTON}>
            {shown ? "Hide" : "Reveal"}
          </button>
          <button type="button" onClick={copy} className={BUTTON}>
            {copied === "yes" ? "Copied" : "Copy"}
          </button>
        </div>
      </div>
      <p role="status" aria-live="polite" className="mt-1 min-h-4 text-xs text-slate-600">
        {copied === "yes" ? "Secret copied to the clipboard." : copied === "failed" ? "Copying is not allowed here: the secret is selected, press Ctrl+C (⌘C)." : ""}
      </p>
    </div>
  );
}
