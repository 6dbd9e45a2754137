import { test } from "uvu";
import * as assert from "uvu/assert";
import * as E from "fp-ts/lib/Either.js";
import { randomPassword, type PasswordRequest } from "../../src/crypto/random-password.js";

const password = (req: PasswordRequest): string => {
  const result = randomPassword(req);
  if (E.isLeft(result)) throw new Error(result.left._tag);
  return result.right;
};

test("by default: 32 characters with an upper, a lower, a digit and a punctuation character, no space", () => {
  for (let i = 0; i < 200; i++) {
    const p = password({});
    assert.is(p.length, 32);
    assert.match(p, /[A-Z]/);
    assert.match(p, /[a-z]/);
    assert.match(p, /[0-9]/);
    assert.match(p, /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/);
    assert.not.match(p, / /);
  }
});

test("excluded classes and characters never appear, and the length holds", () => {
  for (let i = 0; i < 100; i++) {
    const p = password({ PasswordLength: 120, ExcludeCharacters: "xyzDje@?!.", ExcludeNumbers: true });
    assert.is(p.length, 120);
    assert.not.match(p, /[xyzDje@?!.0-9]/);
  }
  assert.match(password({ ExcludeUppercase: true, ExcludeLowercase: true, ExcludePunctuation: true }), /^[0-9]{32}$/);
});

test("IncludeSpace allows spaces; RequireEachIncludedType=false makes no class mandatory", () => {
  const spaced = Array.from({ length: 50 }, () => password({ IncludeSpace: true, PasswordLength: 100 })).join("");
  assert.match(spaced, / /);
  assert.is(password({ PasswordLength: 1, RequireEachIncludedType: false }).length, 1);
});

test("impossible requests are refused", () => {
  assert.equal(randomPassword({ PasswordLength: 3 }), E.left({ _tag: "PasswordTooShortForTypes", types: 4 }));
  assert.equal(
    randomPassword({ ExcludeUppercase: true, ExcludeLowercase: true, ExcludeNumbers: true, ExcludePunctuation: true }),
    E.left({ _tag: "NoCharactersLeft" }),
  );
  assert.equal(
    randomPassword({
      ExcludeNumbers: true,
      ExcludePunctuation: true,
      ExcludeLowercase: true,
      ExcludeCharacters: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    }),
    E.left({ _tag: "NoCharactersLeft" }),
  );
});

test("every character of the alphabet turns up: the draw is not stuck on a subset", () => {
  const seen = new Set(Array.from({ length: 400 }, () => password({})).join(""));
  assert.is(seen.size, 26 + 26 + 10 + 32);
});

test.run();
