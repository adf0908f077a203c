#!/usr/bin/env node
// The CLI runs from the compiled dist/ (built by `npm ci` / `npm install` through "prepare").
import { main } from '../dist/src/cli.js';

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
