import { suite } from "uvu";
import * as assert from "uvu/assert";
import { randomUUID } from "node:crypto";
import { startTestApp } from "../support/app.js";
import { rawRequest } from "../support/raw.js";

// The clock stands still, so no bucket refills behind the test's back; then it moves a second.
const RateLimits = suite("quotas: request rates (opt-in) and secrets per region");

RateLimits("off by default: 60 CreateSecret calls in no time all succeed", async () => {
  const app = await startTestApp({ clock: () => Date.UTC(2026, 10, 27) });
  try {
    const raw = rawRequest(app);
    for (let i = 0; i < 60; i++) {
      const r = await raw.send("secretsmanager.CreateSecret", { Name: `free/${i}`, ClientRequestToken: randomUUID() });
      assert.is(r.status, 200, r.body);
    }
    raw.close();
  } finally {
    await app.stop();
  }
});

RateLimits(
  "on: the 51st CreateSecret in a second is throttled, other groups are not, and a second later it passes",
  async () => {
    let now = Date.UTC(2026, 10, 27);
    const app = await startTestApp({ clock: () => now, rateLimits: true });
    try {
      const raw = rawRequest(app);
      for (let i = 0; i < 50; i++)
        assert.is(
          (await raw.send("secretsmanager.CreateSecret", { Name: `rl/${i}`, ClientRequestToken: randomUUID() })).status,
          200,
        );
      const over = await raw.send("secretsmanager.CreateSecret", { Name: "rl/over", ClientRequestToken: randomUUID() });
      assert.equal([over.status, over.json], [400, { __type: "ThrottlingException", message: "Rate exceeded" }]);
      assert.is(
        (await raw.send("secretsmanager.DescribeSecret", { SecretId: "rl/over" })).json["__type"],
        "ResourceNotFoundException",
      );
      assert.is((await raw.send("secretsmanager.DescribeSecret", { SecretId: "rl/1" })).status, 200);
      now += 1000;
      assert.is(
        (await raw.send("secretsmanager.CreateSecret", { Name: "rl/over", ClientRequestToken: randomUUID() })).status,
        200,
      );
      raw.close();
    } finally {
      await app.stop();
    }
  },
);

RateLimits("the secrets-per-region quota is on by default; secrets scheduled for deletion count", async () => {
  const app = await startTestApp({ maxSecrets: 3 });
  try {
    const raw = rawRequest(app);
    for (let i = 0; i < 3; i++)
      assert.is(
        (await raw.send("secretsmanager.CreateSecret", { Name: `q/${i}`, ClientRequestToken: randomUUID() })).status,
        200,
      );
    await raw.send("secretsmanager.DeleteSecret", { SecretId: "q/0" });
    const over = await raw.send("secretsmanager.CreateSecret", { Name: "q/3", ClientRequestToken: randomUUID() });
    assert.is(over.json["__type"], "LimitExceededException");
    await raw.send("secretsmanager.DeleteSecret", { SecretId: "q/0", ForceDeleteWithoutRecovery: true });
    assert.is(
      (await raw.send("secretsmanager.CreateSecret", { Name: "q/3", ClientRequestToken: randomUUID() })).status,
      200,
    );
    raw.close();
  } finally {
    await app.stop();
  }
});

RateLimits.run();
