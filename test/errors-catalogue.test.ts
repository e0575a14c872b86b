import * as fs from 'fs';
import * as path from 'path';

/** Every message the library throws (or reports from a check), as a template with `…` for the values. */
function errorTemplates(): Array<{ file: string; template: string }> {
  const root = path.join(__dirname, '..', 'src');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const f of fs.readdirSync(dir)) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isDirectory()) {
        walk(p);
      } else if (p.endsWith('.ts')) {
        files.push(p);
      }
    }
  };
  walk(root);
  const literal = "(?:`(?:[^`\\\\]|\\\\.)*`|'(?:[^'\\\\]|\\\\.)*')";
  const site = new RegExp(`(?:throw new (?:Error|StepFailure)\\(|problems\\.push\\(|return \\[|add\\()\\s*(${literal}(?:\\s*\\+\\s*${literal})*)`, 'g');
  const out: Array<{ file: string; template: string }> = [];
  for (const file of files) {
    const source = fs.readFileSync(file, 'utf-8');
    for (const m of source.matchAll(site)) {
      const template = m[1]
        .replace(/[`']\s*\+\s*[`']/g, '')
        .replace(/^[`']|[`']$/g, '')
        .replace(/\$\{(?:this\.node\.path|where|scope\.node\.path|step\.node\.path|node\.step\.node\.path|path)\}/g, '<path>')
        .replace(/\$\{[^}]*\}/g, '…')
        .replace(/\\(['`])/g, '$1');
      out.push({ file: path.relative(root, file), template });
    }
  }
  return out;
}

describe('docs/errors.md', () => {
  const catalogue = fs.readFileSync(path.join(__dirname, '..', 'docs', 'errors.md'), 'utf-8').replace(/\\\|/g, '|');
  const templates = errorTemplates();

  test('finds the library\'s error sites', () => {
    expect(templates.length).toBeGreaterThan(100);
  });

  test('lists every error the library reports', () => {
    const internal = ['bash', 'python3', '/bin/bash', '<path>: …'];
    const missing: string[] = [];
    for (const { file, template } of templates) {
      if (internal.includes(template) || template.startsWith('cannot render nested step')) {
        continue;
      }
      for (const fragment of template.split(/…|\$\{/).map((f) => f.trim()).filter((f) => f.length >= 8)) {
        if (!catalogue.includes(fragment)) {
          missing.push(`${file}: "${fragment}" (of "${template}")`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
