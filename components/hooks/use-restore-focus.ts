"use client";

import { useCallback, useEffect, useRef } from "react";

/**
 * Puts focus back on a button when the form or panel it opened closes. Attach `ref` to the button and call
 * `focusOnClose()` just before closing (`open` turning false): a close that did not ask for it (a save that
 * moves focus elsewhere) leaves focus alone.
 */
export function useRestoreFocus<T extends HTMLElement>(open: boolean) {
  const ref = useRef<T>(null);
  const wanted = useRef(false);

  useEffect(() => {
    if (!open && wanted.current) {
      wanted.current = false;
      ref.current?.focus();
    }
  }, [open]);

  const focusOnClose = useCallback(() => {
    wanted.current = true;
  }, []);

  return { ref, focusOnClose };
}
