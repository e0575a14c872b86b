/**
 * Checks a JSON path as SageMaker's JsonGet reads it (JsonPath without the leading `$`): dot-separated keys,
 * with `[n]` indexes and `['key']` / `["key"]` members. Returns what is wrong, or undefined when it parses.
 */
export function checkJsonPath(path: string): string | undefined {
  return parseJsonPath(path).error;
}

/** One step of a parsed JSON path: a member name or an array index. */
export type PathSegment = { key: string } | { index: number };

/** Parses a JSON path into its segments. */
export function parseJsonPath(path: string): { segments: PathSegment[]; error?: string } {
  const segments: PathSegment[] = [];
  if (path.length === 0) {
    return { segments, error: 'it is empty' };
  }
  let i = 0;
  if (path.startsWith('$')) {
    return { segments, error: "it starts with '$'; SageMaker paths start at the document's root without it" };
  }
  let expectKey = true;
  while (i < path.length) {
    const c = path[i];
    if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) {
        return { segments, error: `'[' at position ${i} is never closed` };
      }
      const inner = path.slice(i + 1, close);
      if (/^\d+$/.test(inner)) {
        segments.push({ index: Number(inner) });
      } else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) {
        segments.push({ key: inner.slice(1, -1) });
      } else {
        return { segments, error: `'[${inner}]' is neither an index nor a quoted key` };
      }
      i = close + 1;
      expectKey = false;
    } else if (c === '.') {
      if (expectKey) {
        return { segments, error: `an empty key at position ${i}` };
      }
      i++;
      expectKey = true;
      if (i === path.length) {
        return { segments, error: 'it ends with a dot' };
      }
    } else {
      if (!expectKey) {
        return { segments, error: `unexpected '${c}' at position ${i}; expected '.' or '['` };
      }
      const m = /^[^.[\]]+/.exec(path.slice(i))!;
      const key = m[0];
      if (/\s/.test(key)) {
        return { segments, error: `key '${key}' contains white space; quote it as ['${key}']` };
      }
      segments.push({ key });
      i += key.length;
      expectKey = false;
    }
  }
  return { segments };
}
