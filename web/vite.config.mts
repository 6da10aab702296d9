import { defineConfig } from 'vite';

// The portal: built into web/dist by `npm run build` (vite build web), served by the service at `/`.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
  oxc: { jsx: { runtime: 'automatic' } },
});
