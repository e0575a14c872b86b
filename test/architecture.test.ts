import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The layers of src/, lowest first (see .projenrc.ts, where eslint's import/no-restricted-paths enforces them too).
// Unlike eslint's import/no-cycle, the cycle search here counts type-only imports.
const SRC = path.join(__dirname, '..', 'src');
const LAYERS: Array<{ name: string; members: string[] }> = [
  { name: 'values', members: ['values/'] },
  // Helpers that several floors share (S3 grants, ECR pulls, image registries, asset staging, property paths, the
  // registration slots): below all of them, in no floor's private/ folder.
  { name: 'shared', members: ['shared/'] },
  { name: 'steps', members: ['steps/', 'container-image.ts', 'code.ts', 'instance-type.ts', 'model-package-group.ts', 'regulated-account.ts'] },
  { name: 'engine', members: ['private/'] },
  { name: 'pipeline', members: ['pipeline.ts', 'dry-run.ts', 'notifications.ts'] },
  { name: 'patterns', members: ['patterns/'] },
  { name: 'monitoring', members: ['monitoring/'] },
  { name: 'index', members: ['index.ts'] },
  { name: 'tools', members: ['import/'] },
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** The relative imports of a TypeScript source, type-only imports and re-exports included. */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source)) !== null) {
    specs.push(m[1]);
  }
  return specs;
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

export function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    graph.set(f, importsOf(fs.readFileSync(f, 'utf-8')).map((s) => resolve(f, s)).filter((x): x is string => x !== undefined));
  }
  return graph;
}

/** Every cycle's files, as found by a depth-first search (empty when there is none). */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    if (state.get(f) === 'done') {
      return;
    }
    if (state.get(f) === 'visiting') {
      cycles.push([...stack.slice(stack.indexOf(f)), f]);
      return;
    }
    state.set(f, 'visiting');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) {
    visit(f);
  }
  return cycles;
}

function layerOf(file: string): number {
  const rel = path.relative(SRC, file).split(path.sep).join('/');
  const i = LAYERS.findIndex((l) => l.members.some((m) => (m.endsWith('/') ? rel.startsWith(m) : rel === m)));
  if (i < 0) {
    throw new Error(`${rel} belongs to no layer: add it to LAYERS here and in .projenrc.ts`);
  }
  return i;
}

describe('the layers of src/', () => {
  const graph = importGraph(sourceFiles(SRC));
  const rel = (f: string) => path.relative(SRC, f);

  test('no import cycle, type-only imports included', () => {
    expect(findCycles(graph).map((c) => c.map(rel).join(' -> '))).toEqual([]);
  });

  test('every import points to the same layer or a lower one', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      for (const imported of imports) {
        if (layerOf(imported) > layerOf(file)) {
          upward.push(`${rel(file)} (${LAYERS[layerOf(file)].name}) imports ${rel(imported)} (${LAYERS[layerOf(imported)].name})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  test('no step imports the pipeline class, no value a step class', () => {
    for (const [file, imports] of graph) {
      const r = rel(file);
      if (r.startsWith('steps')) {
        expect(imports.map(rel)).not.toContain('pipeline.ts');
      }
      if (r.startsWith('values')) {
        expect(imports.map(rel).filter((i) => i.startsWith('steps'))).toEqual([]);
      }
    }
  });

  test('a floor\'s private/ folder is its own: only its floor imports it', () => {
    const leaks: string[] = [];
    for (const [file, imports] of graph) {
      for (const imported of imports) {
        const m = /^(steps|values|monitoring)\/private\//.exec(rel(imported));
        if (m && !rel(file).startsWith(`${m[1]}/`)) {
          leaks.push(`${rel(file)} imports ${rel(imported)}`);
        }
      }
    }
    // values/private (evaluation and rendering contexts, the edit distance) is the values floor's interface to the
    // engine and to the property-path check, which read it by design.
    expect(leaks.filter((l) => !/imports values\/private\//.test(l))).toEqual([]);
  });

  test('the checks find what they look for', () => {
    // A scratch graph with a type-only cycle and an upward import, to show the checks can fail.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
    fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = B;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "export { x } from './c';\nexport type B = string;\n");
    fs.writeFileSync(path.join(dir, 'c.ts'), "import type { A } from './a';\nexport const x: A | undefined = undefined;\n");
    const cycles = findCycles(importGraph(['a.ts', 'b.ts', 'c.ts'].map((f) => path.join(dir, f))));
    expect(cycles.map((c) => c.map((f) => path.basename(f)).join(' -> '))).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
    expect(() => layerOf(path.join(SRC, 'unplaced.ts'))).toThrow(/belongs to no layer/);
    expect(layerOf(path.join(SRC, 'steps', 'step.ts'))).toBeLessThan(layerOf(path.join(SRC, 'pipeline.ts')));
  });
});
