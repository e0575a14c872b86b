import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', 'examples', 'seed-pipeline', 'scripts', 'preprocess.py');

describe('the seed pipeline preprocess.py', () => {
  test('splits labelled CSV rows 70/15/15 into header-less, label-first, standardised CSV files', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'preprocess-'));
    fs.mkdirSync(path.join(root, 'input'));
    const rows = ['label,a,b'];
    for (let i = 0; i < 200; i++) {
      rows.push(`${i % 2},${i},${(i * 7) % 13}`);
    }
    rows.push('1,,3'); // incomplete: dropped
    fs.writeFileSync(path.join(root, 'input', 'raw.csv'), rows.join('\n') + '\n');

    const run = spawnSync('python3', [SCRIPT], { env: { ...process.env, PROCESSING_ROOT: root }, encoding: 'utf-8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);

    const read = (name: string) => fs.readFileSync(path.join(root, name, `${name}.csv`), 'utf-8').trim().split('\n').map((l) => l.split(','));
    const train = read('train');
    const validation = read('validation');
    const test = read('test');
    expect([train.length, validation.length, test.length]).toEqual([140, 30, 30]);
    for (const row of [...train, ...validation, ...test]) {
      expect(row).toHaveLength(3);
      expect(['0', '1']).toContain(row[0]);
    }
    // The training features are standardised: mean 0.
    const mean = train.reduce((sum, r) => sum + Number(r[1]), 0) / train.length;
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('fails with a clear message when there is no usable row', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'preprocess-'));
    fs.mkdirSync(path.join(root, 'input'));
    fs.writeFileSync(path.join(root, 'input', 'raw.csv'), 'a,b\nx,y\n');
    const run = spawnSync('python3', [SCRIPT], { env: { ...process.env, PROCESSING_ROOT: root }, encoding: 'utf-8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/no usable rows under .*input: expected CSV files with a 0\/1 label first/);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
