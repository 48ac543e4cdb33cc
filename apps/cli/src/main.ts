#!/usr/bin/env node
import { runCli } from './program.js';

// `serve` keeps the process alive through its server; other commands end when they return.
const code = await runCli(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
