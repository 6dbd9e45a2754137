import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { projectRoot } from "../../src/store/nats-server.js";

// The layering of STYLE.md and docs/architecture.md, checked on every import (type imports included):
//   entry points   src/app.ts, src/app/, src/main.ts, src/cli.ts   may import anything
//   api/           the AWS JSON edge                                only entry points import it
//   application/, replication/, audit/, history/  use cases and capabilities
//   config, crypto/, access/, store/               never import application/ or api/
//   rotation/      the ways a rotation function runs               of application/, only its ports
//   projections/   fold events                                      import only domain/
//   domain/        pure                                             import only domain/, fp-ts, io-ts
// and no import cycle anywhere in src/ and projections/; and the tests' suites hooked so that no failure goes unsaid.

const root = projectRoot();
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
const importsOf = (file: string): string[] =>
  [
    ...readFileSync(file, "utf8").matchAll(
      /^\s*(?:import|export)[^;]*?from\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gms,
    ),
  ].map((m) => (m[1] ?? m[2]) as string);

/** The project's own files, each with the project files it imports (paths relative to the root, `.ts`). */
type ImportGraph = ReadonlyMap<string, ReadonlyArray<string>>;

const projectGraph = (): ImportGraph => {
  const files = [...sources(join(root, "src")), ...sources(join(root, "projections"))];
  return new Map(
    files.map((file) => [
      relative(root, file),
      importsOf(file)
        .filter((spec) => spec.startsWith("."))
        .map((spec) => relative(root, resolve(dirname(file), spec.replace(/\.js$/, ".ts")))),
    ]),
  );
};

/** Every import cycle of the graph, each as the path that closes it (a → b → … → a); none when acyclic. */
const importCycles = (graph: ImportGraph): string[][] => {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (file: string): void => {
    const at = onPath.indexOf(file);
    if (at >= 0) {
      cycles.push([...onPath.slice(at), file]);
      return;
    }
    if (done.has(file)) return;
    onPath.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    onPath.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  return cycles;
};

/** An import that breaks a layer rule, as `importer imports imported (rule)`; none when the graph keeps them. */
const layerViolations = (graph: ImportGraph): string[] => {
  const under = (file: string, ...dirs: string[]): boolean =>
    dirs.some((dir) => (dir.endsWith(".ts") ? file === dir : file.startsWith(`${dir}/`)));
  const isEntry = (file: string): boolean => under(file, "src/app.ts", "src/app", "src/main.ts", "src/cli.ts");
  const rules: ReadonlyArray<{ name: string; applies: (f: string) => boolean; allowed: (i: string) => boolean }> = [
    {
      name: "domain/ imports only itself",
      applies: (f) => under(f, "src/domain"),
      allowed: (i) => under(i, "src/domain"),
    },
    {
      name: "projections/ import only domain/",
      applies: (f) => under(f, "projections"),
      allowed: (i) => under(i, "projections", "src/domain"),
    },
    {
      name: "only entry points import api/",
      applies: (f) => !isEntry(f) && !under(f, "src/api"),
      allowed: (i) => !under(i, "src/api"),
    },
    {
      name: "config, crypto, access and store never import application/ or api/",
      applies: (f) => under(f, "src/config.ts", "src/crypto", "src/access", "src/store"),
      allowed: (i) => !under(i, "src/application", "src/api"),
    },
    {
      name: "rotation functions import of application/ only its ports",
      applies: (f) => under(f, "src/rotation"),
      allowed: (i) => !under(i, "src/application") || i === "src/application/ports.ts",
    },
    { name: "nothing imports an entry point", applies: (f) => !isEntry(f), allowed: (i) => !isEntry(i) },
  ];
  const violations: string[] = [];
  for (const [file, imports] of graph)
    for (const rule of rules)
      if (rule.applies(file))
        for (const imported of imports)
          if (!rule.allowed(imported)) violations.push(`${file} imports ${imported} (${rule.name})`);
  return violations;
};

const PURE_PACKAGES = /^(fp-ts\/|io-ts$)/;

test("no import cycle in src/ and projections/, type imports included", () => {
  assert.equal(importCycles(projectGraph()), []);
});

test("every import keeps the layers", () => {
  assert.equal(layerViolations(projectGraph()), []);
});

test("the checks catch a cycle (also through a type import) and a layer-breaking import", () => {
  const graph = new Map([
    ["src/domain/decider.ts", ["src/domain/state.ts"]],
    ["src/domain/state.ts", ["src/domain/decider.ts"]],
    ["src/store/key-store.ts", ["src/application/ports.ts"]],
    ["src/application/ports.ts", []],
    ["projections/secret-catalog.ts", ["src/store/streams.ts"]],
    ["src/store/streams.ts", ["src/api/server.ts"]],
    ["src/api/server.ts", []],
  ]);
  assert.equal(importCycles(graph), [["src/domain/decider.ts", "src/domain/state.ts", "src/domain/decider.ts"]]);
  assert.equal(layerViolations(graph), [
    "src/store/key-store.ts imports src/application/ports.ts (config, crypto, access and store never import application/ or api/)",
    "projections/secret-catalog.ts imports src/store/streams.ts (projections/ import only domain/)",
    "src/store/streams.ts imports src/api/server.ts (only entry points import api/)",
    "src/store/streams.ts imports src/api/server.ts (config, crypto, access and store never import application/ or api/)",
  ]);
  // A type import counts: the reader finds it like any other.
  assert.ok(importsOf(join(root, "src", "app.ts")).some((spec) => spec.endsWith("/projections/secret-catalog.js")));
});

test("src/domain imports only itself, fp-ts and io-ts", () => {
  for (const file of sources(join(root, "src", "domain")))
    for (const spec of importsOf(file))
      assert.ok(spec.startsWith("./") || PURE_PACKAGES.test(spec), `${relative(root, file)} imports ${spec}`);
});

/** What a read model may use besides the domain: pure libraries, and an in-memory sorted map (no I/O). */
const READ_MODEL_PACKAGES = /^(fp-ts\/|io-ts$|sorted-btree$)/;

test("projections import only the domain, fp-ts, io-ts and sorted-btree", () => {
  for (const file of sources(join(root, "projections")))
    for (const spec of importsOf(file))
      assert.ok(
        spec.startsWith("./") || spec.startsWith("../src/domain/") || READ_MODEL_PACKAGES.test(spec),
        `${relative(root, file)} imports ${spec}`,
      );
});

test("the domain calls no clock, random source or cipher", () => {
  for (const file of sources(join(root, "src", "domain"))) {
    const text = readFileSync(file, "utf8");
    assert.not.match(text, /Date\.now|new Date\(|Math\.random|randomUUID|node:crypto/, relative(root, file));
  }
});

test("every test suite's before and after hook is told(…): uvu would drop what it throws", () => {
  const bare = sources(join(root, "test")).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/\b\w+\.(?:before|after)\((?!\s*told\()/g)].map(
      (m) => `${relative(root, file)}: ${m[0]}`,
    ),
  );
  assert.equal(bare, []);
});

test.run();
