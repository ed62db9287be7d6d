// Runs once when the server boots (lib/boot.ts): fail fast on bad configuration, and migrate the database
// before the first request instead of during it. Only the Node runtime boots anything.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { boot } = await import("./lib/boot");
  await boot();
}
