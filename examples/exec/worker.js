#!/usr/bin/env node
// A perfgate exec worker in Node.js: operations are promises, so it takes several at once and
// answers each when it settles (run it with --in-flight K > 1).
//
//   perfgate exec --in-flight 16 -c 16 -d 10s -- node examples/exec/worker.js
//
// Replace `operation` with the call to measure (an HTTP client call, a message-bus publish).
const readline = require('readline');

async function operation(payload) {
  // The operation under test: here a timer of 1 ms. Throw to report an error.
  if (payload === 'fail') throw new Error('asked to fail');
  await new Promise((resolve) => setTimeout(resolve, 1));
}

process.stdout.write('ready\n');
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const tab = line.indexOf('\t');
  const id = tab < 0 ? line : line.slice(0, tab);
  const payload = tab < 0 ? '' : line.slice(tab + 1);
  operation(payload).then(
    () => process.stdout.write(`${id}\tok\n`),
    (error) => process.stdout.write(`${id}\terror\t${String(error.message).replace(/[\t\n]/g, ' ')}\n`),
  );
});
lines.on('close', () => process.exit(0));
