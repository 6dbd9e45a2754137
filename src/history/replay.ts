import * as E from "fp-ts/lib/Either.js";
import { snapshotOf, type CatalogSnapshot } from "../../projections/catalog-snapshot.js";
import { SecretCatalog } from "../../projections/secret-catalog.js";
import { withNats } from "../app.js";
import type { Config } from "../config.js";
import { checkpointPath, readCheckpoint } from "../store/checkpoint-file.js";
import { EventLog } from "../store/event-log.js";

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

/** The secrets that differ between two snapshots, and in what. */
export const differences = (rebuilt: CatalogSnapshot, kept: CatalogSnapshot): ReadonlyArray<string> => {
  const index = (s: CatalogSnapshot) => new Map(s.secrets.map((e) => [e.name, e]));
  const [a, b] = [index(rebuilt), index(kept)];
  const found: string[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const [x, y] = [a.get(name), b.get(name)];
    if (x === undefined || y === undefined) {
      found.push(`${name}: only in the ${x === undefined ? "checkpoint" : "rebuilt projection"}`);
      continue;
    }
    const fields = new Set([...Object.keys(x.state), ...Object.keys(y.state)]);
    const differing = [...fields].filter(
      (f) =>
        JSON.stringify((x.state as Record<string, unknown>)[f]) !==
        JSON.stringify((y.state as Record<string, unknown>)[f]),
    );
    if (x.subjectSeq !== y.subjectSeq) differing.push("subjectSeq");
    if (differing.length > 0) found.push(`${name}: ${differing.join(", ")} differ`);
  }
  return found;
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
    const catalog = new SecretCatalog();
    const progress = progressReporter(upTo, output.progress);
    let records = 0;
    let events = 0;
    let unreadable = 0;
    const started = performance.now();
    await log.scan(
      ({ seq, secretName, record }) => {
        if (seq > upTo) return;
        catalog.apply(seq, secretName, record.events);
        records++;
        events += record.events.length;
        progress.tick(seq, events);
      },
      (seq) => {
        if (seq > upTo) return;
        unreadable++;
        catalog.passOver(seq);
      },
    );
    progress.tick(catalog.checkpoint, events, true);
    const seconds = (performance.now() - started) / 1000;
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
