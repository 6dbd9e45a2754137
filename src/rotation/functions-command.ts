import * as E from "fp-ts/lib/Either.js";
import { resolve } from "node:path";
import type { Config } from "../config.js";
import { describeProblem } from "../io-ts-problems.js";
import {
  BUILTIN_FUNCTION,
  functionArn,
  isFunctionName,
  readFunctionSpecs,
  writeFunctionSpecs,
} from "./functions-file.js";
import { FunctionSpec } from "./function-specs.js";

// `secret-ledger functions list | add | remove`: the functions file, edited for the operator (mode 0600, replaced
// atomically; a running service reads it again by itself).

export type FunctionOptions = {
  readonly runtime?: string;
  readonly handler?: string;
  readonly codeDir?: string;
  readonly url?: string;
  readonly builtin?: boolean;
  readonly jsonKey?: string;
  readonly role?: string;
  readonly timeout?: string;
};

type Io = { readonly out: (line: string) => void; readonly err: (line: string) => void };

/** The spec the options describe: a handler run by exec, an HTTP function, or the built-in one. */
const specOf = (o: FunctionOptions): E.Either<string, FunctionSpec> => {
  const kinds = [o.runtime !== undefined || o.handler !== undefined, o.url !== undefined, o.builtin === true];
  if (kinds.filter(Boolean).length !== 1)
    return E.left(
      "say how the function runs: --runtime python3|node --handler <module.function>, --url <url>, or --builtin",
    );
  const common = {
    ...(o.timeout === undefined ? {} : { timeoutSeconds: Number(o.timeout) }),
  };
  const role = o.role === undefined ? {} : { role: o.role };
  const spec =
    o.url !== undefined
      ? { type: "http", url: o.url, ...common }
      : o.builtin === true
        ? { type: "builtin", ...(o.jsonKey === undefined ? {} : { jsonKey: o.jsonKey }), ...role, ...common }
        : {
            type: "exec",
            runtime: o.runtime,
            handler: o.handler,
            codeDir: resolve(o.codeDir ?? "."),
            ...role,
            ...common,
          };
  return E.mapLeft((errors: ReadonlyArray<Parameters<typeof describeProblem>[0]>) =>
    errors.map(describeProblem).join("; "),
  )(FunctionSpec.decode(spec));
};

const summary = (spec: FunctionSpec): string => {
  switch (spec.type) {
    case "http":
      return `http ${spec.url}`;
    case "exec":
      return "command" in spec
        ? `exec ${spec.command.join(" ")}`
        : `exec ${spec.runtime} ${spec.handler} in ${spec.codeDir ?? "."}${spec.role === undefined ? "" : `, as ${spec.role}`}`;
    case "builtin":
      return `built-in (new password${spec.jsonKey === undefined ? "" : ` in key ${spec.jsonKey}`})${spec.role === undefined ? "" : `, as ${spec.role}`}`;
    default: {
      const unknownSpec: never = spec;
      return unknownSpec;
    }
  }
};

export const functionsCommand = (
  config: Config,
  action: string | undefined,
  name: string | undefined,
  options: FunctionOptions,
  io: Io,
): number => {
  const home = { partition: config.partition, region: config.region, account: config.account };
  const specs = readFunctionSpecs(config.functionsFile);
  if (action === "list") {
    if (specs[BUILTIN_FUNCTION] === undefined)
      io.out(`${functionArn(home, BUILTIN_FUNCTION)}  built-in (new password)`);
    for (const [n, spec] of Object.entries(specs)) io.out(`${functionArn(home, n)}  ${summary(spec)}`);
    return 0;
  }
  if ((action !== "add" && action !== "remove") || name === undefined || !isFunctionName(name)) {
    io.err("functions add|remove needs a function name: letters, digits, - and _, at most 64");
    return 2;
  }
  if (action === "remove") {
    if (specs[name] === undefined) {
      io.err(`no function ${name} in ${config.functionsFile}`);
      return 1;
    }
    delete specs[name];
    writeFunctionSpecs(config.functionsFile, specs);
    io.out(`removed ${functionArn(home, name)}`);
    return 0;
  }
  const spec = specOf(options);
  if (E.isLeft(spec)) {
    io.err(spec.left);
    return 2;
  }
  writeFunctionSpecs(config.functionsFile, { ...specs, [name]: spec.right });
  io.out(functionArn(home, name));
  return 0;
};
