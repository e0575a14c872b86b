import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { IgnoreMode, IgnoreStrategy } from 'aws-cdk-lib';

/** The files of a source directory, as paths relative to it with `/` separators, sorted; excluded ones left out. */
export function listSourceFiles(directory: string, exclude: string[] = [], ignoreMode?: IgnoreMode): string[] {
  const root = path.resolve(directory);
  const ignore = IgnoreStrategy.fromCopyOptions({ exclude, ignoreMode }, root);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (ignore.ignores(full)) {
        continue;
      }
      const stat = fs.statSync(full);
      if (stat.isDirectory()) {
        walk(full);
      } else if (stat.isFile()) {
        files.push(path.relative(root, full).split(path.sep).join('/'));
      }
    }
  };
  walk(root);
  return files;
}

/**
 * A gzipped tar archive of files of a directory, byte for byte the same for the same files wherever it is built:
 * entries in the given order, modification times 0, owner 0, mode 644 (755 for files executable by their owner).
 * The format is POSIX ustar, which Python's `tarfile` (the SageMaker training toolkit's extractor) reads.
 */
export function tarGz(directory: string, files: string[]): Buffer {
  const blocks: Buffer[] = [];
  for (const rel of files) {
    const full = path.join(directory, ...rel.split('/'));
    const data = fs.readFileSync(full);
    // Executable by its owner: the owner's execute bit (0o100) is set.
    const executable = Math.floor(fs.statSync(full).mode / 0o100) % 2 === 1;
    blocks.push(ustarHeader(rel, data.length, executable ? 0o755 : 0o644));
    blocks.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad > 0) {
      blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(1024));
  const gz = zlib.gzipSync(Buffer.concat(blocks), { level: 9 });
  // The header's operating-system byte depends on the platform zlib was built for: fix it to "unknown".
  gz[9] = 255;
  return gz;
}

function ustarHeader(name: string, size: number, mode: number): Buffer {
  const header = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar splits a long path at a '/' into a prefix (at most 155 bytes) and a name (at most 100 bytes).
    const cut = [...name].map((c, i) => (c === '/' ? i : -1)).filter((i) => i >= 0)
      .find((i) => Buffer.byteLength(name.slice(0, i)) <= 155 && Buffer.byteLength(name.slice(i + 1)) <= 100);
    if (cut === undefined) {
      throw new Error(`the path '${name}' is too long for a source archive (at most 255 bytes, with a '/' that splits it into 155 and 100)`);
    }
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  header.write(base, 0, 100, 'utf8');
  writeOctal(header, 100, 8, mode);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, 0);
  header.fill(' ', 148, 156);
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\u000000', 257, 8, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) {
    sum += byte;
  }
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return header;
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) {
    throw new Error(`a file of ${value} bytes is too large for a source archive`);
  }
  buf.write(`${text}\u0000`, offset, length, 'ascii');
}

/**
 * A directory in the system's temporary directory holding the given files (name → content), for an asset to be made
 * from: the asset copies it into the cloud assembly, so the directory is only read during synthesis.
 */
export function stageFiles(files: Record<string, Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sagemaker-pipelines-'));
  for (const [name, content] of Object.entries(files)) {
    // A name may hold folders ('deps/util.py').
    const file = path.join(dir, ...name.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return dir;
}
