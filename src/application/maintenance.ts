import * as E from "fp-ts/lib/Either.js";
import type { SecretCommand } from "../domain/commands.js";
import { secretDecider } from "../domain/decider.js";
import type { SecretEvent } from "../domain/events.js";
import { prepared } from "./handle-command.js";
import { inSlices } from "./in-slices.js";
import type { Service } from "./service.js";

// The work the service does on its own, on timers: the compactor, and deletions whose recovery window ended.
// Both go through the decider and the command pipeline like any request.

/** What one compaction did (or, dry, would do). */
export type CompactionReport = { readonly secretsPruned: number; readonly versionsPruned: number };

const countPruned = (events: ReadonlyArray<SecretEvent>): number =>
  events.reduce((n, e) => n + (e.type === "VersionsPruned" ? e.data.versionIds.length : 0), 0);

/**
 * The compactor: prunes every secret holding more versions than the policy keeps. With `dryRun`, decides the
 * same and appends nothing.
 */
export const compact = async (
  service: Service,
  options: { readonly dryRun?: boolean } = {},
): Promise<CompactionReport> => {
  const { keep } = service.versionPolicy;
  let secrets = 0;
  let versions = 0;
  for await (const name of inSlices(service.catalog.crowded(keep))) {
    const secret = service.catalog.entry(name).state;
    if (secret.status !== "active") continue;
    const command = (now: number): SecretCommand => ({
      type: "PruneVersions",
      data: { versionPolicy: service.versionPolicy, now },
    });
    let pruned = 0;
    if (options.dryRun === true) {
      const decision = secretDecider.decide(command(service.clock()), secret);
      if (E.isRight(decision)) pruned = countPruned(decision.right);
    } else {
      const result = await service.commands.handleCommand(
        secret.name,
        { kind: "name", name: secret.name },
        "PruneVersions",
        (_state, now) => prepared(command(now)),
      );
      if (E.isRight(result)) pruned = countPruned(result.right.events);
    }
    if (pruned > 0) {
      secrets++;
      versions += pruned;
    }
  }
  return { secretsPruned: secrets, versionsPruned: versions };
};

/** Completes every deletion whose recovery window has ended; returns how many secrets were deleted. */
export const purgeDueDeletions = async (service: Service): Promise<number> => {
  let purged = 0;
  for await (const name of inSlices(service.catalog.dueDeletions(service.clock()))) {
    const result = await service.commands.handleCommand(name, { kind: "name", name }, "PurgeDeletedSecret", (_s, now) =>
      prepared({ type: "PurgeDeletedSecret", data: { now } }),
    );
    if (E.isRight(result) && result.right.events.length > 0) purged++;
  }
  return purged;
};
