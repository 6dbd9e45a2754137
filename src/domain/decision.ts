import * as E from "fp-ts/lib/Either.js";
import type { SecretError } from "./errors.js";
import type { SecretEvent } from "./events.js";
import type { ActiveSecret, SecretState } from "./state.js";

// What every rule of the secret decider shares.

/** A command's events, or why it is refused; `[]`: already done (an idempotent retry). */
export type Decision = E.Either<SecretError, ReadonlyArray<SecretEvent>>;

/** The secret, if it exists and is not scheduled for deletion: what most operations need. */
export const live = (state: SecretState): E.Either<SecretError, ActiveSecret> =>
  state.status !== "active"
    ? E.left({ _tag: "SecretNotFound" })
    : state.deletion !== undefined
      ? E.left({ _tag: "SecretScheduledForDeletion" })
      : E.right(state);
