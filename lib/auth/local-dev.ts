import type { AppEnv } from "@/lib/env";

export const LOCAL_DEV_EXTERNAL_ID = "local-dev";

/**
 * The one-click local-dev user exists for installs with no identity provider. It is on when Firebase is
 * not configured (or SCRYON_LOCAL_DEV_SIGN_IN=on), and always refused in production unless
 * SCRYON_ALLOW_LOCAL_DEV_IN_PRODUCTION is set.
 */
export function localDevSignInEnabled(env: AppEnv): boolean {
  if (!env.localDevSignInAllowed) return false;
  if (env.localDevSignIn === "off") return false;
  if (env.localDevSignIn === "on") return true;
  return !env.firebase;
}
