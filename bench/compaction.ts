// npm run bench:compact -- --secrets 10000 --versions 150: how long the compactor takes to bring that many
// secrets with that many versions each down to 100 versions, key destruction included. The log is seeded
// directly (one record per secret, as CreateSecret plus PutSecretValue calls would have left it, dated a month
// back), with a wrapped data key for every version that will be pruned, on a nats-server of its own.
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startApp } from "../src/app.js";
import {
  DEFAULT_HTTP_LIMITS,
  DEFAULT_ROTATION,
  DEFAULT_SECRET_QUOTA,
  DEFAULT_VALUE_CACHE_BYTES,
  DEFAULT_VERSIONS,
} from "../src/config.js";
import { newDataKey, sealValue, wrapDataKey } from "../src/crypto/envelope.js";
import { DEFAULT_ALIAS, loadOrCreateKeyring } from "../src/crypto/keyring.js";
import { labelMoved, secretCreated, versionCreated, type CommandRecord } from "../src/domain/events.js";
import type { SecretName, StagingLabel, VersionId } from "../src/domain/types.js";
import { EventLog } from "../src/store/event-log.js";
import { startNatsServer } from "../src/store/nats-server.js";
import { KeyStore } from "../src/store/key-store.js";
import { secretSubject } from "../src/store/subjects.js";
import { machine } from "./measures.js";

const { values: args } = parseArgs({ options: { secrets: { type: "string" }, versions: { type: "string" } } });
const SECRETS = Number(args.secrets ?? 10_000);
const VERSIONS = Number(args.versions ?? 150);
const region = "us-east-1";
const account = "000000000000";
const monthAgo = Date.now() - 30 * 24 * 60 * 60 * 1000;

const seconds = (from: number): string => ((performance.now() - from) / 1000).toFixed(1);

const main = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "secret-ledger-compaction-"));
  const nats = await startNatsServer({ storeDir: join(dir, "nats"), logFile: join(dir, "nats-server.log") });
  const keyringFile = join(dir, "keyring.json");
  const defaultKey = loadOrCreateKeyring(keyringFile).keys.find((k) => k.aliases?.includes(DEFAULT_ALIAS));
  const material = Buffer.from(defaultKey?.material[0]?.key ?? "", "base64");
  try {
    const nc = await connect({ servers: nats.url });
    await EventLog.open(nc, region);
    const keys = await KeyStore.open(nc, region);
    const js = jetstream(nc);
    const seeding = performance.now();
    const pending: Array<Promise<unknown>> = [];
    const flushSome = async (): Promise<void> => {
      if (pending.length >= 512) await Promise.all(pending.splice(0));
    };
    for (let s = 0; s < SECRETS; s++) {
      const name = `bench/secret-${s}` as SecretName;
      const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
      const events: CommandRecord["events"][number][] = [secretCreated({ name, arn }, monthAgo)];
      const ids: VersionId[] = [];
      for (let v = 0; v < VERSIONS; v++) {
        const versionId = randomUUID() as VersionId;
        const dataKey = newDataKey();
        const at = monthAgo + v * 60_000;
        events.push(
          versionCreated(
            versionId,
            sealValue(dataKey, "string", Buffer.from(`value ${v}`), { arn, versionId }, { in: "key-store" }),
            at,
          ),
        );
        // Only the versions the compactor will prune need a key for it to destroy.
        if (v < VERSIONS - DEFAULT_VERSIONS.keep) {
          const wrapped = wrapDataKey(material, dataKey, { arn, versionId });
          pending.push(keys.put(arn, versionId, { keyId: defaultKey?.keyId ?? "", generation: 1, wrapped }));
          await flushSome();
        }
        ids.push(versionId);
      }
      events.push(labelMoved("AWSCURRENT" as StagingLabel, undefined, ids[VERSIONS - 1], monthAgo));
      events.push(labelMoved("AWSPREVIOUS" as StagingLabel, undefined, ids[VERSIONS - 2], monthAgo));
      const record: CommandRecord = { schemaVersion: 1, command: "Seed", requestId: randomUUID(), events };
      pending.push(js.publish(secretSubject(region, name), JSON.stringify(record)));
      await flushSome();
    }
    await Promise.all(pending);
    process.stdout.write(`seeded ${SECRETS} secrets x ${VERSIONS} versions in ${seconds(seeding)} s\n`);
    await nc.drain();

    const starting = performance.now();
    const app = await startApp(
      {
        listen: { host: "127.0.0.1", port: 0 },
        dataDir: join(dir, "data"),
        natsUrl: nats.url,
        region,
        account,
        partition: "aws",
        credentials: { accessKeyId: "AKIDBENCHMARK0000000", secretAccessKey: "unused" },
        keyringFile,
        principalsFile: join(dir, "principals.json"),
        functionsFile: join(dir, "functions.json"),
        rotation: DEFAULT_ROTATION,
        auditFailClosed: true,
        logRequests: false,
        rateLimits: false,
        versions: DEFAULT_VERSIONS,
        secretQuota: DEFAULT_SECRET_QUOTA,
        compactEverySeconds: 86_400,
        checkpointEverySeconds: 86_400,
        valueCacheBytes: DEFAULT_VALUE_CACHE_BYTES,
        follows: [],
        leafnodeRemotes: [],
        streamReplicas: 1,
        logFence: false,
        http: DEFAULT_HTTP_LIMITS,
        natsSyncInterval: "always",
      },
      { logger: () => undefined },
    );
    process.stdout.write(`the service folded the log in ${seconds(starting)} s\n`);
    const compacting = performance.now();
    const report = await app.compact();
    const eventsDone = seconds(compacting);
    await app.whenKeysShredded();
    process.stdout.write(
      `compacted: ${report.versionsPruned} versions of ${report.secretsPruned} secrets pruned in ${eventsDone} s, ` +
        `keys destroyed by ${seconds(compacting)} s\n` +
        `${machine()}\n`,
    );
    await app.stop();
  } finally {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

await main();
