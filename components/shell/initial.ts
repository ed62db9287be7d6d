/** The letter shown in a user's avatar: the first letter or digit of their name, else "?". */
export function initialOf(name: string | null | undefined): string {
  const letter = name?.trim().match(/\p{L}|\p{N}/u)?.[0];
  return letter ? letter.toUpperCase() : "?";
}
