// npm run bench:memory -- --secrets 100000: what the projection holds in memory. Folds that many secrets into a
// catalog in this process, once with one version each and once with three (each version with its labels moved,
// as PutSecretValue leaves them), and prints the heap after a full garbage collection, and the cost per version
// (the difference between the two, divided by the versions added). Values are 64 bytes of plaintext, sealed.
import { parseArgs } from "node:util";
import { SecretCatalog } from "../projections/secret-catalog.js";
import { secretCreated, type SecretEvent } from "../src/domain/events.js";
import type { SecretName } from "../src/domain/types.js";
import { heapAfterGc, machine } from "./measures.js";
import { randomSealedValue, versionEvents } from "./seed.js";

const { values: args } = parseArgs({ options: { secrets: { type: "string" } } });
const SECRETS = Number(args.secrets ?? 100_000);

/** One secret's events: created, then `versions` versions, each taking AWSCURRENT (the one before, AWSPREVIOUS). */
const secretEvents = (name: SecretName, versions: number, at: number): SecretEvent[] => {
  const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`;
  return [secretCreated({ name, arn }, at), ...versionEvents(versions, at)];
};

/** The heap a catalog of SECRETS secrets with `versions` versions each takes, measured while it is held. */
const heapWith = (versions: number): { readonly heap: number; readonly resident: number } => {
  const before = heapAfterGc();
  const catalog = new SecretCatalog();
  const at = Date.now();
  // Each record as the log gives it, through JSON: its strings are then flat, as a replay reads them (randomUUID's
  // and a template literal's are trees of string pieces, several times the size).
  for (let s = 0; s < SECRETS; s++) {
    const name = `bench/secret-${s}` as SecretName;
    const events = JSON.parse(JSON.stringify(secretEvents(name, versions, at))) as SecretEvent[];
    catalog.apply(s + 1, JSON.parse(JSON.stringify(name)) as string, events);
  }
  const heapUsed = heapAfterGc();
  const { rss } = process.memoryUsage();
  if (catalog.secretCount !== SECRETS) throw new Error("the catalog did not take every secret");
  return { heap: heapUsed - before, resident: rss };
};

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const one = heapWith(1);
const three = heapWith(3);
process.stdout.write(
  `${SECRETS} secrets: the catalog holds ${mib(one.heap)} MiB with 1 version each, ${mib(three.heap)} MiB with 3 ` +
    `(the process then resident at ${mib(three.resident)} MiB)\n` +
    `per secret with 1 version: ${(one.heap / SECRETS).toFixed(0)} bytes; per further version: ` +
    `${((three.heap - one.heap) / (2 * SECRETS)).toFixed(0)} bytes (a 64-byte value sealed is ${randomSealedValue().ciphertext.length} characters of ciphertext)\n` +
    `${machine()}\n`,
);
