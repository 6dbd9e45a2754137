import { existsSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { RotationFunction, RotationFunctions } from "../application/ports.js";
import type { Home } from "../domain/queries.js";
import { assertPrivate, readPrivateJson } from "../private-files.js";
import { builtinFunction } from "./builtin-function.js";
import { execFunction } from "./exec-function.js";
import { FunctionsFile, type FunctionEnvironment, type FunctionSpec } from "./function-specs.js";
import { httpFunction } from "./http-function.js";

// The rotation functions a RotationLambdaARN may name (arn:aws:lambda:<region>:<account>:function:<name>): the
// functions file, beside the principals file, maps each name to how it runs here. A name that is not in the file
// is a function Secrets Manager cannot invoke (RotateSecret: AccessDeniedException, nothing saved), except the
// built-in one, BUILTIN_FUNCTION, there with its defaults unless the file says otherwise.

/** The built-in function's name when the functions file does not name it: a newcomer's first rotation. */
export const BUILTIN_FUNCTION = "secret-ledger-builtin";

const DEFAULT_TIMEOUT_SECONDS = 30;

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})$/;

export const isFunctionName = (name: string): boolean => FUNCTION_NAME.test(name);

/** The ARN a function of this file has: what RotateSecret's RotationLambdaARN names. */
export const functionArn = (home: Home, name: string): string =>
  `arn:${home.partition}:lambda:${home.region}:${home.account}:function:${name}`;

const WHAT = "a functions file ({functions: {<name>: {type, …}}})";

/** The functions of one reading of the file; paths in it are relative to the file's folder. */
export const readFunctionsFile = (path: string, env: FunctionEnvironment): RotationFunctions =>
  functionsFrom(readPrivateJson(path, FunctionsFile, WHAT).functions, dirname(path), env);

/** The functions `specs` describe (paths relative to `base`), and the built-in one unless they name it. */
export const functionsFrom = (
  specs: Readonly<Record<string, FunctionSpec>>,
  base: string,
  env: FunctionEnvironment,
): RotationFunctions => {
  const functions = new Map<string, RotationFunction>(
    Object.entries({ [BUILTIN_FUNCTION]: { type: "builtin" } as FunctionSpec, ...specs }).map(([name, spec]) => [
      name,
      functionOf(name, spec, base, env),
    ]),
  );
  return {
    find: (lambdaArn) => {
      const arn = LAMBDA_ARN.exec(lambdaArn);
      if (arn === null || arn[1] !== env.home.region || arn[2] !== env.home.account) return undefined;
      return functions.get(arn[3] as string);
    },
  };
};

/** What the file holds now (nothing if there is none yet). */
export const readFunctionSpecs = (path: string): Record<string, FunctionSpec> =>
  existsSync(path) ? { ...readPrivateJson(path, FunctionsFile, WHAT).functions } : {};

/** Replaces the file (mode 0600) atomically: a running service reads it again by itself. */
export const writeFunctionSpecs = (path: string, functions: Readonly<Record<string, FunctionSpec>>): void => {
  if (existsSync(path)) assertPrivate(path);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ functions }, null, 2) + "\n", { mode: 0o600 });
  renameSync(temporary, path);
};

const functionOf = (name: string, spec: FunctionSpec, base: string, env: FunctionEnvironment): RotationFunction => {
  const timeoutMs = (spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  switch (spec.type) {
    case "http":
      return httpFunction(name, spec.url, timeoutMs);
    case "exec":
      return execFunction(
        name,
        { ...spec, ...("codeDir" in spec ? { codeDir: resolve(base, spec.codeDir ?? ".") } : {}) },
        timeoutMs,
        env,
      );
    case "builtin":
      return builtinFunction(name, spec, timeoutMs, env);
    default: {
      const unknownSpec: never = spec;
      return unknownSpec;
    }
  }
};
