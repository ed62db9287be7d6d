"use client";

import { useEffect, useId, useRef, useState } from "react";
import { FormError } from "@/components/ui/alerts";
import { FormActions } from "@/components/ui/FormActions";
import { errorMessage, patchSpeakers, type SpeakerJson } from "./api";
import { inputClass } from "./ActionItemForm";
import { selfMarking, selfMarkingText, speakerEdits } from "./speaker-model";

/**
 * The transcript's "Edit speakers" form: a name for each speaker, and which one is the user ("This is me",
 * or "This isn't me" on the speaker marked as the user, with the voiceprint's score when the voice profile
 * marked it). The edits are sent together (`PATCH /api/calls/:id/speakers`); the transcript's names and the
 * owners of the action items follow.
 */
export function SpeakerEditor({
  callId,
  speakers,
  onSaved,
  onClose,
}: {
  callId: string;
  speakers: SpeakerJson[];
  onSaved: (speakers: SpeakerJson[]) => void;
  onClose: () => void;
}) {
  const id = useId();
  const [names, setNames] = useState(() => Object.fromEntries(speakers.map((speaker) => [speaker.id, speaker.displayName ?? ""])));
  const initialMe = speakers.find((speaker) => speaker.role === "SELF")?.id ?? "";
  const [me, setMe] = useState(initialMe);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    formRef.current?.querySelector<HTMLInputElement>('input[type="text"]')?.focus();
  }, []);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const edits = speakerEdits(speakers, names, me || null);
    if (edits.length === 0) {
      onClose();
      return;
    }
    setSaving(true);
    setError(null);
    try {
      // One request: the edits are saved together or not at all.
      onSaved(await patchSpeakers(callId, edits));
      onClose();
    } catch (caught) {
      setError(`The speakers could not be saved. ${errorMessage(caught, "Try again.")}`);
      setSaving(false);
    }
  }

  return (
    <form
      ref={formRef}
      aria-label="Edit speakers"
      onSubmit={submit}
      onKeyDown={(event) => {
        if (event.key === "Escape" && !saving) {
          event.preventDefault();
          onClose();
        }
      }}
      className="mt-3 rounded-xl border border-slate-200 bg-slate-50 p-4"
      data-testid="speaker-editor"
    >
      <p className="text-sm text-slate-600">Name the speakers and say which one is you. Action items they own follow the new names.</p>
      <FormError message={error} className="mt-3" />
      <fieldset className="mt-3">
        <legend className="sr-only">Speakers</legend>
        <ul className="space-y-3">
          {speakers.map((speaker) => {
            const marking = selfMarking(speaker);
            const notMe = marking !== null && me !== speaker.id;
            return (
              <li key={speaker.id} className="grid grid-cols-1 items-end gap-2 sm:grid-cols-[1fr_auto]" data-testid="speaker-editor-row" data-speaker-id={speaker.id}>
                {marking ? (
                  <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm sm:col-span-2" data-testid="speaker-self-marking">
                    <span className={notMe ? "text-slate-500 line-through" : "font-medium text-brand-700"}>
                      {speaker.label} is you · {selfMarkingText(marking)}
                    </span>
                    <button
                      type="button"
                      aria-pressed={notMe}
                      onClick={() => setMe(notMe ? speaker.id : "")}
                      className="rounded-md border border-slate-300 bg-white px-2 py-0.5 text-xs font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
                    >
                      {notMe ? "Undo" : "This isn't me"}
                      <span className="sr-only"> ({speaker.label})</span>
                    </button>
                    {notMe ? <span className="text-xs text-slate-600">Save to unmark; its action items lose you as owner.</span> : null}
                  </div>
                ) : null}
                <div>
                  <label htmlFor={`${id}-${speaker.id}`} className="text-sm font-medium text-slate-700">
                    Name for {speaker.label}
                  </label>
                  <input
                    id={`${id}-${speaker.id}`}
                    type="text"
                    value={names[speaker.id] ?? ""}
                    placeholder={speaker.label}
                    maxLength={80}
                    autoComplete="off"
                    onChange={(event) => setNames((current) => ({ ...current, [speaker.id]: event.target.value }))}
                    className={inputClass}
                  />
                </div>
                <label className="inline-flex h-10 items-center gap-2 text-sm text-slate-700">
                  <input
                    type="radio"
                    name={`${id}-me`}
                    value={speaker.id}
                    checked={me === speaker.id}
                    onChange={() => setMe(speaker.id)}
                    className="h-4 w-4 accent-brand-600"
                  />
                  This is me<span className="sr-only"> ({speaker.label})</span>
                </label>
              </li>
            );
          })}
        </ul>
        <label className="mt-3 inline-flex items-center gap-2 text-sm text-slate-700">
          <input type="radio" name={`${id}-me`} value="" checked={me === ""} onChange={() => setMe("")} className="h-4 w-4 accent-brand-600" />
          I am not one of these speakers
        </label>
      </fieldset>
      <FormActions label="Save speakers" pendingLabel="Saving…" pending={saving} onCancel={onClose} className="mt-4" />
    </form>
  );
}
