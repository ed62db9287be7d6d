// Empty on purpose: lets server-only modules load under Vitest.
export {};
