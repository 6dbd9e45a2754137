import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { projectRoot } from "../../src/store/nats-server.js";

/** Why Chromium cannot be had here (scripts/ensure-chromium.sh wrote it), or undefined when it can. */
export const chromiumUnavailable = (): string | undefined => {
  const reason = join(projectRoot(), ".chromium-unavailable");
  return existsSync(reason) ? readFileSync(reason, "utf8").trim() : undefined;
};

const executable = (): string =>
  ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path)) ?? "chromium";

/**
 * Headless Chromium (Debian's), started as this machine allows: no sandbox as root, and none of the background
 * connections a closed network refuses.
 */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: executable(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });

/** Where a test keeps what a person may want to look at afterwards (screenshots): `artifacts/`, not committed. */
export const artifactPath = (name: string): string => join(projectRoot(), "artifacts", name);
