import * as fs from 'fs';
import * as path from 'path';
import { editDistance } from '../values/private/edit-distance';
import { ValueKind } from '../values/value-kind';

/*
 * Which step properties exist: the response shapes of the SageMaker API (botocore's published model) and what
 * SageMaker Pipelines adds per step type (property files, Lambda/Callback output parameters, a condition's outcome),
 * from src/data/sagemaker-response-shapes.json. A property path is member names joined by '.', each with at most one
 * accessor: `[N]` on a list, `['key']` on a map or on a list whose elements are named (`Outputs['train']` selects the
 * output whose OutputName is 'train'); an element reached by an accessor cannot be indexed again.
 */

interface Shape {
  readonly type: string;
  readonly members?: Record<string, string>;
  readonly member?: string;
  readonly value?: string;
  readonly keyedBy?: string;
  /** 'dot': the map's entries follow a dot (PropertyFiles.<name>). */
  readonly access?: string;
}

interface StepTypeShapes {
  readonly root: string | null;
  readonly extra?: Record<string, string>;
  readonly renderedType?: string;
}

let data: { shapes: Record<string, Shape>; stepTypes: Record<string, StepTypeShapes> } | undefined;

function load() {
  if (!data) {
    data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'sagemaker-response-shapes.json'), 'utf-8'));
  }
  return data!;
}

/** What a property path resolves to, or why it does not. */
export interface PropertyPathResult {
  /** The type of the value at the path (ANY for a value typed only at run time). */
  readonly kind?: ValueKind;
  /** What the path resolves to, when it is not a single value (`structure`, `list`, `map`). */
  readonly container?: string;
  /** What is wrong, when it does not resolve (with suggestions). */
  readonly problem?: string;
}

const KIND_OF_PRIMITIVE: Record<string, ValueKind> = {
  string: ValueKind.STRING,
  timestamp: ValueKind.STRING,
  integer: ValueKind.INTEGER,
  long: ValueKind.INTEGER,
  float: ValueKind.FLOAT,
  double: ValueKind.FLOAT,
  boolean: ValueKind.BOOLEAN,
};

type Segment = { name: string; accessors: Array<string | number> };

function parse(p: string): Segment[] | string {
  const segments: Segment[] = [];
  let i = 0;
  for (;;) {
    const m = /^[A-Za-z0-9_-]+/.exec(p.slice(i));
    if (!m) {
      return `expected a member name at offset ${i}`;
    }
    const seg: Segment = { name: m[0], accessors: [] };
    i += m[0].length;
    while (p[i] === '[') {
      const quote = p[i + 1];
      if (quote === "'" || quote === '"') {
        const end = p.indexOf(`${quote}]`, i + 2);
        if (end < 0) {
          return `unterminated [${quote}...${quote}] at offset ${i}`;
        }
        seg.accessors.push(p.slice(i + 2, end));
        i = end + 2;
      } else {
        const n = /^\[(\d+)\]/.exec(p.slice(i));
        if (!n) {
          return `expected [N] or ['key'] at offset ${i}`;
        }
        seg.accessors.push(Number(n[1]));
        i += n[0].length;
      }
    }
    segments.push(seg);
    if (i === p.length) {
      return segments;
    }
    if (p[i] !== '.') {
      return `expected '.' at offset ${i}`;
    }
    i += 1;
  }
}

/** Up to three names near `word`, nearest first. */
export function nearest(word: string, names: string[]): string[] {
  const w = word.toLowerCase();
  return names
    .map((n) => ({ n, d: n.toLowerCase() === w ? 0 : editDistance(w, n.toLowerCase()) }))
    .filter(({ n, d }) => d <= Math.max(2, Math.floor(n.length / 3)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 3)
    .map(({ n }) => n);
}

function didYouMean(names: string[]): string {
  return names.length > 0 ? `; did you mean ${names.join(', ')}?` : '';
}

/**
 * Resolves a property path of a step of the given type (the definition's `Type`: `Processing`, `Training`, ...).
 */
export function resolvePropertyPath(stepType: string, propertyPath: string): PropertyPathResult {
  const { shapes, stepTypes } = load();
  const st = stepTypes[stepType];
  if (!st) {
    return { problem: `SageMaker Pipelines knows no step type ${stepType}` };
  }
  if (st.renderedType) {
    return resolvePropertyPath(st.renderedType, propertyPath);
  }
  const segments = parse(propertyPath);
  if (typeof segments === 'string') {
    return { problem: `'${propertyPath}' is not a property path (${segments}); expected member names joined by '.', each with at most one [N] or ['key']` };
  }
  let members: Record<string, string> | undefined = { ...(st.root ? shapes[st.root].members : {}), ...(st.extra ?? {}) };
  if (Object.keys(members).length === 0) {
    return { problem: `a ${stepType} step has no properties that later steps can read` };
  }
  let where = '';
  let current: string | undefined;
  let insideCollection = false;
  for (const seg of segments) {
    const shape = current ? shapes[current] : undefined;
    if (shape && shape.type === 'map' && shape.access === 'dot') {
      if (seg.accessors.length > 0) {
        return { problem: `${where}.${seg.name} takes no [...] accessor` };
      }
      where = `${where}.${seg.name}`;
      current = shape.value;
      members = undefined;
      continue;
    }
    if (!members) {
      if (insideCollection) {
        return { problem: `${where} is an element of a list or map that is itself a ${shape?.type}: it cannot be indexed again` };
      }
      if (shape && (shape.type === 'list' || shape.type === 'map')) {
        const last = where.split('.').pop();
        const hint = shape.type === 'map' || shape.keyedBy ? `${last}['...'].${seg.name}` : `${last}[0].${seg.name}`;
        return { problem: `${where} is a ${shape.type}: select an element before .${seg.name} (${hint})` };
      }
      return { problem: `${where} is a ${shape?.type ?? 'leaf'} value: there is nothing below it` };
    }
    const shapeName: string | undefined = members[seg.name];
    if (!shapeName) {
      return { problem: `${where === '' ? 'the step' : where} has no member ${seg.name}${didYouMean(nearest(seg.name, Object.keys(members)))}` };
    }
    where = where === '' ? seg.name : `${where}.${seg.name}`;
    current = shapeName;
    let s: Shape = shapes[shapeName];
    insideCollection = false;
    for (let a = 0; a < seg.accessors.length; a++) {
      const acc = seg.accessors[a];
      if (a > 0 || !(s.type === 'list' || s.type === 'map') || s.access === 'dot') {
        return { problem: `${where} is a ${s.type}${insideCollection ? ' inside a list or map' : ''}: it takes no ${typeof acc === 'number' ? `[${acc}]` : `['${acc}']`}` };
      }
      if (s.type === 'map' && typeof acc === 'number') {
        return { problem: `${where} is a map: select an entry by key (${seg.name}['${acc}'])` };
      }
      if (s.type === 'list' && typeof acc === 'string' && !s.keyedBy) {
        return { problem: `${where} is a list whose elements have no name: select one by position (${seg.name}[0])` };
      }
      where = `${where}${typeof acc === 'number' ? `[${acc}]` : `['${acc}']`}`;
      const element: string = s.type === 'list' ? s.member! : s.value!;
      current = element;
      s = shapes[element];
      insideCollection = s.type === 'list' || s.type === 'map';
    }
    members = s.type === 'structure' ? s.members : undefined;
  }
  const leaf = shapes[current!];
  if (['structure', 'list', 'map'].includes(leaf.type)) {
    return { container: leaf.type };
  }
  return { kind: KIND_OF_PRIMITIVE[leaf.type] ?? ValueKind.ANY };
}
