#!/usr/bin/env node
// Compares an integration test's fresh synthesis with its committed snapshot (the integ:<name>:assert tasks).
// What is compared: every file of the snapshot folder and of the new output, except what projen's snapshot does not
// commit (asset.* folders and files, cdk.out, manifest.json, tree.json). One difference is not a change: the `salt` of
// @aws-cdk/integ-tests-alpha's assertion resources is the synthesis time (Date.now()), so that CloudFormation reruns the
// assertions on every deploy; it is compared as "<salt>", and so is the hash of a template in the assets manifests (the
// template itself is compared). A difference fails with a diff of the two folders.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const EXCLUDED = [/^asset\./, /^cdk\.out$/, /^manifest\.json$/, /^tree\.json$/];

function files(dir) {
  const out = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (EXCLUDED.some((re) => re.test(entry.name))) {
        continue;
      }
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        walk(child);
      } else {
        out.push(child);
      }
    }
  };
  walk('');
  return out.sort();
}

function normalized(file) {
  const text = fs.readFileSync(file, 'utf-8');
  if (file.endsWith('.assets.json')) {
    const manifest = JSON.parse(text);
    const filesOut = {};
    for (const [hash, entry] of Object.entries(manifest.files ?? {})) {
      if (!entry.source?.path?.endsWith('.template.json')) {
        filesOut[hash] = entry;
        continue;
      }
      const destinations = {};
      for (const [id, destination] of Object.entries(entry.destinations ?? {})) {
        destinations[id.replace(/-[0-9a-f]{8}$/, '-<hash>')] = { ...destination, objectKey: '<template hash>.json' };
      }
      filesOut[`<hash of ${entry.source.path}>`] = { ...entry, destinations };
    }
    return `${JSON.stringify({ ...manifest, files: filesOut }, undefined, 1)}\n`;
  }
  if (!file.endsWith('.template.json')) {
    return text;
  }
  const template = JSON.parse(text);
  for (const resource of Object.values(template.Resources ?? {})) {
    if (typeof resource.Type === 'string' && resource.Type.startsWith('Custom::DeployAssert@') && resource.Properties?.salt !== undefined) {
      resource.Properties.salt = '<salt>';
    }
  }
  return `${JSON.stringify(template, undefined, 1)}\n`;
}

function main(snapshotDir, outDir) {
  if (!fs.existsSync(snapshotDir)) {
    console.error(`no snapshot at ${snapshotDir}: run its integ:<name>:snapshot task and commit the result`);
    return 1;
  }
  const [left, right] = [snapshotDir, outDir].map((dir) => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-assert-'));
    for (const rel of files(dir)) {
      fs.mkdirSync(path.dirname(path.join(copy, rel)), { recursive: true });
      fs.writeFileSync(path.join(copy, rel), normalized(path.join(dir, rel)));
    }
    return copy;
  });
  const diff = spawnSync('diff', ['-r', '-u', left, right], { encoding: 'utf-8' });
  if (diff.status === 0) {
    console.log(`${snapshotDir}: the synthesized app matches its snapshot (${files(snapshotDir).length} files)`);
    return 0;
  }
  console.error(`${snapshotDir}: the synthesized app differs from its snapshot (left: snapshot, right: now). If the change `
    + 'is intended, refresh the snapshot with the integ:<name>:snapshot task and commit it.');
  console.error(diff.stdout.split(left).join(snapshotDir).split(right).join(outDir), diff.stderr);
  return 1;
}

process.exitCode = main(process.argv[2], process.argv[3]);
