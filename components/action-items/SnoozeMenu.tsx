"use client";

import { useEffect, useId, useRef, useState } from "react";
import { addDays, localDateString } from "./action-item-model";
import { snoozeAtDate, snoozeDateError, snoozePresets, type SnoozePreset } from "./snooze-model";
import { inputClass } from "./ActionItemForm";

const POPOVER_WIDTH = 272;
const VIEWPORT_MARGIN = 12;

export const actionButtonClass =
  "inline-flex items-center gap-1 rounded-md px-2 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 disabled:opacity-50";

/**
 * "Snooze" → a menu: Tomorrow 9:00, Next Monday 9:00, Next week, or a picked date (9:00 that day), all in the
 * browser's time zone. Arrow keys move between choices; Escape closes; focus returns to the button.
 */
export function SnoozeMenu({ itemTitle, onSnooze }: { itemTitle: string; onSnooze: (at: Date) => void }) {
  const id = useId();
  const [open, setOpen] = useState<false | "menu" | "date">(false);
  const [presets, setPresets] = useState<SnoozePreset[]>([]);
  const [date, setDate] = useState("");
  const [minDate, setMinDate] = useState("");
  const [dateError, setDateError] = useState<string | null>(null);
  // Horizontal shift that keeps the popover inside the viewport on a narrow screen.
  const [shift, setShift] = useState(0);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const popoverRef = useRef<HTMLDivElement>(null);

  function openMenu() {
    const now = new Date();
    setPresets(snoozePresets(now));
    const tomorrow = addDays(localDateString(now), 1);
    setMinDate(tomorrow);
    setDate(tomorrow);
    setDateError(null);
    const rect = triggerRef.current?.getBoundingClientRect();
    if (rect) {
      const width = Math.min(POPOVER_WIDTH, window.innerWidth - 2 * VIEWPORT_MARGIN);
      setShift(Math.min(0, window.innerWidth - VIEWPORT_MARGIN - (rect.left + width)));
    }
    setOpen("menu");
  }

  function close(returnFocus: boolean) {
    setOpen(false);
    if (returnFocus) triggerRef.current?.focus();
  }

  // Focus the first choice (or the date field) when the menu opens or changes view.
  useEffect(() => {
    if (open === "menu") popoverRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    if (open === "date") popoverRef.current?.querySelector<HTMLInputElement>("input")?.focus();
  }, [open]);

  // A click elsewhere closes it (without taking focus).
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!popoverRef.current?.contains(target) && !triggerRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  function choose(at: Date) {
    close(true);
    onSnooze(at);
  }

  function onMenuKeyDown(event: React.KeyboardEvent) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
      return;
    }
    if (open !== "menu") return;
    const items = [...(popoverRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    let next = -1;
    if (event.key === "ArrowDown") next = (index + 1) % items.length;
    else if (event.key === "ArrowUp") next = (index - 1 + items.length) % items.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = items.length - 1;
    else if (event.key === "Tab") {
      setOpen(false);
      return;
    }
    if (next >= 0) {
      event.preventDefault();
      items[next]?.focus();
    }
  }

  function submitDate(event: React.FormEvent) {
    event.preventDefault();
    const error = snoozeDateError(date, new Date());
    if (error) {
      setDateError(error);
      return;
    }
    choose(snoozeAtDate(date)!);
  }

  return (
    <div className="relative inline-block">
      <button
        ref={triggerRef}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open !== false}
        aria-controls={open ? `${id}-popover` : undefined}
        onClick={() => (open ? close(false) : openMenu())}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown" && !open) {
            event.preventDefault();
            openMenu();
          }
        }}
        className={actionButtonClass}
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-3.5 w-3.5">
          <circle cx="10" cy="11" r="6" />
          <path d="M10 8v3l2 1.5M4 4l2-1.5M16 4l-2-1.5" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        Snooze<span className="sr-only"> “{itemTitle}”</span>
      </button>
      {open ? (
        <div
          ref={popoverRef}
          id={`${id}-popover`}
          onKeyDown={onMenuKeyDown}
          style={{ left: shift, width: `min(${POPOVER_WIDTH}px, calc(100vw - ${2 * VIEWPORT_MARGIN}px))` }}
          className="absolute top-full z-30 mt-1 rounded-xl border border-slate-200 bg-white p-1 shadow-lg"
        >
          {open === "menu" ? (
            <div role="menu" aria-label={`Snooze “${itemTitle}” until`}>
              {presets.map((preset) => (
                <button
                  key={preset.id}
                  type="button"
                  role="menuitem"
                  tabIndex={-1}
                  onClick={() => choose(preset.at)}
                  className="flex w-full items-baseline justify-between gap-3 rounded-lg px-3 py-2 text-left text-sm text-slate-800 hover:bg-slate-100 focus:bg-slate-100"
                >
                  <span className="whitespace-nowrap font-medium">{preset.label}</span>
                  <span className="whitespace-nowrap text-xs text-slate-500">{preset.detail}</span>
                </button>
              ))}
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                onClick={() => setOpen("date")}
                className="flex w-full items-baseline rounded-lg px-3 py-2 text-left text-sm font-medium text-slate-800 hover:bg-slate-100 focus:bg-slate-100"
              >
                Pick a date…
              </button>
            </div>
          ) : (
            <form onSubmit={submitDate} aria-label={`Snooze “${itemTitle}” until a date`} noValidate className="p-2">
              <label htmlFor={`${id}-date`} className="text-sm font-medium text-slate-700">
                Snooze until <span className="font-normal text-slate-500">(9:00 AM that day)</span>
              </label>
              <input
                id={`${id}-date`}
                type="date"
                min={minDate}
                value={date}
                onChange={(event) => {
                  setDate(event.target.value);
                  setDateError(null);
                }}
                className={inputClass}
                {...(dateError ? { "aria-invalid": true, "aria-describedby": `${id}-date-error` } : {})}
              />
              {dateError ? (
                <p id={`${id}-date-error`} role="alert" className="mt-1 text-sm text-red-700">
                  {dateError}
                </p>
              ) : null}
              <div className="mt-3 flex justify-end gap-2">
                <button
                  type="button"
                  onClick={() => setOpen("menu")}
                  className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
                >
                  Back
                </button>
                <button type="submit" className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-700">
                  Snooze
                </button>
              </div>
            </form>
          )}
        </div>
      ) : null}
    </div>
  );
}
