import * as E from "fp-ts/lib/Either.js";
import { randomUUID } from "node:crypto";
import type { CatalogEntry, SecretCatalog } from "../../projections/secret-catalog.js";
import { secretDecider } from "../domain/decider.js";
import type { CommandRecord, SecretEvent } from "../domain/events.js";
import type { SecretReference } from "../domain/queries.js";
import type { Carrying, SecretCommand } from "../domain/commands.js";
import { newSecretKeyNeeded } from "../domain/secret-key.js";
import { fold, type ActiveSecret, type SecretState } from "../domain/state.js";
import type { ServiceError } from "./errors.js";
import { KeyedLock } from "../keyed-lock.js";
import type { Clock, CommandLog } from "./ports.js";

// The one write pipeline every command goes through (Emmett's handleCommand): lock the secret, load its state
// from the projection, let the use case prepare the command (seal values), decide, append at the expected
// subject sequence, wait for the projection; on a conflict, wait for the projection to see the other write and
// decide again. A decision that prunes versions whose data keys are in the log (or moves the secret to another
// KmsKeyId) first gets the secret a new key, written to the key store, and records its replacement in the same
// append; after a pruning the old keys are erased once that is in the log (the key shredder).

/**
 * The steps of replacing a secret's key (and of erasing a replica region's copies), which a test may watch (to stop
 * the process between two of them).
 */
export type KeyStep =
  | "new secret key written"
  | "replacement appended"
  | "old secret keys erased"
  /** A replica region's copies of a secret's keys: their bucket written anew without them, the old not erased yet. */
  | "copies rewritten";

/** Makes a secret's command from its state now. */
export type Prepare = (state: SecretState, now: number) => Promise<E.Either<ServiceError, SecretCommand>>;

/** What a command did: the state before and after, and the events it appended (none: already done). */
export type Executed = {
  readonly state: SecretState;
  readonly before: SecretState;
  readonly events: ReadonlyArray<SecretEvent>;
};

/** Who a command is run for: the API request and its caller, recorded with the command in the log. */
export type Actor = { readonly requestId: string; readonly principal: string };

export type CommandHandler = {
  /** Decides and appends the command `prepare` makes for secret `name`, which `reference` named. */
  handleCommand(
    name: string,
    reference: SecretReference,
    commandName: SecretCommand["type"],
    prepare: Prepare,
  ): Promise<E.Either<ServiceError, Executed>>;
  /** Runs `work` under secret `name`'s lock, after any command on it under way (no append of its own). */
  underLock<T>(name: string, work: () => Promise<T>): Promise<T>;
  /**
   * The same pipeline on behalf of `actor`: the commands it appends carry the request id and the caller (those of
   * the pipeline itself, the service's own, carry neither).
   */
  as(actor: Actor): CommandHandler;
};

/** A command that needs no sealed values. */
export const prepared = (command: SecretCommand): Promise<E.Either<ServiceError, SecretCommand>> =>
  Promise.resolve(E.right(command));

const MAX_APPEND_ATTEMPTS = 64;

export const commandHandler = (deps: {
  readonly log: CommandLog;
  /** Makes secret `after` a new key holding the data keys of `carrying` (see newSecretKey); returns its epoch. */
  readonly newSecretKey: (
    after: ActiveSecret,
    carrying: Carrying,
    pending: ReadonlyArray<SecretEvent>,
  ) => Promise<E.Either<ServiceError, number>>;
  readonly catalog: SecretCatalog;
  readonly clock: Clock;
  /** Whether NATS is reachable now: while it is not, writes are refused at once, as retryable. */
  readonly storeAvailable: () => boolean;
  readonly onKeyStep?: (step: KeyStep) => void;
  /** Told of each record appended, as the log holds it (the projection folds it at once when it is the next). */
  readonly onAppended?: (seq: number, secretName: string, record: CommandRecord) => void;
}): CommandHandler => {
  const locks = new KeyedLock();

  /** The secret's entry, provided the reference still names it (it may have been replaced meanwhile). */
  const entryFor = (name: string, reference: SecretReference): CatalogEntry => {
    const entry = deps.catalog.entry(name);
    if (reference.kind === "name" || entry.state.status === "absent") return entry;
    const resolved = deps.catalog.resolve(reference);
    return resolved?.name === name ? entry : { state: secretDecider.initialState, subjectSeq: entry.subjectSeq };
  };

  const recordOf = (
    actor: Actor | undefined,
    commandName: SecretCommand["type"],
    events: ReadonlyArray<SecretEvent>,
  ): CommandRecord => {
    return {
      schemaVersion: 1,
      command: commandName,
      requestId: actor?.requestId ?? randomUUID(),
      ...(actor === undefined ? {} : { principal: actor.principal }),
      events,
    };
  };

  /**
   * The decided events, and the replacement of the secret's key when they call for one: the new key is in the key
   * store before the record that makes it the secret's key is appended (a version in the log always finds its key).
   */
  const withNewKeyIfNeeded = async (
    before: SecretState,
    events: ReadonlyArray<SecretEvent>,
    now: number,
  ): Promise<E.Either<ServiceError, ReadonlyArray<SecretEvent>>> => {
    const carrying = newSecretKeyNeeded(before, events);
    if (carrying === undefined) return E.right(events);
    const after = fold(events, before);
    if (after.status !== "active") return E.right(events);
    const epoch = await deps.newSecretKey(after, carrying, events);
    if (E.isLeft(epoch)) return epoch;
    deps.onKeyStep?.("new secret key written");
    const replaced = secretDecider.decide(
      { type: "ReplaceSecretKey", data: { keyEpoch: epoch.right, carrying, now } },
      after,
    );
    return E.map((more: ReadonlyArray<SecretEvent>) => [...events, ...more])(replaced);
  };

  const appendDecided = async (
    actor: Actor | undefined,
    name: string,
    reference: SecretReference,
    commandName: SecretCommand["type"],
    prepare: Prepare,
  ): Promise<E.Either<ServiceError, Executed>> => {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const entry = entryFor(name, reference);
      const now = deps.clock();
      const command = await prepare(entry.state, now);
      if (E.isLeft(command)) return command;
      const decision = secretDecider.decide(command.right, entry.state);
      if (E.isLeft(decision)) return decision;
      const withKey = await withNewKeyIfNeeded(entry.state, decision.right, now);
      if (E.isLeft(withKey)) return withKey;
      const events = withKey.right;
      if (events.length === 0) return E.right({ state: entry.state, before: entry.state, events });
      const appended = await deps.log.append(name, entry.subjectSeq, recordOf(actor, commandName, events));
      if (appended._tag === "Appended") {
        deps.onAppended?.(appended.seq, name, appended.stored);
        if (events.some((e) => e.type === "SecretKeyReplaced")) deps.onKeyStep?.("replacement appended");
        await deps.catalog.whenCaughtUp(appended.seq);
        // The projection has folded the record: its state is the command's outcome, unless a later record followed.
        const now = deps.catalog.entry(name);
        const state = now.subjectSeq === appended.seq ? now.state : fold(events, entry.state, appended.seq);
        return E.right({ state, before: entry.state, events });
      }
      await deps.catalog.whenCaughtUp(appended.lastSeq);
    }
    return E.left({ _tag: "ContentionExhausted" });
  };

  const handlerFor = (actor: Actor | undefined): CommandHandler => ({
    handleCommand: (name, reference, commandName, prepare) => {
      // NATS out of reach: refused at once. (A write NATS drops under way throws; the API answers that 503 too.)
      if (!deps.storeAvailable()) return Promise.resolve(E.left({ _tag: "StorageUnavailable" } as const));
      return locks.run(name, () => appendDecided(actor, name, reference, commandName, prepare));
    },
    underLock: (name, work) => locks.run(name, work),
    as: (other) => handlerFor(other),
  });
  return handlerFor(undefined);
};
