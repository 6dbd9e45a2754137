import type { NatsConnection } from "@nats-io/transport-node";
import { join } from "node:path";
import { AuditSpool } from "../audit/spool.js";
import { Auditor } from "../audit/auditor.js";
import type { Config } from "../config.js";
import { Keyring, materialFingerprint } from "../crypto/keyring.js";
import { AuditStream } from "../store/audit-stream.js";
import { EventLog } from "../store/event-log.js";
import { KeyCopies } from "../store/key-copies.js";
import { KeyStore } from "../store/key-store.js";
import { connectService, natsUrlOf, ownNatsServer } from "../store/nats-connection.js";
import { isUnreachable, NatsLink } from "../store/nats-link.js";
import type { WatchedFile } from "../watched-file.js";
import { errorText, type Logger } from "./logger.js";
import type { Started, StopStack } from "./parts.js";

// The store: nats-server (the data directory's own unless NATS_URL names one), the connection, the log, the key
// store and the audit trail's auditor.

export type Store = {
  readonly natsUrl: string;
  readonly nc: NatsConnection;
  readonly log: EventLog;
  readonly keys: KeyStore;
  /** The copies of other regions' secrets' keys this region keeps for its replicas (in the key store's stream). */
  readonly copies: KeyCopies;
  readonly link: NatsLink;
  readonly auditor: Auditor;
};

export const openStore = async (
  config: Config,
  stack: StopStack,
  keyring: WatchedFile<Keyring>,
  logger: Logger,
  /** Told when a bucket of copies was written anew without some, before its older messages are erased. */
  onCopiesRewritten?: () => void,
): Promise<Store> => {
  const nats = await ownNatsServer(config);
  if (nats !== undefined) stack.push(nats);
  const natsUrl = natsUrlOf(config, nats);
  const nc = await connectService(natsUrl);
  // Drained at the stop; out of reach (a stop during an outage), there is nothing to drain: it is closed.
  stack.push({
    stop: () =>
      nc.drain().catch((e: unknown) => {
        if (!isUnreachable(e)) throw e;
        return nc.close();
      }),
  });
  const replicas = config.streamReplicas;
  const log = await EventLog.open(nc, config.region, replicas);
  const keys = await KeyStore.open(nc, config.region, replicas);
  const copies = await KeyCopies.open(nc, config.region, onCopiesRewritten);
  const link = new NatsLink(nc);
  const auditor = stack.push(await startAuditor(nc, config, keyring.current(), link, logger)).auditor;
  return { natsUrl, nc, log, keys, copies, link, auditor };
};

const startAuditor = async (
  nc: NatsConnection,
  config: Config,
  keyring: Keyring,
  link: NatsLink,
  logger: Logger,
): Promise<Started<{ auditor: Auditor }>> => {
  const auditor = new Auditor(
    await AuditStream.open(nc, config.region, config.streamReplicas),
    keyring.derivedKey("audit-chain"),
    {
      spool: new AuditSpool(join(config.dataDir, `audit-spool-${config.region}.jsonl`)),
      available: () => link.available,
      onForwardError: (e) =>
        logger({ level: "error", msg: "spooled audit records not forwarded yet", error: errorText(e) }),
    },
  );
  link.onChange((up) => {
    logger({ level: up ? "info" : "error", msg: up ? "NATS reachable again" : "NATS out of reach: writes refused" });
    if (up) auditor.resume();
  });
  // Records spooled before a stop go onto the chain first.
  auditor.resume();
  return {
    auditor,
    stop: async () => {
      await auditor.whenIdle();
      auditor.stop();
    },
  };
};

/**
 * Records the keyring's keys in the key store, and refuses a keyring that differs from the one the log was
 * written with; keys created or rotated while the service runs are claimed as they appear.
 */
export const claimKeyring = async (
  keys: KeyStore,
  keyring: WatchedFile<Keyring>,
  region: string,
  logger: Logger,
): Promise<{ whenClaimed(): Promise<void> }> => {
  const claim = async (current: Keyring): Promise<string | undefined> => {
    const claims: Array<[string, string]> = [
      ["default key", current.defaultKeyId],
      ...current
        .allMaterial()
        .map((m): [string, string] => [`material ${m.keyId}/${m.generation}`, materialFingerprint(m.material)]),
    ];
    for (const [what, fingerprint] of claims)
      if ((await keys.claim(what, fingerprint)) === "differs")
        return `the log of region ${region} was written with another keyring (its ${what} differs): every server on one log needs the same SECRET_LEDGER_KEYRING`;
    return undefined;
  };
  const differs = await claim(keyring.current());
  if (differs !== undefined) throw new Error(differs);
  let claimed: Promise<unknown> = Promise.resolve();
  keyring.onChange((current) => {
    claimed = claim(current).then(
      (problem) => problem !== undefined && logger({ level: "error", msg: problem }),
      (e: unknown) => logger({ level: "error", msg: "keyring not claimed", error: errorText(e) }),
    );
  });
  return {
    whenClaimed: async () => {
      await claimed;
    },
  };
};
