#!/usr/bin/env node
import { runCli } from './program.js';

// `serve` keeps the process alive through its server; other commands end when they return.
// No top-level await: the package also has a CommonJS build, which cannot hold one.
void runCli(process.argv.slice(2)).then((code) => {
  if (code !== 0) process.exitCode = code;
});
