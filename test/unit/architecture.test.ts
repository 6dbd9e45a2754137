import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { projectRoot } from "../../src/store/nats-server.js";

// The layering of STYLE.md, checked: domain/ is pure, projections/ fold events and do no I/O.

const root = projectRoot();
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
const importsOf = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1] as string);

const PURE_PACKAGES = /^(fp-ts\/|io-ts$)/;

test("src/domain imports only itself, fp-ts and io-ts", () => {
  for (const file of sources(join(root, "src", "domain")))
    for (const spec of importsOf(file))
      assert.ok(spec.startsWith("./") || PURE_PACKAGES.test(spec), `${relative(root, file)} imports ${spec}`);
});

test("projections import only the domain, fp-ts and io-ts", () => {
  for (const file of sources(join(root, "projections")))
    for (const spec of importsOf(file))
      assert.ok(
        spec.startsWith("./") || spec.startsWith("../src/domain/") || PURE_PACKAGES.test(spec),
        `${relative(root, file)} imports ${spec}`,
      );
});

test("the domain calls no clock, random source or cipher", () => {
  for (const file of sources(join(root, "src", "domain"))) {
    const text = readFileSync(file, "utf8");
    assert.not.match(text, /Date\.now|new Date\(|Math\.random|randomUUID|node:crypto/, relative(root, file));
  }
});

test.run();
