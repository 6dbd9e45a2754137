import * as E from "fp-ts/lib/Either.js";
import { snapshotOf } from "../../projections/catalog-snapshot.js";
import type { SecretCatalog } from "../../projections/secret-catalog.js";
import { withNats } from "../store/nats-connection.js";
import type { Config } from "../config.js";
import { checkpointPath, readCheckpoint } from "../store/checkpoint-file.js";
import { EventLog } from "../store/event-log.js";
import { differences, rebuild } from "./queries.js";

// `secret-ledger replay [--verify]`: the projection rebuilt from the log's first record, with progress; with
// --verify, compared with the one the service keeps (its checkpoint), secret by secret.

type Output = {
  readonly out: (line: string) => void;
  /** Where progress goes, and whether it is a terminal (a bar redrawn in place) or not (a line now and then). */
  readonly progress: { readonly write: (text: string) => void; readonly terminal: boolean };
};

const BAR = 30;

const progressReporter = (total: number, output: Output["progress"]) => {
  const started = performance.now();
  let shown = 0;
  return {
    tick(seq: number, events: number, final = false): void {
      const now = performance.now();
      if (!final && now - shown < (output.terminal ? 200 : 5000)) return;
      shown = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? events / seconds : 0;
      const share = total === 0 ? 1 : seq / total;
      const eta = share > 0 ? (seconds / share) * (1 - share) : 0;
      const figures = `${Math.round(share * 100)}%  seq ${seq}/${total}  ${Math.round(rate)} events/s  ETA ${eta.toFixed(0)} s`;
      if (output.terminal) {
        const filled = Math.round(share * BAR);
        output.write(`\r[${"#".repeat(filled)}${".".repeat(BAR - filled)}] ${figures}${final ? "\n" : ""}`);
      } else output.write(`replay: ${figures}\n`);
    },
  };
};

export const replayCommand = (config: Config, verify: boolean, output: Output): Promise<number> =>
  withNats(config, async (nc) => {
    const log = await EventLog.open(nc, config.region);
    const identity = await log.identity();
    let kept: SecretCatalog | undefined;
    if (verify) {
      const checkpoint = readCheckpoint(checkpointPath(config.dataDir, config.region), identity);
      if (E.isLeft(checkpoint)) {
        output.out(`nothing to verify against: ${checkpoint.left} (${checkpointPath(config.dataDir, config.region)})`);
        return 2;
      }
      kept = checkpoint.right;
    }
    // Verifying compares like with like: the log folded as far as the checkpoint went.
    const upTo = kept?.checkpoint ?? identity.lastSeq;
    const progress = progressReporter(upTo, output.progress);
    const { catalog, records, events, unreadable, seconds } = await rebuild(log, upTo, (seq, n) =>
      progress.tick(seq, n),
    );
    progress.tick(catalog.checkpoint, events, true);
    output.out(
      `replayed ${records} record(s), ${events} event(s), up to seq ${catalog.checkpoint} in ${seconds.toFixed(2)} s` +
        ` (${Math.round(events / Math.max(seconds, 0.001))} events/s): ${[...catalog.allSecrets()].length} secret(s)` +
        (unreadable === 0 ? "" : `, ${unreadable} unreadable record(s) passed over`),
    );
    if (kept === undefined) return 0;
    const found = differences(snapshotOf(catalog), snapshotOf(kept));
    if (found.length === 0) {
      output.out(`verify: the rebuilt projection and the checkpoint at seq ${kept.checkpoint} agree`);
      return 0;
    }
    output.out(`verify: ${found.length} difference(s) from the checkpoint at seq ${kept.checkpoint}:`);
    for (const line of found) output.out(`  ${line}`);
    return 1;
  });
