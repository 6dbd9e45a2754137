import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Page } from "playwright-core";
import { startTestApp, TEST_CREDENTIALS, user, writePrincipals, type TestApp } from "../support/app.js";
import { auditMessages, recordsOf } from "../support/audit.js";
import { artifactPath, chromiumUnavailable, launchChromium } from "../support/browser.js";
import { tempDir } from "../support/nats.js";

// The page for history and audit, in a real browser (Debian's headless Chromium, driven by playwright-core):
// signing in with the keyboard, a secret's timeline, its state at two moments, the reveal a reader may not make,
// the audit with its refusals, the integrity checks; and no value anywhere unless revealed.

const CANARY = `CANARY-web-${randomUUID()}`;

type History = { readonly app: TestApp; readonly reader: ReturnType<typeof user>; readonly versions: string[] };

/** A secret with a known history: three versions, a custom label, a rollback of AWSCURRENT. */
const withHistory = async (): Promise<History> => {
  const dir = tempDir("web");
  const principals = join(dir, "principals.json");
  const reader = user(
    "reader",
    { Effect: "Allow", Action: ["secretsmanager:List*", "secretsmanager:Describe*", "secretledger:*"], Resource: "*" },
    { Effect: "Deny", Action: "secretsmanager:GetSecretValue", Resource: "*" },
  );
  writePrincipals(principals, [reader]);
  const app = await startTestApp({ principalsFile: principals });
  const versions = [randomUUID(), randomUUID(), randomUUID()];
  await app.client.send(
    new CreateSecretCommand({ Name: "prod/db", SecretString: CANARY, ClientRequestToken: versions[0] }),
  );
  await app.client.send(
    new CreateSecretCommand({ Name: "other/api", SecretString: "x", ClientRequestToken: randomUUID() }),
  );
  for (const token of versions.slice(1))
    await app.client.send(
      new PutSecretValueCommand({ SecretId: "prod/db", SecretString: `${CANARY}-${token}`, ClientRequestToken: token }),
    );
  await app.client.send(
    new UpdateSecretVersionStageCommand({ SecretId: "prod/db", VersionStage: "blue", MoveToVersionId: versions[0] }),
  );
  await app.client.send(
    new UpdateSecretVersionStageCommand({
      SecretId: "prod/db",
      VersionStage: "AWSCURRENT",
      MoveToVersionId: versions[1],
      RemoveFromVersionId: versions[2],
    }),
  );
  // A name deleted and created again: two generations, two ARNs.
  await app.client.send(
    new CreateSecretCommand({ Name: "old/name", SecretString: "g1", ClientRequestToken: randomUUID() }),
  );
  await app.client.send(new DeleteSecretCommand({ SecretId: "old/name", ForceDeleteWithoutRecovery: true }));
  await app.client.send(
    new CreateSecretCommand({ Name: "old/name", SecretString: "g2", ClientRequestToken: randomUUID() }),
  );
  await app.client.send(
    new PutSecretValueCommand({ SecretId: "old/name", SecretString: "g2b", ClientRequestToken: randomUUID() }),
  );
  // A rotation by the built-in function: its span on the timeline, AWSPENDING on its version while it ran.
  const rotated = randomUUID();
  await app.client.send(
    new RotateSecretCommand({
      SecretId: "prod/db",
      ClientRequestToken: rotated,
      RotationLambdaARN: `arn:aws:lambda:${app.config.region}:123456789012:function:secret-ledger-builtin`,
    }),
  );
  await app.whenRotationsIdle();
  return { app, reader, versions: [...versions, rotated] };
};

/** Signs in with the keyboard only: the access key field has the focus, Tab to the secret, Enter. */
const signIn = async (page: Page, key: { accessKeyId: string; secretAccessKey: string }) => {
  await page.waitForFunction(() => (globalThis as unknown as InPage).document.activeElement?.id === "access-key-id");
  await page.keyboard.type(key.accessKeyId);
  await page.keyboard.press("Tab");
  await page.keyboard.type(key.secretAccessKey);
  await page.keyboard.press("Enter");
  await page.waitForSelector('[data-secret="prod/db"]');
};

/** The page's globals, as functions run in the page see them (this project compiles without the DOM's types). */
type InPage = {
  document: {
    activeElement: { id: string } | null;
    documentElement: { scrollWidth: number };
    querySelectorAll: (selector: string) => { length: number };
  };
};

/** Signs in again as `key`, opens prod/db as it was at log sequence 3, and asks to reveal version `versionId`. */
const revealAs = async (page: Page, key: { accessKeyId: string; secretAccessKey: string }, versionId: string) => {
  await page.click("#sign-out");
  await signIn(page, key);
  await page.click('[data-secret="prod/db"]');
  await page.click('[data-tab="state"]');
  await page.fill('#state-form input[name="at"]', "3");
  await page.click('#state-form button[type="submit"]');
  await page.click(`.state[data-at="3"] [data-reveal="${versionId}"]`);
};

/** An attribute of every element `selector` finds, in document order. */
const attributes = async (page: Page, selector: string, name: string): Promise<Array<string | null>> => {
  const found = page.locator(selector);
  const values: Array<string | null> = [];
  for (let i = 0; i < (await found.count()); i++) values.push(await found.nth(i).getAttribute(name));
  return values;
};

/** The text of every element `selector` finds, in document order. */
const texts = async (page: Page, selector: string): Promise<string[]> => page.locator(selector).allTextContents();

const Page_ = suite("the web page");

Page_("timeline, state at two moments, reveal refused to a reader, audit and integrity, in Chromium", async () => {
  const unavailable = chromiumUnavailable();
  if (unavailable !== undefined) {
    process.stdout.write(`  (skipped: Chromium is not available: ${unavailable})\n`);
    return;
  }
  const { app, reader, versions } = await withHistory();
  const [v1, v2, v3, v4] = versions as [string, string, string, string];
  const browser = await launchChromium();
  const bodies: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (r) => bodies.push(r.postData() ?? ""));
    page.on(
      "response",
      (r) =>
        void r.text().then(
          (t) => bodies.push(t),
          () => undefined,
        ),
    );
    await page.goto(`${app.endpoint}/ui/`);
    await signIn(page, TEST_CREDENTIALS);
    // The search narrows the list.
    await page.fill("#search", "prod");
    assert.equal(await attributes(page, "[data-secret]", "data-secret"), ["prod/db"]);
    await page.click('[data-secret="prod/db"]');
    await page.waitForSelector("svg.timeline");

    // Versions in the order they were created; AWSCURRENT's moves in log order, the rollback last.
    assert.equal(await attributes(page, "svg.timeline line.lane", "data-version"), [v1, v2, v3, v4]);
    const moves = 'svg.timeline rect[data-label="AWSCURRENT"]';
    assert.equal(await attributes(page, moves, "data-version"), [v1, v2, v3, v2, v4]);
    const seqs = (await attributes(page, moves, "data-from-seq")).map(Number);
    assert.ok(
      seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? 0)),
      "in log order",
    );
    assert.equal(await attributes(page, 'svg.timeline rect[data-label="blue"]', "data-version"), [v1]);
    assert.equal(await attributes(page, 'svg.timeline rect[data-label="AWSPENDING"]', "data-version"), [v4]);
    assert.equal(await attributes(page, "svg.timeline rect[data-rotation]", "data-rotation"), ["succeeded"]);
    mkdirSync(dirname(artifactPath("web-page-timeline.png")), { recursive: true });
    await page.screenshot({ path: artifactPath("web-page-timeline.png"), fullPage: true });
    await page.locator(".timeline-scroll").screenshot({ path: artifactPath("web-page-timeline-picture.png") });

    // A name created twice: a timeline per generation.
    await page.fill("#search", "old/");
    await page.click('[data-secret="old/name"]');
    await page.waitForSelector("svg.timeline");
    assert.is((await attributes(page, "svg.timeline line.lane", "data-version")).length, 2, "the latest generation");
    await page.selectOption("#secret-body select", "1");
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelectorAll("svg.timeline line.lane").length === 1,
    );
    await page.fill("#search", "prod");
    await page.click('[data-secret="prod/db"]');
    await page.waitForSelector("svg.timeline");

    // State at a moment (after the second version), compared with the last one.
    await page.click('[data-tab="state"]');
    await page.fill('#state-form input[name="at"]', "3");
    await page.fill('#state-form input[name="compare"]', String(await app.log.lastSeq()));
    await page.click('#state-form button[type="submit"]');
    await page.waitForSelector(".compare .state");
    const rows = '.state[data-at="3"] tr[data-version]';
    assert.equal(await attributes(page, rows, "data-version"), [v2, v1]);
    assert.equal(await texts(page, `${rows} .stages`), ["AWSCURRENT", "AWSPREVIOUS"]);
    assert.ok((await page.$$(".state tr.changed")).length > 0, "the differences between the two moments are marked");
    await page.screenshot({ path: artifactPath("web-page-state.png"), fullPage: true });
    // Nothing has shown a value yet: not the page, not a request it made, not an answer it received.
    assert.not.match(await page.content(), "CANARY");
    assert.not.ok(
      bodies.some((b) => b.includes("CANARY")),
      "a value was in a request or an answer before a reveal",
    );

    // A reader may see the history, not the value.
    await revealAs(page, reader, v2);
    await page.waitForSelector("output.value.error");
    assert.match((await page.textContent("output.value.error")) ?? "", "AccessDeniedException");
    assert.not.match(await page.content(), "CANARY");

    // The audit: the reader's refusal stands out.
    await page.click('nav [data-view="audit"]');
    await page.selectOption('#audit-filters select[name="Outcome"]', "Refused");
    await page.fill('#audit-filters input[name="Principal"]', "reader");
    await page.click('#audit-filters button[type="submit"]');
    await page.waitForSelector("table.audit tr.refused");
    const refused = await texts(page, "table.audit tr.refused");
    assert.ok(refused.some((r) => r.includes("GetSecretValue") && r.includes("AccessDeniedException")));

    // Integrity: the audit chain and the projection.
    await page.click('nav [data-view="integrity"]');
    await page.click("#verify-audit");
    await page.waitForSelector("#audit-verdict .ok");
    assert.match((await page.textContent("#audit-verdict code.head")) ?? "", /^\d+:[0-9a-f]{64}$/);
    await page.click("#verify-projection");
    await page.waitForSelector("#projection-verdict .ok");

    // The root may reveal: the value shows, and the reveal is in the audit as its GetSecretValue.
    await revealAs(page, TEST_CREDENTIALS, v2);
    await page.waitForSelector("output.value:not(.error):not(:empty)");
    assert.is(await page.textContent("output.value"), `${CANARY}-${v2}`);
    await app.whenAudited();
    const reveals = recordsOf(await auditMessages(app.natsUrl, app.config.region)).filter(
      (r) => r.operation === "GetSecretValue" && r.versionIds.includes(v2) && r.userAgent.includes("Chrome"),
    );
    assert.equal(reveals.map((r) => r.outcome).sort(), ["AccessDeniedException", "Success"]);

    // A phone-sized screen: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('[data-tab="timeline"]');
    await page.waitForSelector("svg.timeline");
    assert.ok(
      (await page.evaluate(() => (globalThis as unknown as InPage).document.documentElement.scrollWidth)) <= 391,
      "the page fits a phone's width",
    );
    await page.screenshot({ path: artifactPath("web-page-phone.png"), fullPage: true });
    assert.not.match(JSON.stringify(app.logged), "CANARY");
  } finally {
    await browser.close();
    await app.stop();
  }
});

Page_.run();
