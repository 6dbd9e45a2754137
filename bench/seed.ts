import { randomBytes, randomUUID } from "node:crypto";
import { labelMoved, versionCreated, type CommandRecord, type SecretEvent } from "../src/domain/events.js";
import type { SealedValue, StagingLabel, VersionId } from "../src/domain/types.js";

// What the benchmarks seed logs with: values as the log carries them, and versions as PutSecretValue leaves them.

const CURRENT = "AWSCURRENT" as StagingLabel;
const PREVIOUS = "AWSPREVIOUS" as StagingLabel;

/**
 * A 64-byte value as the log carries one (12-byte nonce, ciphertext, 16-byte tag, base64; a fingerprint; its data
 * key wrapped beside it), its bytes random: a value no key opens.
 */
export const randomSealedValue = (): SealedValue => ({
  kind: "string",
  ciphertext: randomBytes(12 + 64 + 16).toString("base64"),
  fingerprint: randomBytes(32).toString("base64"),
  key: { in: "log", epoch: 1, wrapped: randomBytes(61).toString("base64") },
});

/** `versions` versions, each taking AWSCURRENT (the one before it, AWSPREVIOUS), as PutSecretValue leaves them. */
export const versionEvents = (versions: number, at: number): SecretEvent[] => {
  const events: SecretEvent[] = [];
  let current: VersionId | undefined;
  let previous: VersionId | undefined;
  for (let v = 0; v < versions; v++) {
    const id = randomUUID() as VersionId;
    events.push(versionCreated(id, randomSealedValue(), at), labelMoved(CURRENT, current, id, at));
    if (current !== undefined) events.push(labelMoved(PREVIOUS, previous, current, at));
    [previous, current] = [current, id];
  }
  return events;
};

/**
 * A secret's events (created, then its versions as `versionEvents` gives them) as the log would hold them: one
 * record per command, as the service writes them (CreateSecret with the first version, then one PutSecretValue a
 * version), or all of them in one record.
 */
export const cutIntoRecords = (events: ReadonlyArray<SecretEvent>, per: "command" | "secret"): CommandRecord[] => {
  const record = (command: string, of: ReadonlyArray<SecretEvent>): CommandRecord => ({
    schemaVersion: 1,
    command,
    requestId: randomUUID(),
    events: of,
  });
  if (per === "secret") return [record("Seed", events)];
  const starts = events.flatMap((e, i) => (e.type === "VersionCreated" && i > 1 ? [i] : []));
  return [0, ...starts].map((from, k) =>
    record(k === 0 ? "CreateSecret" : "PutSecretValue", events.slice(from, starts[k] ?? events.length)),
  );
};
