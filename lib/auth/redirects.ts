/** Only same-site paths are followed after sign-in; anything else (//evil.example, https://…) goes home. */
export function safeCallbackPath(value: unknown, fallback = "/calls"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) {
    return fallback;
  }
  return value;
}
