"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { signIn, signOut } from "@/auth";
import { safeCallbackPath } from "@/lib/auth/redirects";

export async function signInAsLocalDev(formData: FormData): Promise<void> {
  const callbackUrl = safeCallbackPath(formData.get("callbackUrl"));
  try {
    await signIn("local-dev", { redirectTo: callbackUrl });
  } catch (error) {
    // signIn answers success with a redirect (thrown); only Auth.js errors are failures.
    if (error instanceof AuthError) {
      redirect(`/sign-in?error=local_dev_disabled&callbackUrl=${encodeURIComponent(callbackUrl)}`);
    }
    throw error;
  }
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in?signedOut=1" });
}
