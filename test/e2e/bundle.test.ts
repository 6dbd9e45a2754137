import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { START_ENTRY } from "../../bench/processes.js";
import { EventLog } from "../../src/store/event-log.js";
import { secretSubject } from "../../src/store/subjects.js";
import { commandRecord, created } from "../support/decider.js";
import { TEST_CREDENTIALS } from "../support/app.js";
import { freshRegion, sharedNatsUrl, within } from "../support/nats.js";
import { startServiceProcess } from "../support/service-process.js";

// `npm start` runs the service as one bundled file (scripts/bundle.mjs); the log reader's thread is a file of its
// own beside it, which a long read (a replay) starts: found there, or the replay would fall back to one thread.

const Bundle = suite("the service as npm start runs it: the bundle");

Bundle("npm start's bundle replays a long log on the reader's thread beside it, and serves", async () => {
  assert.match(START_ENTRY, /dist\/bundle\/main\.js$/);
  const region = freshRegion();
  const nc = await connect({ servers: sharedNatsUrl() });
  try {
    await EventLog.open(nc, region);
    // 20,000 records: as far behind as a start reads on the reader's thread (event-log.ts's READ_APART_FROM).
    const js = jetstream(nc);
    for (let batch = 0; batch < 20; batch++)
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) => {
          const name = `bundle/${batch * 1000 + i}`;
          return js.publish(secretSubject(region, name), JSON.stringify(commandRecord([created(name)])));
        }),
      );
  } finally {
    await nc.drain();
  }
  const service = await within(60_000, "the bundle started", startServiceProcess({}, { region }));
  try {
    assert.match(service.output(), /"msg":"log read on a thread of its own","records":20000/);
    assert.not.match(service.output(), /thread of its own failed/);
    const client = new SecretsManagerClient({
      endpoint: service.endpoint,
      region,
      credentials: TEST_CREDENTIALS,
    });
    const described = await client.send(new DescribeSecretCommand({ SecretId: "bundle/19999" }));
    assert.is(described.Name, "bundle/19999");
  } finally {
    service.process.kill("SIGTERM");
    assert.is(await within(30_000, "the bundle stopped", service.exited), 0);
  }
});

Bundle.run();
