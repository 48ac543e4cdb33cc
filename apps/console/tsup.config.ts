import { copyFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

// The console is one browser bundle (dist/app.js) beside the page and its stylesheet, which the
// daemon serves as they are from dist/. Those two live in src/ so turbo's inputs cover them.
export default defineConfig({
  entry: { app: 'src/app.ts' },
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  dts: false,
  clean: true,
  sourcemap: true,
  minify: true,
  onSuccess: async () => {
    for (const file of ['index.html', 'style.css']) copyFileSync(`src/${file}`, `dist/${file}`);
  },
});
