"use client";

import type { InputHTMLAttributes, ReactNode } from "react";
import type { CallDirection } from "@/db/schema";
import { CALL_FIELD_LABELS } from "@/lib/calls/metadata";

export type CallMetadataFieldName = keyof typeof CALL_FIELD_LABELS;
export type CallMetadataValues = Record<CallMetadataFieldName, string>;

type TextFieldName = Exclude<CallMetadataFieldName, "direction">;

const TEXT_FIELD: Record<TextFieldName, Pick<InputHTMLAttributes<HTMLInputElement>, "type" | "autoComplete">> = {
  title: {},
  contactName: { autoComplete: "off" },
  phoneNumber: { type: "tel", autoComplete: "off" },
  organization: { autoComplete: "off" },
  recordedAt: { type: "datetime-local" },
};

/**
 * The six inputs of a call's details (title, contact name, phone number, organization, direction,
 * recorded at), labelled with `CALL_FIELD_LABELS`, for a two-column grid the caller provides (the title
 * spans both). Each field's error (and hint) is tied to its input with aria-describedby. Used by the
 * upload card and the call page's edit form.
 */
export function CallMetadataFields({
  values,
  errors,
  fieldId,
  onChange,
  directionOptions,
  inputClassName,
  inputProps = {},
  labelNotes = {},
  hints = {},
}: {
  values: CallMetadataValues;
  errors: Partial<Record<CallMetadataFieldName, string>>;
  /** The input's id; `${id}-error` and `${id}-hint` name its messages. */
  fieldId: (name: CallMetadataFieldName) => string;
  onChange: (name: CallMetadataFieldName, value: string) => void;
  directionOptions: readonly { value: CallDirection; label: string }[];
  /** The inputs' and the select's classes, for a field with an error or without. */
  inputClassName: (invalid: boolean) => string;
  /** Extra attributes for a text input (maxLength, required). */
  inputProps?: Partial<Record<TextFieldName, InputHTMLAttributes<HTMLInputElement>>>;
  /** A muted note after a label, e.g. "(your time zone)". */
  labelNotes?: Partial<Record<CallMetadataFieldName, string>>;
  /** A line of help under an input. */
  hints?: Partial<Record<CallMetadataFieldName, string>>;
}) {
  const field = (name: CallMetadataFieldName, control: (aria: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode) => {
    const id = fieldId(name);
    const error = errors[name];
    const hint = hints[name];
    const note = labelNotes[name];
    const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
    return (
      <div className={name === "title" ? "sm:col-span-2" : undefined}>
        <label htmlFor={id} className="block text-sm font-medium text-slate-700">
          {CALL_FIELD_LABELS[name]}
          {note ? (
            <>
              {" "}
              <span className="font-normal text-slate-500">{note}</span>
            </>
          ) : null}
        </label>
        {control({ id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy })}
        {hint ? (
          <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
            {hint}
          </p>
        ) : null}
        {error ? (
          <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
            {error}
          </p>
        ) : null}
      </div>
    );
  };

  const textField = (name: TextFieldName) =>
    field(name, (aria) => (
      <input
        {...aria}
        name={name}
        type="text"
        {...TEXT_FIELD[name]}
        {...inputProps[name]}
        value={values[name]}
        onChange={(event) => onChange(name, event.target.value)}
        className={inputClassName(Boolean(errors[name]))}
      />
    ));

  return (
    <>
      {textField("title")}
      {textField("contactName")}
      {textField("phoneNumber")}
      {textField("organization")}
      {field("direction", (aria) => (
        <select {...aria} name="direction" value={values.direction} onChange={(event) => onChange("direction", event.target.value)} className={inputClassName(Boolean(errors.direction))}>
          {directionOptions.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      ))}
      {textField("recordedAt")}
    </>
  );
}
