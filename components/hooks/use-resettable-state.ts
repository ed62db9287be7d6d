"use client";

import { useState, type Dispatch, type SetStateAction } from "react";

/**
 * Runs `onChange(previous)` during render when `value` is not (by identity) the value of the last render:
 * React's "adjust state when a prop changes" without an Effect. `onChange` may set state.
 */
export function useOnValueChange<T>(value: T, onChange: (previous: T) => void): void {
  const [last, setLast] = useState(value);
  if (value !== last) {
    setLast(value);
    onChange(last);
  }
}

/**
 * State that starts as `serverValue` and is replaced by it whenever a new one arrives (a server refresh
 * brings a new object: it is the truth); in between, the component may change it locally.
 */
export function useResettableState<T>(serverValue: T): [T, Dispatch<SetStateAction<T>>] {
  const [value, setValue] = useState(serverValue);
  useOnValueChange(serverValue, () => setValue(serverValue));
  return [value, setValue];
}
