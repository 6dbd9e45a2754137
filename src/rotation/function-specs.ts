import * as t from "io-ts";
import type { Credentials } from "../access/sigv4.js";
import type { Home } from "../domain/queries.js";

// What the functions file may say of a function, as io-ts codecs: the file is decoded, never trusted.

const Seconds = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 1 && n <= 900, "1 to 900 seconds");
const Common = t.partial({
  /** How long one step may take (Lambda's limit is 900 s); 30 s unless set. */
  timeoutSeconds: Seconds,
});
/** Which principal (a user of the principals file) the function's calls are made as; the root's keys if unset. */
const Role = t.partial({ role: t.string });

export const HttpFunction = t.intersection([t.type({ type: t.literal("http"), url: t.string }), Common]);
export const ExecFunction = t.intersection([
  t.type({ type: t.literal("exec") }),
  t.union([
    /** A handler in AWS's form (module.function), run by the runner shipped here. */
    t.intersection([
      t.type({ runtime: t.keyof({ python3: null, node: null }), handler: t.string }),
      t.partial({ codeDir: t.string, interpreter: t.string }),
    ]),
    /** Any program: the event on stdin, success is exit code 0. */
    t.type({ command: t.array(t.string) }),
  ]),
  t.partial({ environment: t.record(t.string, t.string) }),
  Role,
  Common,
]);
export const BuiltinFunction = t.intersection([
  t.type({ type: t.literal("builtin") }),
  t.partial({
    /** For a JSON secret, the key that gets the new password (the other keys are kept); `password` unless set. */
    jsonKey: t.string,
    passwordLength: t.number,
    excludeCharacters: t.string,
    excludePunctuation: t.boolean,
    excludeNumbers: t.boolean,
    excludeUppercase: t.boolean,
    excludeLowercase: t.boolean,
    includeSpace: t.boolean,
  }),
  Role,
  Common,
]);
export const FunctionSpec = t.union([HttpFunction, ExecFunction, BuiltinFunction]);
export type FunctionSpec = t.TypeOf<typeof FunctionSpec>;
export type ExecSpec = t.TypeOf<typeof ExecFunction>;
export type BuiltinSpec = t.TypeOf<typeof BuiltinFunction>;

export const FunctionsFile = t.type({ functions: t.record(t.string, FunctionSpec) });

/** What a function needs of the running service: where it answers, its region, and a role's access key. */
export type FunctionEnvironment = {
  readonly home: Home;
  /** The service's HTTP endpoint (known once it listens). */
  readonly endpoint: () => string;
  /** A principal's access key by user name (the root's when `role` is undefined); undefined if no such user. */
  readonly credentialsOf: (role: string | undefined) => Credentials | undefined;
};
