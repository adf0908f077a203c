#!/usr/bin/env node
// The CLI runs from the compiled dist/ (built by `npm ci` / `npm install` through "prepare").
import { main } from '../dist/src/cli.js';

// A reader that stops early (`chatcheck --help | head -1`) closes the pipe: what is left to print is
// dropped, and the run goes on to its end, dropping its databases, instead of dying on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // Not a usage or setup problem: a bug in chatcheck. Show everything.
    console.error(error);
    process.exitCode = 3; // EXIT_INTERNAL: never 1 (a finding) or 2 (a setup error)
  },
);
