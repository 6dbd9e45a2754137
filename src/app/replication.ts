import * as E from "fp-ts/lib/Either.js";
import type { NatsConnection } from "@nats-io/transport-node";
import type { SecretCatalog } from "../../projections/secret-catalog.js";
import { fromServiceError } from "../api/errors.js";
import { acknowledgePromotion } from "../application/commands/acknowledge-promotion.js";
import { deleteAtOnce } from "../application/commands/delete-secret.js";
import type { CommandHandler } from "../application/handle-command.js";
import type { KeyShredder } from "../application/key-shredder.js";
import { ValueReader } from "../application/values.js";
import type { Replicas, Service } from "../application/service.js";
import type { Config } from "../config.js";
import type { Keyring } from "../crypto/keyring.js";
import { FollowedRegion } from "../replication/followed-region.js";
import { ReplicaKeys } from "../replication/replica-keys.js";
import type { ReplicationMonitor } from "../replication/replication-monitor.js";
import { checkpointPath } from "../store/checkpoint-file.js";
import { EventLog } from "../store/event-log.js";
import type { KeyCopies } from "../store/key-copies.js";
import { KeyStore } from "../store/key-store.js";
import {
  ReplicationReports,
  sendReplicationReport,
  sendReplicationWatermark,
  sentReplicationReports,
} from "../store/replication-reports.js";
import { errorText, type Logger } from "./logger.js";
import type { Started } from "./parts.js";
import { restoreProjection, startProjection, type Projection } from "./projection.js";

// Replication: the regions this one follows (their logs mirrored here, each folded into a catalog of its own,
// their replicas served here), and the reports of the regions this one's secrets are replicated to.

export type Followed = { readonly primary: string; readonly projection: Projection; readonly region: FollowedRegion };

/** One followed region: its mirrored log folded, caught up; its replicas are served once replication starts. */
export const startFollowedRegion = async (
  primary: string,
  deps: {
    readonly config: Config;
    readonly nc: NatsConnection;
    readonly ownCatalog: SecretCatalog;
    readonly keys: KeyStore;
    readonly copies: KeyCopies;
    readonly keyring: () => Keyring;
    readonly shredder: KeyShredder;
    readonly commands: CommandHandler;
    readonly logger: Logger;
    /** Whether NATS is in reach (the mirror is on this region's nats-server). */
    readonly available: () => boolean;
  },
): Promise<Started<Followed>> => {
  const { config, nc, logger } = deps;
  const mirror = await EventLog.openMirror(nc, primary, config.streamReplicas);
  const restored = await restoreProjection(mirror, checkpointPath(config.dataDir, primary), {
    logger,
    what: "followed region",
    about: { region: primary },
  });
  // The values of the records folded once the projection follows the mirror are kept (ciphertext, as much as the
  // cache holds): a replica's read then reads nothing more from the mirror. Not those of its catch-up at the start
  // (a first pass over 100,000 replicas: 0.6–0.9 s of the service's thread, mostly the collector's, for values
  // that may never be read), as this region's own projection keeps only what it appended.
  const values = new ValueReader(mirror, config.valueCacheBytes, deps.available);
  let following = false;
  const region = new FollowedRegion({
    primary,
    home: { region: config.region },
    catalog: restored.catalog,
    ownCatalog: deps.ownCatalog,
    replicaKeys: new ReplicaKeys({
      copies: deps.copies,
      keys: deps.keys,
      primary: KeyStore.ofRegion(nc, primary),
      values,
      keyring: deps.keyring,
    }),
    readPrimaryKeys: (wanted, onKey) => KeyStore.readSecretKeysOfRegion(nc, primary, wanted, 10 * wanted.size, onKey),
    keyring: deps.keyring,
    shredder: deps.shredder,
    send: (secretName, report) => sendReplicationReport(nc, primary, config.region, secretName, report),
    sendWatermark: (watermark) => sendReplicationWatermark(nc, primary, config.region, watermark),
    sent: () => sentReplicationReports(nc, primary, config.region),
    replaceOwn: async (secretName) => {
      const replaced = await deleteAtOnce(deps.commands, secretName);
      return E.isLeft(replaced) ? fromServiceError(replaced.left).message : undefined;
    },
    onError: (what, error) => logger({ level: "error", msg: `${what} failed`, error: errorText(error) }),
  });
  const projection = await startProjection(restored, {
    logger,
    about: { region: primary },
    onApplied: ({ seq, secretName, record }, before) => {
      if (following) values.appended(seq, record);
      region.applied(secretName, before, record.events);
    },
    shredder: deps.shredder,
  });
  following = true;
  return { primary, projection, region, stop: projection.stop };
};

/** What the primary does when a replica region reports a promotion: it stops replicating the secret there. */
export const actOnPromotion =
  (service: Service, logger: Logger, acted: () => void) =>
  (secretName: string, replica: string, report: { readonly arn: string; readonly addedAt: number }): void => {
    acknowledgePromotion(service, secretName, replica, report).then(acted, (e: unknown) =>
      logger({ level: "error", msg: "promotion not recorded", error: errorText(e) }),
    );
  };

/** The replicas of every followed region, as the use cases look them up. */
export const replicasOf = (followed: ReadonlyArray<Followed>): Replicas => ({
  resolve: (reference) => {
    for (const f of followed) {
      const replica = f.region.resolve(reference);
      if (replica !== undefined) return replica;
    }
    return undefined;
  },
  listed: () => followed.map((f) => f.region),
});

/** Starts serving the followed regions' replicas, and acting on the reports of this region's replica regions. */
export const startReplication = async (deps: {
  readonly config: Config;
  readonly nc: NatsConnection;
  readonly followed: ReadonlyArray<Followed>;
  readonly monitor: ReplicationMonitor;
}): Promise<Started<object>> => {
  const { monitor } = deps;
  const reports = (await ReplicationReports.open(deps.nc, deps.config.region, deps.config.streamReplicas)).follow(
    (replica, name, report) => monitor.received(replica, name, report),
    (replica, watermark) => monitor.receivedWatermark(replica, watermark),
  );
  for (const f of deps.followed) await f.region.start();
  return {
    stop: async () => {
      for (const f of deps.followed) await f.region.stop();
      await reports.stop();
    },
  };
};
