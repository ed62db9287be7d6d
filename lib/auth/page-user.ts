import "server-only";
import { headers } from "next/headers";
import type { User } from "@/db/schema";
import { requirePageUser } from "./session";

/** For layouts, which do not know the path: proxy.ts passes it, so sign-in can come back here. */
export async function requireUserForCurrentPath(): Promise<User> {
  const path = (await headers()).get("x-scryon-path") ?? "/calls";
  return requirePageUser(path);
}
