/** A short, safe description of any value, for usage errors. @internal */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
    case "function":
      return value.name ? `function ${value.name}` : "an anonymous function";
    case "object": {
      if (value === null) return "null";
      if (typeof (value as { then?: unknown }).then === "function") return "a promise";
      if (typeof (value as { next?: unknown }).next === "function") return "an iterator";
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      return ctor?.name ? `an object (${ctor.name})` : "an object";
    }
    case "symbol":
      return value.toString();
    case "bigint":
      return `${value}n`;
    default:
      return String(value);
  }
}

/** `Name: message` of an error, or a description of any other value. @internal */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  return describeValue(error);
}
