import { defineConfig } from 'vite';

// The app is served by the API at "/" (Api/Hosting/WebAppHosting.cs); `npm run dev` proxies the API on :8080.
// Vite 6 (not 8) so that Debian 12's Node 18 builds it too.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { target: 'es2022', outDir: 'dist', assetsDir: 'assets', sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
