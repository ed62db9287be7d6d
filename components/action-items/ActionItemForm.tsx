"use client";

import { useEffect, useId, useRef, useState } from "react";
import { FormError } from "@/components/ui/alerts";
import { FormActions } from "@/components/ui/FormActions";
import type { ActionItemPriority } from "@/db/schema";
import { MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH } from "@/lib/action-items/input";
import type { ActionItemJson } from "@/lib/action-items/types";
import { ownerChoiceOf, ownerName, ownerOptions, PRIORITIES, PRIORITY_LABEL, type OwnerChoice, type SpeakerOption } from "./action-item-model";

export interface ActionItemDraft {
  title: string;
  description: string;
  /** `YYYY-MM-DD` or "" for none. */
  dueDate: string;
  priority: ActionItemPriority;
  owner: OwnerChoice;
}

export const inputClass =
  "mt-1 block h-10 w-full rounded-lg border border-slate-300 bg-white px-3 text-sm shadow-sm hover:border-slate-400 focus:border-brand-500 aria-invalid:border-red-500";
const selectClass = `${inputClass} appearance-none select-chevron pr-9`;

export function draftOf(item: ActionItemJson | null): ActionItemDraft {
  if (!item) return { title: "", description: "", dueDate: "", priority: "medium", owner: "none" };
  return {
    title: item.title,
    description: item.description ?? "",
    dueDate: item.dueDate ?? "",
    priority: item.priority,
    owner: ownerChoiceOf(item.owner),
  };
}

/**
 * The edit / add form: title, description, owner ("Me", the call's speakers, "Unassigned"), due date and
 * priority. `onSubmit` answers an error message to show, or null when done. Escape cancels.
 */
export function ActionItemForm({
  item,
  speakers,
  label,
  submitLabel,
  busyLabel,
  onSubmit,
  onCancel,
}: {
  item: ActionItemJson | null;
  speakers: readonly SpeakerOption[];
  /** The form's accessible name ("Edit action item", "Add action item"). */
  label: string;
  submitLabel: string;
  busyLabel: string;
  onSubmit: (draft: ActionItemDraft) => Promise<string | null> | string | null;
  onCancel: () => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState(() => draftOf(item));
  const [titleError, setTitleError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const titleRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    titleRef.current?.focus();
  }, []);

  const options = ownerOptions(speakers);
  // The current owner stays choosable even when its speaker is not listed (an item edited in the inbox).
  if (item && draftOf(item).owner.startsWith("speaker:") && !options.some((option) => option.value === draftOf(item).owner)) {
    options.push({ value: draftOf(item).owner, label: ownerName(item.owner) });
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!draft.title.trim()) {
      setTitleError("Title must not be empty.");
      titleRef.current?.focus();
      return;
    }
    setTitleError(null);
    setFormError(null);
    setBusy(true);
    const error = await onSubmit({ ...draft, title: draft.title.trim() });
    if (error) {
      setFormError(error);
      setBusy(false);
    }
  }

  const set =
    <K extends keyof ActionItemDraft>(name: K) =>
    (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) =>
      setDraft((current) => ({ ...current, [name]: event.target.value as ActionItemDraft[K] }));

  return (
    <form
      aria-label={label}
      noValidate
      onSubmit={submit}
      onKeyDown={(event) => {
        if (event.key === "Escape" && !busy) {
          event.preventDefault();
          event.stopPropagation();
          onCancel();
        }
      }}
      className="@container space-y-3"
      data-testid="action-item-form"
    >
      <FormError message={formError} />
      <div>
        <label htmlFor={`${id}-title`} className="text-sm font-medium text-slate-700">
          Title
        </label>
        <input
          ref={titleRef}
          id={`${id}-title`}
          value={draft.title}
          onChange={set("title")}
          maxLength={MAX_TITLE_LENGTH}
          required
          aria-required="true"
          autoComplete="off"
          className={inputClass}
          {...(titleError ? { "aria-invalid": true, "aria-describedby": `${id}-title-error` } : {})}
        />
        {titleError ? (
          <p id={`${id}-title-error`} className="mt-1 text-sm text-red-700">
            {titleError}
          </p>
        ) : null}
      </div>
      <div>
        <label htmlFor={`${id}-description`} className="text-sm font-medium text-slate-700">
          Description <span className="font-normal text-slate-500">(optional)</span>
        </label>
        <textarea
          id={`${id}-description`}
          value={draft.description}
          onChange={set("description")}
          maxLength={MAX_DESCRIPTION_LENGTH}
          rows={2}
          className={`${inputClass} h-auto py-2`}
        />
      </div>
      <div className="grid grid-cols-1 gap-3 @sm:grid-cols-2 @xl:grid-cols-3">
        <div>
          <label htmlFor={`${id}-owner`} className="text-sm font-medium text-slate-700">
            Owner
          </label>
          <select id={`${id}-owner`} value={draft.owner} onChange={set("owner")} className={selectClass}>
            <option value="me">Me</option>
            {options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
            <option value="none">Unassigned</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-due`} className="text-sm font-medium text-slate-700">
            Due date
          </label>
          <input id={`${id}-due`} type="date" value={draft.dueDate} onChange={set("dueDate")} className={inputClass} />
        </div>
        <div>
          <label htmlFor={`${id}-priority`} className="text-sm font-medium text-slate-700">
            Priority
          </label>
          <select id={`${id}-priority`} value={draft.priority} onChange={set("priority")} className={selectClass}>
            {PRIORITIES.map((priority) => (
              <option key={priority} value={priority}>
                {PRIORITY_LABEL[priority]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <FormActions label={submitLabel} pendingLabel={busyLabel} pending={busy} onCancel={onCancel} />
    </form>
  );
}
