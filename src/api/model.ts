import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import serviceModel from "./model/secretsmanager-2017-10-17.json" with { type: "json" };

// The service model (botocore's service-2.json for secretsmanager 2017-10-17, kept verbatim beside this file)
// is the authority for member names, required members and every length, pattern, range and enum. Each input
// shape is compiled once into an io-ts codec that checks all of them.

type ShapeRef = { readonly shape: string };
type Shape = {
  readonly type: "structure" | "list" | "map" | "string" | "blob" | "boolean" | "integer" | "long" | "timestamp";
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly required?: ReadonlyArray<string>;
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: ReadonlyArray<string>;
  readonly sensitive?: boolean;
};

const shapes = serviceModel.shapes as unknown as Readonly<Record<string, Shape>>;
const operations = serviceModel.operations as unknown as Readonly<Record<string, { readonly input?: ShapeRef }>>;

export const operationNames: ReadonlyArray<string> = Object.keys(operations);

/** A request member that broke the model: a wrong JSON type, or a constraint. */
export type InputProblem =
  | { readonly _tag: "WrongType"; readonly expected: string; readonly actual: string }
  | {
      readonly _tag: "ConstraintViolated";
      readonly path: string;
      readonly value: unknown;
      readonly sensitive: boolean;
      readonly constraint: string;
    };

const jsonKind = (u: unknown): string =>
  u === null
    ? "NULL_VALUE"
    : Array.isArray(u)
      ? "START_ARRAY"
      : typeof u === "object"
        ? "START_OBJECT"
        : typeof u === "string"
          ? "VALUE_STRING"
          : typeof u === "number"
            ? "VALUE_NUMBER"
            : "VALUE_BOOLEAN";

// io-ts failures carry our problem as their message, JSON-encoded.
const wrongType = (u: unknown, c: t.Context, expected: string): t.Validation<never> =>
  t.failure(u, c, JSON.stringify({ _tag: "WrongType", expected, actual: jsonKind(u) } satisfies InputProblem));

const violated = (u: unknown, c: t.Context, sensitive: boolean, constraint: string): t.Errors => [
  {
    value: u,
    context: c,
    message: JSON.stringify({
      _tag: "ConstraintViolated",
      path: awsPath(c),
      value: sensitive ? undefined : u,
      sensitive,
      constraint,
    } satisfies InputProblem),
  },
];

/** AWS names a member by its camelCase path: `secretId`, `versionStages.1.member`, `tags.2.member.key`. */
const awsPath = (c: t.Context): string =>
  c
    .slice(1)
    .map((entry) => (/^\d+$/.test(entry.key) ? `${Number(entry.key) + 1}.member` : lowerFirst(entry.key)))
    .join(".");
const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

const lengthChecks = (shape: Shape, length: number): string[] => {
  const out: string[] = [];
  if (shape.min !== undefined && length < shape.min)
    out.push(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length > shape.max)
    out.push(`Member must have length less than or equal to ${shape.max}`);
  return out;
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const compiled = new Map<string, t.Type<unknown, unknown, unknown>>();

const codecOf = (shapeName: string): t.Type<unknown, unknown, unknown> => {
  const known = compiled.get(shapeName);
  if (known !== undefined) return known;
  const shape = shapes[shapeName];
  if (shape === undefined) throw new Error(`shape ${shapeName} is not in the model`);
  // Registered before compiling members, so a recursive shape refers to itself lazily.
  const codec: t.Type<unknown, unknown, unknown> = new t.Type(
    shapeName,
    (_u): _u is unknown => true,
    validator(shape),
    t.identity,
  );
  compiled.set(shapeName, codec);
  return codec;
};

/**
 * The model's patterns are Java regular expressions; some escape characters that need none (`\=`, `\!`), which
 * JavaScript accepts only outside unicode mode.
 */
const compilePattern = (pattern: string): RegExp => {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return new RegExp(pattern);
  }
};

const validator = (shape: Shape): t.Validate<unknown, unknown> => {
  const pattern = shape.pattern === undefined ? undefined : compilePattern(shape.pattern);
  // eslint-disable-next-line complexity -- one case per kind of shape in the service model; the shapes are AWS's.
  return (u, c) => {
    const sensitive = shape.sensitive === true;
    switch (shape.type) {
      case "structure": {
        if (typeof u !== "object" || u === null || Array.isArray(u)) return wrongType(u, c, "Structure");
        const input = u as Record<string, unknown>;
        const errors: t.Errors = [];
        const out: Record<string, unknown> = {};
        for (const required of shape.required ?? [])
          if (input[required] === undefined || input[required] === null) {
            const ref = shape.members?.[required] as ShapeRef;
            errors.push(
              ...violated(
                null,
                t.appendContext(c, required, codecOf(ref.shape), null),
                false,
                "Member must not be null",
              ),
            );
          }
        for (const [member, ref] of Object.entries(shape.members ?? {})) {
          const value = input[member];
          if (value === undefined || value === null) continue;
          const memberCodec = codecOf(ref.shape);
          const result = memberCodec.validate(value, t.appendContext(c, member, memberCodec, value));
          if (E.isLeft(result)) errors.push(...result.left);
          else out[member] = result.right;
        }
        return errors.length > 0 ? t.failures(errors) : t.success(out);
      }
      case "list": {
        if (!Array.isArray(u)) return wrongType(u, c, "List");
        const memberCodec = codecOf((shape.member as ShapeRef).shape);
        const errors: t.Errors = lengthChecks(shape, u.length).flatMap((m) => violated(u, c, sensitive, m));
        const out: unknown[] = [];
        u.forEach((item: unknown, i) => {
          const result = memberCodec.validate(item, t.appendContext(c, String(i), memberCodec, item));
          if (E.isLeft(result)) errors.push(...result.left);
          else out.push(result.right);
        });
        return errors.length > 0 ? t.failures(errors) : t.success(out);
      }
      case "map": {
        if (typeof u !== "object" || u === null || Array.isArray(u)) return wrongType(u, c, "Map");
        const valueCodec = codecOf((shape.value as ShapeRef).shape);
        const keyCodec = codecOf((shape.key as ShapeRef).shape);
        const errors: t.Errors = [];
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(u)) {
          const key = keyCodec.validate(k, t.appendContext(c, k, keyCodec, k));
          const value = valueCodec.validate(v, t.appendContext(c, k, valueCodec, v));
          if (E.isLeft(key)) errors.push(...key.left);
          if (E.isLeft(value)) errors.push(...value.left);
          if (E.isRight(key) && E.isRight(value)) out[k] = value.right;
        }
        return errors.length > 0 ? t.failures(errors) : t.success(out);
      }
      case "string": {
        if (typeof u !== "string") return wrongType(u, c, "String");
        const problems = lengthChecks(shape, u.length);
        if (pattern !== undefined && !pattern.test(u))
          problems.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
        if (shape.enum !== undefined && !shape.enum.includes(u))
          problems.push(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
        return problems.length > 0 ? t.failures(problems.flatMap((m) => violated(u, c, sensitive, m))) : t.success(u);
      }
      case "blob": {
        if (typeof u !== "string" || !BASE64.test(u)) return wrongType(u, c, "Blob");
        const bytes = Buffer.from(u, "base64");
        const problems = lengthChecks(shape, bytes.length);
        return problems.length > 0
          ? t.failures(problems.flatMap((m) => violated(u, c, sensitive, m)))
          : t.success(bytes);
      }
      case "boolean":
        return typeof u === "boolean" ? t.success(u) : wrongType(u, c, "Boolean");
      case "integer":
      case "long": {
        if (typeof u !== "number" || !Number.isInteger(u))
          return wrongType(u, c, shape.type === "long" ? "Long" : "Integer");
        const problems: string[] = [];
        if (shape.min !== undefined && u < shape.min)
          problems.push(`Member must have value greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && u > shape.max)
          problems.push(`Member must have value less than or equal to ${shape.max}`);
        return problems.length > 0 ? t.failures(problems.flatMap((m) => violated(u, c, sensitive, m))) : t.success(u);
      }
      case "timestamp":
        return typeof u === "number" && Number.isFinite(u) ? t.success(u) : wrongType(u, c, "Timestamp");
      default: {
        const unknownType: never = shape.type;
        return unknownType;
      }
    }
  };
};

/** The codec of an operation's input (every Secrets Manager operation has one). */
export const inputCodec = (operation: string): t.Type<unknown, unknown, unknown> => {
  const input = operations[operation]?.input;
  if (input === undefined) throw new Error(`operation ${operation} has no input shape in the model`);
  return codecOf(input.shape);
};

/** Decodes a request body for `operation`, or says every way in which it breaks the model. */
export const decodeInput = (
  operation: string,
  body: unknown,
): E.Either<ReadonlyArray<InputProblem>, Record<string, unknown>> =>
  E.bimap(
    (errors: t.Errors) => errors.map((e) => JSON.parse(e.message ?? "{}") as InputProblem),
    (decoded: unknown) => decoded as Record<string, unknown>,
  )(inputCodec(operation).validate(body, [{ key: "", type: inputCodec(operation), actual: body }]));
