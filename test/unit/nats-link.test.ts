import { test } from "uvu";
import * as assert from "uvu/assert";
import { JetStreamApiError } from "@nats-io/jetstream";
import { NoRespondersError, RequestError, TimeoutError } from "@nats-io/transport-node";
import { isUnreachable } from "../../src/store/nats-link.js";

// What answers 503 ServiceUnavailable (safe to retry) rather than 500: NATS out of reach, or JetStream saying it
// cannot take the request for now, as while a cluster elects a stream's new leader.

test("JetStream unavailable for now (a stream without a leader) is an outage; a refusal or a bug is not", () => {
  const unavailable = new JetStreamApiError({
    code: 503,
    err_code: 10008,
    description: "JetStream system temporarily unavailable",
  });
  assert.ok(isUnreachable(unavailable));
  assert.ok(isUnreachable(new TimeoutError()));
  // What the JetStream client throws when nobody answers its API, as seen while a killed leader was replaced.
  const noResponders = new RequestError("no responders", { cause: new NoRespondersError("$JS.API.INFO") });
  assert.ok(noResponders.isNoResponders(), "the request error as the client makes it");
  assert.ok(isUnreachable(new Error("jetstream is not enabled", { cause: noResponders })));
  const wrongSequence = new JetStreamApiError({ code: 400, err_code: 10071, description: "wrong last sequence: 7" });
  assert.not.ok(isUnreachable(wrongSequence));
  assert.not.ok(isUnreachable(new Error("a bug")));
});

test.run();
