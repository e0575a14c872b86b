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

/** A path written one way for comparison: `a.b[0].c`, quoted keys as plain keys where they can be. */
export function canonicalPath(segments: PathSegment[]): string {
  return segments.map((s, i) => ('index' in s ? `[${s.index}]` : /^[^.[\]\s'"]+$/.test(s.key) ? `${i === 0 ? '' : '.'}${s.key}` : `['${s.key}']`)).join('');
}

/** Looks a path up in a JSON document. */
export function lookupPath(document: any, segments: PathSegment[]): { found: boolean; value?: any; missing?: string } {
  let current = document;
  const walked: PathSegment[] = [];
  for (const segment of segments) {
    walked.push(segment);
    if ('index' in segment) {
      if (!Array.isArray(current) || segment.index >= current.length) {
        return { found: false, missing: `${canonicalPath(walked)} does not exist` };
      }
      current = current[segment.index];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !(segment.key in current)) {
        const keys = current !== null && typeof current === 'object' && !Array.isArray(current) ? Object.keys(current) : [];
        return { found: false, missing: `${canonicalPath(walked)} does not exist${keys.length ? `; there: ${keys.join(', ')}` : ''}` };
      }
      current = current[segment.key];
    }
  }
  return { found: true, value: current };
}
