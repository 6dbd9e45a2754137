import * as E from "fp-ts/lib/Either.js";
import { randomInt } from "node:crypto";

// GetRandomPassword: the character classes AWS documents, drawn with a cryptographically secure source.

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
export const DEFAULT_PASSWORD_LENGTH = 32;

export type PasswordRequest = {
  readonly PasswordLength?: number;
  readonly ExcludeCharacters?: string;
  readonly ExcludeNumbers?: boolean;
  readonly ExcludePunctuation?: boolean;
  readonly ExcludeUppercase?: boolean;
  readonly ExcludeLowercase?: boolean;
  readonly IncludeSpace?: boolean;
  readonly RequireEachIncludedType?: boolean;
};

export type PasswordRefusal =
  { readonly _tag: "NoCharactersLeft" } | { readonly _tag: "PasswordTooShortForTypes"; readonly types: number };

export const randomPassword = (req: PasswordRequest): E.Either<PasswordRefusal, string> => {
  const length = req.PasswordLength ?? DEFAULT_PASSWORD_LENGTH;
  const excluded = new Set(req.ExcludeCharacters ?? "");
  const keep = (chars: string): string => [...chars].filter((c) => !excluded.has(c)).join("");
  // Each included class that still has characters after the exclusions must appear (by default).
  const types = [
    req.ExcludeUppercase === true ? "" : keep(UPPER),
    req.ExcludeLowercase === true ? "" : keep(LOWER),
    req.ExcludeNumbers === true ? "" : keep(DIGITS),
    req.ExcludePunctuation === true ? "" : keep(PUNCTUATION),
  ].filter((chars) => chars.length > 0);
  const alphabet = types.join("") + (req.IncludeSpace === true ? keep(" ") : "");
  if (alphabet.length === 0) return E.left({ _tag: "NoCharactersLeft" });
  const required = req.RequireEachIncludedType === false ? [] : types;
  if (length < required.length) return E.left({ _tag: "PasswordTooShortForTypes", types: required.length });
  const pick = (chars: string): string => chars[randomInt(chars.length)] as string;
  const chars = [...required.map(pick), ...Array.from({ length: length - required.length }, () => pick(alphabet))];
  // Fisher-Yates, so the required characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return E.right(chars.join(""));
};
