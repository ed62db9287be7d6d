"use client";

import { useId, useState } from "react";
import { ApiError } from "@/components/lib/http-client";
import { FormError } from "@/components/ui/alerts";
import { API_TOKEN_NAME_MAX } from "@/lib/auth/api-token-input";
import { createToken, type ApiTokenJson } from "./api";

const SCOPES = [
  { value: "read", label: "Read only", hint: "List and download calls, transcripts and action items." },
  { value: "write", label: "Read and write", hint: "Also upload recordings and change or delete calls and action items." },
] as const;

/** Name and scope of a new token; on success hands the secret (shown once) to the parent. */
export function CreateTokenForm({ onCreated }: { onCreated: (created: { token: string; apiToken: ApiTokenJson }) => void }) {
  const id = useId();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"read" | "write">("read");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setNameError(null);
    if (!name.trim()) {
      setNameError("Give the token a name, so you know later what it is for.");
      return;
    }
    setPending(true);
    try {
      const created = await createToken({ name: name.trim(), scope });
      setName("");
      onCreated(created);
    } catch (caught) {
      const field = caught instanceof ApiError ? caught.details?.find((issue) => issue.path === "name") : undefined;
      if (field) setNameError(`The name ${field.message}.`);
      else setError(caught instanceof ApiError ? caught.message : "The token could not be created. Try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${id}-heading`} className="rounded-2xl border border-slate-200 bg-white p-4 sm:p-6">
      <h3 id={`${id}-heading`} className="text-base font-semibold">
        Create a token
      </h3>
      <div className="mt-4">
        <label htmlFor={`${id}-name`} className="block text-sm font-medium text-slate-800">
          Name
        </label>
        <input
          id={`${id}-name`}
          name="name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          maxLength={API_TOKEN_NAME_MAX}
          placeholder="e.g. CRM sync"
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? `${id}-name-error` : undefined}
          className="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30"
        />
        {nameError ? (
          <p id={`${id}-name-error`} className="mt-1 text-sm text-red-700">
            {nameError}
          </p>
        ) : null}
      </div>
      <fieldset className="mt-4">
        <legend className="text-sm font-medium text-slate-800">Access</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {SCOPES.map((option) => (
            <label
              key={option.value}
              className={`flex cursor-pointer gap-3 rounded-lg border p-3 text-sm has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500 ${scope === option.value ? "border-brand-500 bg-brand-50" : "border-slate-200 hover:border-slate-300"}`}
            >
              <input type="radio" name="scope" value={option.value} checked={scope === option.value} onChange={() => setScope(option.value)} className="mt-0.5 accent-brand-600" />
              <span>
                <span className="block font-medium text-slate-900">{option.label}</span>
                <span className="block text-slate-600">{option.hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <FormError message={error} className="mt-4" />
      <div className="mt-4 flex justify-end">
        <button
          type="submit"
          disabled={pending}
          aria-busy={pending}
          className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-wait disabled:opacity-70"
        >
          {pending ? "Creating…" : "Create token"}
        </button>
      </div>
    </form>
  );
}
